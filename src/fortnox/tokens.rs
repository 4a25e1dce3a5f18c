//! The encrypted token store of the authorization-code flow: the access/refresh token pair,
//! encrypted at rest (XChaCha20-Poly1305) with a random key file that only the service account
//! can read (`tokens/encryption.rs`), replaced atomically, and guarded by an OS file lock so
//! that only one process refreshes at a time.
//!
//! Durability protocol for a refresh (Fortnox refresh tokens are single use): under the lock,
//! the new pair is written to `<file>.new`, fsynced, renamed over `<file>`, and the directory is
//! fsynced, all *before* the new access token is used. A crash after `<file>.new` was fsynced
//! but before the rename is repaired by the next lock holder (the authenticated `.new` with a
//! higher generation wins). Only a crash between Fortnox's answer and the fsync of `.new` (a few
//! milliseconds) can lose the chain; that is reported as a revoked connection, never silently.
//!
//! Must not: log, print or put in an error any token or the key.

mod encryption;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::error::Error;

/// The stored pair, with what is needed to judge its health. Debug never shows the tokens.
#[derive(Clone, Serialize, Deserialize)]
pub struct TokenSet {
    pub(crate) access_token: String,
    /// Unix seconds.
    pub(crate) access_expires_at: i64,
    pub(crate) refresh_token: String,
    /// Unix seconds: 45 days after the pair was issued.
    pub(crate) refresh_expires_at: i64,
    pub(crate) scope: String,
    /// Unix seconds when this pair was issued.
    pub(crate) obtained_at: i64,
    /// Increases with every stored pair.
    pub(crate) generation: u64,
    /// Set when Fortnox refused the refresh token: (unix seconds, Fortnox's description).
    #[serde(default)]
    pub(crate) revoked: Option<(i64, String)>,
}

impl std::fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_expires_at", &self.access_expires_at)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scope", &self.scope)
            .field("generation", &self.generation)
            .field("revoked", &self.revoked)
            .finish_non_exhaustive()
    }
}

impl TokenSet {
    /// Space-separated scopes granted.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// When the refresh token dies unless used (unix seconds).
    pub fn refresh_expires_at(&self) -> i64 {
        self.refresh_expires_at
    }

    /// How many pairs were stored before this one, plus one.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Whether Fortnox refused this pair's refresh token.
    pub fn is_revoked(&self) -> bool {
        self.revoked.is_some()
    }
}

/// Points in the refresh protocol where tests inject a crash or a delay.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorePoint {
    /// The cross-process lock is held, before the stored pair is re-read.
    LockHeld,
    /// Fortnox answered the refresh; nothing is written yet.
    RefreshAnswered,
    /// `<file>.new` is written and fsynced, not yet renamed.
    TempWritten,
    /// The new pair is durable; its access token is not used yet.
    Persisted,
}

type Hook = Arc<dyn Fn(StorePoint) + Send + Sync>;

/// Where the encrypted pair and its key live.
#[derive(Clone)]
pub struct TokenStore {
    path: PathBuf,
    key_path: PathBuf,
    hook: Option<Hook>,
}

impl std::fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenStore")
            .field("path", &self.path)
            .field("key_path", &self.key_path)
            .finish_non_exhaustive()
    }
}

fn store_error(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::TokenStore(format!("{}: {what}: {e}", path.display()))
}

impl TokenStore {
    /// The pair in `path`, encrypted with the key in `key_path` (created on first save).
    pub fn new(path: impl Into<PathBuf>, key_path: impl Into<PathBuf>) -> TokenStore {
        TokenStore { path: path.into(), key_path: key_path.into(), hook: None }
    }

    /// Test hook called at each [`StorePoint`] (to crash or stall a process there).
    #[doc(hidden)]
    #[must_use]
    pub fn with_hook(mut self, hook: impl Fn(StorePoint) + Send + Sync + 'static) -> TokenStore {
        self.hook = Some(Arc::new(hook));
        self
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Deletes the stored pair, its key and its lock and temporary files (those that exist).
    pub fn remove(&self) {
        for file in [
            self.path.clone(),
            self.temp_path(),
            with_suffix(&self.path, ".lock"),
            self.key_path.clone(),
        ] {
            let _ = std::fs::remove_file(file);
        }
    }

    pub(crate) fn at(&self, point: StorePoint) {
        if let Some(hook) = &self.hook {
            hook(point);
        }
    }

    fn temp_path(&self) -> PathBuf {
        with_suffix(&self.path, ".new")
    }

    /// Reads the stored pair without the lock (a concurrent writer replaces the file
    /// atomically). `None` when nothing is stored yet.
    pub fn load(&self) -> Result<Option<TokenSet>, Error> {
        match std::fs::read(&self.path) {
            Ok(bytes) => self.decrypt(&bytes).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(store_error(&self.path, "cannot read", e)),
        }
    }

    /// Takes the cross-process lock (blocking until the holder releases it; run it on a
    /// blocking thread), then repairs an interrupted save.
    pub fn lock(&self) -> Result<StoreLock, Error> {
        let lock_path = with_suffix(&self.path, ".lock");
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| store_error(dir, "cannot create", e))?;
        }
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| store_error(&lock_path, "cannot open the lock file", e))?;
        file.lock().map_err(|e| store_error(&lock_path, "cannot lock", e))?;
        let guard = StoreLock { store: self.clone(), _file: file };
        self.at(StorePoint::LockHeld);
        guard.recover()?;
        Ok(guard)
    }
}

