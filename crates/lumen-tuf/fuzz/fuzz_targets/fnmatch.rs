//! `lumen_tuf::fnmatch` agrees with Python's `fnmatch.fnmatchcase` (CPython 3.12), which
//! python-tuf uses for delegated `paths`.
//!
//! The reference is an independent transcription of CPython's `fnmatch.translate` (including its
//! odd corners: a `-` right after `[` or `[!` is literal, after a range the scan for the next `-`
//! skips one character, reversed ranges are removed together with their end points, an empty set
//! matches nothing and an empty negated set matches any character, an unclosed `[` is a literal)
//! into a small token list, matched by a memoised recursive matcher instead of a regex engine.
//!
//! Known divergence (skipped unless `LUMEN_TUF_FUZZ_STRICT` is set): quirk Q1 at `translate`.
//!
//! Input: `pattern \0 name` (both UTF-8, lossily decoded; at most 64 characters each). Both
//! `segment_matches` and `path_matches` (segments split on `/`) are compared.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lumen_tuf::fnmatch::{path_matches, segment_matches};
use std::sync::LazyLock;

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    /// `.*` with DOTALL.
    Star,
    /// `.` with DOTALL.
    Any,
    Lit(char),
    /// A character set: (lo, hi) inclusive ranges, single characters as (c, c).
    Set {
        negated: bool,
        items: Vec<(char, char)>,
    },
    /// `(?!)`.
    Nothing,
}

/// One element of the regex set body `translate` writes: a character (escaped or not) or a
/// hyphen joining two chunks (a range operator).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Atom {
    Char(char),
    Hyphen,
}

/// The set token for the body `atoms`, as Python's `re` reads `[...]` (a `!` first negates, as
/// `translate` rewrites it to `^`; `a-b` with an unescaped hyphen is a range).
fn set_token(atoms: &[Atom]) -> Tok {
    if atoms.is_empty() {
        return Tok::Nothing;
    }
    if atoms == [Atom::Char('!')] {
        return Tok::Any;
    }
    let (negated, body) = match atoms[0] {
        Atom::Char('!') => (true, &atoms[1..]),
        _ => (false, atoms),
    };
    let mut items = Vec::new();
    let mut i = 0;
    // Only after quirk Q1 (`[z-a!-x]` -> `[^-x]`) can a range hyphen come first: `re` reads a
    // leading `-` as a literal.
    if body.first() == Some(&Atom::Hyphen) {
        items.push(('-', '-'));
        i = 1;
    }
    while i < body.len() {
        let Atom::Char(c) = body[i] else {
            panic!("reference: a range hyphen without a start in {atoms:?}")
        };
        if body.get(i + 1) == Some(&Atom::Hyphen) {
            let Some(&Atom::Char(hi)) = body.get(i + 2) else {
                panic!("reference: a range hyphen without an end in {atoms:?}")
            };
            assert!(
                c <= hi,
                "reference: re would reject the reversed range {c}-{hi}"
            );
            items.push((c, hi));
            i += 3;
        } else {
            items.push((c, c));
            i += 1;
        }
    }
    Tok::Set { negated, items }
}

/// CPython `fnmatch.translate`, to tokens; also whether the pattern hits the known quirk (Q1):
/// CPython removes a reversed range *before* looking for a leading `!`, so in `[z-a!x]` the `!`
/// becomes the first character and negates the set (`[^x]`), and `[z-a!]` becomes `.`.
fn translate(pat: &[char]) -> (Vec<Tok>, bool) {
    let mut quirk = false;
    let mut res = Vec::new();
    let n = pat.len();
    let mut i = 0;
    while i < n {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if res.last() != Some(&Tok::Star) {
                    res.push(Tok::Star);
                }
            }
            '?' => res.push(Tok::Any),
            '[' => {
                let mut j = i;
                if j < n && pat[j] == '!' {
                    j += 1;
                }
                if j < n && pat[j] == ']' {
                    j += 1;
                }
                while j < n && pat[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    res.push(Tok::Lit('['));
                    continue;
                }
                let stuff: Vec<char> = pat[i..j].to_vec();
                let atoms: Vec<Atom> = if !stuff.contains(&'-') {
                    stuff.into_iter().map(Atom::Char).collect()
                } else {
                    let mut chunks: Vec<Vec<char>> = Vec::new();
                    let mut ii = i;
                    let mut k = if pat[ii] == '!' { ii + 2 } else { ii + 1 };
                    // `pat.find('-', k, j)`
                    while let Some(kk) = (k..j).find(|&x| pat[x] == '-') {
                        chunks.push(pat[ii..kk].to_vec());
                        ii = kk + 1;
                        k = kk + 3;
                    }
                    let chunk = pat[ii..j].to_vec();
                    if !chunk.is_empty() {
                        chunks.push(chunk);
                    } else {
                        chunks.last_mut().expect("a '-' was found").push('-');
                    }
                    // Remove empty ranges (`chunks[k-1][-1] > chunks[k][0]`).
                    for k in (1..chunks.len()).rev() {
                        let lo = *chunks[k - 1].last().expect("non-empty chunk");
                        let hi = chunks[k][0];
                        if lo > hi {
                            let mut merged = chunks[k - 1][..chunks[k - 1].len() - 1].to_vec();
                            merged.extend_from_slice(&chunks[k][1..]);
                            chunks[k - 1] = merged;
                            chunks.remove(k);
                        }
                    }
                    if pat[i] != '!' && chunks[0].first() == Some(&'!') {
                        quirk = true;
                    }
                    let mut atoms = Vec::new();
                    for (n, c) in chunks.iter().enumerate() {
                        if n > 0 {
                            atoms.push(Atom::Hyphen);
                        }
                        atoms.extend(c.iter().copied().map(Atom::Char));
                    }
                    atoms
                };
                i = j + 1;
                res.push(set_token(&atoms));
            }
            c => res.push(Tok::Lit(c)),
        }
    }
    (res, quirk)
}

