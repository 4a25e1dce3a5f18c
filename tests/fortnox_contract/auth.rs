//! The authorization-code flow and the refresh-token protocol: consent through the sandbox's
//! page, rotation, scopes, revocation reported loudly, crashes at every step of a refresh, and
//! two processes refreshing at once (child processes of this test binary).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use fortnox_bridge::fortnox::connect::{Connected, Grant, connect};
use fortnox_bridge::fortnox::{
    Client, Endpoints, Error, Problem, StorePoint, TokenHealth, TokenStore,
};
use fortnox_bridge::sandbox::{Sandbox, SandboxOptions};

use super::{credentials, date, fast, options};

/// Access tokens live 4 s so that tests can make them expire; the client renews them 1 s
/// early, so a fresh one is usable for at least 2 s and surely stale after `EXPIRE`.
const ACCESS_LIFETIME: Duration = Duration::from_secs(4);
const EXPIRE: Duration = Duration::from_millis(3300);

/// Follows the sandbox consent page's Approve link (the administrator's click).
pub async fn approve(consent_url: &str) {
    let http = reqwest::Client::new();
    let page = http.get(consent_url).send().await.unwrap().text().await.unwrap();
    let start = page.find("id=\"approve\" href=\"").unwrap() + "id=\"approve\" href=\"".len();
    let href = &page[start..start + page[start..].find('"').unwrap()];
    let href = href.replace("&amp;", "&");
    let done = http.get(&href).send().await.unwrap();
    assert!(done.status().is_success(), "{}", done.status());
    assert!(done.text().await.unwrap().contains("Connected"));
}

struct Fixture {
    sandbox: Sandbox,
    dir: tempfile::TempDir,
}

impl Fixture {
    async fn start() -> Fixture {
        let sandbox =
            Sandbox::start(SandboxOptions { access_token_lifetime: ACCESS_LIFETIME, ..options() })
                .await
                .unwrap();
        Fixture { sandbox, dir: tempfile::tempdir().unwrap() }
    }

    fn endpoints(&self) -> Endpoints {
        Endpoints::for_base(&self.sandbox.base_url())
    }

    fn token_file(&self) -> PathBuf {
        self.dir.path().join("state").join("fortnox-tokens.bin")
    }

    fn key_file(&self) -> PathBuf {
        self.dir.path().join("state").join("fortnox-tokens.key")
    }

    fn store(&self) -> TokenStore {
        TokenStore::new(self.token_file(), self.key_file())
    }

    fn client(&self) -> Client {
        Client::builder(self.endpoints(), credentials())
            .token_store(self.store())
            .retry(fast())
            .build()
    }

    async fn connect(&self, scopes: &[&str]) -> Connected {
        let scopes: Vec<String> = scopes.iter().map(|s| (*s).to_owned()).collect();
        connect(
            &self.endpoints(),
            &credentials(),
            &self.store(),
            "http://127.0.0.1:0/fortnox/callback",
            &scopes,
            Grant::User,
            |url| {
                let url = url.to_owned();
                tokio::spawn(async move { approve(&url).await });
            },
        )
        .await
        .unwrap()
    }

    fn generation(&self) -> u64 {
        self.store().load().unwrap().unwrap().generation()
    }

