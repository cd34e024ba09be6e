//! Request framing attacked with raw bytes on loopback (RFC 9112 §3.2, §6): ambiguous `Host`,
//! `Transfer-Encoding` and `Content-Length` get the exact status, and the connection is closed
//! so nothing after the refused request is read as another request.

// Test helpers outside #[test] functions may panic: a panic is a test failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{Response, Running, closed_within, header, quick, read_response};
use lumen_server::Event;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// A request that must never be answered: it follows a refused or ambiguous one.
const SMUGGLED: &[u8] = b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n";

/// Sends `raw` then [`SMUGGLED`] on one connection; the first response, and whether the server
/// then closed the connection without answering anything else.
async fn send(server: &Running, raw: &[u8]) -> (Response, bool) {
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(raw).await.unwrap();
    let _ = s.write_all(SMUGGLED).await;
    let response = tokio::time::timeout(Duration::from_secs(5), read_response(&mut s))
        .await
        .expect("answered in time")
        .expect("a response");
    let mut rest = Vec::new();
    let closed = {
        use tokio::io::AsyncReadExt;
        let read = tokio::time::timeout(Duration::from_secs(3), s.read_to_end(&mut rest)).await;
        matches!(read, Ok(Ok(_)) | Ok(Err(_))) && rest.is_empty()
    };
    (response, closed)
}

async fn assert_refused(server: &Running, raw: &[u8], status: u16) {
    let (response, closed) = send(server, raw).await;
    assert_eq!(response.0, status, "{}", String::from_utf8_lossy(raw));
    assert!(
        closed,
        "connection closed after {}",
        String::from_utf8_lossy(raw)
    );
}

#[tokio::test]
async fn http11_host_must_appear_exactly_once() {
    let server = Running::start(quick()).await;
    for raw in [
        &b"GET /hello HTTP/1.1\r\n\r\n"[..],
        b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        b"GET /hello HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n",
        b"GET /hello HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n",
    ] {
        assert_refused(&server, raw, 400).await;
    }
    assert_eq!(server.stats.count(Event::FramingRefused), 4);
    // The control: one Host (and HTTP/1.0 without Host) is served.
    let (ok, _) = send(&server, b"GET /hello HTTP/1.1\r\nHost: a\r\n\r\n").await;
    assert_eq!((ok.0, ok.2.as_slice()), (200, &b"hello\n"[..]));
    let (ok, _) = send(&server, b"GET /hello HTTP/1.0\r\n\r\n").await;
    assert_eq!(ok.0, 200);
    assert_eq!(server.stats.count(Event::FramingRefused), 4);
    server.stop().await.unwrap();
}

#[tokio::test]
async fn transfer_codings_other_than_chunked_are_not_implemented() {
    let server = Running::start(quick()).await;
    let body = "3\r\nabc\r\n0\r\n\r\n";
    for te in [
        "Transfer-Encoding: gzip, chunked\r\n",
        "Transfer-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
        "Transfer-Encoding: identity, chunked\r\n",
    ] {
        let raw = format!("POST /echo HTTP/1.1\r\nHost: a\r\n{te}\r\n{body}");
        assert_refused(&server, raw.as_bytes(), 501).await;
    }
    // hyper itself refuses a coding list whose last coding is not chunked.
    assert_refused(
        &server,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
        400,
    )
    .await;
    assert_eq!(server.stats.count(Event::FramingRefused), 4);
    let raw = format!("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{body}");
    let (ok, _) = send(&server, raw.as_bytes()).await;
    assert_eq!((ok.0, ok.2.as_slice()), (200, &b"abc"[..]));
    server.stop().await.unwrap();
}

#[tokio::test]
async fn invalid_or_conflicting_content_length_is_refused() {
    let server = Running::start(quick()).await;
    for cl in [
        "Content-Length: 3\r\nContent-Length: 4\r\n",
        "Content-Length: 3, 3\r\n",
        "Content-Length: +3\r\n",
        "Content-Length: 0x3\r\n",
        "Content-Length: -3\r\n",
        "Content-Length: 3 3\r\n",
        "Content-Length: 99999999999999999999999\r\n",
    ] {
        let raw = format!("POST /echo HTTP/1.1\r\nHost: a\r\n{cl}\r\nabcd");
        assert_refused(&server, raw.as_bytes(), 400).await;
    }
    server.stop().await.unwrap();
}

/// Both `Content-Length` and `Transfer-Encoding: chunked`: hyper never lets the request reach
/// the server with both (it drops the length), so the serving loop cannot answer `400`. What
/// matters against smuggling holds: the body is read as chunked (RFC 9112 §6.3), the response
/// says `connection: close`, and the bytes after the chunked body are never read as a request.
#[tokio::test]
async fn content_length_with_chunked_reads_chunked_and_closes() {
    let server = Running::start(quick()).await;
    for raw in [
        &b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"[..],
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    ] {
        let (response, closed) = send(&server, raw).await;
        assert_eq!((response.0, response.2.as_slice()), (200, &b"abc"[..]));
        assert_eq!(header(&response, "connection"), Some("close"));
        assert!(closed, "the smuggled request was not answered");
    }
    server.stop().await.unwrap();
}

/// A refused request is refused before the rate limiter and router see it, and the stream is
/// closed even while the client keeps writing.
#[tokio::test]
async fn refused_framing_closes_a_busy_connection() {
    let server = Running::start(quick()).await;
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n")
        .await
        .unwrap();
    let response = read_response(&mut s).await.unwrap();
    assert_eq!(response.0, 501);
    assert_eq!(header(&response, "connection"), Some("close"));
    assert!(
        closed_within(&mut s, Duration::from_secs(3))
            .await
            .is_some()
    );
    server.stop().await.unwrap();
}
