//! What the bridge posted, as a SIE 4I file for an accountant who imports by hand
//! (`audit export --format sie`): every voucher in Fortnox that came from the bridge, with its
//! Fortnox series and number, date, text and rows (account, cost centre as dimension 1,
//! project as dimension 6, amount, row text, quantity). Written by [`crate::parse::sie::write_4i`]
//! (CP437, CRLF, `#KSUMMA`), so it reads back with our own reader like any corpus file.
//!
//! Pure: the ledger hands the posted documents in; shop orders and invoices (Fortnox books
//! them itself) are not vouchers of ours and are left out.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::fortnox::model::{VoucherEnvelope, VoucherRequest};
use crate::parse::sie::{self, Dimension, Object, ObjectRef, SieFile, Trans, Ver};

/// A voucher posted in Fortnox: its series and number there, and the request it was made from.
#[derive(Debug, Clone)]
pub struct Posted {
    pub series: String,
    pub number: u64,
    pub voucher: VoucherRequest,
}

impl Posted {
    /// The voucher of a posted document's stored request body; `None` for an order or invoice.
    pub fn from_body(series: &str, number: u64, body: &str) -> Option<Posted> {
        let envelope = serde_json::from_str::<VoucherEnvelope<VoucherRequest>>(body).ok()?;
        Some(Posted { series: series.to_owned(), number, voucher: envelope.voucher })
    }
}

/// The SIE 4I file of `posted` (in date, series and number order) dated `generated`, with
/// `org_number` as `#ORGNR` when known; and a warning per text that CP437 cannot carry whole
/// (its other characters are written as `?`).
pub fn sie_4i(
    mut posted: Vec<Posted>,
    org_number: Option<&str>,
    generated: NaiveDate,
) -> (Vec<u8>, Vec<String>) {
    posted.sort_by(|a, b| {
        (a.voucher.transaction_date, &a.series, a.number).cmp(&(
            b.voucher.transaction_date,
            &b.series,
            b.number,
        ))
    });
    let mut file = SieFile {
        sie_type: Some(4),
        company_name: Some(String::new()),
        org_number: org_number.map(str::to_owned),
        ..SieFile::default()
    };
    let mut warnings = Vec::new();
    let mut objects: Vec<Object> = Vec::new();
    for p in &posted {
        let name = format!("voucher {} {}", p.series, p.number);
        let v = &p.voucher;
        let mut ver = Ver {
            line: 0,
            series: p.series.clone(),
            number: p.number.to_string(),
            date: v.transaction_date,
            text: v.description.clone(),
            reg_date: None,
            sign: None,
            rows: Vec::with_capacity(v.voucher_rows.len()),
            removed: Vec::new(),
        };
        lossy(&ver.text, &name, &mut warnings);
        for row in &v.voucher_rows {
            let mut refs = Vec::new();
            for (dimension, object) in [("1", &row.cost_center), ("6", &row.project)] {
                let Some(object) = object else { continue };
                refs.push(ObjectRef { dimension: dimension.to_owned(), object: object.clone() });
                if !objects.iter().any(|o| o.dimension == dimension && o.object == *object) {
                    objects.push(Object {
                        dimension: dimension.to_owned(),
                        object: object.clone(),
                        name: object.clone(),
                    });
                }
            }
            let text = row.transaction_information.clone().unwrap_or_default();
            lossy(&text, &name, &mut warnings);
            ver.rows.push(Trans {
                line: 0,
                account: row.account.to_string(),
                objects: refs,
                amount: row.debit - row.credit,
                date: None,
                text,
                quantity: row.quantity.filter(|q| *q != Decimal::ZERO),
                sign: None,
            });
        }
        file.vouchers.push(ver);
    }
    for (number, name) in [("1", "Kostnadsställe"), ("6", "Projekt")] {
        if objects.iter().any(|o| o.dimension == number) {
            let (number, name) = (number.to_owned(), name.to_owned());
            file.dimensions.push(Dimension { number, name, parent: None });
        }
    }
    objects.sort_by(|a, b| (&a.dimension, &a.object).cmp(&(&b.dimension, &b.object)));
    file.objects = objects;
    (sie::write_4i(&file, generated), warnings)
}

