//! The token file's encryption at rest: a random 256-bit key in its own file (on Unix created
//! with mode 0600 and refused when others can read it) and the pair sealed with
//! XChaCha20-Poly1305 under a random nonce, behind a magic header that is also the associated
//! data.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{Key, XChaCha20Poly1305, XNonce};
use rand::TryRngCore;

use super::super::error::Error;
use super::{TokenSet, TokenStore, private_file, store_error, sync_dir};

const MAGIC: &[u8; 8] = b"FBTOKEN1";
const NONCE_LEN: usize = 24;
const KEY_LEN: usize = 32;

impl TokenStore {
    fn key(&self, create: bool) -> Result<[u8; KEY_LEN], Error> {
        match std::fs::read_to_string(&self.key_path) {
            Ok(text) => {
                check_private(&self.key_path)?;
                let bytes = hex::decode(text.trim())
                    .map_err(|e| store_error(&self.key_path, "not a key file", e))?;
                bytes.try_into().map_err(|_| {
                    store_error(&self.key_path, "not a key file", "expected 64 hex digits")
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => self.create_key(),
            Err(e) => Err(store_error(
                &self.key_path,
                "cannot read the key file (hint: it must sit beside the token file and be \
                 readable by the service account; if it is lost, run `fortnox-bridge connect`)",
                e,
            )),
        }
    }

    fn create_key(&self) -> Result<[u8; KEY_LEN], Error> {
        let mut key = [0_u8; KEY_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut key)
            .map_err(|e| store_error(&self.key_path, "no randomness for a key", e))?;
        if let Some(dir) = self.key_path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| store_error(dir, "cannot create", e))?;
        }
        let mut file = private_file(&self.key_path, true)
            .map_err(|e| store_error(&self.key_path, "cannot create the key file", e))?;
        file.write_all(hex::encode(key).as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| store_error(&self.key_path, "cannot write the key file", e))?;
        sync_dir(&self.key_path)?;
        Ok(key)
    }

    pub(super) fn encrypt(&self, set: &TokenSet) -> Result<Vec<u8>, Error> {
        let key = self.key(true)?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&key));
        let mut nonce = [0_u8; NONCE_LEN];
        rand::rngs::OsRng
            .try_fill_bytes(&mut nonce)
            .map_err(|e| store_error(&self.path, "no randomness for a nonce", e))?;
        let plain = serde_json::to_vec(set).map_err(|e| store_error(&self.path, "encode", e))?;
        let sealed = cipher
            .encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: MAGIC })
            .map_err(|_| store_error(&self.path, "encrypt", "failed"))?;
        let mut out = Vec::with_capacity(MAGIC.len() + NONCE_LEN + sealed.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    pub(super) fn decrypt(&self, bytes: &[u8]) -> Result<TokenSet, Error> {
        let unreadable = |why: &str| {
            store_error(
                &self.path,
                "cannot decrypt the stored tokens",
                format!(
                    "{why} (hint: the key file does not belong to it, or it is damaged; run \
                         `fortnox-bridge connect`)"
                ),
            )
        };
        if bytes.len() < MAGIC.len() + NONCE_LEN || &bytes[..MAGIC.len()] != MAGIC {
            return Err(unreadable("not a fortnox-bridge token file"));
        }
        let key = self.key(false)?;
        let cipher = XChaCha20Poly1305::new(Key::from_slice(&key));
        let (nonce, sealed) = bytes[MAGIC.len()..].split_at(NONCE_LEN);
        let plain = cipher
            .decrypt(XNonce::from_slice(nonce), Payload { msg: sealed, aad: MAGIC })
            .map_err(|_| unreadable("authentication failed"))?;
        serde_json::from_slice(&plain).map_err(|_| unreadable("unknown content"))
    }
}

/// Refuses a key file that others can read (Unix).
#[cfg_attr(not(unix), allow(clippy::unnecessary_wraps))]
fn check_private(path: &Path) -> Result<(), Error> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::metadata(path).map_err(|e| store_error(path, "cannot stat", e))?;
        let mode = meta.permissions().mode();
        if mode & 0o077 != 0 {
            return Err(store_error(
                path,
                "the key file is readable by others",
                format!("mode {:o} (hint: chmod 600 it)", mode & 0o777),
            ));
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
