//! lumen-tuf against python-tuf (ngclient) on one repository, in one run: cold refresh, one
//! target lookup + download from refreshed metadata, and a warm refresh, each per process (a
//! fresh client process per operation, like an installer run) and in process. Both clients fetch
//! from the same loopback HTTP server, which serves the repository's files from disk.
//!
//!   tuf_compare REPO_DIR LUMEN_CLIENT PYTHON [ROUNDS]
//!
//! REPO_DIR holds `metadata/`, `targets/` and `bench.json` (`{"target": "<a target path>"}`),
//! as written by `tuf_gen`. LUMEN_CLIENT is the `lumen-tuf-conformance` binary; PYTHON is an
//! interpreter with tuf 7.0.1 (runs `bench/tuf_pytuf.py`).

use lumen_tuf::fetch::HttpFetcher;
use lumen_tuf::store::{DirStore, quote_role};
use lumen_tuf::{Updater, UpdaterConfig};
use std::path::{Path, PathBuf};
use std::process::Command;
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
            let app = axum::Router::new().fallback(move |uri: axum::http::Uri| {
                let root = root.clone();
                async move {
                    use axum::http::StatusCode;
                    let path = uri.path().trim_start_matches('/');
                    if path.split('/').any(|s| s.is_empty() || s == "..") {
                        return Err(StatusCode::NOT_FOUND);
                    }
                    std::fs::read(root.join(path))
                        .map_err(|_| StatusCode::NOT_FOUND)
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

fn run(cmd: &mut Command) -> Duration {
    let t = Instant::now();
    let out = cmd.output().unwrap();
    let d = t.elapsed();
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    d
}

struct Sides {
    lumen: Vec<Duration>,
    python: Vec<Duration>,
}

impl Sides {
    fn new() -> Self {
        Self { lumen: vec![], python: vec![] }
    }
}

fn fresh_md(tmp: &Path, root: &Path, name: &str) -> PathBuf {
    let md = tmp.join(name);
    std::fs::create_dir_all(&md).unwrap();
    std::fs::copy(root, md.join("root.json")).unwrap();
    md
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let repo = PathBuf::from(&args[1]);
    let client = PathBuf::from(&args[2]);
    let python = PathBuf::from(&args[3]);
    let rounds: usize = args.get(4).map(|s| s.parse().unwrap()).unwrap_or(7);
    let pyscript = Path::new(env!("CARGO_MANIFEST_DIR")).join("tuf_pytuf.py");
    let bench: serde_json::Value =
        serde_json::from_slice(&std::fs::read(repo.join("bench.json")).unwrap()).unwrap();
    let target = bench["target"].as_str().unwrap().to_owned();
    let root = repo.join("metadata/1.root.json");
    let base = serve(repo.clone());
    let md_url = format!("{base}/metadata/");
    let tg_url = format!("{base}/targets/");
    let size = |p: &str| std::fs::metadata(repo.join("metadata").join(p)).map(|m| m.len()).unwrap_or(0);
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
    let (mut cold, mut get, mut warm) = (Sides::new(), Sides::new(), Sides::new());
    // Per process. Rounds alternate which client goes first.
    for round in 0..rounds {
        for side in if round % 2 == 0 { [0, 1] } else { [1, 0] } {
            let md = fresh_md(tmp.path(), &root, &format!("pp-{round}-{side}"));
            let td = tmp.path().join(format!("pt-{round}-{side}"));
            std::fs::create_dir_all(&td).unwrap();
            let base_cmd = || {
                if side == 0 {
                    let mut c = Command::new(&client);
                    c.arg("--metadata-dir").arg(&md).arg("--metadata-url").arg(&md_url);
                    c
                } else {
                    let mut c = Command::new(&python);
                    c.arg(&pyscript)
                        .arg("--metadata-dir")
                        .arg(&md)
                        .arg("--metadata-url")
                        .arg(&md_url);
                    c
                }
            };
            let c = run(base_cmd().arg("refresh"));
            let g = run(base_cmd()
                .arg("--target-name")
                .arg(&target)
                .arg("--target-dir")
                .arg(&td)
                .arg("--target-base-url")
                .arg(&tg_url)
                .arg("download"));
            let w = run(base_cmd().arg("refresh"));
            let (a, b, d) = if side == 0 {
                (&mut cold.lumen, &mut get.lumen, &mut warm.lumen)
            } else {
                (&mut cold.python, &mut get.python, &mut warm.python)
            };
            a.push(c);
            b.push(g);
            d.push(w);
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
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let py: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let pyd = |k: &str| -> Vec<Duration> {
        py[k].as_array()
            .unwrap()
            .iter()
            .map(|v| Duration::from_secs_f64(v.as_f64().unwrap()))
            .collect()
    };

    println!(
        "{:<34} {:>12} {:>12} {:>8}   (median of {rounds})",
        "operation", "lumen-tuf", "python-tuf", "ratio"
    );
    let row = |name: &str, l: &mut Vec<Duration>, p: &mut Vec<Duration>| {
        let (l, p) = (median(l), median(p));
        println!(
            "{name:<34} {:>9.1} ms {:>9.1} ms {:>7.1}×",
            l.as_secs_f64() * 1e3,
            p.as_secs_f64() * 1e3,
            p.as_secs_f64() / l.as_secs_f64()
        );
    };
    row("cold refresh, per process", &mut cold.lumen, &mut cold.python);
    row("lookup + download, per process", &mut get.lumen, &mut get.python);
    row("warm refresh, per process", &mut warm.lumen, &mut warm.python);
    row("cold refresh, in process", &mut icold, &mut pyd("cold_refresh"));
    row("lookup + download, in process", &mut iget, &mut pyd("lookup_download"));
    row("warm refresh, in process", &mut iwarm, &mut pyd("warm_refresh"));
}
