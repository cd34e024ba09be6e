//! `lumen log serve`: the C2SP tlog-tiles HTTP API over a log directory, plus `POST /add`,
//! served by `lumen-server`'s hardened loop (timeouts, connection caps, per-client rate limits).
//!
//! - `GET /checkpoint`: the latest signed checkpoint (`text/plain; charset=utf-8`, cached ≤ 2 s).
//! - `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`: immutable, cached for a
//!   year. Only canonical paths of resources inside the current checkpoint's tree are served, so
//!   nothing written for a size that was never checkpointed is visible. Canonical means the path
//!   *as received*, before any percent-decoding, is byte for byte the encoding of the resource
//!   it names, with no query: `%`-escapes, extra zeros, `x000/` groups and `?…` are refused, so
//!   one immutable resource has exactly one URL.
//! - `POST /add` with the entry as the body: answers with its index once the entry's batch is
//!   durable and covered by a published checkpoint.
//!
//! No resource takes a query: a request target with `?` (even an empty one) is `404` on every
//! path, so each resource has exactly one URL.
#![deny(clippy::print_stdout, clippy::print_stderr)]

use crate::cli::LogServeArgs;
use crate::error::CliError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lumen_server::{LimitsError, ServeError, Server};
use lumen_tlog::appender::{AppendError, Appender, AppenderOptions};
use lumen_tlog::storage::{FsStorage, TileReader};
use lumen_tlog::tiles::{MAX_ENTRY_LEN, TilePath, parse_tile_path};
use std::sync::Arc;
use std::time::Duration;

struct AppState {
    appender: Appender,
    storage: FsStorage,
}

pub(crate) fn serve(args: LogServeArgs) -> Result<(), CliError> {
    let limits = args.limits.limits(MAX_ENTRY_LEN);
    limits
        .validate()
        .map_err(|e| serve_error(&ServeError::from(e)))?;
    let (signer, origin) = crate::log_cmd::target(&args.log)?;
    let options = AppenderOptions {
        max_batch_entries: args.max_batch,
        max_delay: Duration::from_millis(args.max_delay_ms),
        ..AppenderOptions::default()
    };
    // Room for every connection the limits allow (the hard limit permitting); `serve` refuses
    // to start if there is not.
    lumen_server::raise_fd_limit(limits.fds_needed()).map_err(|e| serve_error(&e))?;
    let appender = Appender::open_fs(&args.log.dir, &origin, signer, options).map_err(|e| {
        CliError::usage(format!("cannot open the log in {}", args.log.dir.display()))
            .caused_by(&e)
            .hint("create it with `lumen log init`")
    })?;
    let storage = FsStorage::new(&args.log.dir).map_err(|e| {
        CliError::usage(format!("cannot open {}", args.log.dir.display())).caused_by(&e)
    })?;
    let state = Arc::new(AppState { appender, storage });
    let app = Router::new()
        .route("/checkpoint", get(checkpoint))
        .route("/tile/{*rest}", get(tile))
        .route("/add", post(add))
        .layer(DefaultBodyLimit::max(MAX_ENTRY_LEN))
        .layer(axum::middleware::from_fn(refuse_query))
        .with_state(state.clone());
    let server = Server::new(app, limits).map_err(|e| serve_error(&e))?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage("cannot start the server runtime").caused_by(&e))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| {
                CliError::usage(format!("cannot listen on {}", args.listen)).caused_by(&e)
            })?;
        let addr = listener.local_addr().map_err(|e| {
            CliError::usage(format!("cannot listen on {}", args.listen)).caused_by(&e)
        })?;
        // The bound address is data (tests and scripts read it); the rest goes to stderr.
        crate::out::stdout(format!("http://{addr}\n").as_bytes())
            .map_err(|e| CliError::stdout(&e))?;
        crate::out::stderr!(
            "serving log {origin} from {} on http://{addr}",
            args.log.dir.display()
        );
        server
            .serve(listener, async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .map_err(|e| serve_error(&e))
    });
    state
        .appender
        .shutdown()
        .map_err(|e| CliError::usage("cannot close the log cleanly").caused_by(&e))?;
    result
}

