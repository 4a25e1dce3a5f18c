//! What can go wrong talking to Fortnox, classified by what the caller should do about it.
//!
//! Refusals (4xx) carry Fortnox's code and Swedish message plus, for the problems shop owners
//! meet most, a [`Problem`] with an English explanation and a hint. Codes Fortnox documents are
//! matched first; for the problems whose code no source gives (docs/fortnox-api.md §5) the
//! sandbox's codes and the wording of Fortnox's Swedish messages are matched. No variant ever
//! holds a token or a secret.

use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Fortnox refused the request (4xx with `ErrorInformation`): retrying cannot fix it.
    #[error("fortnox rejected the request: {message} (code {code}){}", explain(*status, *code, message))]
    Rejected { status: u16, code: i64, message: String },
    /// The credentials were refused; the operator must act.
    #[error(
        "fortnox refused the credentials ({status}): {message} (hint: check \
             FORTNOX_CLIENT_ID, FORTNOX_CLIENT_SECRET and the tenant id, or run \
             `fortnox-bridge connect` again)"
    )]
    Unauthorized { status: u16, message: String },
    /// Too many requests; wait and retry.
    #[error("fortnox rate limit reached (429); retry after {0:?}")]
    RateLimited(Duration),
    /// Fortnox failed (5xx); retry later.
    #[error("fortnox is failing ({status}): {message}")]
    Server { status: u16, message: String },
    /// The request may or may not have reached Fortnox (timeout, dropped connection). For
    /// writes the outcome is unknown: look for the document before sending it again.
    #[error("no answer from fortnox: {0}")]
    Transport(String),
    /// No connection could be made: the request certainly did not reach Fortnox.
    #[error("cannot reach fortnox: {0}")]
    Unreachable(String),
    /// Fortnox answered something we cannot read.
    #[error("unexpected answer from fortnox: {0}")]
    Decode(String),
    /// Authorization-code mode without stored tokens.
    #[error(
        "fortnox-bridge is not connected to a Fortnox company: {0} (hint: run \
             `fortnox-bridge connect`)"
    )]
    NotConnected(String),
    /// The refresh token was refused (`invalid_grant`): consent revoked, token expired after 45
    /// days unused, or the chain broken. Only a new authorization helps.
    #[error(
        "the Fortnox connection is no longer valid: {0} (hint: a Fortnox administrator \
             must run `fortnox-bridge connect` again; nothing is posted until then)"
    )]
    ConsentRevoked(String),
    /// The encrypted token store or its key file cannot be used.
    #[error("token store: {0}")]
    TokenStore(String),
    /// `connect` cannot run: a setting is wrong, the redirect listener cannot start, or the
    /// token URL answered something other than a token or a refusal. `hint` says what to do.
    #[error("cannot connect to Fortnox: {message} (hint: {hint})")]
    Setup { message: String, hint: String },
}

impl Error {
    /// True when the same request may succeed later (network, 5xx, 429).
    pub fn is_retriable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited(_)
                | Error::Server { .. }
                | Error::Transport(_)
                | Error::Unreachable(_)
        )
    }

    /// True when retrying cannot help and no operator action would either: the document itself
    /// is refused. (Connection and licence problems wait for the operator instead.)
    pub fn is_permanent(&self) -> bool {
        !self.is_retriable() && !self.needs_operator()
    }

    /// True when a write may have been committed although no answer arrived.
    pub fn outcome_unknown(&self) -> bool {
        matches!(self, Error::Transport(_))
    }

    /// True when the operator must reconnect or fix credentials before anything can be posted.
    pub fn needs_operator(&self) -> bool {
        matches!(
            self,
            Error::Unauthorized { .. }
                | Error::NotConnected(_)
                | Error::ConsentRevoked(_)
                | Error::TokenStore(_)
                | Error::Setup { .. }
        ) || matches!(self.problem(), Some(Problem::LicenceMissing | Problem::ScopeMissing))
    }

    /// Fortnox's error code, for refusals.
    pub fn code(&self) -> Option<i64> {
        match self {
            Error::Rejected { code, .. } => Some(*code),
            _ => None,
        }
    }

    /// What a refusal means, where it is one we know.
    pub fn problem(&self) -> Option<Problem> {
        match self {
            Error::Rejected { status, code, message } => Problem::of(*status, *code, message),
            _ => None,
        }
    }
}

