//! Files that bring nothing new: a byte-identical copy of a posted file, and a file all of
//! whose documents were posted before from other files (the same export in another encoding,
//! a Z-report sent again with other whitespace, an export of days already posted). Nothing is
//! posted again, and the file says so: the warning is logged, written beside it in done/ as
//! `NAME.warnings.txt` and kept as its note for `audit show`, so that it does not look like a
//! file that posted.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use super::{Fatal, Pipeline};
use crate::diagnostic::Diagnostic;
use crate::fortnox::model::{VoucherEnvelope, VoucherRequest};
use crate::ledger::{DocRecord, DocState, FileRecord};

const HINT: &str =
    "a file sent twice needs nothing; if this one was meant to be different, check the export";

impl Pipeline {
    /// The warning for a file with the same bytes as `earlier`, posted before.
    pub(super) fn same_content(earlier: &FileRecord) -> Diagnostic {
        let earlier = earlier.archived_path.as_deref().unwrap_or(&earlier.name);
        Diagnostic::file(format!(
            "the same content as {earlier}, which was posted before: nothing posted again"
        ))
        .hint(HINT)
    }

    /// The warning for file `file` when every one of its documents (`registered`, as the ledger
    /// holds them) was posted before from other files, naming those files and what each
    /// posted; `None` when the file has anything of its own to post.
    pub(super) fn posted_before(
        &self,
        file: &FileRecord,
        registered: &[DocRecord],
    ) -> Result<Option<Diagnostic>, Fatal> {
        let before = |d: &DocRecord| d.file_id != file.id && d.state == DocState::Posted;
        if registered.is_empty() || !registered.iter().all(before) {
            return Ok(None);
        }
        let mut by_file: BTreeMap<i64, Vec<&DocRecord>> = BTreeMap::new();
        for doc in registered {
            by_file.entry(doc.file_id).or_default().push(doc);
        }
        let mut from = Vec::new();
        for (id, docs) in by_file {
            let earlier = self.ledger.file(id)?;
            let name = earlier.map_or_else(
                || format!("an earlier file (ledger id {id})"),
                |f| f.archived_path.unwrap_or(f.name),
            );
            from.push(format!("from {name} as {}", numbers(&docs)));
        }
        let what = match registered {
            [one] => format!("its document, {}, was", one.label),
            all => format!("all {} of its documents were", all.len()),
        };
        Ok(Some(
            Diagnostic::file(format!(
                "{what} posted before, {}: nothing posted again",
                from.join("; ")
            ))
            .hint(HINT),
        ))
    }
}

/// Posted documents by Fortnox series and financial year: their numbers and dates.
type BySeries<'a> = BTreeMap<(&'a str, Option<u64>), Vec<(u64, Option<NaiveDate>)>>;

/// The Fortnox numbers of posted documents, consecutive ones as a range: `voucher F 1`,
/// `vouchers A 1–58 and voucher B 3`, `orders 4–5`. Fortnox numbers each financial year's
/// vouchers afresh: from more than one year, each series of a year says its dates (`vouchers
/// A 1–23 (dated 2014-10-08 … 2014-12-30) and A 1–35 (dated 2015-01-02 … 2015-08-31)`).
fn numbers(docs: &[&DocRecord]) -> String {
    let mut series: BySeries<'_> = BTreeMap::new();
    let mut unnumbered = Vec::new();
    for doc in docs {
        match (doc.fortnox_series.as_deref(), doc.fortnox_number) {
            (Some(s), Some(n)) => series.entry((s, doc.year)).or_default().push((n, date(doc))),
            _ => unnumbered.push(doc.label.clone()),
        }
    }
    let years: BTreeSet<Option<u64>> = series.keys().map(|(_, year)| *year).collect();
    let mut parts = Vec::new();
    let mut said = None;
    for ((code, _), list) in series {
        let mut numbers: Vec<u64> = list.iter().map(|(n, _)| *n).collect();
        numbers.sort_unstable();
        numbers.dedup();
        let plural = if numbers.len() == 1 { "" } else { "s" };
        // The word once per series: `vouchers A 1–23 (…) and A 1–35 (…)`.
        let head = match code {
            "order" | "invoice" => format!("{code}{plural} "),
            _ if said == Some(code) => format!("{code} "),
            _ => format!("voucher{plural} {code} "),
        };
        said = Some(code);
        let mut dates: Vec<NaiveDate> = list.iter().filter_map(|(_, d)| *d).collect();
        dates.sort_unstable();
        let span = match (dates.first(), dates.last()) {
            (Some(first), Some(last)) if years.len() > 1 && first != last => {
                format!(" (dated {first} … {last})")
            }
            (Some(first), Some(_)) if years.len() > 1 => format!(" (dated {first})"),
            _ => String::new(),
        };
        parts.push(format!("{head}{}{span}", ranges(&numbers)));
    }
    parts.extend(unnumbered);
    parts.join(" and ")
}

