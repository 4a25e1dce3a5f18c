//! Rate limiting and fault injection: the sliding-window limiter (25 requests / 5 s per client
//! and tenant by default), injected 500s, added latency, and "commit, then drop the connection".

use std::collections::{HashMap, VecDeque};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use rand::Rng;

use super::Shared;
use super::auth::Caller;
use super::errors::{ApiError, system_exception};
use super::server::ConnectionKill;

/// Sliding-window limiter keyed by client and tenant.
#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Records a request at `now`, or says how long until one is allowed. Refused requests are
    /// not counted.
    pub fn check(
        &self,
        key: &str,
        limit: u32,
        window: Duration,
        now: Instant,
    ) -> Result<(), Duration> {
        let mut hits = self.hits.lock().unwrap_or_else(PoisonError::into_inner);
        let queue = hits.entry(key.to_owned()).or_default();
        while queue.front().is_some_and(|t| now.duration_since(*t) >= window) {
            queue.pop_front();
        }
        if queue.len() >= limit as usize {
            let oldest = queue.front().copied().unwrap_or(now);
            return Err(window.saturating_sub(now.duration_since(oldest)));
        }
        queue.push_back(now);
        Ok(())
    }
}

/// Deterministic faults for the next requests, on top of the configured rates: e.g. "the next
/// two requests fail with 500", "a burst of three 429s", "drop the next successful write".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FaultPlan {
    /// Only requests whose path below `/3` starts with this (e.g. `"/voucherfileconnections"`)
    /// count for `fail_next` and `drop_next_writes`; `None` = any. Replaces a pending filter.
    pub only_under: Option<&'static str>,
    /// The next N `/3/` requests are answered 500 (code 1000003) before doing anything.
    pub fail_next: u32,
    /// The next N authenticated `/3/` requests are answered 429.
    pub rate_limit_next: u32,
    /// The next N successful writes are committed and their connection dropped.
    pub drop_next_writes: u32,
    /// The next N token requests (`/oauth-v1/token`) are answered 429.
    pub rate_limit_next_tokens: u32,
    /// The next N token requests are answered 200 with a body that is no token answer.
    pub garble_next_tokens: u32,
}

/// Counters of planned faults still to be served.
#[derive(Debug, Default)]
pub struct PlannedFaults {
    left: Mutex<FaultPlan>,
}

impl PlannedFaults {
    /// Adds a plan to what is still pending.
    pub fn add(&self, plan: FaultPlan) {
        let mut left = self.left.lock().unwrap_or_else(PoisonError::into_inner);
        left.fail_next = left.fail_next.saturating_add(plan.fail_next);
        left.rate_limit_next = left.rate_limit_next.saturating_add(plan.rate_limit_next);
        left.drop_next_writes = left.drop_next_writes.saturating_add(plan.drop_next_writes);
        left.rate_limit_next_tokens =
            left.rate_limit_next_tokens.saturating_add(plan.rate_limit_next_tokens);
        left.garble_next_tokens = left.garble_next_tokens.saturating_add(plan.garble_next_tokens);
        if plan.only_under.is_some() {
            left.only_under = plan.only_under;
        }
    }

    /// Takes one planned fault of the chosen kind for a request to `path`, if one is left and
    /// the plan's path filter allows it.
    fn take_for(&self, path: &str, pick: impl FnOnce(&mut FaultPlan) -> &mut u32) -> bool {
        let mut left = self.left.lock().unwrap_or_else(PoisonError::into_inner);
        let path = path.strip_prefix("/3").unwrap_or(path);
        if left.only_under.is_some_and(|under| !path.starts_with(under)) {
            return false;
        }
        let counter = pick(&mut left);
        if *counter == 0 {
            return false;
        }
        *counter -= 1;
        if left.fail_next == 0 && left.drop_next_writes == 0 {
            left.only_under = None;
        }
        true
    }

    /// Takes one planned fault of the chosen kind, if any is left.
    pub(super) fn take(&self, pick: impl FnOnce(&mut FaultPlan) -> &mut u32) -> bool {
        let mut left = self.left.lock().unwrap_or_else(PoisonError::into_inner);
        let counter = pick(&mut left);
        if *counter > 0 {
            *counter -= 1;
            true
        } else {
            false
        }
    }
}

