//! C2SP tlog-tiles: resource paths, hash tiles and entry bundles.
//!
//! A log of size `s` is served as *tiles*: the tile at level `l` and index `n` holds the Merkle
//! Tree Hashes `MTH(D[(n·256 + i)·256^l : (n·256 + i + 1)·256^l])` for `i` in `0..w`, 32 bytes
//! each, where `w` is 256 for a full tile and `floor(s / 256^l) mod 256` for the rightmost,
//! partial tile of that level. Level-0 tiles hold leaf hashes. Entries are served as *entry
//! bundles*: the entries of level-0 tile `n`, each prefixed with its length as a big-endian `u16`.
//!
//! Paths: `tile/<L>/<N>[.p/<W>]` and `tile/entries/<N>[.p/<W>]`, where `<N>` is written in
//! zero-padded 3-digit groups, all but the last prefixed with `x`:
//!
//! ```
//! use lumen_tlog::tiles::{TileId, encode_index, parse_tile_path, TilePath};
//! assert_eq!(encode_index(1_234_067), "x001/x234/067");
//! let t = TileId { level: 1, index: 1_234_067, width: 17 };
//! assert_eq!(t.path(), "tile/1/x001/x234/067.p/17");
//! assert_eq!(parse_tile_path("tile/1/x001/x234/067.p/17").unwrap(), TilePath::Hashes(t));
//! ```

use crate::merkle::{Hash, HashSource, ProofError, root as merkle_root};
use crate::storage::TileReader;

/// Hashes per full tile (tiles have height 8).
pub const TILE_WIDTH: u64 = 256;
/// Tree levels spanned by one tile.
pub const TILE_HEIGHT: u32 = 8;
pub use crate::merkle::HASH_LEN;
/// Largest tile level a path may name.
pub const MAX_LEVEL: u8 = 63;
/// Largest entry an entry bundle can hold (its length prefix is a `u16`).
pub const MAX_ENTRY_LEN: usize = u16::MAX as usize;

/// What is wrong with a tile path, hash tile or entry bundle.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TileError {
    /// The path is not a canonical tile or entry-bundle path.
    #[error("not a canonical tile path: {path:?}")]
    BadPath {
        /// The path as given.
        path: String,
    },
    /// A hash tile's length is not a positive multiple of 32 bytes up to 8192.
    #[error("hash tile of {len} bytes: expected {want} bytes")]
    BadTileLength {
        /// The length found.
        len: usize,
        /// The length the tile's width requires.
        want: usize,
    },
    /// An entry bundle ends inside an entry or its length prefix.
    #[error("entry bundle truncated in entry {entry}")]
    TruncatedBundle {
        /// Index of the entry (within the bundle) that is cut short.
        entry: usize,
    },
    /// An entry bundle holds a different number of entries than its width.
    #[error("entry bundle holds {got} entries, expected {want}")]
    BundleWidth {
        /// Entries found.
        got: usize,
        /// Entries expected.
        want: usize,
    },
    /// An entry is too long for a `u16` length prefix.
    #[error("entry of {len} bytes exceeds the 65535-byte limit of entry bundles")]
    EntryTooLong {
        /// The entry's length.
        len: usize,
    },
}

