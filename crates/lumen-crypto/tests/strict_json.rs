//! `lumen_crypto::json`: duplicate member names are refused at any depth, compared after
//! unescaping; nesting is capped; everything else reads exactly as `serde_json` reads it.
// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_crypto::json::{
    MAX_DEPTH, StrictJsonError, check_slice, check_str, from_slice_strict, from_str_strict,
    parse_value_strict, parse_value_strict_slice,
};
use proptest::prelude::*;
use serde_json::Value;

/// The `(name, pointer)` of a duplicate-member refusal, from every entry point (they must agree).
fn duplicate(text: &str) -> Option<(String, String)> {
    let one = match parse_value_strict(text) {
        Err(StrictJsonError::DuplicateMember { name, pointer, .. }) => Some((name, pointer)),
        _ => None,
    };
    for other in [
        check_str(text).err(),
        check_slice(text.as_bytes()).err(),
        parse_value_strict_slice(text.as_bytes()).err(),
        from_str_strict::<Value>(text).err(),
        from_slice_strict::<Value>(text.as_bytes()).err(),
    ] {
        let got = match other {
            Some(StrictJsonError::DuplicateMember { name, pointer, .. }) => Some((name, pointer)),
            _ => None,
        };
        assert_eq!(got, one, "entry points disagree on {text}");
    }
    one
}

fn dup(name: &str, pointer: &str) -> Option<(String, String)> {
    Some((name.to_owned(), pointer.to_owned()))
}