fn matches(toks: &[Tok], name: &[char]) -> bool {
    let mut memo = vec![None; (toks.len() + 1) * (name.len() + 1)];
    go(toks, name, 0, 0, &mut memo)
}

fn go(toks: &[Tok], name: &[char], t: usize, n: usize, memo: &mut [Option<bool>]) -> bool {
    let idx = t * (name.len() + 1) + n;
    if let Some(r) = memo[idx] {
        return r;
    }
    let r = match toks.get(t) {
        None => n == name.len(),
        Some(Tok::Star) => (n..=name.len()).any(|k| go(toks, name, t + 1, k, memo)),
        Some(tok) => {
            n < name.len()
                && match tok {
                    Tok::Any => true,
                    Tok::Lit(c) => *c == name[n],
                    Tok::Set { negated, items } => {
                        items.iter().any(|&(lo, hi)| lo <= name[n] && name[n] <= hi) != *negated
                    }
                    Tok::Nothing | Tok::Star => false,
                }
                && go(toks, name, t + 1, n + 1, memo)
        }
    };
    memo[idx] = Some(r);
    r
}

static STRICT: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("LUMEN_TUF_FUZZ_STRICT").is_some());

/// With `LUMEN_TUF_FNMATCH_DUMP` set, every input is printed to stderr as a JSON line
/// (`{"p": pattern, "n": name, "rust": bool}`), so `check_fnmatch.py` can compare the
/// corpus against the real `fnmatch.fnmatchcase`.
static DUMP: LazyLock<bool> =
    LazyLock::new(|| std::env::var_os("LUMEN_TUF_FNMATCH_DUMP").is_some());

/// Python's answer, or `None` when the pattern hits quirk Q1 (unless strict).
fn reference_segment(pattern: &str, name: &str) -> Option<bool> {
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (toks, quirk) = translate(&p);
    (!quirk || *STRICT).then(|| matches(&toks, &n))
}

fn reference_path(pattern: &str, path: &str) -> Option<bool> {
    let p: Vec<&str> = pattern.split('/').collect();
    let t: Vec<&str> = path.split('/').collect();
    if p.len() != t.len() {
        return Some(false);
    }
    let mut all = true;
    for (a, b) in p.iter().zip(&t) {
        all &= reference_segment(a, b)?;
    }
    Some(all)
}

fuzz_target!(|data: &[u8]| {
    let (p, n) = match data.iter().position(|&b| b == 0) {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &[][..]),
    };
    let pattern = String::from_utf8_lossy(p);
    let name = String::from_utf8_lossy(n);
    if pattern.chars().count() > 64 || name.chars().count() > 64 {
        return;
    }
    if *DUMP && !pattern.contains('/') && !name.contains('/') {
        let line =
            serde_json::json!({"p": pattern, "n": name, "rust": segment_matches(&pattern, &name)});
        eprintln!("FNMATCH {line}");
    }
    if !pattern.contains('/')
        && !name.contains('/')
        && let Some(expected) = reference_segment(&pattern, &name)
    {
        assert_eq!(
            segment_matches(&pattern, &name),
            expected,
            "segment_matches({pattern:?}, {name:?})"
        );
    }
    if let Some(expected) = reference_path(&pattern, &name) {
        assert_eq!(
            path_matches(&pattern, &name),
            expected,
            "path_matches({pattern:?}, {name:?})"
        );
    }
});