/// Fortnox error codes the client recognises. Documented ones first; the `SANDBOX_*` ones are the
/// sandbox's choices for problems whose real code no source gives (kept equal to
/// `crate::sandbox::error_code` by a test).
pub mod code {
    pub const ACCOUNT_NOT_FOUND: i64 = 2_001_304;
    pub const ACCOUNT_NOT_FOUND_GET: i64 = 2_000_423;
    pub const NO_LICENCE_FOR_SCOPE: i64 = 2_001_101;
    pub const NO_API_LICENCE: i64 = 2_001_103;
    pub const NO_ACCESS_TO_SCOPE: i64 = 2_000_663;
    pub const NOT_BALANCED: i64 = 2_000_755;
    pub const DATE_OUTSIDE_YEAR_LIST: i64 = 2_002_363;
    pub const SANDBOX_ACCOUNT_INACTIVE: i64 = 2_099_001;
    pub const SANDBOX_FINANCIAL_YEAR_MISSING: i64 = 2_099_002;
    pub const SANDBOX_SERIES_NOT_MANUAL: i64 = 2_099_003;
    pub const SANDBOX_PERIOD_LOCKED: i64 = 2_099_004;
    pub const SANDBOX_SERIES_NOT_FOUND: i64 = 2_099_005;
    pub const SANDBOX_DATE_OUTSIDE_YEAR: i64 = 2_099_006;
    pub const SANDBOX_SERIES_NOT_FOUND_GET: i64 = 2_099_012;
    pub const SANDBOX_VAT_NOT_FOUND: i64 = 2_099_013;
    pub const SANDBOX_COST_CENTER_NOT_FOUND: i64 = 2_099_020;
    pub const PROJECT_NOT_FOUND: i64 = 2_001_161;
}

/// The refusals shop owners meet most, each with an explanation and a hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    AccountMissing,
    AccountInactive,
    FinancialYearMissing,
    DateOutsideYear,
    SeriesMissing,
    SeriesNotManual,
    PeriodLocked,
    Unbalanced,
    VatRateMissing,
    ObjectMissing,
    LicenceMissing,
    ScopeMissing,
}

impl Problem {
    /// Classifies a refusal by its code, else by the wording of Fortnox's Swedish message.
    pub fn of(status: u16, code: i64, message: &str) -> Option<Problem> {
        use Problem as P;
        let by_code = match code {
            code::ACCOUNT_NOT_FOUND | code::ACCOUNT_NOT_FOUND_GET => Some(P::AccountMissing),
            code::SANDBOX_ACCOUNT_INACTIVE => Some(P::AccountInactive),
            code::SANDBOX_FINANCIAL_YEAR_MISSING => Some(P::FinancialYearMissing),
            code::SANDBOX_DATE_OUTSIDE_YEAR | code::DATE_OUTSIDE_YEAR_LIST => {
                Some(P::DateOutsideYear)
            }
            code::SANDBOX_SERIES_NOT_FOUND | code::SANDBOX_SERIES_NOT_FOUND_GET => {
                Some(P::SeriesMissing)
            }
            code::SANDBOX_SERIES_NOT_MANUAL => Some(P::SeriesNotManual),
            code::SANDBOX_PERIOD_LOCKED => Some(P::PeriodLocked),
            code::NOT_BALANCED => Some(P::Unbalanced),
            code::SANDBOX_VAT_NOT_FOUND => Some(P::VatRateMissing),
            code::SANDBOX_COST_CENTER_NOT_FOUND | code::PROJECT_NOT_FOUND => Some(P::ObjectMissing),
            code::NO_LICENCE_FOR_SCOPE | code::NO_API_LICENCE => Some(P::LicenceMissing),
            code::NO_ACCESS_TO_SCOPE => Some(P::ScopeMissing),
            _ => None,
        };
        if by_code.is_some() {
            return by_code;
        }
        let m = message.to_lowercase();
        let has = |needle: &str| m.contains(needle);
        Some(if has("inte aktivt") || has("inaktivt") {
            P::AccountInactive
        } else if has("hitta konto") {
            P::AccountMissing
        } else if has("inte manuell") {
            P::SeriesNotManual
        } else if has("verifikationsserie") {
            P::SeriesMissing
        } else if has("låst") {
            P::PeriodLocked
        } else if has("hitta moms") || has("momssats") {
            P::VatRateMissing
        } else if has("räkenskapsår") && has("utanför") {
            P::DateOutsideYear
        } else if has("räkenskapsår") {
            P::FinancialYearMissing
        } else if has("balans") {
            P::Unbalanced
        } else if has("licens") {
            P::LicenceMissing
        } else if status == 403 || has("behörighet") || has("scope") {
            P::ScopeMissing
        } else if has("kostnadsst") || has("projekt") {
            P::ObjectMissing
        } else {
            return None;
        })
    }

