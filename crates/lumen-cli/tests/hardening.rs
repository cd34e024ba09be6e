//! The `lumen` process against hostile surroundings: a FIFO or device where a file is expected
//! (refused promptly, never a hang), closed output pipes (an exit status, never a panic), and JSON
//! arguments that name a member twice (refused).
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::NOT_GRANTED;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// How long a command that must not block may take (generous, for a loaded CI machine).
const PROMPT: Duration = Duration::from_secs(20);
/// The exit status for a closed standard output (128 + SIGPIPE), as documented in `main.rs`.
const EXIT_BROKEN_PIPE: i32 = 141;
/// A panicking Rust program exits with this status.
const EXIT_PANIC: i32 = 101;

fn lumen() -> Command {
    Command::new(assert_cmd::cargo::cargo_bin("lumen"))
}

/// Where a child's output stream goes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Sink {
    /// A pipe whose read end was closed before the child started: every write fails with EPIPE.
    Closed,
    /// A file the test reads afterwards.
    Captured,
}

struct Run {
    status: ExitStatus,
    stdout: Vec<u8>,
    stderr: String,
}

impl Run {
    fn code(&self) -> i32 {
        self.status
            .code()
            .unwrap_or_else(|| panic!("killed by a signal: {:?}", self.status))
    }
}

fn sink(kind: Sink, file: &Path) -> Stdio {
    match kind {
        Sink::Closed => {
            let (reader, writer) = std::io::pipe().unwrap();
            drop(reader);
            Stdio::from(writer)
        }
        Sink::Captured => Stdio::from(std::fs::File::create(file).unwrap()),
    }
}

/// Runs `cmd` with stdin empty and the given sinks, failing the test if it does not finish within
/// [`PROMPT`] (it is then killed, so a regression fails instead of hanging the suite).
fn run(mut cmd: Command, out: Sink, err: Sink) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let (out_file, err_file) = (dir.path().join("stdout"), dir.path().join("stderr"));
    cmd.stdin(Stdio::null())
        .stdout(sink(out, &out_file))
        .stderr(sink(err, &err_file));
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > PROMPT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{cmd:?} did not finish within {PROMPT:?}: it blocked");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        status,
        stdout: std::fs::read(&out_file).unwrap_or_default(),
        stderr: std::fs::read_to_string(&err_file).unwrap_or_default(),
    }
}

fn mkfifo(path: &Path) {
    rustix::fs::mkfifoat(
        rustix::fs::CWD,
        path,
        rustix::fs::Mode::from_raw_mode(0o600),
    )
    .unwrap();
}

/// `lumen key generate --unencrypted` into `dir/signing.key`.
fn key(dir: &Path) -> PathBuf {
    let path = dir.join("signing.key");
    let mut cmd = lumen();
    cmd.args(["key", "generate", "--unencrypted", "--out"])
        .arg(&path);
    assert_eq!(run(cmd, Sink::Captured, Sink::Captured).code(), 0);
    path
}

const POLICY: &str = r#"
[grants."http.get"]
domain = "api.weather.example"
"#;

// ---------------------------------------------------------------------------------------------
// A FIFO (or device, or directory) where a file is expected.

#[test]
fn non_regular_file_key_public_on_a_fifo_exits_2_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("fifo.key");
    mkfifo(&fifo);
    let mut cmd = lumen();
    cmd.args(["key", "public"]).arg(&fifo);
    let r = run(cmd, Sink::Captured, Sink::Captured);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.starts_with("error: "), "{}", r.stderr);
}

/// A TUF repository in `dir/repo` made by `lumen tuf init` with four unencrypted keys.
fn tuf_repo(dir: &Path) -> PathBuf {
    let mut args: Vec<std::ffi::OsString> = vec!["tuf".into(), "init".into(), "--repo".into()];
    args.push(dir.join("repo").into());
    for role in ["root", "targets", "snapshot", "timestamp"] {
        let path = dir.join(format!("{role}.key"));
        let mut cmd = lumen();
        cmd.args(["key", "generate", "--unencrypted", "--out"])
            .arg(&path);
        assert_eq!(run(cmd, Sink::Captured, Sink::Captured).code(), 0);
        args.push(format!("--{role}-key").into());
        args.push(path.clone().into());
        args.push("--key".into());
        args.push(path.into());
    }
    let mut cmd = lumen();
    cmd.args(&args);
    let r = run(cmd, Sink::Captured, Sink::Captured);
    assert_eq!(r.code(), 0, "{}", r.stderr);
    dir.join("repo")
}

