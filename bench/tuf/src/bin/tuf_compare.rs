//! lumen-tuf against python-tuf (ngclient) and tough (sigstore-rs's TUF client) on one
//! repository, in one run: cold refresh, one target lookup + download from refreshed metadata,
//! and a warm refresh, each per process (a fresh client process per operation, like an installer
//! run) and, for lumen-tuf and python-tuf only, in process. All clients fetch from the same
//! loopback HTTP server, which serves the repository's files (read from disk once, then from
//! memory, as a CDN edge would).
//!
//!   tuf_compare REPO_DIR LUMEN_CLIENT PYTHON TOUGH_CLIENT [ROUNDS]
//!
//! REPO_DIR holds `metadata/`, `targets/` and `bench.json` (`{"target": "<a target path>"}`),
//! as written by `tuf_gen`. LUMEN_CLIENT is the `lumen-tuf-conformance` binary (crate
//! `crates/lumen-tuf-conformance`); PYTHON is an interpreter with tuf 7.0.1 (runs
//! `bench/tuf/tuf_pytuf.py`); TOUGH_CLIENT is `tuf_tough`.
//!
//! lumen-tuf and python-tuf must succeed on every operation. tough may not (it has no
//! `succinct_roles`; it loads and validates every delegated role on every load; it fetches
//! consistent-snapshot targets from the wrong path when the target path has directories): a
//! tough operation that fails, or runs past `TUF_COMPARE_TOUGH_TIMEOUT` seconds (default 300;
//! the process is killed), is reported as `n/a` with its error, and is not run again. A cold
//! refresh that fails or times out ends tough's side of the run.

use lumen_tuf::fetch::HttpFetcher;
use lumen_tuf::store::{DirStore, quote_role};
use lumen_tuf::{Updater, UpdaterConfig};
use bytes::Bytes;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

fn serve(root: PathBuf) -> String {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            tx.send(listener.local_addr().unwrap()).unwrap();
            // Each file is read from disk once and then served from memory, as a CDN edge
            // would serve it; the repository does not change during a run.
            let cache = Arc::new(Mutex::new(HashMap::<String, Bytes>::new()));
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let root = root.clone();
                let cache = cache.clone();
                async move {
                    use axum::http::StatusCode;
                    let path = uri.path().trim_start_matches('/');
                    if path.split('/').any(|s| s.is_empty() || s == "..") {
                        return Err(StatusCode::NOT_FOUND);
                    }
                    if let Some(hit) = cache.lock().unwrap().get(path) {
                        return Ok(hit.clone());
                    }
                    let bytes = Bytes::from(
                        std::fs::read(root.join(path)).map_err(|_| StatusCode::NOT_FOUND)?,
                    );
                    cache.lock().unwrap().insert(path.to_owned(), bytes.clone());
                    Ok(bytes)
                }
            });
            axum::serve(listener, app).await.unwrap();
        });
    });
    format!("http://{}", rx.recv().unwrap())
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

/// Runs `cmd` to completion and returns its wall time, or why it did not succeed. With a
/// `limit`, a watchdog kills the process (by its id) once the limit has passed.
fn try_run(cmd: &mut Command, limit: Option<Duration>) -> Result<Duration, String> {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let t = Instant::now();
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let (done, watchdog) = match limit {
        Some(limit) => {
            let (tx, rx) = mpsc::channel::<()>();
            let pid = child.id().to_string();
            let w = std::thread::spawn(move || {
                // The child is not reaped before `tx` is dropped below, so its id is still its own.
                let expired =
                    matches!(rx.recv_timeout(limit), Err(mpsc::RecvTimeoutError::Timeout));
                if expired {
                    let _ = Command::new("kill").arg("-KILL").arg(&pid).status();
                }
                expired
            });
            (Some(tx), Some(w))
        }
        None => (None, None),
    };
    let out = child.wait_with_output().unwrap();
    let d = t.elapsed();
    drop(done);
    if watchdog.is_some_and(|w| w.join().unwrap()) {
        return Err(format!(
            "timed out after {:.0} s, killed",
            limit.unwrap().as_secs_f64()
        ));
    }
    if out.status.success() {
        Ok(d)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let first = stderr.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        Err(format!("{}: {}", out.status, first.trim()))
    }
}

fn run(cmd: &mut Command) -> Duration {
    match try_run(cmd, None) {
        Ok(d) => d,
        Err(e) => panic!("{cmd:?} failed: {e}"),
    }
}

/// One operation's timings for one client, or why the client could not do it.
#[derive(Default)]
struct Cell {
    times: Vec<Duration>,
    na: Option<String>,
}

impl Cell {
    fn median(&mut self) -> Option<Duration> {
        if self.na.is_some() || self.times.is_empty() {
            None
        } else {
            Some(median(&mut self.times))
        }
    }
}

/// Why tough was not run any more, if it was not.
#[derive(Default)]
struct ToughOff(Option<String>);

