//! Helpers shared by the `lumen` process tests: the `lumen` command set up in a directory, a
//! Lumen program the checker rejects, and, for the `lumen log` tests, `lumen log init`, a raw
//! HTTP/1.1 client and a `lumen log serve` process.

// Not every test binary uses every helper.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

/// The `lumen` binary run in `dir`, with no passphrase in the environment (a prompt fails, there
/// being no terminal) and `LUMEN_HOME` at `dir/home`.
pub(crate) fn lumen(dir: &Path) -> assert_cmd::Command {
    let mut cmd =
        assert_cmd::Command::cargo_bin("lumen").expect("the lumen binary is built by cargo test");
    cmd.current_dir(dir)
        .env_remove("LUMEN_KEY_PASSPHRASE")
        .env("LUMEN_HOME", dir.join("home"));
    cmd
}

/// A Lumen program with diagnostic E0201 on line 5, column 11: the call is not granted to the cell.
pub(crate) const NOT_GRANTED: &str = r#"use tool http.get as Fetch
grant Fetch domain "api.weather.example"

cell main() -> String
  let r = Fetch(url: "https://api.weather.example/today")
  return r.body
end
"#;

/// `lumen log serve` of the log `log` with key `log.key` in the current directory, on a free port
/// of 127.0.0.1.
pub(crate) const LOG_SERVE: [&str; 8] = [
    "log",
    "serve",
    "--dir",
    "log",
    "--key",
    "log.key",
    "--listen",
    "127.0.0.1:0",
];

/// `lumen log init` of the log `log` with key `log.key` in `dir`; returns the verifier key it prints.
pub(crate) fn init_log(dir: &Path, origin: &str) -> String {
    let out = assert_cmd::Command::cargo_bin("lumen")
        .expect("the lumen binary is built by cargo test")
        .current_dir(dir)
        .args([
            "log", "init", "--dir", "log", "--key", "log.key", "--origin", origin,
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out)
        .expect("the verifier key is text")
        .trim()
        .to_owned()
}

/// A response: status, headers (names lowercased), body.
pub(crate) type Response = (u16, Vec<(String, String)>, Vec<u8>);

/// One HTTP/1.1 request over a fresh connection (`Connection: close`).
pub(crate) fn try_http(
    addr: &str,
    method: &str,
    path: &str,
    body: &[u8],
) -> std::io::Result<Response> {
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    s.write_all(body)?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw)?;
    let bad = || std::io::Error::other("malformed HTTP response");
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(bad)?;
    let head = String::from_utf8(raw[..split].to_vec()).map_err(|_| bad())?;
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .ok_or_else(bad)?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok((status, headers, raw[split + 4..].to_vec()))
}

/// [`try_http`] that fails the test on a transport error.
pub(crate) fn http(addr: &str, method: &str, path: &str, body: &[u8]) -> Response {
    try_http(addr, method, path, body).unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// Client limits high enough that a test's own bursts are never rate limited.
pub(crate) const NO_RATE_LIMIT: [&str; 4] =
    ["--rate-per-ip", "1000000", "--burst-per-ip", "1000000"];

/// A running `lumen log serve` on `127.0.0.1:0` for the log `log` (key `log.key`) in a directory.
pub(crate) struct Server {
    /// The server process.
    pub(crate) child: Child,
    /// `host:port` it listens on.
    pub(crate) addr: String,
}

impl Server {
    /// Starts the server in `dir` with the given batch delay (and the default client limits)
    /// and waits for its address.
    pub(crate) fn start(dir: &Path, max_delay_ms: u32) -> Self {
        Self::start_with(dir, max_delay_ms, &[])
    }

    /// [`Server::start`] with more arguments, e.g. client limits.
    pub(crate) fn start_with(dir: &Path, max_delay_ms: u32, extra: &[&str]) -> Self {
        let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("lumen"))
            .current_dir(dir)
            .args(LOG_SERVE)
            .args(["--max-delay-ms", &max_delay_ms.to_string()])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn lumen log serve");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read address");
        let addr = line
            .trim()
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("serve did not print its address: {line:?}"))
            .to_owned();
        Self { child, addr }
    }

    /// Stops the server with SIGINT and checks that it exits cleanly.
    pub(crate) fn stop(mut self) {
        let pid = self.child.id().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-INT", &pid])
                .status()
                .expect("kill")
                .success()
        );
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "serve exited with {status}");
    }

    /// Kills the server with SIGKILL, as a crash would.
    pub(crate) fn crash(mut self) {
        self.child.kill().expect("SIGKILL");
        self.child.wait().expect("wait");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
