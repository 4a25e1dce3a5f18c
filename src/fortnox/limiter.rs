//! Client-side pacing under Fortnox's limit of 25 requests per sliding 5 seconds per client id and
//! tenant (docs/fortnox-api.md §2), shared by every clone of a [`super::Client`] and by every
//! client of the same tenant in this process.
//!
//! The window is counted on *completion* times: a request occupies a slot from the moment it is
//! sent until [`WINDOW`] + [`MARGIN`] after its answer arrived (in-flight requests count as "now").
//! Fortnox sees a request arrive somewhere between our send and our receipt of the answer, so no
//! 5-second window on its side can hold more than [`LIMIT`] of ours, whatever the latency. A 429
//! (another process of the same tenant, or a stricter server) pauses every request of the tenant.
//!
//! Against Fortnox itself requests also start at least [`LIVE_GAP`] apart: its maintainers saw
//! 429s for bursts of 5 requests within a second, well under 25 per 5 s, and none at one
//! request per 200 ms (docs/fortnox-api.md §2).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, LazyLock, Mutex, PoisonError, Weak};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// Requests per window that Fortnox allows.
pub const LIMIT: usize = 25;
/// Fortnox's sliding window.
pub const WINDOW: Duration = Duration::from_secs(5);
/// Extra time a slot stays taken, on top of the window (clock and scheduling slack).
pub const MARGIN: Duration = Duration::from_millis(100);
/// Least time between the starts of two requests to Fortnox itself.
pub const LIVE_GAP: Duration = Duration::from_millis(220);

/// The least time between two requests to `endpoints`: [`LIVE_GAP`] for Fortnox itself, which
/// throttles bursts well under its 25 per 5 s; none for a sandbox.
pub fn gap_for(endpoints: &super::Endpoints) -> Duration {
    if endpoints.api_base == super::Endpoints::live().api_base { LIVE_GAP } else { Duration::ZERO }
}

#[derive(Debug, Default)]
struct State {
    /// Completion times of recent requests, oldest first.
    done: VecDeque<Instant>,
    in_flight: usize,
    /// No request starts before this (set after a 429).
    paused_until: Option<Instant>,
    /// When the last request started.
    last_start: Option<Instant>,
}

/// A sliding-window limiter for one tenant.
#[derive(Debug)]
pub struct RateLimiter {
    limit: usize,
    hold: Duration,
    /// Least time between two starts.
    gap: Duration,
    state: Mutex<State>,
    freed: Notify,
}

/// One granted request; dropping it records the completion.
#[derive(Debug)]
pub struct Permit {
    limiter: Arc<RateLimiter>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        {
            let mut state = self.limiter.lock();
            state.in_flight = state.in_flight.saturating_sub(1);
            state.done.push_back(Instant::now());
        }
        self.limiter.freed.notify_waiters();
    }
}

impl RateLimiter {
    /// `limit` requests per `window`, each slot held `margin` longer.
    pub fn new(limit: usize, window: Duration, margin: Duration) -> RateLimiter {
        RateLimiter {
            limit: limit.max(1),
            hold: window + margin,
            gap: Duration::ZERO,
            state: Mutex::new(State::default()),
            freed: Notify::new(),
        }
    }

    /// The same, with requests starting at least `gap` apart.
    #[must_use]
    pub fn with_gap(mut self, gap: Duration) -> RateLimiter {
        self.gap = gap;
        self
    }

