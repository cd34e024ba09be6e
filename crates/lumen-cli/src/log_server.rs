//! `lumen log serve`: the C2SP tlog-tiles HTTP API over a log directory, plus `POST /add`.
//!
//! - `GET /checkpoint`: the latest signed checkpoint (`text/plain; charset=utf-8`, cached ≤ 2 s).
//! - `GET /tile/<L>/<N>[.p/<W>]` and `GET /tile/entries/<N>[.p/<W>]`: immutable, cached for a
//!   year. Only canonical paths of resources inside the current checkpoint's tree are served, so
//!   nothing written for a size that was never checkpointed is visible.
//! - `POST /add` with the entry as the body: answers with its index once the entry's batch is
//!   durable and covered by a published checkpoint.

use crate::cli::LogServeArgs;
use crate::error::CliError;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path as UrlPath, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use lumen_tlog::appender::{AppendError, Appender, AppenderOptions};
use lumen_tlog::storage::{FsStorage, TileStorage};
use lumen_tlog::tiles::{MAX_ENTRY_LEN, TILE_WIDTH, TilePath, hashes_at_level, parse_tile_path};
use std::sync::Arc;
use std::time::Duration;

struct AppState {
    appender: Appender,
    storage: FsStorage,
}

pub(crate) fn serve(args: LogServeArgs) -> Result<(), CliError> {
    let (signer, origin) = crate::log_cmd::target(&args.log)?;
    let options = AppenderOptions {
        max_batch_entries: args.max_batch,
        max_delay: Duration::from_millis(args.max_delay_ms),
        ..AppenderOptions::default()
    };
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
        .with_state(state.clone());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| CliError::usage("cannot start the server runtime").caused_by(&e))?;
    let result = runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen).await?;
        let addr = listener.local_addr()?;
        // The bound address is data (tests and scripts read it); the rest goes to stderr.
        println!("http://{addr}");
        eprintln!(
            "serving log {origin} from {} on http://{addr}",
            args.log.dir.display()
        );
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
    });
    state
        .appender
        .shutdown()
        .map_err(|e| CliError::usage("cannot close the log cleanly").caused_by(&e))?;
    result.map_err(|e| CliError::usage(format!("cannot serve on {}", args.listen)).caused_by(&e))
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

async fn tile(State(state): State<Arc<AppState>>, UrlPath(rest): UrlPath<String>) -> Response {
    let path = format!("tile/{rest}");
    let (level, index, width) = match parse_tile_path(&path) {
        Ok(TilePath::Hashes(t)) => (t.level, t.index, t.width),
        Ok(TilePath::Entries(b)) => (0, b.index, b.width),
        Err(_) => return (StatusCode::NOT_FOUND, "not a tile path\n").into_response(),
    };
    let Some(size) = current_size(&state) else {
        return (StatusCode::SERVICE_UNAVAILABLE, "no checkpoint\n").into_response();
    };
    // Serve only resources whose hashes all lie inside the current tree.
    let covered = index
        .checked_mul(TILE_WIDTH)
        .and_then(|first| first.checked_add(u64::from(width)))
        .is_some_and(|end| end <= hashes_at_level(level, size));
    if !covered {
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
