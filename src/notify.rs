//! Notifications: tells a person when something needs attention, through a command and/or a
//! webhook. Best effort: a failing channel is logged, never fatal. The events:
//! - `awaiting_sync`: documents of a file Fortnox has not taken after the configured attempts
//!   (one event per file, however many documents);
//! - `file_failed`: a file went to failed/ (its first error, and where its report is);
//! - `file_needs_action`: a file went to done/ with warnings that ask a person to act (an order
//!   cancelled in the shop but posted before, a refund to credit in Fortnox);
//! - `zreport_gap`: a register's Z numbers skipped one or more (one event per file);
//! - `inbox_unreachable` / `inbox_reachable`: an inbox cannot be read (a network share is down;
//!   the other inboxes go on), and when it can again;
//! - `connection_needs_attention`: the Fortnox connection must be renewed.

use std::process::Stdio;

use std::time::Duration;
use tokio::process::Command;

use serde::Serialize;

use crate::config::NotifyConfig;

/// What happened, as the channels receive it (JSON).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Event {
    /// `awaiting_sync`, `file_failed`, `zreport_gap`, ... (see the module's list).
    pub event: String,
    pub summary: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    /// The first (or only) document the event is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
    /// How many documents it is about, when more than one can be.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub documents: Option<usize>,
    /// The error report of a failed file (`failed/DATE/NAME.error.txt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<String>,
    /// The inbox folder an `inbox_*` event is about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inbox: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub attempts: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_try: Option<String>,
}

/// Sends `event` to every configured channel. Returns how many channels took it.
pub async fn send(config: &NotifyConfig, event: &Event) -> usize {
    // Good news is no warning.
    if event.event == "inbox_reachable" {
        tracing::info!(event = %event.event, "{}", event.summary);
    } else {
        tracing::warn!(event = %event.event, "{}", event.summary);
    }
    let json = serde_json::to_string(event).unwrap_or_default();
    let mut delivered = 0;
    if let Some(command) = &config.command {
        match run_command(command, &json).await {
            Ok(()) => delivered += 1,
            Err(e) => tracing::error!("notification command `{command}` failed: {e}"),
        }
    }
    if let Some(url) = &config.webhook {
        match post_webhook(url, &json).await {
            Ok(()) => delivered += 1,
            Err(e) => tracing::error!("notification webhook failed: {e}"),
        }
    }
    delivered
}

/// Why the configured notification command cannot run, said when the service starts rather
/// than the first time something fails: its program (the first word) is neither a file nor
/// found on `PATH`. `None` when it looks runnable, or is a shell built-in line we cannot judge.
pub fn command_problem(config: &NotifyConfig) -> Option<String> {
    let command = config.command.as_deref()?;
    // `VAR=value program ...`: the program is the first word that sets nothing.
    let program = command.split_whitespace().find(|w| !w.contains('='))?;
    let program = program.trim_matches(|c| c == '"' || c == '\'');
    let is_path = program.contains('/') || program.contains('\\');
    let found = if is_path {
        std::path::Path::new(program).is_file()
    } else {
        std::env::var_os("PATH").is_some_and(|paths| {
            std::env::split_paths(&paths).any(|dir| {
                let exe = dir.join(program);
                exe.is_file() || exe.with_extension("exe").is_file()
            })
        })
    };
    (!found).then(|| {
        format!(
            "[notify] command `{command}`: `{program}` is not found, so notifications will fail \
             (hint: give the program's full path; the service's PATH may be shorter than yours)"
        )
    })
}

/// A notification command gets this long before it is killed (a hanging script must not stop
/// the posting).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);

async fn run_command(command: &str, json: &str) -> Result<(), String> {
    use tokio::io::AsyncWriteExt;
    let mut child = shell(command)
        .env("FORTNOX_BRIDGE_EVENT", json)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| e.to_string())?;
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(json.as_bytes()).await;
    }
    match tokio::time::timeout(COMMAND_TIMEOUT, child.wait()).await {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("exited with {status}")),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => {
            let _ = child.kill().await;
            Err(format!("did not finish within {COMMAND_TIMEOUT:?}; killed"))
        }
    }
}

#[cfg(unix)]
fn shell(command: &str) -> Command {
    let mut c = Command::new("sh");
    c.arg("-c").arg(command);
    c
}

#[cfg(not(unix))]
fn shell(command: &str) -> Command {
    let mut c = Command::new("cmd");
    c.arg("/C").arg(command);
    c
}

async fn post_webhook(url: &str, json: &str) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let response = client
        .post(url)
        .header("Content-Type", "application/json")
        .body(json.to_owned())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if response.status().is_success() {
        Ok(())
    } else {
        Err(format!("answered {}", response.status()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> Event {
        Event {
            event: "awaiting_sync".into(),
            summary: "SIE voucher K 1041 is not posted after 3 attempts".into(),
            file: Some("kassa.si".into()),
            document: Some("SIE voucher K 1041".into()),
            attempts: Some(3),
            error: Some("fortnox is failing (503)".into()),
            ..Event::default()
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_command_whose_program_is_not_there_is_said_at_the_start() {
        let problem = |command: &str| {
            command_problem(&NotifyConfig { command: Some(command.into()), webhook: None })
        };
        assert_eq!(problem("cat > /tmp/x.json"), None);
        assert_eq!(problem("LANG=C sh -c 'cat'"), None);
        assert_eq!(problem("/bin/sh -c true"), None);
        let said = problem("/opt/kassa/larm.sh --to owner").expect("missing");
        assert!(said.contains("`/opt/kassa/larm.sh` is not found"), "{said}");
        assert!(problem("larm-skicka %event").is_some());
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn command_gets_the_event_on_stdin() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let out = tmp.path().join("event.json");
        let config =
            NotifyConfig { command: Some(format!("cat > '{}'", out.display())), webhook: None };
        assert_eq!(send(&config, &event()).await, 1);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&out).expect("written")).expect("json");
        assert_eq!(json["event"], "awaiting_sync");
        assert_eq!(json["attempts"], 3);
    }

    #[tokio::test]
    async fn webhook_gets_the_event_as_json() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}/hook", listener.local_addr().expect("addr"));
        let server = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.expect("accept");
            let mut buf = vec![0; 8192];
            let mut got = Vec::new();
            loop {
                let n = socket.read(&mut buf).await.expect("read");
                got.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&got);
                if n == 0 || text.contains("\"awaiting_sync\"") && text.ends_with('}') {
                    break;
                }
            }
            socket
                .write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n")
                .await
                .expect("write");
            String::from_utf8_lossy(&got).into_owned()
        });
        let config = NotifyConfig { command: None, webhook: Some(url) };
        assert_eq!(send(&config, &event()).await, 1);
        let request = server.await.expect("server");
        assert!(request.starts_with("POST /hook"), "{request}");
        assert!(request.contains("\"document\":\"SIE voucher K 1041\""), "{request}");
    }

    #[tokio::test]
    async fn a_failing_channel_is_not_fatal() {
        let config = NotifyConfig { command: Some("exit 3".into()), webhook: None };
        assert_eq!(send(&config, &event()).await, 0);
    }
}