#[test]
fn duplicate_member_at_top_level() {
    let text = r#"{"domain":"api.example.com","timeout_ms":5,"domain":"evil.com"}"#;
    assert_eq!(duplicate(text), dup("domain", ""));
    // serde_json alone keeps the last one: the attack this reader closes.
    let lax: Value = serde_json::from_str(text).unwrap();
    assert_eq!(lax["domain"], "evil.com");
    assert_eq!(
        duplicate(r#"{"grants":{},"scopes":{},"grants":{}}"#),
        dup("grants", "")
    );
    // Same value twice is still a duplicate.
    assert_eq!(duplicate(r#"{"a":1,"a":1}"#), dup("a", ""));
    assert_eq!(duplicate(r#"{"":1,"":2}"#), dup("", ""));
}

#[test]
fn duplicate_member_nested() {
    let text = r#"{"grants":{"http.get":{"domain":"a.example"},"http.get":{"domain":"*"}}}"#;
    assert_eq!(duplicate(text), dup("http.get", "/grants"));
    let text = r#"{"scopes":{"main":{"grants":{"http.get":{"domain":"a","domain":"b"}}}}}"#;
    assert_eq!(
        duplicate(text),
        dup("domain", "/scopes/main/grants/http.get")
    );
    // Pointer segments are escaped per RFC 6901.
    let text = r#"{"a/b":{"c~d":{"x":1,"x":2}}}"#;
    assert_eq!(duplicate(text), dup("x", "/a~1b/c~0d"));
}

#[test]
fn duplicate_member_in_arrays_of_objects() {
    let text = r#"[{"a":1},{"b":1,"b":2}]"#;
    assert_eq!(duplicate(text), dup("b", "/1"));
    let text = r#"{"signatures":[{"keyid":"k","sig":"s"},{"keyid":"k","keyid":"j","sig":"t"}]}"#;
    assert_eq!(duplicate(text), dup("keyid", "/signatures/1"));
    let text = r#"[[[], [0, {"z": {"q": [ {"w":0, "w":0} ]}}]]]"#;
    assert_eq!(duplicate(text), dup("w", "/0/1/1/z/q/0"));
}

#[test]
fn duplicate_member_with_escaped_names() {
    assert_eq!(duplicate(r#"{"a":1,"\u0061":2}"#), dup("a", ""));
    assert_eq!(duplicate(r#"{"\u0061":1,"a":2}"#), dup("a", ""));
    assert_eq!(
        duplicate(r#"{"domain":1,"\u0064\u006F\u006d\u0061\u0069\u006e":2}"#),
        dup("domain", "")
    );
    // Short escapes and escaped solidus.
    assert_eq!(duplicate(r#"{"a/b":1,"a\/b":2}"#), dup("a/b", ""));
    assert_eq!(duplicate("{\"a\\nb\":1,\"a\\u000ab\":2}"), dup("a\nb", ""));
    // A surrogate pair and the literal character it encodes.
    assert_eq!(duplicate(r#"{"😀":1,"\ud83d\ude00":2}"#), dup("😀", ""));
    assert_eq!(duplicate(r#"{"é":1,"\u00e9":2}"#), dup("é", ""));
    // Different code points are different names (no Unicode normalization, RFC 8259 §8.3):
    // precomposed é versus e + combining acute; names that differ only in case.
    assert!(parse_value_strict(r#"{"é":1,"e\u0301":2}"#).is_ok());
    assert!(parse_value_strict(r#"{"Domain":1,"domain":2}"#).is_ok());
}

#[test]
fn same_name_in_different_objects_is_not_a_duplicate() {
    let v = parse_value_strict(r#"{"a":{"a":{"a":1}},"b":[{"a":1},{"a":2}]}"#).unwrap();
    assert_eq!(v["a"]["a"]["a"], 1);
    assert_eq!(v["b"][1]["a"], 2);
}

#[test]
fn duplicate_member_reports_the_position_of_the_second_name() {
    let text = "{\n  \"a\": 1,\n  \"a\": 2\n}";
    match parse_value_strict(text) {
        Err(StrictJsonError::DuplicateMember { line, column, .. }) => {
            assert_eq!(line, 3);
            assert!(column >= 5, "column {column}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn nesting_deeper_than_the_cap_is_too_deep() {
    let ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse_value_strict(&ok).is_ok());
    assert!(check_str(&ok).is_ok());
    let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    assert!(matches!(
        parse_value_strict(&deep),
        Err(StrictJsonError::TooDeep { max: MAX_DEPTH, .. })
    ));
    let objects = format!(
        "{}1{}",
        r#"{"a":"#.repeat(MAX_DEPTH + 1),
        "}".repeat(MAX_DEPTH + 1)
    );
    assert!(matches!(
        from_str_strict::<Value>(&objects),
        Err(StrictJsonError::TooDeep { max: MAX_DEPTH, .. })
    ));
    // Far deeper than serde_json's own limit: still our named error, no stack overflow.
    let very = "[".repeat(100_000);
    assert!(matches!(
        check_str(&very),
        Err(StrictJsonError::TooDeep { .. })
    ));
}

#[test]
fn malformed_json_is_a_syntax_error_with_position() {
    for (text, line, column) in [
        ("{\"a\":1,}", 1, 8),
        ("{\"a\" 1}", 1, 6),
        ("[1, 2", 1, 5),
        ("{} {}", 1, 4),
        ("\"\\ud800\"", 1, 8),
        ("1e400", 1, 5),
        ("", 1, 0),
        ("\u{feff}{}", 1, 1),
    ] {
        match parse_value_strict(text) {
            Err(StrictJsonError::Syntax {
                line: l, column: c, ..
            }) => assert_eq!((l, c), (line, column), "{text:?}"),
            other => panic!("{text:?}: expected Syntax, got {other:?}"),
        }
    }
    assert!(matches!(
        parse_value_strict_slice(b"\"\xff\""),
        Err(StrictJsonError::Syntax { .. })
    ));
}

#[test]
fn typed_reads_check_first_then_deserialize() {
    #[derive(serde::Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    struct Grant<'a> {
        domain: &'a str,
        #[serde(borrow)]
        custom: Option<&'a serde_json::value::RawValue>,
    }
    let g: Grant = from_str_strict(r#"{"domain":"a.example","custom":{"x": [1, 2]}}"#).unwrap();
    assert_eq!(g.domain, "a.example");
    assert_eq!(g.custom.unwrap().get(), r#"{"x": [1, 2]}"#);
    // A duplicate inside a raw value is refused too: the check sees the whole document.
    assert!(matches!(
        from_str_strict::<Grant>(r#"{"domain":"a","custom":{"x":1,"x":2}}"#),
        Err(StrictJsonError::DuplicateMember { ref pointer, .. }) if pointer == "/custom"
    ));
    assert!(matches!(
        from_str_strict::<Grant>(r#"{"domain":"a","domain":"b"}"#),
        Err(StrictJsonError::DuplicateMember { .. })
    ));
    assert!(matches!(
        from_str_strict::<Grant>(r#"{"domain":7}"#),
        Err(StrictJsonError::Data { line: 1, .. })
    ));
    assert!(matches!(
        from_slice_strict::<Grant>(br#"{"domain":"a","extra":1}"#),
        Err(StrictJsonError::Data { .. })
    ));
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        "\\PC{0,8}".prop_map(Value::from),
        "[\\\\\"/\u{0}-\u{1f}a\u{e9}\u{1f600}]{0,4}".prop_map(Value::from),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(name(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof!["[a-z]{0,3}", "\\PC{0,4}", "[~/\"\\\\\u{0}\u{1f600}]{1,3}"]
}

/// `name` as a JSON string with every character written as `\uXXXX` (surrogate pairs above the
/// BMP): the same name, spelled differently.
fn escaped(name: &str) -> String {
    let mut out = String::from("\"");
    for unit in name.encode_utf16() {
        out += &format!("\\u{unit:04x}");
    }
    out + "\""
}

fn enc(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).unwrap()
}

/// Where the object with the injected duplicate sits: inside objects and arrays.
#[derive(Debug, Clone)]
enum Seg {
    Member(String),
    Index(usize),
}

fn wrap(inner: String, path: &[Seg]) -> String {
    path.iter().rev().fold(inner, |acc, seg| match seg {
        Seg::Member(k) => format!("{{{}: {acc}}}", enc(k)),
        Seg::Index(n) => {
            let mut items = vec!["null".to_owned(); *n];
            items.push(acc);
            format!("[{}]", items.join(","))
        }
    })
}

fn pointer(path: &[Seg]) -> String {
    path.iter()
        .map(|s| match s {
            Seg::Member(k) => format!("/{}", k.replace('~', "~0").replace('/', "~1")),
            Seg::Index(n) => format!("/{n}"),
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Without duplicates, the strict reader reads exactly what serde_json reads.
    #[test]
    fn strict_reader_equals_serde_json_without_duplicates(v in json_value(), pretty in any::<bool>()) {
        let text = if pretty { serde_json::to_string_pretty(&v).unwrap() } else { enc(&v) };
        let lax: Value = serde_json::from_str(&text).unwrap();
        prop_assert_eq!(parse_value_strict(&text).unwrap(), lax.clone());
        prop_assert_eq!(parse_value_strict_slice(text.as_bytes()).unwrap(), lax.clone());
        prop_assert_eq!(from_str_strict::<Value>(&text).unwrap(), lax);
        prop_assert!(check_str(&text).is_ok());
    }

    /// A duplicate member injected anywhere in a valid document is refused, naming it and the
    /// object that holds it, however the second name is spelled.
    #[test]
    fn duplicate_member_anywhere_is_refused(
        members in prop::collection::btree_map(name(), json_value(), 1..6),
        pick in any::<prop::sample::Index>(),
        at in any::<prop::sample::Index>(),
        second in json_value(),
        spell_escaped in any::<bool>(),
        path in prop::collection::vec(
            prop_oneof![name().prop_map(Seg::Member), (0usize..3).prop_map(Seg::Index)],
            0..4,
        ),
    ) {
        let names: Vec<&String> = members.keys().collect();
        let target = names[pick.index(names.len())].clone();
        let mut parts: Vec<String> =
            members.iter().map(|(k, v)| format!("{}:{}", enc(k), enc(v))).collect();
        let spelled = if spell_escaped { escaped(&target) } else { enc(&target) };
        let extra = format!("{spelled}:{}", enc(&second));
        parts.insert(at.index(parts.len() + 1), extra);
        let text = wrap(format!("{{{}}}", parts.join(",")), &path);
        prop_assert_eq!(duplicate(&text), Some((target, pointer(&path))));
    }
}
