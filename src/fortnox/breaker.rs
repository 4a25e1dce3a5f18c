//! Fortnox down: once a try could not connect to Fortnox, the requests started in the next
//! [`HOLD`] are not sent but answered at once as unreachable (certainly not sent, so
//! a write among them is simply tried again later). Without it, every document waiting while
//! Fortnox is down spent its own round of tries and backoff (about 10 s each, one after the
//! other), the inbox was not read meanwhile and a stop took minutes. Any answer from Fortnox
//! closes it again. A lost answer (a timeout, a dropped connection) does not open it: that is
//! one request's bad luck, and the next, looking for what it sent, must go out.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::error::Error;

/// How long requests are held back after Fortnox could not be reached.
pub(super) const HOLD: Duration = Duration::from_secs(15);

#[derive(Default)]
pub(super) struct Breaker {
    /// Until when, and what the last request that could not reach Fortnox was told.
    open: Mutex<Option<(Instant, String)>>,
}

impl Breaker {
    /// `Err` (unreachable, not tried) while held back.
    pub(super) fn check(&self) -> Result<(), Error> {
        let open = self.open.lock().map_or(None, |o| o.clone());
        match open {
            Some((until, why)) if Instant::now() < until => Err(Error::Unreachable(format!(
                "not tried: fortnox could not be reached moments ago ({why})"
            ))),
            _ => Ok(()),
        }
    }

    /// A try could not connect to Fortnox (`why`): the next requests are held back. The tries
    /// of the request under way go on (a blip is over by its next try).
    pub(super) fn trip(&self, why: &str) {
        if let Ok(mut open) = self.open.lock() {
            *open = Some((Instant::now() + HOLD, why.to_owned()));
        }
    }

    /// Fortnox answered (whatever it said): requests go out again.
    pub(super) fn close(&self) {
        if let Ok(mut open) = self.open.lock() {
            *open = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_fortnox_holds_requests_back_until_an_answer() {
        let breaker = Breaker::default();
        assert!(breaker.check().is_ok());
        breaker.trip("connection refused");
        let held = breaker.check().expect_err("held back");
        assert!(matches!(&held, Error::Unreachable(m) if m.contains("connection refused")));
        assert!(held.is_retriable() && !held.outcome_unknown(), "{held:?}");
        breaker.close();
        assert!(breaker.check().is_ok());
    }
}
