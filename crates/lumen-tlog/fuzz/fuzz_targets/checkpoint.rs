//! Checkpoint parsing never panics, and what parses formats back to exactly the input text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lumen_tlog::checkpoint::{Checkpoint, VerifiedCheckpoint};
use lumen_tlog::note::Verifiers;

const VKEY: &str = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(cp) = Checkpoint::parse(text) {
            assert_eq!(cp.to_text(), text, "checkpoint parsing is canonical");
        }
    }
    let verifiers = Verifiers::from_vkeys([VKEY]).expect("the verifier key is valid");
    let _ = VerifiedCheckpoint::open(data, "example.com/log/testdata", &verifiers);
});
