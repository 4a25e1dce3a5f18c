//! Checks on whole vouchers and on the file (format doc §7-§11): balance of the booked rows,
//! voucher dates inside the `#RAR` years, accounts declared by `#KONTO` (when the file has a
//! chart), and balance records in a file that is meant to be a 4I import file.

use std::collections::HashSet;

use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

use super::block::ver_name;
use super::model::SieFile;
use super::reader::Reader;
use super::values::money;

/// A set of account ids. Four-digit numeric ids (nearly all of them) live in a bitmap, so the
/// per-row lookup costs no hashing; anything else falls back to a hash set.
#[derive(Debug, Default)]
pub struct AccountSet {
    four_digits: Vec<u64>,
    other: HashSet<String>,
}

/// `0000`-`9999` as an index.
#[inline]
fn four_digit(account: &str) -> Option<usize> {
    let digits: [u8; 4] = account.as_bytes().try_into().ok()?;
    digits.iter().all(u8::is_ascii_digit).then(|| digits_index(digits))
}

/// The index (0-9999) of four ASCII digits.
#[inline]
pub(super) fn digits_index(digits: [u8; 4]) -> usize {
    let [a, b, c, d] = digits.map(|x| usize::from(x.wrapping_sub(b'0')));
    a * 1000 + b * 100 + c * 10 + d
}

impl AccountSet {
    pub fn is_empty(&self) -> bool {
        self.four_digits.is_empty() && self.other.is_empty()
    }

    pub fn insert(&mut self, account: &str) {
        match four_digit(account) {
            Some(i) => {
                if self.four_digits.is_empty() {
                    self.four_digits = vec![0; 10_000 / 64 + 1];
                }
                self.four_digits[i / 64] |= 1 << (i % 64);
            }
            None => {
                self.other.insert(account.to_owned());
            }
        }
    }

    /// [`AccountSet::contains`] for a four-digit id given as its [`digits_index`].
    #[allow(clippy::inline_always)] // measured: plain `#[inline]` leaves a call per row
    #[inline(always)]
    pub fn contains_index(&self, i: usize) -> bool {
        self.four_digits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0)
    }

    #[inline]
    pub fn contains(&self, account: &str) -> bool {
        match four_digit(account) {
            Some(i) => self.four_digits.get(i / 64).is_some_and(|w| w & (1 << (i % 64)) != 0),
            None => self.other.contains(account),
        }
    }
}

/// `amount` in öre when it has at most two decimals (every amount the reader accepts).
pub(super) fn ore(amount: Decimal) -> Option<i128> {
    let factor = match amount.scale() {
        0 => 100,
        1 => 10,
        2 => 1,
        _ => return None,
    };
    Some(amount.mantissa() * factor)
}

impl Reader {
    /// Runs the per-voucher checks on [`Reader::cur`] when its block closes.
    pub(super) fn validate_voucher(&mut self) {
        self.check_balance();
        self.check_year();
        self.check_accounts();
    }

    fn check_balance(&mut self) {
        // Exact integer sums in öre, kept while the rows were booked; `Decimal` only for the
        // message. A voucher with a row that could not be read has that row's error already.
        if self.ore_sum == Some(0) || self.row_refused_in == Some(self.cur.line) {
            return;
        }
        let (mut debit, mut credit) = (Decimal::ZERO, Decimal::ZERO);
        for row in &self.cur.rows {
            if row.amount.is_sign_negative() {
                credit += row.amount;
            } else {
                debit += row.amount;
            }
        }
        let difference = debit + credit;
        if !difference.is_zero() {
            let d = Diagnostic::at(
                self.cur.line,
                format!(
                    "voucher {} does not balance: debit `{}`, credit `{}`, difference `{}`",
                    ver_name(&self.cur),
                    money(debit),
                    // As an accountant writes it: the credit side's total, without a sign.
                    money(-credit),
                    money(difference)
                ),
            )
            .hint("the `#TRANS` amounts of a voucher must sum to zero");
            self.error(d);
        }
    }

    /// A voucher dated outside every declared fiscal year (only when `#RAR` is present).
    fn check_year(&mut self) {
        let years = &self.file.fiscal_years;
        let date = self.cur.date;
        // No date could be read (said already): no year to compare.
        let unread = date == chrono::NaiveDate::default();
        if unread || years.is_empty() || years.iter().any(|y| y.start <= date && date <= y.end) {
            return;
        }
        let hint = match years.iter().find(|y| y.index == 0) {
            Some(y) => format!("`#RAR 0` covers `{}` to `{}`", y.start, y.end),
            None => "no `#RAR` year contains this date".to_owned(),
        };
        let d = Diagnostic::at(
            self.cur.line,
            format!(
                "voucher {} is dated `{date}`, outside the fiscal years (`#RAR`)",
                ver_name(&self.cur),
            ),
        )
        .hint(hint);
        self.error(d);
    }

    /// Accounts used in rows but missing from a declared chart; one warning per account.
    fn check_accounts(&mut self) {
        // Four-digit accounts of rows read on the fast path were looked up as they were read.
        if self.declared_accounts.is_empty() || !self.accounts_to_check {
            return;
        }
        for i in 0..self.cur.rows.len() {
            let account = &self.cur.rows[i].account;
            if self.declared_accounts.contains(account)
                || self.undeclared_reported.contains(account)
            {
                continue;
            }
            let account = account.clone();
            self.undeclared_reported.insert(&account);
            let d = Diagnostic::at(
                self.cur.rows[i].line,
                format!("account `{account}` is used but not declared by `#KONTO`"),
            )
            .hint(format!("add `#KONTO {account} \"name\"` to the chart of accounts"));
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
            .hint(
                "a 4I import file (.si) holds vouchers only: export type 4I from the program \
                 that wrote it; if the file is an export with balances (4E), name it .se",
            ),
        ]
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn account_set_holds_four_digit_and_other_ids() {
        let mut set = AccountSet::default();
        assert!(set.is_empty() && !set.contains("1930"));
        for a in ["1930", "0027", "9999", "DF", "19300", "193"] {
            set.insert(a);
        }
        for a in ["1930", "0027", "9999", "DF", "19300", "193"] {
            assert!(set.contains(a), "{a}");
        }
        for a in ["1931", "0000", "027", "df", "1930 ", "", "19301"] {
            assert!(!set.contains(a), "{a}");
        }
    }

    #[test]
    fn ore_is_exact_for_up_to_two_decimals() {
        assert_eq!(ore(Decimal::new(-31421, 1)), Some(-314_210));
        assert_eq!(ore(Decimal::new(9129, 0)), Some(912_900));
        assert_eq!(ore(Decimal::new(1, 3)), None);
    }
}
