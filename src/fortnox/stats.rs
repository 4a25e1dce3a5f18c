//! What a client and its clones did: counters for logs, `status` and the rate-limit benchmark.

use std::sync::atomic::{AtomicU64, Ordering};

/// Counters of one client and its clones, for logs, `status` and the rate-limit benchmark.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ClientStats {
    /// API requests that got an answer (any status).
    pub answered: u64,
    /// Answers with status 429.
    pub rate_limited: u64,
    /// Answers with status 401 that led to a token renewal.
    pub renewals: u64,
    /// Requests re-sent after a transient failure.
    pub retries: u64,
}

#[derive(Default)]
pub(super) struct Counters {
    pub(super) answered: AtomicU64,
    pub(super) rate_limited: AtomicU64,
    pub(super) renewals: AtomicU64,
    pub(super) retries: AtomicU64,
}

pub(super) fn bump(counter: &AtomicU64) {
    counter.fetch_add(1, Ordering::Relaxed);
}

impl Counters {
    pub(super) fn snapshot(&self) -> ClientStats {
        ClientStats {
            answered: self.answered.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            renewals: self.renewals.load(Ordering::Relaxed),
            retries: self.retries.load(Ordering::Relaxed),
        }
    }
}