#[test]
fn non_regular_file_in_a_tuf_repository_is_refused_promptly() {
    // Each metadata file the client and the editor read, replaced by a FIFO in turn: `verify`
    // (the client) says the repository does not verify, `status` (the editor) cannot open it;
    // neither blocks on the FIFO.
    for file in [
        "timestamp.json",
        "1.snapshot.json",
        "root.json",
        "1.root.json",
        "1.targets.json",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let repo = tuf_repo(dir.path());
        let path = repo.join("metadata").join(file);
        assert!(path.exists(), "{} missing", path.display());
        std::fs::remove_file(&path).unwrap();
        mkfifo(&path);
        let mut cmd = lumen();
        cmd.args(["tuf", "verify", "--repo"]).arg(&repo);
        let r = run(cmd, Sink::Captured, Sink::Captured);
        if file == "root.json" {
            // The client starts from 1.root.json and never reads root.json.
            assert_eq!(r.code(), 0, "{file}: {}", r.stderr);
        } else {
            assert!(matches!(r.code(), 1 | 2), "{file}: {}", r.stderr);
            assert!(r.stderr.starts_with("error: "), "{file}: {}", r.stderr);
        }
        let mut cmd = lumen();
        cmd.args(["tuf", "status", "--repo"]).arg(&repo);
        let r = run(cmd, Sink::Captured, Sink::Captured);
        assert_eq!(r.code(), 2, "{file}: {}", r.stderr);
    }
}

#[test]
fn oversize_repository_files_and_manifest_lines_are_refused_promptly() {
    // A sparse 3 GiB file swapped in for a metadata file, and a manifest with no line break: each
    // is refused after reading at most its cap, not read whole into memory.
    for file in [
        "timestamp.json",
        "1.snapshot.json",
        "1.targets.json",
        "root.json",
    ] {
        let dir = tempfile::tempdir().unwrap();
        let repo = tuf_repo(dir.path());
        let f = std::fs::File::create(repo.join("metadata").join(file)).unwrap();
        f.set_len(3 << 30).unwrap();
        let mut cmd = lumen();
        cmd.args(["tuf", "status", "--repo"]).arg(&repo);
        let r = run(cmd, Sink::Captured, Sink::Captured);
        assert_eq!(r.code(), 2, "{file}: {}", r.stderr);
    }
    let dir = tempfile::tempdir().unwrap();
    let repo = tuf_repo(dir.path());
    let manifest = dir.path().join("manifest.jsonl");
    std::fs::File::create(&manifest)
        .unwrap()
        .set_len(3 << 30)
        .unwrap();
    let mut cmd = lumen();
    cmd.args(["tuf", "add-target", "--repo"])
        .arg(&repo)
        .arg("--manifest")
        .arg(&manifest)
        .arg("--key")
        .arg(dir.path().join("targets.key"));
    let r = run(cmd, Sink::Captured, Sink::Captured);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stderr.contains("line longer than"), "{}", r.stderr);
}

#[test]
fn repository_files_are_created_like_ordinary_files() {
    // Published metadata must be readable by a web server running as another user: the same mode
    // as an ordinary new file (0644 less the umask), never a temporary file's private 0600.
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let repo = tuf_repo(dir.path());
    let ordinary = dir.path().join("ordinary");
    std::fs::File::create(&ordinary).unwrap();
    let want = std::fs::metadata(&ordinary).unwrap().permissions().mode() & 0o777;
    for entry in std::fs::read_dir(repo.join("metadata")).unwrap() {
        let path = entry.unwrap().path();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, want, "{}", path.display());
    }
}

