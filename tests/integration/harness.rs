//! Test harness: a temporary workspace, the sandbox on a free loopback port, the real binary.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};

pub fn fixture(rel: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures").join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The fixture `rel` with each `(from, to)` replaced once, as bytes: SIE fixtures are CP437,
/// which a round trip through `String::from_utf8_lossy` would corrupt (a changed row text).
pub fn fixture_with(rel: &str, changes: &[(&str, &str)]) -> Vec<u8> {
    let mut bytes = fixture(rel);
    for (from, to) in changes {
        let at = bytes
            .windows(from.len())
            .position(|w| w == from.as_bytes())
            .unwrap_or_else(|| panic!("`{from}` not in {rel}"));
        bytes.splice(at..at + from.len(), to.bytes());
    }
    bytes
}

pub struct Workspace {
    pub dir: tempfile::TempDir,
    pub sandbox: Sandbox,
}

pub const MAPPING: &str = "[sie]\nseries = { K = \"F\" }\n";

impl Workspace {
    /// A workspace whose configuration points at a fresh sandbox ("today" 2026-11-21, so the
    /// fixtures' dates fall in open financial years).
    pub async fn start() -> Workspace {
        Workspace::start_with(|_| {}).await
    }

    /// Like [`Workspace::start`], with the sandbox's options adjusted (faults, limits).
    pub async fn start_with(adjust: impl FnOnce(&mut SandboxOptions)) -> Workspace {
        let mut options = SandboxOptions {
            listen: "127.0.0.1:0".parse().expect("addr"),
            data: None,
            today: chrono::NaiveDate::from_ymd_opt(2026, 11, 21).expect("date"),
            ..SandboxOptions::default()
        };
        adjust(&mut options);
        let sandbox = Sandbox::start(options).await.expect("sandbox starts");
        let ws = Workspace { dir: tempfile::tempdir().expect("tempdir"), sandbox };
        ws.write_config(MAPPING);
        std::fs::create_dir_all(ws.path("inbox")).expect("inbox");
        ws
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Writes the configuration: the sandbox's URL, a short stability window, plus `extra`.
    /// Retries are fast (`retry_secs = 1`) unless `extra` has its own `[upload]`.
    pub fn write_config(&self, extra: &str) {
        self.write_config_with("", extra);
    }

    /// [`Workspace::write_config`] with more keys of `[fortnox]` (`fortnox`, whole lines).
    pub fn write_config_with(&self, fortnox: &str, extra: &str) {
        self.write_config_for(&self.sandbox.base_url(), fortnox, extra);
    }

    /// [`Workspace::write_config_with`] with another Fortnox than the sandbox (`target`).
    pub fn write_config_for(&self, target: &str, fortnox: &str, extra: &str) {
        let upload = if extra.contains("[upload]") { "" } else { "[upload]\nretry_secs = 1\n" };
        let text = format!(
            "[fortnox]\ntarget = \"{target}\"\n{fortnox}[watch]\nstable_ms = 300\n\
             rescan_secs = 2\n{upload}{extra}"
        );
        std::fs::write(self.path("fortnox-bridge.toml"), text).expect("config");
    }

    /// Sets a file's modification time `ago` in the past (a file written long ago).
    pub fn age(&self, rel: &str, ago: Duration) {
        std::fs::File::options()
            .write(true)
            .open(self.path(rel))
            .and_then(|f| f.set_modified(std::time::SystemTime::now() - ago))
            .expect("set the time");
    }

    pub fn drop_file(&self, name: &str, bytes: &[u8]) {
        // Written beside the inbox and renamed in, as a careful POS does.
        let tmp = self.path(&format!(".{name}.writing"));
        std::fs::write(&tmp, bytes).expect("write");
        std::fs::rename(&tmp, self.path("inbox").join(name)).expect("rename into inbox");
    }

    /// Writes straight into the inbox in `pieces`, pausing between them, like a slow writer.
    pub async fn drop_slowly(&self, name: &str, bytes: &[u8], pieces: usize, pause: Duration) {
        use std::io::Write;
        let mut file = std::fs::File::create(self.path("inbox").join(name)).expect("create");
        for chunk in bytes.chunks(bytes.len().div_ceil(pieces)) {
            file.write_all(chunk).expect("write");
            file.flush().expect("flush");
            tokio::time::sleep(pause).await;
        }
    }

    pub fn inbox_names(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path("inbox"))
            .expect("inbox")
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .collect();
        names.sort();
        names
    }

    /// Archived source files (not error or warning reports) under `done` or `failed`, any date
    /// folder.
    pub fn archived(&self, folder: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        let Ok(days) = std::fs::read_dir(self.path(folder)) else { return out };
        for day in days.flatten() {
            for f in std::fs::read_dir(day.path()).into_iter().flatten().flatten() {
                let name = f.file_name().to_string_lossy().into_owned();
                if !name.ends_with(".error.txt") && !name.ends_with(".warnings.txt") {
                    out.push(f.path());
                }
            }
        }
        out.sort();
        out
    }

    /// Waits until `done` holds. The limit is generous (two minutes): the wait ends as soon
    /// as it holds, and on a loaded two-core CI machine 30 s was once not enough.
    pub async fn wait_for(&self, done: impl Fn() -> bool) {
        let deadline = Instant::now() + Duration::from_mins(2);
        while !done() {
            assert!(
                Instant::now() < deadline,
                "timed out; done: {:?}, failed: {:?}, inbox: {:?}",
                self.archived("done"),
                self.archived("failed"),
                self.inbox_names()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_fortnox-bridge"));
        cmd.args(args).current_dir(self.dir.path()).env("FORTNOX_BRIDGE_LOG", "info");
        // Whether logs are coloured is the binary's own decision (stderr a terminal or not).
        cmd.env_remove("NO_COLOR");
        cmd
    }

    /// Runs a command with its standard output a pipe nobody reads any more (`... | head -1`
    /// after `head` exited); stderr is captured.
    pub fn cli_into_closed_pipe(&self, args: &[&str]) -> Output {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        self.command(args)
            .stdout(writer)
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary runs")
            .wait_with_output()
            .expect("output")
    }

    /// Runs a command of the binary in the workspace to completion.
    pub fn cli(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("binary runs")
    }

    /// [`Workspace::cli`] for a command that must end by itself: killed, and the test failed,
    /// when it is still running after `limit`.
    pub fn cli_within(&self, args: &[&str], limit: Duration) -> Output {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("binary runs");
        let started = std::time::Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if started.elapsed() > limit {
                let _ = child.kill();
                let out = child.wait_with_output().expect("output");
                panic!("`{}` still ran after {limit:?}: {out:?}", args.join(" "));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        child.wait_with_output().expect("output")
    }

    /// Starts `run` as a long-running service.
    pub fn spawn_service(&self) -> Service {
        self.spawn_service_quiet(false)
    }

    /// Starts `run`; `quiet` discards its log (for tests that start it many times).
    pub fn spawn_service_quiet(&self, quiet: bool) -> Service {
        let stderr = if quiet { Stdio::null() } else { Stdio::inherit() };
        let child = self
            .command(&["run"])
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .expect("service starts");
        Service { child }
    }

    /// An authenticated client of the sandbox's API.
    pub async fn api(&self) -> Api {
        let http = reqwest::Client::new();
        let base = self.sandbox.base_url();
        let token: serde_json::Value = http
            .post(format!("{base}/oauth-v1/token"))
            .basic_auth("test", Some("secret"))
            .form(&[("grant_type", "client_credentials")])
            .send()
            .await
            .expect("token")
            .json()
            .await
            .expect("token json");
        let token = token["access_token"].as_str().expect("access_token").to_owned();
        Api { http, base, token }
    }
}

pub struct Service {
    child: Child,
}

impl Service {
    /// SIGKILL: the process dies wherever it is, as on a power cut.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM (clean shutdown) and wait; asserts the service exits successfully.
    pub fn stop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let status = self.child.wait().expect("wait");
        assert!(status.success(), "service exit: {status:?}");
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Api {
    http: reqwest::Client,
    base: String,
    token: String,
}

impl Api {
    /// GET, retrying the sandbox's injected 500s (reads are safe to repeat).
    pub async fn get(&self, path: &str) -> serde_json::Value {
        self.send_get(path).await.json().await.expect("json")
    }

    /// POST a JSON body; asserts success and returns the answer.
    pub async fn post(&self, path: &str, body: &serde_json::Value) -> serde_json::Value {
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await
            .expect("request");
        assert!(response.status().is_success(), "{path}: {}", response.status());
        response.json().await.expect("json")
    }

    /// The raw body of a GET (a downloaded file), retrying injected 500s like [`Api::get`].
    pub async fn get_bytes(&self, path: &str) -> Vec<u8> {
        self.send_get(path).await.bytes().await.expect("body").to_vec()
    }

    /// Sends a GET, retrying the sandbox's injected 5xx answers; asserts success.
    async fn send_get(&self, path: &str) -> reqwest::Response {
        for _ in 0..20 {
            let response = self
                .http
                .get(format!("{}{path}", self.base))
                .bearer_auth(&self.token)
                .send()
                .await
                .expect("request");
            if response.status().is_server_error() {
                continue;
            }
            assert!(response.status().is_success(), "{path}: {}", response.status());
            return response;
        }
        panic!("{path}: the sandbox kept failing");
    }

    /// Every voucher of a series in a year (all pages).
    pub async fn all_vouchers(&self, series: &str, year: u64) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for page in 1.. {
            let list = self
                .get(&format!(
                    "/3/vouchers/sublist/{series}?financialyear={year}&limit=100&page={page}"
                ))
                .await;
            out.extend(list["Vouchers"].as_array().cloned().unwrap_or_default());
            let pages = list["MetaInformation"]["@TotalPages"].as_u64().unwrap_or(0);
            if u64::try_from(page).unwrap_or(u64::MAX) >= pages {
                break;
            }
        }
        out
    }

    /// The Id of the financial year containing `date`.
    pub async fn year_of(&self, date: &str) -> u64 {
        let years = self.get(&format!("/3/financialyears?date={date}")).await;
        years["FinancialYears"][0]["Id"].as_u64().expect("a financial year")
    }
}

/// `[notify] command` appending each event as a line of `events`.
/// A loopback URL nothing listens on: a Fortnox that cannot be reached.
pub fn nothing_listening() -> String {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("port");
    format!("http://{}", closed.local_addr().expect("addr"))
}

pub fn notify_into(events: &std::path::Path) -> String {
    format!(
        "[notify]\ncommand = \"cat >> '{}'; echo >> '{}'\"\n",
        events.display(),
        events.display()
    )
}

/// The events written by [`notify_into`].
pub fn events_in(events: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(events).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).expect("json"))
        .collect()
}