/// Writes `n` in 3-digit groups, all but the last prefixed with `x` (`1234067` → `x001/x234/067`).
pub fn encode_index(n: u64) -> String {
    let mut groups = Vec::new();
    let mut rest = n;
    loop {
        groups.push(rest % 1000);
        rest /= 1000;
        if rest == 0 {
            break;
        }
    }
    let last = groups.len() - 1;
    groups
        .iter()
        .rev()
        .enumerate()
        .map(|(i, g)| {
            if i < last {
                format!("x{g:03}")
            } else {
                format!("{g:03}")
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// Parses the canonical encoding of [`encode_index`] (no superfluous leading `x000` groups).
pub fn parse_index(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split('/').collect();
    let (last, init) = parts.split_last()?;
    let mut n: u64 = 0;
    for (i, part) in init.iter().enumerate() {
        let digits = part.strip_prefix('x')?;
        let g = three_digits(digits)?;
        if i == 0 && g == 0 {
            return None;
        }
        n = n.checked_mul(1000)?.checked_add(g)?;
    }
    n.checked_mul(1000)?.checked_add(three_digits(last)?)
}

fn three_digits(s: &str) -> Option<u64> {
    if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// A decimal without leading zeros in `min..=max`.
fn small_decimal(s: &str, min: u64, max: u64) -> Option<u64> {
    if s.is_empty()
        || s.len() > 3
        || !s.bytes().all(|b| b.is_ascii_digit())
        || (s.len() > 1 && s.starts_with('0'))
    {
        return None;
    }
    let v: u64 = s.parse().ok()?;
    (min..=max).contains(&v).then_some(v)
}

/// A hash tile: level, index, and width (1..=256; 256 means full).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TileId {
    /// The tile level (0 holds leaf hashes).
    pub level: u8,
    /// The tile index within its level.
    pub index: u64,
    /// Number of hashes, 1..=256.
    pub width: u16,
}

impl TileId {
    /// The tile's path: `tile/<L>/<N>` or `tile/<L>/<N>.p/<W>`.
    pub fn path(&self) -> String {
        format!(
            "tile/{}/{}{}",
            self.level,
            encode_index(self.index),
            partial_suffix(self.width)
        )
    }

    /// Whether the tile is full (256 hashes).
    pub fn is_full(&self) -> bool {
        u64::from(self.width) == TILE_WIDTH
    }
}

/// An entry bundle: the entries of level-0 tile `index`; width 1..=256.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BundleId {
    /// The bundle index (the index of the matching level-0 tile).
    pub index: u64,
    /// Number of entries, 1..=256.
    pub width: u16,
}

impl BundleId {
    /// The bundle's path: `tile/entries/<N>` or `tile/entries/<N>.p/<W>`.
    pub fn path(&self) -> String {
        format!(
            "tile/entries/{}{}",
            encode_index(self.index),
            partial_suffix(self.width)
        )
    }
}

fn partial_suffix(width: u16) -> String {
    if u64::from(width) == TILE_WIDTH {
        String::new()
    } else {
        format!(".p/{width}")
    }
}

/// A parsed tile-tree path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TilePath {
    /// A hash tile.
    Hashes(TileId),
    /// An entry bundle.
    Entries(BundleId),
}

impl TilePath {
    /// True when everything this resource holds lies inside the tree of the first `size` leaves:
    /// its last position, `index·256 + width`, is at most the number of hashes its level has in
    /// that tree, `floor(size / 256^level)` (level 0 for an entry bundle, whose entries are the
    /// leaves of level-0 tile `index`).
    ///
    /// This is the rule for which resources a server may show a client that holds a checkpoint
    /// of `size`: every tile and bundle of [`tiles_for_size`], and the narrower partial ones
    /// written for smaller trees, but nothing that reaches past the tree.
    pub fn within(&self, size: u64) -> bool {
        let (level, index, width) = match *self {
            TilePath::Hashes(t) => (t.level, t.index, t.width),
            TilePath::Entries(b) => (0, b.index, b.width),
        };
        index
            .checked_mul(TILE_WIDTH)
            .and_then(|first| first.checked_add(u64::from(width)))
            .is_some_and(|end| end <= hashes_at_level(level, size))
    }
}

/// Parses `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`, accepting only canonical forms.
pub fn parse_tile_path(path: &str) -> Result<TilePath, TileError> {
    let bad = || TileError::BadPath {
        path: path.to_owned(),
    };
    let rest = path.strip_prefix("tile/").ok_or_else(bad)?;
    let (level, rest) = rest.split_once('/').ok_or_else(bad)?;
    let (index_text, width) = match rest.split_once(".p/") {
        Some((idx, w)) => (
            idx,
            small_decimal(w, 1, TILE_WIDTH - 1).ok_or_else(bad)? as u16,
        ),
        None => (rest, TILE_WIDTH as u16),
    };
    let index = parse_index(index_text).ok_or_else(bad)?;
    if level == "entries" {
        return Ok(TilePath::Entries(BundleId { index, width }));
    }
    let level = small_decimal(level, 0, u64::from(MAX_LEVEL)).ok_or_else(bad)? as u8;
    Ok(TilePath::Hashes(TileId {
        level,
        index,
        width,
    }))
}

/// The tiles of level `level` that a tree of `size` leaves has: every full tile, then the
/// partial one if `floor(size / 256^level) mod 256` is not zero.
pub fn tiles_for_size(level: u8, size: u64) -> impl Iterator<Item = TileId> {
    let count = hashes_at_level(level, size);
    let full = count / TILE_WIDTH;
    let partial = (count % TILE_WIDTH) as u16;
    (0..full)
        .map(move |index| TileId {
            level,
            index,
            width: TILE_WIDTH as u16,
        })
        .chain((partial > 0).then_some(TileId {
            level,
            index: full,
            width: partial,
        }))
}

/// How many tile hashes level `level` holds for a tree of `size` leaves: `floor(size / 256^level)`.
pub fn hashes_at_level(level: u8, size: u64) -> u64 {
    let shift = u32::from(level) * TILE_HEIGHT;
    if shift >= 64 { 0 } else { size >> shift }
}

/// The rightmost tile at `level` for a tree of `size` leaves (partial or full), if the level has any hash.
pub fn last_tile(level: u8, size: u64) -> Option<TileId> {
    let count = hashes_at_level(level, size);
    if count == 0 {
        return None;
    }
    let index = (count - 1) / TILE_WIDTH;
    let width = (count - index * TILE_WIDTH) as u16;
    Some(TileId {
        level,
        index,
        width,
    })
}

/// Concatenates hashes into a hash tile.
pub fn encode_hash_tile(hashes: &[[u8; HASH_LEN]]) -> Vec<u8> {
    hashes.concat()
}

/// Splits a hash tile into its hashes; its length must be exactly `width` hashes.
pub fn decode_hash_tile(bytes: &[u8], width: u16) -> Result<Vec<[u8; HASH_LEN]>, TileError> {
    let want = usize::from(width) * HASH_LEN;
    if bytes.len() != want || width == 0 || u64::from(width) > TILE_WIDTH {
        return Err(TileError::BadTileLength {
            len: bytes.len(),
            want,
        });
    }
    Ok(bytes
        .chunks_exact(HASH_LEN)
        .map(|c| {
            let mut h = [0u8; HASH_LEN];
            h.copy_from_slice(c);
            h
        })
        .collect())
}

/// Appends `entry` to an entry bundle being built (big-endian `u16` length, then the bytes).
pub fn push_bundle_entry(bundle: &mut Vec<u8>, entry: &[u8]) -> Result<(), TileError> {
    let len =
        u16::try_from(entry.len()).map_err(|_| TileError::EntryTooLong { len: entry.len() })?;
    bundle.extend_from_slice(&len.to_be_bytes());
    bundle.extend_from_slice(entry);
    Ok(())
}

/// Splits an entry bundle into its entries; it must hold exactly `width` entries and nothing else.
pub fn decode_entry_bundle(bytes: &[u8], width: u16) -> Result<Vec<&[u8]>, TileError> {
    let mut entries = Vec::with_capacity(usize::from(width));
    let mut rest = bytes;
    while !rest.is_empty() {
        let entry = entries.len();
        if rest.len() < 2 {
            return Err(TileError::TruncatedBundle { entry });
        }
        let len = usize::from(u16::from_be_bytes([rest[0], rest[1]]));
        let body = rest
            .get(2..2 + len)
            .ok_or(TileError::TruncatedBundle { entry })?;
        entries.push(body);
        rest = &rest[2 + len..];
    }
    if entries.len() != usize::from(width) {
        return Err(TileError::BundleWidth {
            got: entries.len(),
            want: usize::from(width),
        });
    }
    Ok(entries)
}

/// A [`HashSource`] that reads the hash tiles of a tree of `size` leaves from a [`TileReader`],
/// so that roots and proofs are computed from tiles exactly as a remote client would.
///
/// A hash at tree level `8·L + r` is the root of `2^r` consecutive hashes of one level-`L` tile.
/// Tiles are read once and cached.
pub struct TileHashReader<'a, S: TileReader + ?Sized> {
    storage: &'a S,
    size: u64,
    cache: std::cell::RefCell<std::collections::HashMap<TileId, std::rc::Rc<[Hash]>>>,
}

/// Why a hash could not be read from tiles.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TileReadError {
    /// The proof arguments were invalid.
    #[error(transparent)]
    Proof(#[from] ProofError),
    /// A tile the tree size requires is missing.
    #[error("tile {path} is missing")]
    Missing {
        /// The tile's path.
        path: String,
    },
    /// A tile is malformed.
    #[error("tile {path}: {source}")]
    Malformed {
        /// The tile's path.
        path: String,
        /// What is wrong.
        source: TileError,
    },
    /// Storage failed.
    #[error("reading {path}: {source}")]
    Io {
        /// The resource's path.
        path: String,
        /// The underlying error.
        source: std::io::Error,
    },
}

impl<'a, S: TileReader + ?Sized> TileHashReader<'a, S> {
    /// A reader for the tree of the first `size` leaves stored in `storage`.
    pub fn new(storage: &'a S, size: u64) -> Self {
        Self {
            storage,
            size,
            cache: Default::default(),
        }
    }

    /// The tile at `level`, `index` for this tree size (full, or the partial rightmost one).
    fn tile(&self, level: u8, index: u64) -> Result<std::rc::Rc<[Hash]>, TileReadError> {
        let count = hashes_at_level(level, self.size);
        let width = count.saturating_sub(index * TILE_WIDTH).min(TILE_WIDTH) as u16;
        let id = TileId {
            level,
            index,
            width,
        };
        if let Some(t) = self.cache.borrow().get(&id) {
            return Ok(t.clone());
        }
        let path = id.path();
        if width == 0 {
            return Err(TileReadError::Missing { path });
        }
        let bytes = self
            .storage
            .read(&path)
            .map_err(|source| TileReadError::Io {
                path: path.clone(),
                source,
            })?
            .ok_or_else(|| TileReadError::Missing { path: path.clone() })?;
        let hashes: std::rc::Rc<[Hash]> = decode_hash_tile(&bytes, width)
            .map_err(|source| TileReadError::Malformed { path, source })?
            .into();
        self.cache.borrow_mut().insert(id, hashes.clone());
        Ok(hashes)
    }
}

impl<S: TileReader + ?Sized> HashSource for TileHashReader<'_, S> {
    type Error = TileReadError;

    fn hash_at(&self, level: u8, index: u64) -> Result<Hash, TileReadError> {
        let tile_level = u32::from(level) / TILE_HEIGHT;
        let r = u32::from(level) % TILE_HEIGHT;
        let first = index << r;
        let tile = self.tile(tile_level as u8, first / TILE_WIDTH)?;
        let start = (first % TILE_WIDTH) as usize;
        let hashes = tile
            .get(start..start + (1usize << r))
            .ok_or(ProofError::HashNotStored { level, index })?;
        Ok(merkle_root(hashes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn index_encoding_examples_and_round_trips() {
        for (n, s) in [
            (0u64, "000"),
            (5, "005"),
            (999, "999"),
            (1000, "x001/000"),
            (1_234_067, "x001/x234/067"),
            (u64::MAX, "x018/x446/x744/x073/x709/x551/615"),
        ] {
            assert_eq!(encode_index(n), s);
            assert_eq!(parse_index(s), Some(n));
        }
        for bad in [
            "",
            "1",
            "0000",
            "x000/001",
            "001/002",
            "x1/002",
            "x001/x002",
            "x001/00a",
            "x018/x446/x744/x073/x709/x551/616",
        ] {
            assert_eq!(parse_index(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn path_parsing_is_canonical() {
        assert_eq!(
            parse_tile_path("tile/entries/x001/000.p/255").unwrap(),
            TilePath::Entries(BundleId {
                index: 1000,
                width: 255
            })
        );
        assert_eq!(
            parse_tile_path("tile/0/000").unwrap(),
            TilePath::Hashes(TileId {
                level: 0,
                index: 0,
                width: 256
            })
        );
        for bad in [
            "tile/00/000",
            "tile/64/000",
            "tile/0/000.p/0",
            "tile/0/000.p/256",
            "tile/0/000.p/07",
            "tile/0/000.p/",
            "tile/0/0",
            "tile//000",
            "tiles/0/000",
            "tile/0/000/",
            "tile/entries/000.p/1/x",
            "/tile/0/000",
        ] {
            assert!(parse_tile_path(bad).is_err(), "{bad:?}");
        }
        for t in [
            TileId {
                level: 3,
                index: 77_777,
                width: 1,
            },
            TileId {
                level: 63,
                index: 0,
                width: 256,
            },
        ] {
            assert_eq!(parse_tile_path(&t.path()).unwrap(), TilePath::Hashes(t));
        }
    }

    #[test]
    fn tiles_of_the_spec_examples() {
        // "a tree of size 70,000 will be represented by 273 full level 0 tiles, one partial level 0
        // tile of width 112, one full level 1 tile, one partial level 1 tile of width 17, and one
        // partial level 2 tile of width 1."
        let l0: Vec<_> = tiles_for_size(0, 70_000).collect();
        assert_eq!(l0.len(), 274);
        assert_eq!(l0.iter().filter(|t| t.is_full()).count(), 273);
        assert_eq!(
            l0[273],
            TileId {
                level: 0,
                index: 273,
                width: 112
            }
        );
        let l1: Vec<_> = tiles_for_size(1, 70_000).collect();
        assert_eq!(
            l1,
            vec![
                TileId {
                    level: 1,
                    index: 0,
                    width: 256
                },
                TileId {
                    level: 1,
                    index: 1,
                    width: 17
                }
            ]
        );
        assert_eq!(
            tiles_for_size(2, 70_000).collect::<Vec<_>>(),
            vec![TileId {
                level: 2,
                index: 0,
                width: 1
            }]
        );
        assert_eq!(tiles_for_size(3, 70_000).count(), 0);
        // "a tree of size 256 will be represented by a full level 0 tile and a partial level 1 tile of width 1."
        assert_eq!(
            tiles_for_size(0, 256).collect::<Vec<_>>(),
            vec![TileId {
                level: 0,
                index: 0,
                width: 256
            }]
        );
        assert_eq!(
            last_tile(1, 256),
            Some(TileId {
                level: 1,
                index: 0,
                width: 1
            })
        );
        assert_eq!(last_tile(0, 0), None);
        assert_eq!(
            last_tile(0, 512),
            Some(TileId {
                level: 0,
                index: 1,
                width: 256
            })
        );
        assert_eq!(hashes_at_level(8, u64::MAX), 0);
        assert_eq!(hashes_at_level(7, u64::MAX), 255);
    }

    fn tile(level: u8, index: u64, width: u16) -> TilePath {
        TilePath::Hashes(TileId {
            level,
            index,
            width,
        })
    }

    fn bundle(index: u64, width: u16) -> TilePath {
        TilePath::Entries(BundleId { index, width })
    }

    #[test]
    fn within_an_empty_tree_there_is_nothing() {
        for t in [
            tile(0, 0, 1),
            tile(0, 0, 256),
            tile(1, 0, 1),
            tile(63, 0, 1),
            bundle(0, 1),
            bundle(0, 256),
        ] {
            assert!(!t.within(0), "{t:?}");
        }
    }

    #[test]
    fn within_a_partial_tile_the_narrower_partials_are_visible() {
        // A tree of 10 leaves: level-0 tile 0 has 10 hashes; its bundle 10 entries.
        for w in [1, 5, 9, 10] {
            assert!(tile(0, 0, w).within(10), "width {w}");
            assert!(bundle(0, w).within(10), "width {w}");
        }
        for w in [11, 255, 256] {
            assert!(!tile(0, 0, w).within(10), "width {w}");
            assert!(!bundle(0, w).within(10), "width {w}");
        }
        assert!(!tile(0, 1, 1).within(10));
        assert!(!bundle(1, 1).within(10));
        // No level-1 hash yet.
        assert!(!tile(1, 0, 1).within(10));
    }

    #[test]
    fn within_at_tile_boundaries() {
        // 255 leaves: no full tile yet.
        assert!(tile(0, 0, 255).within(255));
        assert!(!tile(0, 0, 256).within(255));
        assert!(!tile(1, 0, 1).within(255));
        // 256 leaves: one full level-0 tile and bundle, and the first level-1 hash.
        assert!(tile(0, 0, 256).within(256));
        assert!(bundle(0, 256).within(256));
        assert!(tile(1, 0, 1).within(256));
        assert!(!tile(0, 1, 1).within(256));
        assert!(!bundle(1, 1).within(256));
        assert!(!tile(1, 0, 2).within(256));
        // 257 leaves: the next partial tile starts.
        assert!(tile(0, 1, 1).within(257));
        assert!(!tile(0, 1, 2).within(257));
        // 65,536 leaves: a full level-1 tile and the first level-2 hash.
        assert!(tile(1, 0, 256).within(65_536));
        assert!(tile(2, 0, 1).within(65_536));
        assert!(!tile(1, 1, 1).within(65_536));
        assert!(!tile(1, 0, 256).within(65_535));
        assert!(!tile(2, 0, 1).within(65_535));
    }

    #[test]
    fn within_at_higher_levels_matches_the_spec_example() {
        // 70,000 leaves: level 1 has a full tile and a partial one of width 17, level 2 one
        // hash, level 3 none.
        assert!(tile(1, 0, 256).within(70_000));
        assert!(tile(1, 1, 17).within(70_000));
        assert!(tile(1, 1, 16).within(70_000));
        assert!(!tile(1, 1, 18).within(70_000));
        assert!(!tile(1, 2, 1).within(70_000));
        assert!(tile(2, 0, 1).within(70_000));
        assert!(!tile(2, 0, 2).within(70_000));
        assert!(!tile(3, 0, 1).within(70_000));
        assert!(tile(0, 273, 112).within(70_000));
        assert!(!tile(0, 273, 113).within(70_000));
        assert!(bundle(273, 112).within(70_000));
        assert!(!bundle(273, 113).within(70_000));
    }

    #[test]
    fn within_does_not_overflow() {
        assert!(!tile(0, u64::MAX, 256).within(u64::MAX));
        assert!(!bundle(u64::MAX / 256 + 1, 1).within(u64::MAX));
        assert!(bundle(u64::MAX / 256 - 1, 256).within(u64::MAX));
        assert!(tile(7, 0, 255).within(u64::MAX));
        assert!(!tile(7, 0, 256).within(u64::MAX));
        assert!(!tile(8, 0, 1).within(u64::MAX));
        assert!(!tile(MAX_LEVEL, 0, 1).within(u64::MAX));
    }

    proptest::proptest! {
        /// A resource is within a tree exactly when the tree has a tile (or bundle) at its level
        /// and index that is at least as wide.
        #[test]
        fn within_is_being_no_wider_than_the_trees_own_tile(
            size in 0u64..400_000,
            level in 0u8..4,
            pick: proptest::sample::Index,
            width in 1u16..=256,
            entries: bool,
        ) {
            // An index up to two past the level's last tile, so that both answers are common.
            let level = if entries { 0 } else { level };
            let index = pick.index((hashes_at_level(level, size) / TILE_WIDTH + 2) as usize) as u64;
            let path = if entries { bundle(index, width) } else { tile(level, index, width) };
            let expected = tiles_for_size(level, size).any(|t| t.index == index && t.width >= width);
            proptest::prop_assert_eq!(path.within(size), expected, "{:?} in {}", path, size);
        }
    }

    #[test]
    fn bundles_and_hash_tiles_are_strict() {
        let mut b = Vec::new();
        for e in [&b"one"[..], b"", b"three"] {
            push_bundle_entry(&mut b, e).unwrap();
        }
        assert_eq!(b, b"\x00\x03one\x00\x00\x00\x05three");
        assert_eq!(
            decode_entry_bundle(&b, 3).unwrap(),
            vec![&b"one"[..], b"", b"three"]
        );
        assert_eq!(
            decode_entry_bundle(&b, 2),
            Err(TileError::BundleWidth { got: 3, want: 2 })
        );
        assert_eq!(
            decode_entry_bundle(&b[..b.len() - 1], 3),
            Err(TileError::TruncatedBundle { entry: 2 })
        );
        assert_eq!(
            decode_entry_bundle(&b[..6], 3),
            Err(TileError::TruncatedBundle { entry: 1 })
        );
        assert_eq!(
            push_bundle_entry(&mut b, &vec![0u8; 65_536]),
            Err(TileError::EntryTooLong { len: 65_536 })
        );
        let tile = encode_hash_tile(&[[1u8; 32], [2u8; 32]]);
        assert_eq!(
            decode_hash_tile(&tile, 2).unwrap(),
            vec![[1u8; 32], [2u8; 32]]
        );
        assert!(decode_hash_tile(&tile, 1).is_err());
        assert!(decode_hash_tile(&tile[..63], 2).is_err());
        assert!(decode_hash_tile(&[], 0).is_err());
    }
}