    /// The limiter shared by every client of `key` (API base, client id, tenant) in this
    /// process: created on first use (with requests `gap` apart), dropped with the last client.
    pub fn shared(key: &str, gap: Duration) -> Arc<RateLimiter> {
        static REGISTRY: LazyLock<Mutex<HashMap<String, Weak<RateLimiter>>>> =
            LazyLock::new(Mutex::default);
        let mut registry = REGISTRY.lock().unwrap_or_else(PoisonError::into_inner);
        registry.retain(|_, limiter| limiter.strong_count() > 0);
        if let Some(existing) = registry.get(key).and_then(Weak::upgrade) {
            return existing;
        }
        let limiter = Arc::new(RateLimiter::new(LIMIT, WINDOW, MARGIN).with_gap(gap));
        registry.insert(key.to_owned(), Arc::downgrade(&limiter));
        limiter
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until one more request fits, then takes its slot.
    pub async fn acquire(self: &Arc<Self>) -> Permit {
        loop {
            let freed = self.freed.notified();
            tokio::pin!(freed);
            freed.as_mut().enable();
            let wake = {
                let mut state = self.lock();
                let now = Instant::now();
                while state.done.front().is_some_and(|t| now.duration_since(*t) >= self.hold) {
                    state.done.pop_front();
                }
                let next_start = state.last_start.map(|t| t + self.gap).filter(|t| *t > now);
                match state.paused_until {
                    Some(until) if until > now => Some(until),
                    _ if next_start.is_some() => next_start,
                    _ if state.done.len() + state.in_flight < self.limit => {
                        state.paused_until = None;
                        state.in_flight += 1;
                        state.last_start = Some(now);
                        return Permit { limiter: Arc::clone(self) };
                    }
                    // Full: the oldest completed slot frees first; with all slots in flight,
                    // wait for a completion.
                    _ => state.done.front().map(|oldest| *oldest + self.hold),
                }
            };
            match wake {
                Some(at) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(at) => {}
                        () = &mut freed => {}
                    }
                }
                None => freed.await,
            }
        }
    }

    /// After a 429: no request of this tenant starts for `wait`.
    pub fn pause(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut state = self.lock();
        if state.paused_until.is_none_or(|t| t < until) {
            state.paused_until = Some(until);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    // The tests run on tokio's paused clock (the limiter uses `tokio::time::Instant`): time only
    // moves when every task waits, straight to the next timer, so the times below are exact and
    // a loaded machine cannot make them flaky.

    #[tokio::test(start_paused = true)]
    async fn never_more_than_the_limit_within_a_window() {
        let window = MS * 200;
        let limiter = Arc::new(RateLimiter::new(5, window, Duration::ZERO));
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..12 {
            let permit = limiter.acquire().await;
            starts.push(start.elapsed());
            tokio::time::sleep(MS * 2).await;
            drop(permit);
        }
        // Request 6 waits until the first completed a full window ago, and so on.
        for w in starts.windows(6) {
            assert!(w[5].saturating_sub(w[0]) >= window, "{starts:?}");
        }
        // ...but not a moment longer: the limiter does not waste the budget. Each request takes
        // 2 ms; a full window waits for its oldest completion (at 2 ms, then at 204 ms) + 200 ms.
        let expected: Vec<Duration> =
            [0, 2, 4, 6, 8, 202, 204, 206, 208, 210, 404, 406].map(|ms| MS * ms).to_vec();
        assert_eq!(starts, expected);
    }

    #[tokio::test(start_paused = true)]
    async fn in_flight_requests_hold_their_slot_and_pause_stops_everyone() {
        let window = MS * 100;
        let limiter = Arc::new(RateLimiter::new(2, window, Duration::ZERO));
        let a = limiter.acquire().await;
        let _b = limiter.acquire().await;
        let waiter = {
            let limiter = Arc::clone(&limiter);
            tokio::spawn(async move {
                let start = Instant::now();
                let _c = limiter.acquire().await;
                start.elapsed()
            })
        };
        tokio::time::sleep(MS * 300).await;
        drop(a); // completes now; its slot frees a window later
        let elapsed = waiter.await.unwrap_or_default();
        // Freed exactly one window after `a` completed at 300 ms.
        assert_eq!(elapsed, MS * 400);

        let fresh = Arc::new(RateLimiter::new(10, window, Duration::ZERO));
        fresh.pause(MS * 150);
        let start = Instant::now();
        drop(fresh.acquire().await);
        assert_eq!(start.elapsed(), MS * 150);
    }

    #[tokio::test(start_paused = true)]
    async fn requests_start_at_least_the_gap_apart() {
        let limiter = Arc::new(RateLimiter::new(25, MS * 5000, Duration::ZERO).with_gap(MS * 220));
        let start = Instant::now();
        let mut starts = Vec::new();
        for _ in 0..4 {
            drop(limiter.acquire().await);
            starts.push(start.elapsed());
        }
        assert_eq!(starts, [0, 220, 440, 660].map(|ms| MS * ms));
        // A request after a longer pause starts at once.
        tokio::time::sleep(MS * 1000).await;
        let before = Instant::now();
        drop(limiter.acquire().await);
        assert_eq!(before.elapsed(), Duration::ZERO);
    }

    #[test]
    fn clients_of_one_tenant_share_a_limiter() {
        let a = RateLimiter::shared("http://x/3 id 1", Duration::ZERO);
        let b = RateLimiter::shared("http://x/3 id 1", Duration::ZERO);
        let c = RateLimiter::shared("http://x/3 id 2", Duration::ZERO);
        assert!(Arc::ptr_eq(&a, &b));
        assert!(!Arc::ptr_eq(&a, &c));
    }
}
