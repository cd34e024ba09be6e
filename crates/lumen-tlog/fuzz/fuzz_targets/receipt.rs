//! tlog-proof receipt parsing never panics, and what parses serializes back to the same bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lumen_tlog::note::Verifiers;
use lumen_tlog::receipt::Receipt;

const VKEY: &str = "example.com/log/testdata+33d7b496+AeHTu4Q3hEIMHNqc6fASMsq3rKNx280NI+oO5xCFkkSx";

fuzz_target!(|data: &[u8]| {
    if let Ok(receipt) = Receipt::parse(data) {
        assert_eq!(receipt.to_bytes(), data, "receipt parsing is canonical");
        let verifiers = Verifiers::from_vkeys([VKEY]).expect("the verifier key is valid");
        let _ = receipt.verify(b"one", "example.com/log/testdata", &verifiers, None);
    }
});
