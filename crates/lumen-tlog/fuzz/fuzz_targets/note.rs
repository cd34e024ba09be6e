//! Signed-note parsing and verification never panic; what parses re-encodes to something that
//! parses to the same note.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lumen_tlog::note::{Note, Verifiers};

const VKEY: &str = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";

fuzz_target!(|data: &[u8]| {
    if let Ok(note) = Note::parse(data) {
        let encoded = note.encode().expect("a parsed note re-encodes");
        let again = Note::parse(encoded.as_bytes()).expect("a re-encoded note parses");
        assert_eq!(again.text(), note.text());
        assert_eq!(again.signatures().len(), note.signatures().len());
        let verifiers = Verifiers::from_vkeys([VKEY]).expect("the verifier key is valid");
        let _ = note.verify(&verifiers);
    }
});