    /// One English sentence.
    pub fn explanation(self) -> &'static str {
        match self {
            Problem::AccountMissing => "an account does not exist in Fortnox for that year",
            Problem::AccountInactive => "an account is inactive in Fortnox for that year",
            Problem::FinancialYearMissing => "Fortnox has no financial year for the date",
            Problem::DateOutsideYear => "the date lies outside the selected financial year",
            Problem::SeriesMissing => "the voucher series does not exist in that year",
            Problem::SeriesNotManual => {
                "the voucher series is not open for manual entry, so integrations cannot use it"
            }
            Problem::PeriodLocked => "the date lies in a locked period",
            Problem::Unbalanced => "debits and credits are not equal",
            Problem::VatRateMissing => "the VAT rate is not configured in Fortnox",
            Problem::ObjectMissing => "a cost centre or project does not exist in Fortnox",
            Problem::LicenceMissing => "the Fortnox licence for this is missing",
            Problem::ScopeMissing => "the connection lacks the permission (scope) for this",
        }
    }

    /// What the operator can do.
    pub fn hint(self) -> &'static str {
        match self {
            Problem::AccountMissing | Problem::AccountInactive => {
                "add or activate the account in Fortnox's chart of accounts for that year, or \
                 map another account"
            }
            Problem::FinancialYearMissing | Problem::DateOutsideYear => {
                "create the financial year in Fortnox under Settings > Bookkeeping > Financial \
                 years"
            }
            Problem::SeriesMissing => {
                "create the series under Settings > Bookkeeping > Voucher series, or map to an \
                 existing one"
            }
            Problem::SeriesNotManual => "tick \"Manuell kontering\" on the series in Fortnox",
            Problem::PeriodLocked => "unlock the period in Fortnox or book on a later date",
            Problem::Unbalanced => "correct the source so that debits equal credits",
            Problem::VatRateMissing => {
                "add the VAT rate in Fortnox or map the row to a configured rate"
            }
            Problem::ObjectMissing => {
                "create it in Fortnox (Settings > Bookkeeping > Cost centres, or Projects), then \
                 put the file back in the inbox"
            }
            Problem::LicenceMissing => "the company must add the product or API licence in Fortnox",
            Problem::ScopeMissing => {
                "run `fortnox-bridge connect` again so the administrator can grant it"
            }
        }
    }
}

fn explain(status: u16, code: i64, message: &str) -> String {
    match Problem::of(status, code, message) {
        Some(p) => format!(" - {} (hint: {})", p.explanation(), p.hint()),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sandbox::error_code as sandbox;

    #[test]
    fn sandbox_codes_match_the_ones_the_client_knows() {
        let pairs = [
            (code::ACCOUNT_NOT_FOUND, sandbox::ACCOUNT_NOT_FOUND),
            (code::ACCOUNT_NOT_FOUND_GET, sandbox::ACCOUNT_NOT_FOUND_GET),
            (code::NO_ACCESS_TO_SCOPE, sandbox::NO_ACCESS_TO_SCOPE),
            (code::NOT_BALANCED, sandbox::VOUCHER_UNBALANCED),
            (code::DATE_OUTSIDE_YEAR_LIST, sandbox::DATE_OUTSIDE_YEAR_LIST),
            (code::SANDBOX_ACCOUNT_INACTIVE, sandbox::ACCOUNT_INACTIVE),
            (code::SANDBOX_FINANCIAL_YEAR_MISSING, sandbox::FINANCIAL_YEAR_MISSING),
            (code::SANDBOX_SERIES_NOT_MANUAL, sandbox::SERIES_NOT_MANUAL),
            (code::SANDBOX_PERIOD_LOCKED, sandbox::PERIOD_LOCKED),
            (code::SANDBOX_SERIES_NOT_FOUND, sandbox::SERIES_NOT_FOUND),
            (code::SANDBOX_DATE_OUTSIDE_YEAR, sandbox::DATE_OUTSIDE_YEAR),
            (code::SANDBOX_SERIES_NOT_FOUND_GET, sandbox::SERIES_NOT_FOUND_GET),
            (code::SANDBOX_VAT_NOT_FOUND, sandbox::VAT_NOT_FOUND),
            (code::SANDBOX_COST_CENTER_NOT_FOUND, sandbox::COST_CENTER_NOT_FOUND),
            (code::PROJECT_NOT_FOUND, sandbox::PROJECT_NOT_FOUND),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, i64::from(theirs));
        }
    }

    #[test]
    fn refusals_are_explained_by_code_or_by_message() {
        let of = |code, message| Problem::of(400, code, message);
        assert_eq!(of(2_001_304, ""), Some(Problem::AccountMissing));
        assert_eq!(of(2_001_161, ""), Some(Problem::ObjectMissing));
        assert_eq!(of(2_000_000, "Kostnadsställe 99 finns inte."), Some(Problem::ObjectMissing));
        assert_eq!(of(2_001_103, ""), Some(Problem::LicenceMissing));
        assert_eq!(of(1, "Konto 3960 är inte aktivt."), Some(Problem::AccountInactive));
        assert_eq!(of(1, "Verifikationsserien är inte manuell"), Some(Problem::SeriesNotManual));
        assert_eq!(of(1, "Perioden är låst"), Some(Problem::PeriodLocked));
        assert_eq!(of(1, "Kunde inte hitta moms 17 %"), Some(Problem::VatRateMissing));
        assert_eq!(
            of(1, "Det finns inget räkenskapsår för datumet 2030-01-01."),
            Some(Problem::FinancialYearMissing)
        );
        assert_eq!(of(1, "Något annat"), None);
        let e = Error::Rejected { status: 400, code: 2_099_004, message: "Låst.".into() };
        let text = e.to_string();
        assert!(text.contains("locked period") && text.contains("hint:"), "{text}");
        assert!(!e.is_retriable() && !e.outcome_unknown());
    }
}
