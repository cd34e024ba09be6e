//! Target-path patterns of delegated roles (`paths`), with python-tuf's semantics: the pattern and
//! the path are split on `/`, must have the same number of segments, and each segment matches
//! like Python's `fnmatch.fnmatchcase` (`*`, `?`, `[seq]`, `[!seq]`; an unclosed `[` is literal).
//! So `*` never crosses a `/`: `targets/*.tgz` does not cover `targets/a/b.tgz`.

/// Whether target path `path` is covered by delegation pattern `pattern`.
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let mut p = pattern.split('/');
    let mut t = path.split('/');
    loop {
        match (p.next(), t.next()) {
            (None, None) => return true,
            (Some(ps), Some(ts)) => {
                if !segment_matches(ps, ts) {
                    return false;
                }
            }
            _ => return false,
        }
    }
}

/// `fnmatch.fnmatchcase(name, pattern)` for one segment.
pub fn segment_matches(pattern: &str, name: &str) -> bool {
    if !pattern.contains(['*', '?', '[']) {
        return pattern == name;
    }
    let p: Vec<char> = pattern.chars().collect();
    let n: Vec<char> = name.chars().collect();
    let (mut pi, mut ni) = (0usize, 0usize);
    // Position of the last `*` in the pattern and the name position it is trying to absorb.
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        if pi < p.len() {
            let step = match p[pi] {
                '*' => {
                    star = Some((pi, ni));
                    pi += 1;
                    continue;
                }
                '?' => Some(pi + 1),
                '[' => match class(&p, pi, n[ni]) {
                    Some((true, next)) => Some(next),
                    Some((false, _)) => None,
                    None => (n[ni] == '[').then_some(pi + 1),
                },
                c => (c == n[ni]).then_some(pi + 1),
            };
            if let Some(next) = step {
                pi = next;
                ni += 1;
                continue;
            }
        }
        match star {
            Some((sp, sn)) => {
                pi = sp + 1;
                ni = sn + 1;
                star = Some((sp, sn + 1));
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches `c` against the bracket expression starting at `p[start] == '['`. Returns whether it
/// matched and the index after the closing `]`, or `None` if the bracket is not closed.
fn class(p: &[char], start: usize, c: char) -> Option<(bool, usize)> {
    let mut j = start + 1;
    let negate = p.get(j) == Some(&'!');
    if negate {
        j += 1;
    }
    let first = j;
    let mut matched = false;
    loop {
        let ch = *p.get(j)?;
        if ch == ']' && j > first {
            return Some((matched != negate, j + 1));
        }
        if p.get(j + 1) == Some(&'-') && p.get(j + 2).is_some_and(|&e| e != ']') {
            let end = p[j + 2];
            if ch <= c && c <= end {
                matched = true;
            }
            j += 3;
        } else {
            if ch == c {
                matched = true;
            }
            j += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_must_line_up() {
        assert!(path_matches("targets/*.tgz", "targets/foo.tgz"));
        assert!(!path_matches("targets/*.tgz", "targets/a/foo.tgz"));
        assert!(!path_matches("*", "a/b"));
        assert!(path_matches("*/*", "a/b"));
        assert!(path_matches("a/b", "a/b"));
        assert!(!path_matches("a/b/", "a/b"));
        assert!(path_matches("", ""));
    }

    #[test]
    fn fnmatch_semantics() {
        assert!(segment_matches("*", ""));
        assert!(segment_matches("a*b*c", "aXXbYYc"));
        assert!(!segment_matches("a*b*c", "aXXbYY"));
        assert!(segment_matches("file?.txt", "file1.txt"));
        assert!(!segment_matches("file?.txt", "file.txt"));
        assert!(segment_matches("[abc]x", "bx"));
        assert!(!segment_matches("[!abc]x", "bx"));
        assert!(segment_matches("[!abc]x", "dx"));
        assert!(segment_matches("[a-c]", "b"));
        assert!(!segment_matches("[a-c]", "d"));
        assert!(segment_matches("[]]", "]"));
        assert!(segment_matches("[!]]", "a"));
        assert!(segment_matches("[a-]", "-"));
        // An unclosed bracket is a literal.
        assert!(segment_matches("[ab", "[ab"));
        assert!(!segment_matches("[ab", "a"));
        // Case-sensitive, like fnmatchcase on POSIX.
        assert!(!segment_matches("A*", "abc"));
        assert!(segment_matches("**", "anything"));
        assert!(segment_matches("*.tar.gz", "x.tar.gz"));
    }
}