/// Draws `true` with probability `rate` (clamped to 0..=1).
fn chance(rate: f64) -> bool {
    rate > 0.0 && rand::rng().random_bool(rate.clamp(0.0, 1.0))
}

/// Counts every `/3/` request ([`super::Sandbox::api_requests`]).
pub async fn count(State(state): State<Shared>, req: Request, next: Next) -> Response {
    state.api_requests.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    next.run(req).await
}

/// Adds the configured latency to every response.
pub async fn latency(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let delay = state.options.latency;
    let response = next.run(req).await;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    response
}

/// Answers a share of `/3/` requests with a 500 before doing anything.
pub async fn fail_rate(State(state): State<Shared>, req: Request, next: Next) -> Response {
    if state.planned.take_for(req.uri().path(), |p| &mut p.fail_next)
        || chance(state.options.fail_rate)
    {
        return system_exception();
    }
    next.run(req).await
}

/// 429 when the caller's window is full. Runs after authentication.
pub async fn rate_limit(
    State(state): State<Shared>,
    req: Request,
    next: Next,
) -> Result<Response, ApiError> {
    if req.extensions().get::<Caller>().is_some() && state.planned.take(|p| &mut p.rate_limit_next)
    {
        return Err(ApiError::RateLimited { retry_after: Duration::from_secs(5) });
    }
    if let (Some((limit, window)), Some(caller)) =
        (state.options.rate_limit, req.extensions().get::<Caller>())
    {
        state
            .limiter
            .check(&caller.rate_key, limit, window, Instant::now())
            .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
    }
    Ok(next.run(req).await)
}

/// After a successful write, drops a share of connections without answering, and answers a
/// share with a 500 although the write was committed. `GET …/email` counts as a write: it
/// sends an invoice e-mail.
pub async fn drop_after_commit(State(state): State<Shared>, req: Request, next: Next) -> Response {
    let is_write = is_write(req.method(), req.uri().path());
    let kill = req.extensions().get::<ConnectionKill>().cloned();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    if is_write
        && response.status().is_success()
        && (state.planned.take_for(&path, |p| &mut p.drop_next_writes)
            || chance(state.options.drop_after_commit_rate))
        && let Some(kill) = kill
    {
        tracing::info!("sandbox fault injection: dropping the connection after a commit");
        kill.kill();
        std::future::pending::<()>().await;
    }
    if is_write && response.status().is_success() && chance(state.options.fail_after_commit_rate) {
        tracing::info!("sandbox fault injection: answering 500 after a commit");
        return system_exception();
    }
    response
}

/// Whether a request changes something: POST, PUT, DELETE, and the GETs that act
/// (`/3/invoices/{n}/email`).
fn is_write(method: &Method, path: &str) -> bool {
    matches!(*method, Method::POST | Method::PUT | Method::DELETE)
        || (*method == Method::GET && path.ends_with("/email"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn the_email_get_counts_as_a_write() {
        assert!(is_write(&Method::GET, "/3/invoices/7/email"));
        assert!(is_write(&Method::PUT, "/3/invoices/7/bookkeep"));
        assert!(!is_write(&Method::GET, "/3/invoices/7"));
    }

    #[test]
    fn sliding_window_allows_limit_then_refuses_until_oldest_expires() {
        let limiter = RateLimiter::default();
        let start = Instant::now();
        let window = Duration::from_secs(5);
        for i in 0..25 {
            assert!(limiter.check("a", 25, window, start + Duration::from_millis(i * 10)).is_ok());
        }
        let wait = limiter.check("a", 25, window, start + Duration::from_secs(1)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(4));
        assert!(limiter.check("b", 25, window, start + Duration::from_secs(1)).is_ok());
        assert!(limiter.check("a", 25, window, start + Duration::from_secs(5)).is_ok());
        assert!(limiter.check("a", 25, window, start + Duration::from_millis(5005)).is_err());
        assert!(limiter.check("a", 25, window, start + Duration::from_millis(5010)).is_ok());
    }
}
