//! Checks on whole vouchers and on the file: balance of the booked rows (format doc §8).

use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

use super::block::ver_name;
use super::model::Ver;
use super::reader::Reader;
use super::values::money;

impl Reader {
    /// Runs the per-voucher checks when its block closes.
    pub(super) fn validate_voucher(&mut self, ver: &Ver) {
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

    /// Whole-file checks run once at the end.
    #[allow(clippy::unused_self)]
    pub(super) fn file_checks(&mut self) {}
}
