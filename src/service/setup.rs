//! Before the run loop: the Fortnox endpoint (embedded sandbox, a sandbox URL, live), the
//! folders the configuration names, and the ledger's instance lock.

use crate::config::{AuthMethod, Config, Target};
use crate::fortnox::{Client, Credentials, Endpoints, TokenStore};
use crate::sandbox::{Sandbox, SandboxOptions};

use super::{ServiceError, setup};

/// A running service's connection to Fortnox (and the embedded sandbox, if that is the target).
pub struct Endpoint {
    pub client: Client,
    pub sandbox: Option<Sandbox>,
}

/// Connects to the configured target, starting the embedded sandbox when that is the target.
/// Live client credentials without a tenant id are refused here, before anything is read:
/// Fortnox's token request names the company in a `TenantId` header, so every request would
/// fail. (`connect`, which prints the tenant id, does not come here.)
pub async fn endpoint(config: &Config) -> Result<Endpoint, ServiceError> {
    if config.fortnox.target == Target::Live
        && config.fortnox.auth == AuthMethod::ClientCredentials
        && config.fortnox.tenant_id.is_none()
    {
        return Err(setup("fortnox")(
            "target = \"live\" with auth = \"client_credentials\" needs the company's tenant \
             id (hint: set FORTNOX_TENANT_ID for the service, or tenant_id = \"…\" under \
             [fortnox]; `fortnox-bridge connect` prints it)"
                .to_owned(),
        ));
    }
    let credentials = Credentials {
        client_id: config.fortnox.client_id.clone(),
        client_secret: config.fortnox.client_secret.clone(),
        tenant_id: config.fortnox.tenant_id.clone(),
    };
    let client = |endpoints: Endpoints| {
        let builder = Client::builder(endpoints, credentials.clone()).unpaced(!config.fortnox.pace);
        let client = match config.fortnox.auth {
            AuthMethod::ClientCredentials => builder.build(),
            AuthMethod::AuthorizationCode => builder
                .token_store(TokenStore::new(&config.fortnox.token_file, &config.fortnox.key_file))
                .build(),
        };
        let health = client.token_health();
        if health.needs_attention() {
            tracing::error!("fortnox connection: {health}");
        } else {
            tracing::info!("fortnox connection: {health}");
        }
        client
    };
    Ok(match &config.fortnox.target {
        Target::EmbeddedSandbox => {
            let options = SandboxOptions {
                listen: config.sandbox.listen,
                data: config.sandbox.data.clone(),
                ..SandboxOptions::default()
            };
            let sandbox = Sandbox::start(options)
                .await
                .map_err(|e| setup("embedded sandbox")(e.to_string()))?;
            tracing::info!(url = %sandbox.base_url(), "embedded Fortnox sandbox listening");
            Endpoint {
                client: client(Endpoints::for_base(&sandbox.base_url())),
                sandbox: Some(sandbox),
            }
        }
        Target::Url(url) => Endpoint { client: client(Endpoints::for_base(url)), sandbox: None },
        Target::Live => Endpoint { client: client(Endpoints::live()), sandbox: None },
    })
}

/// Creates the folders that are the bridge's own: done/, failed/, the processing area and the
/// state store's folder. Inboxes are not created: an inbox that is missing is a share not
/// mounted or a path mistyped, and creating it would leave the bridge watching an empty local
/// folder while the files land elsewhere. It is reported as unreachable until it appears
/// (`init` creates the inbox of a new setup).
pub fn prepare_folders(config: &Config) -> Result<(), ServiceError> {
    let f = &config.folders;
    for dir in [&f.done, &f.failed, &f.processing] {
        std::fs::create_dir_all(dir)
            .map_err(|e| setup(format!("{}", dir.display()))(e.to_string()))?;
    }
    if let Some(parent) = f.state.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| setup(format!("{}", parent.display()))(e.to_string()))?;
    }
    for inbox in &config.inboxes {
        if let Some(problem) = other_disk(&inbox.path, &inbox.processing) {
            return Err(setup(format!("{}", inbox.processing.display()))(problem));
        }
    }
    Ok(())
}

/// Files are taken from an inbox by a rename into its processing folder, which cannot cross
/// disks: said at the start rather than for every file. Unix only (device numbers); elsewhere
/// the first file taken says it. `None` also when the inbox is not there (yet).
fn other_disk(inbox: &std::path::Path, processing: &std::path::Path) -> Option<String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let (Ok(a), Ok(b)) = (std::fs::metadata(inbox), std::fs::metadata(processing)) else {
            return None;
        };
        (a.dev() != b.dev()).then(|| {
            format!(
                "is on another disk than the inbox {}: files are taken from the inbox by a \
                 rename, which cannot cross disks (hint: put [folders] processing on the \
                 inbox's disk, e.g. a folder beside the inbox)",
                inbox.display()
            )
        })
    }
    #[cfg(not(unix))]
    {
        let _ = (inbox, processing);
        None
    }
}

/// Creates the bridge's folders and takes the instance lock, or says that another process
/// holds it. Taken before anything else starts (the embedded sandbox among them), so a second
/// `run` stops at once with this error.
pub fn lock(config: &Config) -> Result<InstanceLock, ServiceError> {
    prepare_folders(config)?;
    try_lock(config)?.ok_or_else(|| {
        setup("instance lock")(format!(
            "another fortnox-bridge is already running on {} (hint: stop it first; to post \
             queued documents now use `fortnox-bridge sync`)",
            config.folders.state.display()
        ))
    })
}

/// Whether a service (or `sync`) holds the instance lock, asked with a shared lock so that the
/// asking never keeps a service from starting. `None` when it cannot be told.
pub fn service_running(config: &Config) -> Option<bool> {
    let Ok(file) = std::fs::File::open(lock_path(config)) else {
        return Some(false); // no lock file: no service has run here
    };
    match file.try_lock_shared() {
        Ok(()) => Some(false),
        Err(std::fs::TryLockError::WouldBlock) => Some(true),
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

/// The instance lock's file: beside the ledger, its name with `.lock` added.
fn lock_path(config: &Config) -> std::path::PathBuf {
    let mut path = config.folders.state.as_os_str().to_os_string();
    path.push(".lock");
    std::path::PathBuf::from(path)
}

/// Holds the ledger's instance lock: one service (or `sync`) per ledger at a time.
pub struct InstanceLock {
    _file: std::fs::File,
}

/// Takes the instance lock beside the ledger; `Ok(None)` when another process holds it.
pub fn try_lock(config: &Config) -> Result<Option<InstanceLock>, ServiceError> {
    let path = lock_path(config);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| setup(path.display().to_string())(e.to_string()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(InstanceLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(None),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(setup(path.display().to_string())(e.to_string()))
        }
    }
}
