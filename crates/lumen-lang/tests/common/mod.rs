//! Helpers shared by the checker's integration tests: a loader of files in memory and the codes a
//! check reported.

// Not every test binary uses every helper.
#![allow(dead_code)]

use lumen_lang::{Checked, Code, MemLoader};
use std::path::PathBuf;

/// A loader holding `files` (path → text).
pub(crate) fn mem(files: &[(&str, &str)]) -> MemLoader {
    let mut m = MemLoader::default();
    for (p, t) in files {
        m.files.insert(PathBuf::from(p), (*t).to_owned());
    }
    m
}

/// The codes of the diagnostics, in report order.
pub(crate) fn codes(c: &Checked) -> Vec<Code> {
    c.diagnostics.iter().map(|d| d.code).collect()
}