    /// Runs `child_refresh_process` (an ignored test, hence `--ignored`) in a new process of
    /// this test binary.
    fn child(&self, crash: Option<&str>, stall_ms: u64) -> std::process::Child {
        Command::new(std::env::current_exe().unwrap())
            .args([
                "auth::child_refresh_process",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FB_CONTRACT_CHILD", "1")
            .env("FB_BASE", self.sandbox.base_url())
            .env("FB_TOKENS", self.token_file())
            .env("FB_KEY", self.key_file())
            .env("FB_CRASH", crash.unwrap_or(""))
            .env("FB_STALL_MS", stall_ms.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }
}

/// How a child process ended.
#[derive(Debug, PartialEq, Eq)]
enum End {
    Ok,
    Failed(String),
    /// Aborted at its crash point (no answer printed, killed by SIGABRT).
    Crashed,
}

/// Waits for a child without blocking the runtime that serves the sandbox.
async fn ended(child: std::process::Child) -> End {
    let out = tokio::task::spawn_blocking(move || child.wait_with_output()).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() && text.contains("CHILD_OK") {
        End::Ok
    } else if !out.status.success() && !text.contains("CHILD_") {
        End::Crashed
    } else {
        End::Failed(text)
    }
}

fn point_name(point: StorePoint) -> &'static str {
    match point {
        StorePoint::LockHeld => "lock-held",
        StorePoint::RefreshAnswered => "refresh-answered",
        StorePoint::TempWritten => "temp-written",
        StorePoint::Persisted => "persisted",
    }
}

/// Not a test on its own: the body of the child processes. Uses the stored pair (refreshing
/// it when expired) and crashes or stalls where the parent asked. Ignored, so that a normal run
/// does not count it as a passing test; the parent runs it with `--ignored --exact`.
#[tokio::test]
#[ignore = "run by a parent test in a child process"]
async fn child_refresh_process() {
    if std::env::var_os("FB_CONTRACT_CHILD").is_none() {
        // Run by hand (`--ignored`/`--include-ignored`) without a parent: nothing to do.
        return;
    }
    let var = |name: &str| std::env::var(name).unwrap();
    let crash = var("FB_CRASH");
    let stall = Duration::from_millis(var("FB_STALL_MS").parse().unwrap());
    let store = TokenStore::new(var("FB_TOKENS"), var("FB_KEY")).with_hook(move |point| {
        if point_name(point) == crash {
            std::process::abort();
        }
        if point == StorePoint::LockHeld {
            std::thread::sleep(stall);
        }
    });
    let client = Client::builder(Endpoints::for_base(&var("FB_BASE")), credentials())
        .token_store(store)
        .retry(fast())
        .build();
    match client.company_information().await {
        Ok(company) => println!("CHILD_OK {}", company.company_name),
        Err(e) => println!("CHILD_ERR {e}"),
    }
}

#[tokio::test]
async fn connect_through_the_consent_page_stores_an_encrypted_pair_that_rotates() {
    let fx = Fixture::start().await;
    let connected = fx.connect(&["companyinformation", "bookkeeping", "settings"]).await;
    assert!(connected.company.unwrap().company_name.contains("Sandlådan"));
    assert_eq!(connected.scope, "companyinformation bookkeeping settings");
    assert_eq!(fx.generation(), 1);
    let raw = std::fs::read(fx.token_file()).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains("refresh"), "stored in clear?");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(fx.key_file()).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let client = fx.client();
    assert!(matches!(client.token_health(), TokenHealth::Healthy { .. }));
    assert_eq!(client.locked_period().await.unwrap(), Some(date("2025-03-31")));
    tokio::time::sleep(EXPIRE).await;
    // Expired: refreshed (new pair stored first), then used.
    assert_eq!(client.financial_year(date("2025-06-15")).await.unwrap().map(|y| y.id), Some(2));
    assert_eq!(fx.generation(), 2);
    tokio::time::sleep(EXPIRE).await;
    client.company_information().await.unwrap();
    assert_eq!(fx.generation(), 3, "the rotated refresh token works");
    let health = client.keep_alive().await.unwrap();
    assert!(!health.needs_attention(), "{health}");
    assert!(health.to_string().contains("connected"), "{health}");
}

#[tokio::test]
async fn a_missing_scope_is_a_typed_refusal_for_the_operator() {
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation"]).await;
    let error = fx.client().locked_period().await.unwrap_err();
    assert_eq!(error.problem(), Some(Problem::ScopeMissing), "{error:?}");
    assert!(error.needs_operator() && !error.is_retriable());
    assert!(error.to_string().contains("fortnox-bridge connect"), "{error}");
}

#[tokio::test]
async fn a_dead_refresh_token_is_reported_loudly_not_on_the_next_sale() {
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation", "bookkeeping"]).await;
    // A copy of the pair without the shared lock (a second installation): whoever refreshes
    // second holds a dead refresh token.
    let copy_dir = tempfile::tempdir().unwrap();
    let (copy_tokens, copy_key) = (copy_dir.path().join("t.bin"), copy_dir.path().join("t.key"));
    std::fs::copy(fx.token_file(), &copy_tokens).unwrap();
    std::fs::copy(fx.key_file(), &copy_key).unwrap();
    tokio::time::sleep(EXPIRE).await;
    fx.client().company_information().await.unwrap();
    let copy = Client::builder(fx.endpoints(), credentials())
        .token_store(TokenStore::new(&copy_tokens, &copy_key))
        .build();
    let error = copy.company_information().await.unwrap_err();
    assert!(matches!(error, Error::ConsentRevoked(_)), "{error:?}");
    assert!(error.needs_operator() && !error.is_retriable());
    assert!(error.to_string().contains("invalid_grant"), "{error}");
    assert!(error.to_string().contains("fortnox-bridge connect"), "{error}");
    // The verdict is stored: status shows it without asking Fortnox, every call fails fast.
    let health = copy.token_health();
    assert!(matches!(health, TokenHealth::Revoked { .. }) && health.needs_attention(), "{health}");
    assert!(matches!(copy.locked_period().await, Err(Error::ConsentRevoked(_))));
    let stored = TokenStore::new(&copy_tokens, &copy_key).load().unwrap().unwrap();
    assert!(stored.is_revoked());
}

#[tokio::test]
async fn a_crash_after_the_new_pair_is_persisted_loses_nothing() {
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation"]).await;
    tokio::time::sleep(EXPIRE).await;
    assert_eq!(ended(fx.child(Some("persisted"), 0)).await, End::Crashed);
    assert_eq!(fx.generation(), 2, "the new pair was stored before the crash");
    let client = fx.client();
    client.company_information().await.unwrap();
    tokio::time::sleep(EXPIRE).await;
    client.company_information().await.unwrap();
    assert_eq!(fx.generation(), 3, "the chain lives on");
}

#[tokio::test]
async fn a_crash_before_the_rename_is_repaired_by_the_next_process() {
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation"]).await;
    tokio::time::sleep(EXPIRE).await;
    assert_eq!(ended(fx.child(Some("temp-written"), 0)).await, End::Crashed);
    assert_eq!(fx.generation(), 1, "not renamed yet");
    let client = fx.client();
    client.company_information().await.unwrap();
    assert_eq!(fx.generation(), 2, "the interrupted save was completed, not refreshed again");
    tokio::time::sleep(EXPIRE).await;
    client.company_information().await.unwrap();
    assert_eq!(fx.generation(), 3, "the chain lives on");
}

#[tokio::test]
async fn a_crash_while_holding_the_lock_releases_it() {
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation"]).await;
    tokio::time::sleep(EXPIRE).await;
    assert_eq!(ended(fx.child(Some("lock-held"), 0)).await, End::Crashed);
    fx.client().company_information().await.unwrap();
    assert_eq!(fx.generation(), 2);
}

#[tokio::test]
async fn a_crash_between_fortnox_answer_and_the_save_is_reported_as_revoked() {
    // The one window no client can close (Fortnox spent the old token, the new one was never
    // written): it is detected on the next use and reported, never silent.
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation"]).await;
    tokio::time::sleep(EXPIRE).await;
    assert_eq!(ended(fx.child(Some("refresh-answered"), 0)).await, End::Crashed);
    let client = fx.client();
    let error = client.company_information().await.unwrap_err();
    assert!(matches!(error, Error::ConsentRevoked(_)), "{error:?}");
    assert!(matches!(client.token_health(), TokenHealth::Revoked { .. }));
}

#[tokio::test]
async fn two_processes_refreshing_at_once_keep_the_chain() {
    let fx = Fixture::start().await;
    fx.connect(&["companyinformation"]).await;
    tokio::time::sleep(EXPIRE).await;
    // Both find the access token expired; each holds the lock a while, so the second waits
    // for the first and then uses the pair it stored instead of the spent refresh token.
    let first = fx.child(None, 500);
    let second = fx.child(None, 500);
    let (first, second) = tokio::join!(ended(first), ended(second));
    assert_eq!((first, second), (End::Ok, End::Ok));
    assert_eq!(fx.generation(), 2, "exactly one refresh");
    tokio::time::sleep(EXPIRE).await;
    fx.client().company_information().await.unwrap();
    assert_eq!(fx.generation(), 3, "the chain lives on");
}

fn write_config(dir: &Path, base_url: &str) -> PathBuf {
    let path = dir.join("fortnox-bridge.toml");
    std::fs::write(
        &path,
        format!(
            "[fortnox]\ntarget = \"{base_url}\"\nauth = \"authorization_code\"\n\
             redirect_uri = \"http://127.0.0.1:0/fortnox/callback\"\n"
        ),
    )
    .unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_command_prints_the_consent_url_and_stores_the_tokens() {
    let sandbox = Sandbox::start(options()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox.base_url());
    let (status, printed, url) = run_connect(&config).await;
    assert!(url.contains("access_type=offline") && url.contains("state="), "{url}");
    assert!(!url.contains("account_type"), "{url}");
    assert!(status.success(), "{printed}");
    assert!(printed.contains("connected to Sandlådan"), "{printed}");
    let store = TokenStore::new(
        dir.path().join("fortnox-tokens.bin"),
        dir.path().join("fortnox-tokens.bin.key"),
    );
    let client = Client::builder(
        Endpoints::for_base(&sandbox.base_url()),
        fortnox_bridge::fortnox::Credentials {
            client_id: "fortnox-bridge".into(),
            client_secret: "sandbox-secret".into(),
            tenant_id: None,
        },
    )
    .token_store(store)
    .build();
    assert!(client.company_information().await.is_ok());
    sandbox.stop().await;
}

/// With client credentials (the default), `connect` asks an administrator to consent for the
/// company's service account and prints the tenant id the service signs in with; it stores
/// nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connect_command_consents_a_service_account_and_prints_its_tenant_id() {
    let sandbox = Sandbox::start(options()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path(), &sandbox.base_url());
    let text = std::fs::read_to_string(&config).unwrap();
    std::fs::write(&config, text.replace("auth = \"authorization_code\"", "")).unwrap();
    let (status, printed, url) = run_connect(&config).await;
    assert!(url.contains("account_type=service"), "{url}");
    assert!(status.success(), "{printed}");
    let company = Client::builder(Endpoints::for_base(&sandbox.base_url()), credentials())
        .build()
        .company_information()
        .await
        .unwrap();
    let tenant = company.database_number.unwrap();
    assert!(printed.contains(&format!("FORTNOX_TENANT_ID={tenant}")), "{printed}");
    let left: Vec<_> =
        std::fs::read_dir(dir.path()).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(left, [std::ffi::OsString::from("fortnox-bridge.toml")], "nothing stored");
    sandbox.stop().await;
}

/// Runs `connect -c config` as an administrator would: approves the consent page it prints.
/// Returns its exit status, what it printed and the consent address.
async fn run_connect(config: &Path) -> (std::process::ExitStatus, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fortnox-bridge"))
        .arg("connect")
        .arg("-c")
        .arg(config)
        .env("FORTNOX_BRIDGE_NO_BROWSER", "1")
        .env_remove("FORTNOX_CLIENT_ID")
        .env_remove("FORTNOX_CLIENT_SECRET")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines() {
            let line = line.unwrap();
            if line.trim_start().starts_with("http") {
                let _ = tx.send(line.trim().to_owned());
            }
            all.push_str(&line);
            all.push('\n');
        }
        all
    });
    let url = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_mins(1)))
        .await
        .unwrap()
        .unwrap();
    approve(&url).await;
    let status = tokio::task::spawn_blocking(move || child.wait()).await.unwrap().unwrap();
    (status, reader.join().unwrap(), url)
}
