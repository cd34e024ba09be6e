//! Arguments: the LLM model allow-list and its default, the token cap, and routing headers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use lumen_capability::{Call, GrantSet, Scope, ViolationCode, validate_tool_policy};
use serde_json::json;

fn scope(grant: serde_json::Value) -> Scope {
    Scope::root(
        "app",
        &GrantSet::from_json(&json!({ "llm.chat": grant })).unwrap(),
    )
    .unwrap()
}

#[test]
fn a_single_allowed_model_is_the_default() {
    let s = scope(json!({"model": "gpt-4o-mini", "max_tokens": 512}));
    let e = validate_tool_policy(&s, &Call::new("llm.chat", &json!({"prompt": "hi"}))).unwrap();
    assert_eq!(e.model.as_deref(), Some("gpt-4o-mini"));
    assert_eq!(
        e.max_tokens,
        Some(512),
        "the grant's cap is sent when the call names none"
    );
    let e = validate_tool_policy(
        &s,
        &Call::new("llm.chat", &json!({"prompt": "hi", "max_tokens": 100})),
    )
    .unwrap();
    assert_eq!(e.max_tokens, Some(100));
}

#[test]
fn several_allowed_models_need_an_explicit_choice() {
    let s = scope(json!({"model": ["a", "b"]}));
    let v = validate_tool_policy(&s, &Call::new("llm.chat", &json!({"prompt": "hi"}))).unwrap_err();
    assert_eq!(v.code, ViolationCode::MissingArgument);
    let v = validate_tool_policy(&s, &Call::new("llm.chat", &json!({"model": "c"}))).unwrap_err();
    assert_eq!(v.code, ViolationCode::ModelNotAllowed);
    let e = validate_tool_policy(&s, &Call::new("llm.chat", &json!({"model": "b"}))).unwrap();
    assert_eq!(e.model.as_deref(), Some("b"));
}

#[test]
fn tokens_above_the_grant_are_refused_not_clamped() {
    let s = scope(json!({"max_tokens": 256}));
    let v =
        validate_tool_policy(&s, &Call::new("llm.chat", &json!({"max_tokens": 257}))).unwrap_err();
    assert_eq!(v.code, ViolationCode::TokensExceedGrant);
    assert_eq!(v.normalized.as_deref(), Some("257"));
    let v =
        validate_tool_policy(&s, &Call::new("llm.chat", &json!({"max_tokens": "5"}))).unwrap_err();
    assert_eq!(v.code, ViolationCode::ArgumentType);
    let v =
        validate_tool_policy(&s, &Call::new("llm.chat", &json!({"max_tokens": -1}))).unwrap_err();
    assert_eq!(v.code, ViolationCode::ArgumentType);
}

#[test]
fn routing_headers_are_refused_and_not_echoed() {
    let grants =
        GrantSet::from_json(&json!({ "http.get": {"domain": "api.example.com"} })).unwrap();
    let s = Scope::root("app", &grants).unwrap();
    for (name, code) in [
        ("Host", ViolationCode::HeaderNotAllowed),
        ("host", ViolationCode::HeaderNotAllowed),
        // Not a valid header name at all (RFC 9110 tokens have no whitespace).
        (" HOST", ViolationCode::InvalidHeaderName),
        ("X-Forwarded-Host", ViolationCode::HeaderNotAllowed),
        ("Forwarded", ViolationCode::HeaderNotAllowed),
        ("Proxy-Authorization", ViolationCode::HeaderNotAllowed),
    ] {
        let args = json!({"url": "https://api.example.com/", "headers": {name: "evil.example secret-123"}});
        let v = validate_tool_policy(&s, &Call::new("http.get", &args)).unwrap_err();
        assert_eq!(v.code, code, "{name}");
        assert!(!serde_json::to_string(&*v).unwrap().contains("secret-123"));
    }
    let args = json!({"url": "https://api.example.com/", "headers": "Host: evil"});
    assert_eq!(
        validate_tool_policy(&s, &Call::new("http.get", &args))
            .unwrap_err()
            .code,
        ViolationCode::ArgumentType
    );
    let args = json!({"url": "https://api.example.com/", "headers": {"Accept": "application/json", "Authorization": "Bearer x"}});
    assert!(validate_tool_policy(&s, &Call::new("http.get", &args)).is_ok());
}
