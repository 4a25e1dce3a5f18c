//! Where Fortnox is and how patiently the client talks to it.

use std::time::Duration;

/// Where the API and the OAuth endpoints are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// e.g. `https://api.fortnox.se/3`
    pub api_base: String,
    pub auth_url: String,
    pub token_url: String,
    pub revoke_url: String,
}

impl Endpoints {
    /// A Fortnox-compatible server serving both the API and OAuth at `base_url` (the sandbox).
    pub fn for_base(base_url: &str) -> Endpoints {
        let base = base_url.trim_end_matches('/');
        Endpoints {
            api_base: format!("{base}/3"),
            auth_url: format!("{base}/oauth-v1/auth"),
            token_url: format!("{base}/oauth-v1/token"),
            revoke_url: format!("{base}/oauth-v1/revoke"),
        }
    }

    /// Live Fortnox.
    pub fn live() -> Endpoints {
        Endpoints {
            api_base: "https://api.fortnox.se/3".to_owned(),
            auth_url: "https://apps.fortnox.se/oauth-v1/auth".to_owned(),
            token_url: "https://apps.fortnox.se/oauth-v1/token".to_owned(),
            revoke_url: "https://apps.fortnox.se/oauth-v1/revoke".to_owned(),
        }
    }
}

/// Retry and timeout settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts of a read before a transient failure is returned.
    pub read_attempts: u32,
    /// Attempts of a write when Fortnox certainly did not act on it (429, no connection).
    pub write_attempts: u32,
    /// First backoff (doubled per attempt, jittered, capped at `max_backoff`).
    pub first_backoff: Duration,
    pub max_backoff: Duration,
    /// Least wait after a 429 (Fortnox: at least 5 s); a longer `Retry-After` wins.
    pub rate_limit_wait: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            read_attempts: 5,
            write_attempts: 5,
            first_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(30),
            rate_limit_wait: Duration::from_secs(5),
            timeout: Duration::from_secs(30),
        }
    }
}

impl RetryPolicy {
    /// Jittered exponential backoff before attempt `attempt + 1`: uniformly in [b/2, b] where
    /// b = first * 2^(attempt-1), capped.
    pub(crate) fn backoff(&self, attempt: u32) -> Duration {
        let exp =
            self.first_backoff.saturating_mul(2_u32.saturating_pow(attempt.saturating_sub(1)));
        let cap = exp.min(self.max_backoff);
        let half = cap / 2;
        let ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
        half + Duration::from_millis(rand::random_range(0..=ms))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_with_jitter_and_is_capped() {
        let p = RetryPolicy {
            first_backoff: Duration::from_millis(100),
            max_backoff: Duration::from_secs(1),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let b1 = p.backoff(1);
            assert!(b1 >= Duration::from_millis(50) && b1 <= Duration::from_millis(100));
            let b3 = p.backoff(3);
            assert!(b3 >= Duration::from_millis(200) && b3 <= Duration::from_millis(400));
            assert!(p.backoff(30) <= Duration::from_secs(1));
        }
    }
}
