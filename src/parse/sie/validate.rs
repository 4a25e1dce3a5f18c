//! Checks on whole vouchers and on the file (format doc §7-§11): balance of the booked rows,
//! voucher dates inside the `#RAR` years, accounts declared by `#KONTO` (when the file has a
//! chart), and balance records in a file that is meant to be a 4I import file.

use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

use super::block::ver_name;
use super::model::{SieFile, Ver};
use super::reader::Reader;
use super::values::money;

impl Reader {
    /// Runs the per-voucher checks when its block closes.
    pub(super) fn validate_voucher(&mut self, ver: &Ver) {
        self.check_balance(ver);
        self.check_year(ver);
        self.check_accounts(ver);
    }

    fn check_balance(&mut self, ver: &Ver) {
        let (mut debit, mut credit) = (Decimal::ZERO, Decimal::ZERO);
        for row in &ver.rows {
            if row.amount.is_sign_negative() {
                credit += row.amount;
            } else {
                debit += row.amount;
            }
        }
        let difference = debit + credit;
        if !difference.is_zero() {
            self.error(
                Diagnostic::at(
                    ver.line,
                    format!(
                        "voucher {} does not balance: debit `{}`, credit `{}`, difference `{}`",
                        ver_name(ver),
                        money(debit),
                        money(credit),
                        money(difference)
                    ),
                )
                .hint("the `#TRANS` amounts of a voucher must sum to zero"),
            );
        }
    }

    /// A voucher dated outside every declared fiscal year (only when `#RAR` is present).
    fn check_year(&mut self, ver: &Ver) {
        let years = &self.file.fiscal_years;
        if years.is_empty() || years.iter().any(|y| y.start <= ver.date && ver.date <= y.end) {
            return;
        }
        let hint = match years.iter().find(|y| y.index == 0) {
            Some(y) => format!("`#RAR 0` covers `{}` to `{}`", y.start, y.end),
            None => "no `#RAR` year contains this date".to_owned(),
        };
        let d = Diagnostic::at(
            ver.line,
            format!(
                "voucher {} is dated `{}`, outside the fiscal years (`#RAR`)",
                ver_name(ver),
                ver.date
            ),
        )
        .hint(hint);
        self.error(d);
    }

    /// Accounts used in rows but missing from a declared chart; one warning per account.
    fn check_accounts(&mut self, ver: &Ver) {
        if self.declared_accounts.is_empty() {
            return;
        }
        for row in &ver.rows {
            if self.declared_accounts.contains(&row.account)
                || self.undeclared_reported.contains(&row.account)
            {
                continue;
            }
            self.undeclared_reported.insert(row.account.clone());
            let d = Diagnostic::at(
                row.line,
                format!("account `{}` is used but not declared by `#KONTO`", row.account),
            )
            .hint(format!("add `#KONTO {} \"name\"` to the chart of accounts", row.account));
            self.warn(d);
        }
    }

    /// Whole-file checks run once at the end.
    #[allow(clippy::unused_self)]
    pub(super) fn file_checks(&mut self) {}
}

impl SieFile {
    /// Problems of a file that is meant to be a 4I import file (`.SI`, from a pre-system):
    /// balance records (`#IB #UB #RES #OIB #OUB #PSALDO #PBUDGET`) are forbidden there
    /// (format doc §11). Empty when the file is fine as an import file.
    pub fn import_errors(&self) -> Vec<Diagnostic> {
        let Some(first) = self.balances.first() else { return Vec::new() };
        vec![
            Diagnostic::at(
                first.line,
                format!(
                    "import file (4I) carries balance records: `{}` of them, the first is `#{}`",
                    self.balances.len(),
                    first.kind
                ),
            )
            .hint("a 4I file holds vouchers only; export type 4I or drop the balances"),
        ]
    }
}
