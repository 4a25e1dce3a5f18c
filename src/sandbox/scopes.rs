//! Scope checks: a token may only use the resources its scopes cover (docs/fortnox-api.md §1).
//!
//! Where Fortnox's scope for a resource is unconfirmed (voucher series, locked period, units,
//! terms and modes of payment) any of the plausible scopes is accepted, so the sandbox never
//! refuses what Fortnox might allow. The refusal's status (403) is our choice; the code 2000663
//! ("no access to scope") is Fortnox's.

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::auth::Caller;
use super::errors::{ApiError, code};

/// Scopes that give access to the resource at `path` (below `/3`); empty = no check.
pub fn accepted_scopes(path: &str) -> &'static [&'static str] {
    let resource = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    let second = path.trim_start_matches('/').split('/').nth(1).unwrap_or_default();
    match (resource, second) {
        ("vouchers" | "accounts" | "financialyears" | "voucherfileconnections", _) => {
            &["bookkeeping"]
        }
        ("inbox", _) => &["inbox", "archive"],
        ("voucherseries", _) | ("settings", "lockedperiod") => &["bookkeeping", "settings"],
        ("companyinformation", _) => &["companyinformation"],
        ("settings", _) => &["settings", "companyinformation"],
        ("customers", _) => &["customer"],
        ("articles", _) => &["article"],
        ("orders", _) => &["order"],
        ("invoices", _) => &["invoice"],
        ("units" | "termsofpayments", _) => {
            &["settings", "article", "customer", "order", "invoice", "bookkeeping"]
        }
        ("modesofpayments", _) => &["settings", "payment", "invoice", "bookkeeping"],
        ("costcenters", _) => &["costcenter"],
        ("projects", _) => &["project"],
        _ => &[],
    }
}

/// Whether a space-separated scope list covers `path`.
pub fn allows(scope: &str, path: &str) -> bool {
    let accepted = accepted_scopes(path);
    accepted.is_empty() || scope.split_whitespace().any(|s| accepted.contains(&s))
}

/// Middleware for `/3/` (after authentication).
pub async fn require_scope(req: Request, next: Next) -> Result<Response, ApiError> {
    if let Some(caller) = req.extensions().get::<Caller>() {
        let path = req.uri().path();
        let path = path.strip_prefix("/3").unwrap_or(path);
        if !allows(&caller.scope, path) {
            return Err(ApiError::Forbidden {
                code: code::NO_ACCESS_TO_SCOPE,
                message: "Har inte behörighet för scope.".to_owned(),
            });
        }
    }
    Ok(next.run(req).await)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_their_resources() {
        assert!(allows("bookkeeping", "/vouchers/A/1"));
        assert!(!allows("invoice", "/vouchers"));
        assert!(allows("settings", "/settings/lockedperiod"));
        assert!(allows("bookkeeping", "/settings/lockedperiod"));
        assert!(!allows("bookkeeping", "/settings/company"));
        assert!(allows("order invoice", "/invoices/3/bookkeep"));
        assert!(allows("", "/unknown"));
        assert!(allows("inbox", "/inbox"));
        assert!(!allows("bookkeeping", "/inbox"));
        assert!(allows("bookkeeping", "/voucherfileconnections/abc"));
    }
}