/// A server that cannot start, with what to change.
fn serve_error(e: &ServeError) -> CliError {
    let err = CliError::usage("cannot serve the log").caused_by(e);
    match e {
        ServeError::FdLimitTooLow { .. } => {
            err.hint("raise the open-file limit (`ulimit -n`) or lower --max-connections")
        }
        ServeError::InvalidLimits(LimitsError::PerClientAboveTotal { .. }) => {
            err.hint("--max-connections-per-ip must not exceed --max-connections")
        }
        ServeError::InvalidLimits(_) => err.hint("every client limit must be at least 1"),
        _ => err,
    }
}

/// Answers `404` to any request whose target has a query (`?`, even empty): no resource of this
/// API takes one, so `/checkpoint?x` or `/add?x=1` must not be another name for a resource.
async fn refuse_query(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.uri().query().is_some() {
        return (StatusCode::NOT_FOUND, "no resource takes a query\n").into_response();
    }
    next.run(req).await
}

fn with_headers(body: Vec<u8>, content_type: &'static str, cache: &'static str) -> Response {
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    resp
}

async fn checkpoint(State(state): State<Arc<AppState>>) -> Response {
    with_headers(
        state.appender.checkpoint().to_vec(),
        "text/plain; charset=utf-8",
        "public, max-age=2",
    )
}

/// The tree size of the current checkpoint (the appender's own, so it parses).
fn current_size(state: &AppState) -> Option<u64> {
    let note = lumen_tlog::note::Note::parse(&state.appender.checkpoint()).ok()?;
    lumen_tlog::checkpoint::Checkpoint::parse(note.text())
        .ok()
        .map(|c| c.size())
}

/// The tile or entry bundle a request names, and its storage path, if the request's path as
/// received (before any percent-decoding) is exactly `/` and the canonical encoding of that
/// resource, with no query. Anything else names no resource: a `%`-escape, a superfluous `x000/`
/// group or leading zero, a `.p/256` width, a trailing `/`, a `?`.
fn canonical_tile(uri: &Uri) -> Option<(TilePath, String)> {
    if uri.query().is_some() {
        return None;
    }
    let raw = uri.path().strip_prefix('/')?;
    if raw.contains('%') {
        return None;
    }
    let parsed = parse_tile_path(raw).ok()?;
    let canonical = match parsed {
        TilePath::Hashes(t) => t.path(),
        TilePath::Entries(b) => b.path(),
    };
    (canonical == raw).then_some((parsed, canonical))
}

// The path is taken from the request URI as received (the router is not nested, so `Uri` is the
// whole of it): axum's `Path` extractor percent-decodes, which let `/tile/0/%30%30%30.p/5` stand
// for `/tile/0/000.p/5`.
async fn tile(State(state): State<Arc<AppState>>, uri: Uri) -> Response {
    let Some((parsed, path)) = canonical_tile(&uri) else {
        return (StatusCode::NOT_FOUND, "not a canonical tile path\n").into_response();
    };
    let Some(size) = current_size(&state) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no checkpoint\n").into_response();
    };
    // Serve only resources whose hashes all lie inside the current tree.
    if !parsed.within(size) {
        return (StatusCode::NOT_FOUND, "beyond the current checkpoint\n").into_response();
    }
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.storage.read(&path)).await {
        Ok(Ok(Some(bytes))) => with_headers(
            bytes,
            "application/octet-stream",
            "public, max-age=31536000, immutable",
        ),
        Ok(Ok(None)) => (StatusCode::NOT_FOUND, "no such tile\n").into_response(),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "storage error\n").into_response(),
    }
}

