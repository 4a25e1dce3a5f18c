//! The state of the Fortnox connection, for `status`, logs and notifications: a refresh token
//! nearing its 45-day end or a revoked consent is reported before the next sale needs it.

use chrono::{DateTime, Utc};

use super::auth::{REFRESH_WARNING, now_secs};
use super::tokens::TokenStore;

/// What [`super::Client::token_health`] reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenHealth {
    /// Service account (client credentials): no refresh token; consent lasts until revoked.
    ClientCredentials,
    /// Authorization-code mode, but `connect` was never run (or the token file is gone).
    NotConnected,
    /// Connected; the refresh token lives until `refresh_expires_at` (unix seconds) unless used.
    Healthy { refresh_expires_at: i64, scope: String },
    /// Less than two weeks left: the service has not talked to Fortnox for a month.
    ExpiringSoon { refresh_expires_at: i64 },
    /// The refresh token's 45 days are over.
    Expired { refresh_expires_at: i64 },
    /// Fortnox refused the refresh token (`invalid_grant`) at `at` (unix seconds).
    Revoked { at: i64, reason: String },
    /// The token file or key cannot be read.
    Unreadable(String),
}

impl TokenHealth {
    /// The health of a stored pair, without a client (for `status`).
    pub fn of_store(store: &TokenStore) -> TokenHealth {
        let set = match store.load() {
            Ok(Some(set)) => set,
            Ok(None) => return TokenHealth::NotConnected,
            Err(e) => return TokenHealth::Unreadable(e.to_string()),
        };
        if let Some((at, reason)) = &set.revoked {
            return TokenHealth::Revoked { at: *at, reason: reason.clone() };
        }
        let left = set.refresh_expires_at - now_secs();
        let warning = i64::try_from(REFRESH_WARNING.as_secs()).unwrap_or(i64::MAX);
        let refresh_expires_at = set.refresh_expires_at;
        if left <= 0 {
            TokenHealth::Expired { refresh_expires_at }
        } else if left < warning {
            TokenHealth::ExpiringSoon { refresh_expires_at }
        } else {
            TokenHealth::Healthy { refresh_expires_at, scope: set.scope.clone() }
        }
    }

    /// True when nothing can be posted until someone acts (or soon will be).
    pub fn needs_attention(&self) -> bool {
        !matches!(self, TokenHealth::ClientCredentials | TokenHealth::Healthy { .. })
    }
}

fn when(unix: i64) -> String {
    DateTime::<Utc>::from_timestamp(unix, 0)
        .map_or_else(|| unix.to_string(), |t| t.format("%Y-%m-%d %H:%M UTC").to_string())
}

fn days_until(unix: i64) -> i64 {
    (unix - now_secs()).max(0) / 86_400
}

impl std::fmt::Display for TokenHealth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TokenHealth::ClientCredentials => {
                write!(
                    f,
                    "service account (client credentials); valid until the consent is revoked"
                )
            }
            TokenHealth::NotConnected => {
                write!(f, "not connected (hint: run `fortnox-bridge connect`)")
            }
            TokenHealth::Healthy { refresh_expires_at, scope } => write!(
                f,
                "connected (scopes: {scope}); refresh token renewed on use, else valid {} more \
                 days (until {})",
                days_until(*refresh_expires_at),
                when(*refresh_expires_at)
            ),
            TokenHealth::ExpiringSoon { refresh_expires_at } => write!(
                f,
                "the Fortnox connection expires in {} days (on {}) unless the service runs \
                 (hint: start the service, or run `fortnox-bridge connect`)",
                days_until(*refresh_expires_at),
                when(*refresh_expires_at)
            ),
            TokenHealth::Expired { refresh_expires_at } => write!(
                f,
                "the Fortnox connection expired on {} (hint: run `fortnox-bridge connect`)",
                when(*refresh_expires_at)
            ),
            TokenHealth::Revoked { at, reason } => write!(
                f,
                "Fortnox revoked the connection on {} ({reason}) (hint: an administrator must \
                 run `fortnox-bridge connect` again)",
                when(*at)
            ),
            TokenHealth::Unreadable(why) => write!(f, "the stored tokens cannot be read: {why}"),
        }
    }
}
