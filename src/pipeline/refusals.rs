//! The refused documents of a file, as its error report tells them: one entry per distinct
//! reason, not one per document. A file-level reason (another company's organisation number, a
//! year Fortnox has no financial year for) refuses every voucher of the file for the same
//! reason; written once per voucher it made reports of thousands of lines of one sentence.
//!
//! Documents are grouped by their reason, where the document's own date counts as the same
//! (`no financial year containing 2020-01-02` and `... 2020-01-03` are one reason). An entry
//! names how many documents it concerns, which (every one up to [`LISTED`], else the first few
//! and the last, by name and line), and the range of their dates when the reason is about the
//! date, so that the accountant can find each of them.

use chrono::NaiveDate;

use crate::diagnostic::Diagnostic;
use crate::ledger::DocRecord;

/// Documents of one entry named one by one; a longer list names its first [`FIRST`] and its last.
const LISTED: usize = 10;
const FIRST: usize = 3;

/// Stands for a document's own date in a grouped reason.
const DATE: &str = "\u{0}date\u{0}";

/// One refused document.
#[derive(Debug, Clone)]
struct Refusal {
    line: usize,
    label: String,
    /// The voucher's date (`None` for a shop order).
    date: Option<NaiveDate>,
    reason: String,
}

/// The refused documents of one pass over a file, in source order.
#[derive(Debug, Default)]
pub(super) struct Refusals {
    list: Vec<Refusal>,
}

impl Refusals {
    /// Records that `doc` was refused for `reason`.
    pub(super) fn push(&mut self, doc: &DocRecord, reason: String) {
        let date = super::again::date(doc);
        self.list.push(Refusal { line: doc.line, label: doc.label.clone(), date, reason });
    }

    pub(super) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    /// The report's errors: one per distinct reason, in the order of its first document. An
    /// entry for all `of` documents of the file is told of the whole file (no line).
    pub(super) fn diagnostics(&self, of: usize) -> Vec<Diagnostic> {
        let mut groups: Vec<(String, Vec<&Refusal>)> = Vec::new();
        for r in &self.list {
            let key = match r.date {
                Some(date) => r.reason.replace(&date.to_string(), DATE),
                None => r.reason.clone(),
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, members)) => members.push(r),
                None => groups.push((key, vec![r])),
            }
        }
        groups.into_iter().map(|(key, members)| entry(&key, &members, of)).collect()
    }
}

/// The diagnostic for the documents `members` refused for the reason `key` (see
/// [`Refusals::diagnostics`]).
fn entry(key: &str, members: &[&Refusal], of: usize) -> Diagnostic {
    let first = members[0];
    if members.len() == 1 {
        return Diagnostic::at(first.line, format!("{}: {}", first.label, first.reason));
    }
    let mut dates: Vec<NaiveDate> = members.iter().filter_map(|r| r.date).collect();
    dates.sort_unstable();
    dates.dedup();
    // The date is in the reason: one date is told as it is, several as their range.
    let (reason, range) = match dates.as_slice() {
        [_, .., last] if key.contains(DATE) => {
            (key.replace(DATE, "the date"), format!("; dated {} … {last}", dates[0]))
        }
        _ => (first.reason.clone(), String::new()),
    };
    let what = if members.iter().all(|r| r.date.is_some()) { "vouchers" } else { "documents" };
    let name = |r: &&Refusal| format!("{} (line {})", r.label, r.line);
    let names = if members.len() <= LISTED {
        members.iter().map(name).collect::<Vec<_>>().join(", ")
    } else {
        let head: Vec<String> = members.iter().take(FIRST).map(name).collect();
        let last = members.last().map(name).unwrap_or_default();
        format!("{}, … {last}", head.join(", "))
    };
    let n = members.len();
    if n == of {
        Diagnostic::file(format!("all {n} {what} of the file ({names}{range}): {reason}"))
    } else {
        Diagnostic::at(first.line, format!("{n} {what} ({names}{range}): {reason}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn voucher(line: usize, number: u32, date: &str, reason: &str) -> Refusal {
        Refusal {
            line,
            label: format!("SIE voucher A {number}"),
            date: date.parse().ok(),
            reason: reason.to_owned(),
        }
    }

    fn no_year(date: &str) -> String {
        format!("Fortnox has no financial year containing {date} (hint: check the date)")
    }

    fn rendered(list: Vec<Refusal>, of: usize) -> Vec<String> {
        Refusals { list }.diagnostics(of).iter().map(|d| d.render("f.se")).collect()
    }

    #[test]
    fn one_reason_for_many_vouchers_is_told_once_with_the_range_of_their_dates() {
        let dates = ["2020-01-02", "2020-01-02", "2020-03-04", "2020-12-31"];
        let mut list: Vec<Refusal> = (0..2324)
            .map(|n| {
                let date = dates[n % dates.len()];
                voucher(10 + 5 * n, u32::try_from(n + 1).unwrap_or(0), date, &no_year(date))
            })
            .collect();
        assert_eq!(
            rendered(list.clone(), 2324),
            ["f.se: all 2324 vouchers of the file (SIE voucher A 1 (line 10), SIE voucher A 2 \
              (line 15), SIE voucher A 3 (line 20), … SIE voucher A 2324 (line 11625); dated \
              2020-01-02 … 2020-12-31): Fortnox has no financial year containing the date \
              (hint: check the date)"]
        );
        // Another reason among them is told apart, in the order of its first voucher.
        list[1].reason = "account `9999` does not exist".to_owned();
        list[7].reason = "account `9999` does not exist".to_owned();
        let told = rendered(list, 2330);
        assert_eq!(told.len(), 2, "{told:?}");
        assert!(told[0].starts_with("f.se:10: 2322 vouchers (SIE voucher A 1 (line 10), SIE"));
        assert_eq!(
            told[1],
            "f.se:15: 2 vouchers (SIE voucher A 2 (line 15), SIE voucher A 8 (line 45)): \
             account `9999` does not exist"
        );
    }

    #[test]
    fn a_reason_of_one_document_or_one_date_reads_as_before() {
        let list = vec![voucher(3, 1, "2062-01-03", &no_year("2062-01-03"))];
        assert_eq!(
            rendered(list, 1),
            ["f.se:3: SIE voucher A 1: Fortnox has no financial year containing 2062-01-03 \
              (hint: check the date)"]
        );
        let org = "the file is for organisation number 556983-6751 (#ORGNR)";
        let list = vec![
            voucher(3, 1, "2014-09-01", &no_year("2014-09-01")),
            voucher(8, 2, "2014-09-01", &no_year("2014-09-01")),
            voucher(13, 3, "2014-09-02", org),
            voucher(18, 4, "2014-09-03", org),
        ];
        assert_eq!(
            rendered(list, 4),
            [
                "f.se:3: 2 vouchers (SIE voucher A 1 (line 3), SIE voucher A 2 (line 8)): \
                 Fortnox has no financial year containing 2014-09-01 (hint: check the date)",
                "f.se:13: 2 vouchers (SIE voucher A 3 (line 13), SIE voucher A 4 (line 18)): \
                 the file is for organisation number 556983-6751 (#ORGNR)"
            ]
        );
    }
}