#[derive(Default)]
struct Sides {
    lumen: Vec<Duration>,
    python: Vec<Duration>,
    tough: Cell,
}

const LUMEN: usize = 0;
const PYTHON: usize = 1;
const TOUGH: usize = 2;

fn fresh_md(tmp: &Path, root: &Path, name: &str) -> PathBuf {
    let md = tmp.join(name);
    std::fs::create_dir_all(&md).unwrap();
    std::fs::copy(root, md.join("root.json")).unwrap();
    md
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !(5..=6).contains(&args.len()) || args[4].parse::<usize>().is_ok() {
        eprintln!("usage: tuf_compare REPO_DIR LUMEN_CLIENT PYTHON TOUGH_CLIENT [ROUNDS]");
        std::process::exit(2);
    }
    let repo = PathBuf::from(&args[1]);
    let client = PathBuf::from(&args[2]);
    let python = PathBuf::from(&args[3]);
    let tough = PathBuf::from(&args[4]);
    let rounds: usize = args.get(5).map(|s| s.parse().unwrap()).unwrap_or(7);
    let tough_limit = Duration::from_secs_f64(
        std::env::var("TUF_COMPARE_TOUGH_TIMEOUT")
            .ok()
            .map(|s| s.parse().expect("TUF_COMPARE_TOUGH_TIMEOUT: seconds"))
            .unwrap_or(300.0),
    );
    let pyscript = Path::new(env!("CARGO_MANIFEST_DIR")).join("tuf_pytuf.py");
    let bench: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("bench.json")).unwrap()).unwrap();
    let target = bench["target"].as_str().unwrap().to_owned();
    let root = repo.join("metadata/1.root.json");
    let base = serve(repo.clone());
    let md_url = format!("{base}/metadata/");
    let tg_url = format!("{base}/targets/");
    let size = |p: &str| {
        std::fs::metadata(repo.join("metadata").join(p))
            .map(|m| m.len())
            .unwrap_or(0)
    };
    println!(
        "repository {}: target {target:?}; snapshot {} B, targets {} B",
        repo.display(),
        std::fs::read_dir(repo.join("metadata"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".snapshot.json") || n == "snapshot.json")
            .map(|n| size(&n))
            .max()
            .unwrap_or(0),
        std::fs::read_dir(repo.join("metadata"))
            .unwrap()
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".targets.json") || n == "targets.json")
            .map(|n| size(&n))
            .max()
            .unwrap_or(0),
    );

    let tmp = tempfile::tempdir().unwrap();
    let (mut cold, mut get, mut warm) = (Sides::default(), Sides::default(), Sides::default());
    let mut tough_off = ToughOff::default();
    // Per process. Rounds rotate which client goes first.
    for round in 0..rounds {
        for i in 0..3 {
            let side = (round + i) % 3;
            if side == TOUGH && tough_off.0.is_some() {
                continue;
            }
            let md = fresh_md(tmp.path(), &root, &format!("pp-{round}-{side}"));
            let td = tmp.path().join(format!("pt-{round}-{side}"));
            std::fs::create_dir_all(&td).unwrap();
            let base_cmd = || {
                let mut c = match side {
                    LUMEN => Command::new(&client),
                    PYTHON => {
                        let mut c = Command::new(&python);
                        c.arg(&pyscript);
                        c
                    }
                    _ => Command::new(&tough),
                };
                c.arg("--metadata-dir")
                    .arg(&md)
                    .arg("--metadata-url")
                    .arg(&md_url);
                c
            };
            let refresh = || {
                let mut c = base_cmd();
                c.arg("refresh");
                c
            };
            let download = || {
                let mut c = base_cmd();
                c.arg("--target-name")
                    .arg(&target)
                    .arg("--target-dir")
                    .arg(&td)
                    .arg("--target-base-url")
                    .arg(&tg_url)
                    .arg("download");
                c
            };
            if side != TOUGH {
                let c = run(&mut refresh());
                let g = run(&mut download());
                let w = run(&mut refresh());
                let (a, b, d) = if side == LUMEN {
                    (&mut cold.lumen, &mut get.lumen, &mut warm.lumen)
                } else {
                    (&mut cold.python, &mut get.python, &mut warm.python)
                };
                a.push(c);
                b.push(g);
                d.push(w);
                continue;
            }
            // tough: a failed operation is reported, not fatal, and is not tried again; after a
            // failed cold refresh or a timeout, tough is not run at all any more.
            for (op, cell, mut cmd) in [
                ("cold refresh", &mut cold.tough, refresh()),
                ("download", &mut get.tough, download()),
                ("warm refresh", &mut warm.tough, refresh()),
            ] {
                if tough_off.0.is_some() || cell.na.is_some() {
                    continue;
                }
                match try_run(&mut cmd, Some(tough_limit)) {
                    Ok(d) => cell.times.push(d),
                    Err(e) => {
                        eprintln!("tough failed (round {round}): {cmd:?}: {e}");
                        if e.starts_with("timed out") {
                            tough_off.0 = Some(format!("an earlier tough run {e}"));
                        } else if op == "cold refresh" {
                            tough_off.0 = Some(format!("cold refresh failed: {e}"));
                        }
                        cell.na = Some(e);
                    }
                }
            }
        }
    }
    // In process: lumen.
    let (mut icold, mut iget, mut iwarm) = (vec![], vec![], vec![]);
    for round in 0..rounds {
        let md = fresh_md(tmp.path(), &root, &format!("ip-{round}"));
        let td = tmp.path().join(format!("it-{round}"));
        std::fs::create_dir_all(&td).unwrap();
        let t = Instant::now();
        let mut u = Updater::new(
            DirStore::new(&md).unwrap(),
            HttpFetcher::new(&md_url).unwrap(),
            UpdaterConfig::default(),
        )
        .unwrap();
        u.refresh().unwrap();
        icold.push(t.elapsed());
        let t = Instant::now();
        let mut u = Updater::new(
            DirStore::new(&md).unwrap(),
            HttpFetcher::new(&md_url).unwrap(),
            UpdaterConfig::default(),
        )
        .unwrap();
        let info = u.get_targetinfo(&target).unwrap();
        let dest = td.join(quote_role(&target));
        if u.find_cached_target(&info, &dest).is_none() {
            u.download_target(&info, &HttpFetcher::new(&tg_url).unwrap(), &dest)
                .unwrap();
        }
        iget.push(t.elapsed());
        let t = Instant::now();
        let mut u = Updater::new(
            DirStore::new(&md).unwrap(),
            HttpFetcher::new(&md_url).unwrap(),
            UpdaterConfig::default(),
        )
        .unwrap();
        u.refresh().unwrap();
        iwarm.push(t.elapsed());
    }
    // In process: python.
    let out = Command::new(&python)
        .arg(&pyscript)
        .arg("--metadata-url")
        .arg(&md_url)
        .arg("--target-base-url")
        .arg(&tg_url)
        .arg("--target-name")
        .arg(&target)
        .arg("--root")
        .arg(&root)
        .arg("inprocess")
        .arg(rounds.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let py: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pyd = |k: &str| -> Vec<Duration> {
        py[k]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| Duration::from_secs_f64(v.as_f64().unwrap()))
            .collect()
    };

    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1e3);
    let ratio = |a: Duration, b: Duration| format!("{:.1}×", a.as_secs_f64() / b.as_secs_f64());
    println!(
        "{:<34} {:>12} {:>12} {:>12} {:>10} {:>11}   (median of {rounds}; tough 0.24, \
         sigstore-rs's TUF client)",
        "operation", "lumen-tuf", "python-tuf", "tough", "py/lumen", "tough/lumen"
    );
    let mut notes = vec![];
    let mut row = |name: &str, s: &mut Sides| {
        let (l, p) = (median(&mut s.lumen), median(&mut s.python));
        let (t, tr) = match s.tough.median() {
            Some(t) if s.tough.times.len() == rounds => (ms(t), ratio(t, l)),
            Some(t) => {
                notes.push(format!(
                    "[{}] tough, {name}: median of {} rounds only ({})",
                    notes.len() + 1,
                    s.tough.times.len(),
                    tough_off.0.as_deref().unwrap_or("")
                ));
                (format!("{} [{}]", ms(t), notes.len()), ratio(t, l))
            }
            None => {
                let reason = s.tough.na.clone().unwrap_or_else(|| {
                    format!("not run: {}", tough_off.0.as_deref().unwrap_or("?"))
                });
                notes.push(format!(
                    "[{}] tough, {name}: n/a ({reason})",
                    notes.len() + 1
                ));
                (format!("n/a [{}]", notes.len()), "n/a".into())
            }
        };
        println!(
            "{name:<34} {:>12} {:>12} {t:>12} {:>10} {tr:>11}",
            ms(l),
            ms(p),
            ratio(p, l)
        );
    };
    row("cold refresh, per process", &mut cold);
    row("lookup + download, per process", &mut get);
    row("warm refresh, per process", &mut warm);
    for n in &notes {
        println!("  {n}");
    }
    let inproc = |name: &str, mut lumen: Vec<Duration>, mut python: Vec<Duration>| {
        let (l, p) = (median(&mut lumen), median(&mut python));
        println!(
            "{name:<34} {:>12} {:>12} {:>12} {:>10} {:>11}",
            ms(l),
            ms(p),
            "-",
            ratio(p, l),
            "-"
        );
    };
    println!("in process: lumen-tuf and python-tuf only (tough is timed per process only)");
    inproc("cold refresh, in process", icold, pyd("cold_refresh"));
    inproc(
        "lookup + download, in process",
        iget,
        pyd("lookup_download"),
    );
    inproc("warm refresh, in process", iwarm, pyd("warm_refresh"));
}