#[test]
fn non_regular_file_inputs_exit_2_promptly() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let key = key(d);
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let policy = d.join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let msg = d.join("msg");
    std::fs::write(&msg, b"hello").unwrap();
    // A real log verifier key, so that `verify-receipt` gets as far as reading the receipt.
    let mut init = lumen();
    init.current_dir(d).args([
        "log",
        "init",
        "--dir",
        "log",
        "--key",
        "log.key",
        "--origin",
        "example.com/log",
    ]);
    let init = run(init, Sink::Captured, Sink::Captured);
    assert_eq!(init.code(), 0, "{}", init.stderr);
    let vkey = String::from_utf8(init.stdout).unwrap().trim().to_owned();
    let logdir = d.join("log").display().to_string();
    // A log directory whose checkpoint is a FIFO.
    std::fs::create_dir(d.join("fifolog")).unwrap();
    mkfifo(&d.join("fifolog/checkpoint"));
    let fifolog = d.join("fifolog").display().to_string();
    let public = key.display().to_string();
    let fifo_s = fifo.display().to_string();
    let k = key.display().to_string();
    let p = policy.display().to_string();
    let m = msg.display().to_string();
    let cases: Vec<Vec<&str>> = vec![
        // The FIFO as the key, the message, the signature, the policy, the audit log, the output.
        vec!["sign", "--key", &fifo_s, &m],
        vec!["sign", "--key", &k, &fifo_s],
        vec!["sign", "--key", &k, "--out", &fifo_s, &m],
        vec!["verify", "-p", &public, "--signature", &fifo_s, &m],
        vec!["key", "public", "/dev/zero"],
        vec!["key", "public", "/dev/null"],
        vec!["sign", "--key", &k, "/dev/zero"],
        vec!["key", "public", "."],
        vec![
            "policy", "eval", "--policy", &fifo_s, "--tool", "http.get", "--args", "{}",
        ],
        vec![
            "policy",
            "eval",
            "--policy",
            &p,
            "--tool",
            "http.get",
            "--args",
            r#"{"url": "https://api.weather.example/"}"#,
            "--audit",
            &fifo_s,
        ],
        vec!["policy", "show", "--policy", "/dev/zero"],
        vec![
            "log",
            "verify-receipt",
            "--vkey",
            &vkey,
            "--receipt",
            &fifo_s,
            &m,
        ],
        vec![
            "log",
            "monitor",
            "--vkey",
            &vkey,
            "--trusted",
            &fifo_s,
            "--dir",
            &logdir,
        ],
        vec!["log", "prove", "--dir", &fifolog, "--index", "0"],
    ];
    for args in cases {
        let mut cmd = lumen();
        cmd.args(&args);
        let r = run(cmd, Sink::Captured, Sink::Captured);
        assert_eq!(r.code(), 2, "{args:?}: {}", r.stderr);
    }
}

#[test]
fn non_regular_file_check_of_a_fifo_is_a_diagnostic_not_a_hang() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("prog.lm");
    mkfifo(&fifo);
    let mut cmd = lumen();
    cmd.args(["check", "--format", "json"]).arg(&fifo);
    let r = run(cmd, Sink::Captured, Sink::Captured);
    // A file that cannot be read is diagnostic E0207, as a missing file is.
    assert_eq!(r.code(), 1, "{}", r.stderr);
    let list: serde_json::Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(list[0]["code"], "E0207", "{list}");
}

#[test]
fn non_regular_file_stdin_is_still_read_through_dash() {
    // `-` is standard input, whatever it is connected to: the way to read a pipe.
    let dir = tempfile::tempdir().unwrap();
    let key = key(dir.path());
    let out = assert_cmd::Command::cargo_bin("lumen")
        .unwrap()
        .args(["sign", "--key"])
        .arg(&key)
        .arg("-")
        .write_stdin("hello")
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    assert_eq!(out.len(), 89, "Base64 of 64 bytes and a newline");
}

// ---------------------------------------------------------------------------------------------
// Closed output pipes.

fn check_bad(dir: &Path, extra: &[&str]) -> Command {
    let prog = dir.join("bad.lm");
    std::fs::write(&prog, NOT_GRANTED).unwrap();
    let mut cmd = lumen();
    cmd.arg("check").args(extra).arg(&prog);
    cmd
}

#[test]
fn closed_pipe_check_diagnostics_to_a_closed_stderr_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    for out in [Sink::Closed, Sink::Captured] {
        let r = run(check_bad(dir.path(), &[]), out, Sink::Closed);
        assert_eq!(r.code(), 1, "the check's verdict survives a closed stderr");
    }
}

#[test]
fn closed_pipe_check_json_to_a_closed_stdout_exits_141_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let r = run(
        check_bad(dir.path(), &["--format", "json"]),
        Sink::Closed,
        Sink::Captured,
    );
    assert_eq!(r.code(), EXIT_BROKEN_PIPE);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    assert_eq!(r.stderr, "", "a closed stdout is not reported as an error");
    let r = run(
        check_bad(dir.path(), &["--format", "json"]),
        Sink::Closed,
        Sink::Closed,
    );
    assert_eq!(r.code(), EXIT_BROKEN_PIPE);
}