async fn add(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    // The writer answers through a oneshot channel once the batch is durable: no thread waits.
    let (tx, rx) = tokio::sync::oneshot::channel();
    let submitted = state.appender.submit_with(body.to_vec(), move |result| {
        let _ = tx.send(result);
    });
    let result = match submitted {
        Ok(()) => rx.await.unwrap_or(Err(AppendError::ShutDown)),
        Err(e) => Err(e),
    };
    match result {
        Ok(index) => with_headers(
            format!("{index}\n").into_bytes(),
            "text/plain; charset=utf-8",
            "no-store",
        ),
        Err(AppendError::EntryTooLarge { .. }) => {
            (StatusCode::PAYLOAD_TOO_LARGE, "entry too large\n").into_response()
        }
        Err(e) => (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not appended: {e}\n"),
        )
            .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use lumen_tlog::tiles::{BundleId, TileId};
    use proptest::prelude::*;

    fn uri(s: &str) -> Option<Uri> {
        s.parse().ok()
    }

    /// The class of issue 21 item 11: a tile path that decodes, or otherwise normalises, to a
    /// canonical one is not itself canonical, so it names nothing.
    #[test]
    fn non_canonical_tile_paths_name_no_resource() {
        for path in [
            "/tile/0/%30%30%30.p/5",
            "/tile/0/000.p%2f5",
            "/tile/0/000.p%2F5",
            "/tile/%30/000",
            "/tile/entries/00%30",
            "/tile/0/000?",
            "/tile/0/000?x=1",
            "/tile/0/000/",
            "/tile/0/x000/000",
            "/tile/0/0000",
            "/tile/0/000.p/256",
            "/tile/0/000.p/05",
            "/tile//0/000",
            "/tile/0/./000",
        ] {
            assert_eq!(uri(path).and_then(|u| canonical_tile(&u)), None, "{path}");
        }
        let ok = uri("/tile/1/x001/x234/067.p/17").unwrap();
        let t = TileId {
            level: 1,
            index: 1_234_067,
            width: 17,
        };
        assert_eq!(canonical_tile(&ok), Some((TilePath::Hashes(t), t.path())));
    }

    /// Path text close to tile paths: canonical pieces, escapes, separators and stray bytes.
    fn near_tile_path() -> impl Strategy<Value = String> {
        let piece = prop_oneof![
            Just("tile/".to_owned()),
            Just("entries/".to_owned()),
            Just("x".to_owned()),
            Just(".p/".to_owned()),
            Just("/".to_owned()),
            Just("?".to_owned()),
            Just("%".to_owned()),
            "%[0-9a-fA-F]{2}",
            "[0-9]{1,4}",
            "[ -~]",
        ];
        proptest::collection::vec(piece, 1..12).prop_map(|p| format!("/{}", p.concat()))
    }

    /// A canonical path with one byte percent-encoded (the decoded form would be canonical).
    fn escaped_canonical() -> impl Strategy<Value = String> {
        (
            0u8..3,
            0u64..2_000_000,
            1u16..=256,
            any::<prop::sample::Index>(),
        )
            .prop_map(|(kind, index, width, at)| {
                let path = match kind {
                    0 => TileId {
                        level: 0,
                        index,
                        width,
                    }
                    .path(),
                    1 => TileId {
                        level: 3,
                        index,
                        width,
                    }
                    .path(),
                    _ => BundleId { index, width }.path(),
                };
                let i = at.index(path.len());
                let (a, b) = path.split_at(i);
                let mut cs = b.chars();
                let c = cs.next().unwrap_or('0');
                format!("/{a}%{:02X}{}", c as u32, cs.as_str())
            })
    }

    proptest! {
        /// For any request path P that names a resource, P is `/` and the canonical encoding of
        /// that resource, and it is the storage path read.
        #[test]
        fn a_served_tile_path_is_the_canonical_encoding_of_what_is_served(
            path in prop_oneof![near_tile_path(), escaped_canonical()],
        ) {
            if let Some(u) = uri(&path)
                && let Some((parsed, storage_path)) = canonical_tile(&u)
            {
                let canonical = match parsed {
                    TilePath::Hashes(t) => t.path(),
                    TilePath::Entries(b) => b.path(),
                };
                prop_assert_eq!(&path, &format!("/{canonical}"));
                prop_assert_eq!(storage_path, canonical);
            }
        }

        /// Every canonical path names its resource.
        #[test]
        fn every_canonical_tile_path_is_accepted(level in 0u8..64, index: u64, width in 1u16..=256) {
            let t = TileId { level, index, width };
            prop_assert_eq!(
                canonical_tile(&uri(&format!("/{}", t.path())).unwrap()),
                Some((TilePath::Hashes(t), t.path()))
            );
            let b = BundleId { index, width };
            prop_assert_eq!(
                canonical_tile(&uri(&format!("/{}", b.path())).unwrap()),
                Some((TilePath::Entries(b), b.path()))
            );
        }
    }
}
