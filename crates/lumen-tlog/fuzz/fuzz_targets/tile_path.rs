//! Tile-path parsing never panics, accepts only canonical paths, and entry bundles and hash tiles
//! decode without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lumen_tlog::tiles::{TilePath, decode_entry_bundle, decode_hash_tile, parse_tile_path};

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match parse_tile_path(text) {
            Ok(TilePath::Hashes(t)) => assert_eq!(t.path(), text),
            Ok(TilePath::Entries(b)) => assert_eq!(b.path(), text),
            Err(_) => {}
        }
    }
    let width = data.first().map_or(1, |b| u16::from(*b).max(1));
    let _ = decode_entry_bundle(data, width);
    let _ = decode_hash_tile(data, width);
});