fn lossy(text: &str, name: &str, warnings: &mut Vec<String>) {
    if !sie::cp437_carries(text) {
        warnings.push(format!(
            "{name}: `{text}` has characters SIE files (CP437) cannot carry; they are written as `?`"
        ));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::fortnox::model::VoucherRow;
    use crate::parse::sie::{Encoding, ParseOptions};

    fn day(d: &str) -> NaiveDate {
        d.parse().unwrap()
    }

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn row(account: u32, amount: &str) -> VoucherRow {
        VoucherRow::signed(account, dec(amount), None)
    }

    #[test]
    fn posted_vouchers_read_back_as_they_were_posted() {
        let mut salary = row(7210, "30000.00");
        salary.cost_center = Some("0100".into());
        salary.project = Some("P-1".into());
        salary.quantity = Some(dec("160"));
        salary.transaction_information = Some("Lön \"oktober\" Åsa".into());
        let posted = vec![
            Posted {
                series: "F".into(),
                number: 2,
                voucher: VoucherRequest {
                    description: "Z-rapport 1042 – kassa 1".into(),
                    comments: Some("[fb:1]".into()),
                    transaction_date: day("2026-10-31"),
                    voucher_series: "F".into(),
                    voucher_rows: vec![row(1910, "1245.50"), row(3001, "-1245.50")],
                },
            },
            Posted {
                series: "A".into(),
                number: 7,
                voucher: VoucherRequest {
                    description: "Löner oktober".into(),
                    comments: None,
                    transaction_date: day("2026-10-25"),
                    voucher_series: "A".into(),
                    voucher_rows: vec![salary, row(1930, "-30000.00")],
                },
            },
        ];
        let (bytes, warnings) = sie_4i(posted, Some("559999-0005"), day("2026-11-22"));
        assert!(bytes.windows(2).filter(|w| w == b"\r\n").count() > 10, "CRLF");
        assert_eq!(
            warnings,
            [
                "voucher F 2: `Z-rapport 1042 – kassa 1` has characters SIE files (CP437) cannot carry; they are written as `?`"
            ]
        );
        let file = sie::parse(&bytes, &ParseOptions::default());
        assert!(
            file.errors.is_empty() && file.warnings.is_empty(),
            "{:?} {:?}",
            file.errors,
            file.warnings
        );
        assert_eq!(file.encoding, Encoding::Cp437);
        assert!(file.checksum.is_some_and(|c| c.ok()), "#KSUMMA");
        assert_eq!(file.kind(), "4I");
        assert_eq!(file.org_number.as_deref(), Some("559999-0005"));
        // In date order; Fortnox's series and numbers.
        let [salary, takings] = &file.vouchers[..] else { panic!("two vouchers") };
        assert_eq!((salary.series.as_str(), salary.number.as_str()), ("A", "7"));
        assert_eq!((takings.series.as_str(), takings.number.as_str()), ("F", "2"));
        assert_eq!(takings.text, "Z-rapport 1042 ? kassa 1");
        let t = &salary.rows[0];
        assert_eq!(
            (t.account.as_str(), t.amount, t.quantity),
            ("7210", dec("30000.00"), Some(dec("160")))
        );
        assert_eq!(t.text, "Lön \"oktober\" Åsa");
        let objects: Vec<(&str, &str)> =
            t.objects.iter().map(|o| (o.dimension.as_str(), o.object.as_str())).collect();
        assert_eq!(objects, [("1", "0100"), ("6", "P-1")]);
        assert_eq!(salary.rows[1].amount, dec("-30000.00"));
        assert_eq!(file.dimensions.len(), 2);
        assert_eq!(file.objects.len(), 2);
        assert_eq!(file.debit_total(), dec("31245.50"));
    }

    #[test]
    fn an_order_body_is_not_a_voucher() {
        assert!(Posted::from_body("order", 4, "{\"order_id\":\"W-1\"}").is_none());
        let body = r#"{"Voucher":{"Description":"x","TransactionDate":"2026-10-01","VoucherSeries":"A","VoucherRows":[]}}"#;
        assert_eq!(Posted::from_body("A", 1, body).map(|p| p.number), Some(1));
    }
}