#[test]
fn closed_pipe_policy_decisions_never_panic_nor_turn_into_success() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, POLICY).unwrap();
    let eval = |url: &str| {
        let mut cmd = lumen();
        cmd.args(["policy", "eval", "--policy"])
            .arg(&policy)
            .args(["--tool", "http.get", "--args"])
            .arg(format!(r#"{{"url": "{url}"}}"#));
        cmd
    };
    let allow = "https://api.weather.example/";
    let deny = "https://evil.example/";
    // Sanity: with both streams open, allow is 0 and deny is 1.
    assert_eq!(run(eval(allow), Sink::Captured, Sink::Captured).code(), 0);
    assert_eq!(run(eval(deny), Sink::Captured, Sink::Captured).code(), 1);
    for (url, out, err, want) in [
        (allow, Sink::Closed, Sink::Captured, EXIT_BROKEN_PIPE),
        (allow, Sink::Closed, Sink::Closed, EXIT_BROKEN_PIPE),
        (allow, Sink::Captured, Sink::Closed, 0),
        (deny, Sink::Closed, Sink::Captured, EXIT_BROKEN_PIPE),
        (deny, Sink::Closed, Sink::Closed, EXIT_BROKEN_PIPE),
        (deny, Sink::Captured, Sink::Closed, 1),
    ] {
        let r = run(eval(url), out, err);
        assert_eq!(r.code(), want, "{url} stdout {out:?} stderr {err:?}");
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    }
    let mut show = lumen();
    show.args(["policy", "show", "--policy"]).arg(&policy);
    let r = run(show, Sink::Closed, Sink::Captured);
    assert_eq!(r.code(), EXIT_BROKEN_PIPE);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

#[test]
fn closed_pipe_key_public_exits_141_and_errors_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let key = key(dir.path());
    for err in [Sink::Captured, Sink::Closed] {
        let mut cmd = lumen();
        cmd.args(["key", "public"]).arg(&key);
        let r = run(cmd, Sink::Closed, err);
        assert_eq!(r.code(), EXIT_BROKEN_PIPE);
        assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
        assert_ne!(r.code(), EXIT_PANIC);
    }
    // An error message to a closed stderr: the status still says what happened.
    let mut cmd = lumen();
    cmd.args(["key", "public"])
        .arg(dir.path().join("missing.key"));
    assert_eq!(run(cmd, Sink::Closed, Sink::Closed).code(), 2);
    // Status messages on stderr (`wrote … key`) with stderr closed.
    let mut cmd = lumen();
    cmd.args(["key", "generate", "--unencrypted", "--out"])
        .arg(dir.path().join("second.key"));
    assert_eq!(run(cmd, Sink::Captured, Sink::Closed).code(), 0);
}

#[test]
fn closed_pipe_help_and_usage_errors_do_not_panic() {
    let mut cmd = lumen();
    cmd.arg("--help");
    let r = run(cmd, Sink::Closed, Sink::Captured);
    assert_eq!(r.code(), EXIT_BROKEN_PIPE);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
    let mut cmd = lumen();
    cmd.arg("--no-such-flag");
    assert_eq!(run(cmd, Sink::Closed, Sink::Closed).code(), 2);
}

// ---------------------------------------------------------------------------------------------
// JSON that names a member twice.

#[test]
fn duplicate_member_in_args_or_json_policy_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let toml = dir.path().join("policy.toml");
    std::fs::write(&toml, POLICY).unwrap();
    // `--args` whose `url` is given twice: the second would otherwise win silently.
    let mut cmd = lumen();
    cmd.args(["policy", "eval", "--policy"])
        .arg(&toml)
        .args(["--tool", "http.get", "--args"])
        .arg(r#"{"url": "https://api.weather.example/", "\u0075rl": "https://evil.example/"}"#);
    let r = run(cmd, Sink::Captured, Sink::Captured);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "no decision is made");
    // A JSON policy that grants `domain` twice.
    let json = dir.path().join("policy.json");
    std::fs::write(
        &json,
        r#"{"grants": {"http.get": {"domain": "api.weather.example", "domain": "evil.example"}}}"#,
    )
    .unwrap();
    let mut cmd = lumen();
    cmd.args(["policy", "show", "--policy"]).arg(&json);
    let r = run(cmd, Sink::Captured, Sink::Captured);
    assert_eq!(r.code(), 2, "{}", r.stderr);
    assert!(r.stdout.is_empty());
}

#[test]
fn full_stdout_is_an_error_never_a_success() {
    // /dev/full fails every write with ENOSPC: help, version and data output must not exit 0.
    for args in [
        &["--help"][..],
        &["--version"],
        &["check", "--explain", "E0103"],
    ] {
        let mut cmd = lumen();
        cmd.args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::from(
                std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/full")
                    .unwrap(),
            ))
            .stderr(Stdio::piped());
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.starts_with("error: cannot write to standard output"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
