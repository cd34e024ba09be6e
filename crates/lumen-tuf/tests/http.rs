#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The lumen-tuf client over `HttpFetcher` against a loopback HTTP server serving a simulated
//! repository: refresh and download, HTTP statuses in the root loop, and size caps.

#[macro_use]
mod common;

use common::*;
use lumen_tuf::fetch::{HttpFetcher, fetch_capped};
use lumen_tuf::store::DirStore;
use lumen_tuf::{FetchError, Mismatch, TufError, Updater};

const TARGET: &str = "dir/file.bin";
const CONTENT: &[u8] = b"served over loopback HTTP";

fn repo() -> RepoSim {
    let mut sim = RepoSim::new();
    // A role name that needs quoting: requested as `1.team%2Fa.json`, which a static server
    // must look up verbatim.
    sim.delegate("targets", "team/a", &["dir/*"], false);
    sim.add_target("team/a", TARGET, CONTENT);
    sim.publish();
    sim
}

fn http_updater(client: &Client, server: &HttpServer) -> Updater<DirStore, HttpFetcher> {
    client.updater_with(HttpFetcher::new(&server.url("metadata")).unwrap())
}

fn targets_fetcher(server: &HttpServer) -> HttpFetcher {
    HttpFetcher::new(&server.url("targets")).unwrap()
}

/// Refresh, delegation search and download over HTTP, with the exact requests the server saw.
#[test]
fn refresh_and_download_over_http() {
    let mut sim = repo();
    let server = HttpServer::serve_sim(&sim);
    let client = Client::new(&sim);
    let mut u = http_updater(&client, &server);
    sim.clear_requests();
    u.refresh().unwrap();
    let info = u.get_targetinfo(TARGET).unwrap();
    let dest = client.dest(TARGET);
    u.download_target(&info, &targets_fetcher(&server), &dest)
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), CONTENT);
    assert_eq!(
        sim.requests(),
        [
            "metadata/2.root.json".to_owned(),
            "metadata/timestamp.json".into(),
            "metadata/1.snapshot.json".into(),
            "metadata/1.targets.json".into(),
            "metadata/1.team%2Fa.json".into(),
            format!("targets/dir/{}.file.bin", sha256_hex(CONTENT)),
        ]
    );
    assert_eq!(u.find_cached_target(&info, &dest), Some(dest.clone()));
    client.assert_only_verified_bytes(&sim);

    // A new version of everything, over HTTP again.
    sim.add_target("team/a", "dir/second.bin", b"second");
    sim.update_targets("team/a");
    sim.bump_root();
    let mut u = http_updater(&client, &server);
    u.refresh().unwrap();
    let info = u.get_targetinfo("dir/second.bin").unwrap();
    let dest = client.dest("dir/second.bin");
    u.download_target(&info, &targets_fetcher(&server), &dest)
        .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), b"second");
    assert_eq!(client.stored_version("root"), Some(2));
    client.assert_only_verified_bytes(&sim);
}

/// 404 (and 403) for the next root ends the rotation loop; 500 fails the update.
#[test]
fn root_404_ends_the_loop_and_500_fails_it() {
    let mut sim = repo();
    let server = HttpServer::serve_sim(&sim);
    let client = Client::new(&sim);
    http_updater(&client, &server).refresh().unwrap();

    sim.set_status("metadata/2.root.json", 403);
    http_updater(&client, &server).refresh().unwrap();

    sim.set_status("metadata/2.root.json", 500);
    assert_err!(
        http_updater(&client, &server).refresh(),
        TufError::Fetch { source: FetchError::Status(500), url } if url.ends_with("/metadata/2.root.json")
    );
    assert_eq!(client.stored_version("root"), Some(1));

    // The fix: the server answers again, with a new root.
    sim.remove("metadata/2.root.json");
    sim.bump_root();
    sim.repair();
    http_updater(&client, &server).refresh().unwrap();
    assert_eq!(client.stored_version("root"), Some(2));
    client.assert_only_verified_bytes(&sim);
}

/// A missing target is a fetch error, and nothing is written.
#[test]
fn missing_target_is_not_found() {
    let sim = repo();
    let server = HttpServer::serve_sim(&sim);
    let client = Client::new(&sim);
    let mut u = http_updater(&client, &server);
    let info = u.get_targetinfo(TARGET).unwrap();
    sim.remove(&format!("targets/dir/{}.file.bin", sha256_hex(CONTENT)));
    assert_err!(
        u.download_target(&info, &targets_fetcher(&server), &client.dest(TARGET)),
        TufError::Fetch {
            source: FetchError::NotFound,
            ..
        }
    );
    assert!(files_in(&client.download_dir()).is_empty());
}

/// A server sending more than the cap: metadata is endless data, a target is a length
/// mismatch; nothing is written.
#[test]
fn server_sending_more_than_the_cap() {
    let mut sim = repo();
    let server = HttpServer::serve_sim(&sim);
    let client = Client::new(&sim);
    sim.set_endless("metadata/timestamp.json");
    assert_err!(
        http_updater(&client, &server).refresh(),
        TufError::EndlessData { max: 16_384, url } if url.ends_with("/metadata/timestamp.json")
    );
    assert_eq!(client.stored("timestamp"), None);

    sim.publish_timestamp();
    let mut u = http_updater(&client, &server);
    let info = u.get_targetinfo(TARGET).unwrap();
    sim.put_target_content(TARGET, &[CONTENT, &[b'!'; 100_000][..]].concat());
    let n = CONTENT.len() as u64;
    assert_err!(
        u.download_target(&info, &targets_fetcher(&server), &client.dest(TARGET)),
        TufError::LengthOrHashMismatch { mismatch: Mismatch::Length { expected, .. }, .. } if *expected == n
    );
    assert!(files_in(&client.download_dir()).is_empty());

    sim.put_target_content(TARGET, CONTENT);
    sim.repair();
    let mut u = http_updater(&client, &server);
    let info = u.get_targetinfo(TARGET).unwrap();
    u.download_target(&info, &targets_fetcher(&server), &client.dest(TARGET))
        .unwrap();
    client.assert_only_verified_bytes(&sim);
}

/// A server whose bodies never end: every read stops at its cap.
#[test]
fn endless_server_is_endless_data() {
    let server = EndlessServer::start();
    let fetcher = HttpFetcher::new(&format!("{}/metadata/", server.base)).unwrap();
    assert_err!(
        fetch_capped(&fetcher, "timestamp.json", 1_000),
        TufError::EndlessData { max: 1_000, .. }
    );

    let sim = repo();
    let client = Client::new(&sim);
    assert_err!(
        client.updater_with(fetcher).refresh(),
        TufError::EndlessData { max: 512_000, url } if url.ends_with("/metadata/2.root.json")
    );
    assert_eq!(client.stored_version("root"), Some(1));
    assert_eq!(client.stored_files().len(), 1);
}