/// The cross-process lock on the store; released on drop.
pub struct StoreLock {
    store: TokenStore,
    _file: File,
}

impl StoreLock {
    /// Finishes or discards a save that a crash interrupted.
    fn recover(&self) -> Result<(), Error> {
        let temp = self.store.temp_path();
        let Ok(bytes) = std::fs::read(&temp) else { return Ok(()) };
        let newer = match (self.store.decrypt(&bytes), self.store.load()) {
            (Ok(new), Ok(Some(old))) => new.generation > old.generation,
            (Ok(_), Ok(None) | Err(_)) => true,
            (Err(_), _) => false,
        };
        if newer {
            tracing::warn!(
                file = %self.store.path.display(),
                "completing a token save that was interrupted"
            );
            std::fs::rename(&temp, &self.store.path)
                .map_err(|e| store_error(&temp, "cannot complete an interrupted save", e))?;
            sync_dir(&self.store.path)?;
        } else {
            std::fs::remove_file(&temp)
                .map_err(|e| store_error(&temp, "cannot remove an unfinished save", e))?;
        }
        Ok(())
    }

    /// The stored pair (after repair).
    pub fn load(&self) -> Result<Option<TokenSet>, Error> {
        self.store.load()
    }

    /// Replaces the stored pair durably: temp file, fsync, rename, fsync of the directory.
    pub fn save(&self, set: &TokenSet) -> Result<(), Error> {
        let sealed = self.store.encrypt(set)?;
        let temp = self.store.temp_path();
        let mut file =
            private_file(&temp, false).map_err(|e| store_error(&temp, "cannot create", e))?;
        file.write_all(&sealed)
            .and_then(|()| file.sync_all())
            .map_err(|e| store_error(&temp, "cannot write", e))?;
        drop(file);
        self.store.at(StorePoint::TempWritten);
        std::fs::rename(&temp, &self.store.path)
            .map_err(|e| store_error(&self.store.path, "cannot replace", e))?;
        sync_dir(&self.store.path)?;
        self.store.at(StorePoint::Persisted);
        Ok(())
    }
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Opens a file only its owner can read (0600 on Unix; on Windows the folder's ACL applies).
fn private_file(path: &Path, create_new: bool) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
}

/// Makes a rename in the file's directory durable (Unix; Windows renames are journaled).
#[cfg_attr(not(unix), allow(clippy::unnecessary_wraps))]
fn sync_dir(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        File::open(dir).and_then(|d| d.sync_all()).map_err(|e| store_error(dir, "fsync", e))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(generation: u64) -> TokenSet {
        TokenSet {
            access_token: format!("access-secret-{generation}"),
            access_expires_at: 10,
            refresh_token: format!("refresh-secret-{generation}"),
            refresh_expires_at: 20,
            scope: "bookkeeping".into(),
            obtained_at: 5,
            generation,
            revoked: None,
        }
    }

    #[test]
    fn round_trips_encrypted_with_a_private_key_and_never_shows_tokens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = TokenStore::new(dir.path().join("t.bin"), dir.path().join("t.key"));
        assert!(store.load().expect("empty").is_none());
        store.lock().expect("lock").save(&set(1)).expect("save");
        let raw = std::fs::read(store.path()).expect("raw");
        assert!(!String::from_utf8_lossy(&raw).contains("secret"));
        let loaded = store.load().expect("load").expect("stored");
        assert_eq!(loaded.refresh_token, "refresh-secret-1");
        assert!(!format!("{loaded:?}").contains("secret"));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("t.key")).expect("key").permissions();
            assert_eq!(mode.mode() & 0o777, 0o600);
        }
        // Another key cannot read it.
        let other = TokenStore::new(dir.path().join("t.bin"), dir.path().join("other.key"));
        other.lock().expect("lock").save(&set(9)).ok();
        let err = store.load().expect_err("wrong key");
        assert!(!err.to_string().contains("secret"), "{err}");
    }

    #[test]
    fn an_interrupted_save_is_completed_or_discarded() {
        let dir = tempfile::tempdir().expect("tempdir");
        let store = TokenStore::new(dir.path().join("t.bin"), dir.path().join("t.key"));
        store.lock().expect("lock").save(&set(1)).expect("save");
        // A complete, newer `.new` (crash before the rename) wins.
        let sealed = store.encrypt(&set(2)).expect("encrypt");
        std::fs::write(store.temp_path(), &sealed).expect("write");
        assert_eq!(
            store.lock().expect("lock").load().expect("load").map(|s| s.generation),
            Some(2)
        );
        assert!(!store.temp_path().exists());
        // A torn one is discarded.
        std::fs::write(store.temp_path(), &sealed[..sealed.len() - 3]).expect("write");
        assert_eq!(
            store.lock().expect("lock").load().expect("load").map(|s| s.generation),
            Some(2)
        );
        assert!(!store.temp_path().exists());
    }
}