/// The date of a voucher document (`None` for a shop order).
pub(super) fn date(doc: &DocRecord) -> Option<NaiveDate> {
    serde_json::from_str::<VoucherEnvelope<VoucherRequest>>(&doc.body)
        .ok()
        .map(|e| e.voucher.transaction_date)
}

/// Sorted numbers with consecutive ones as ranges: `1–3, 5, 7–8`.
fn ranges(sorted: &[u64]) -> String {
    let mut out: Vec<String> = Vec::new();
    let mut i = 0;
    while i < sorted.len() {
        let start = sorted[i];
        let mut end = start;
        while i + 1 < sorted.len() && sorted[i + 1] == end + 1 {
            i += 1;
            end = sorted[i];
        }
        out.push(if end == start { start.to_string() } else { format!("{start}–{end}") });
        i += 1;
    }
    out.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn posted(series: &str, number: u64) -> DocRecord {
        DocRecord {
            id: 0,
            file_id: 1,
            reference: String::new(),
            marker: String::new(),
            label: format!("SIE voucher {number}"),
            line: 1,
            body: String::new(),
            state: DocState::Posted,
            attempts: 0,
            next_try: None,
            year: Some(1),
            fortnox_series: Some(series.to_owned()),
            fortnox_number: Some(number),
            error: None,
            sent: true,
            attach: None,
            attached_file_id: None,
            attach_attempts: 0,
        }
    }

    #[test]
    fn fortnox_numbers_are_told_as_ranges_per_series() {
        let docs: Vec<DocRecord> = [("A", 3), ("A", 1), ("A", 2), ("B", 7), ("A", 5), ("A", 6)]
            .iter()
            .map(|(s, n)| posted(s, *n))
            .collect();
        let refs: Vec<&DocRecord> = docs.iter().collect();
        assert_eq!(numbers(&refs), "vouchers A 1–3, 5–6 and voucher B 7");
        assert_eq!(numbers(&refs[..1]), "voucher A 3");
        // Numbered afresh in each financial year: told apart by their dates.
        let body = |date: &str| {
            serde_json::json!({"Voucher": {"VoucherSeries": "A", "TransactionDate": date,
                "Description": "Kaffe", "VoucherRows": []}})
            .to_string()
        };
        let mut years: Vec<DocRecord> = Vec::new();
        for (n, year, date) in [(1, 1, "2014-10-08"), (2, 1, "2014-12-30"), (1, 2, "2015-01-02")] {
            years.push(DocRecord { year: Some(year), body: body(date), ..posted("A", n) });
        }
        assert_eq!(
            numbers(&years.iter().collect::<Vec<_>>()),
            "vouchers A 1–2 (dated 2014-10-08 … 2014-12-30) and A 1 (dated 2015-01-02)"
        );
        let orders = [posted("order", 4), posted("order", 5)];
        assert_eq!(numbers(&orders.iter().collect::<Vec<_>>()), "orders 4–5");
    }
}
