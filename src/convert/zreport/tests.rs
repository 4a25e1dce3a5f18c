use std::path::Path;

use rust_decimal::Decimal;

use super::*;
use crate::config::Config;

fn config(extra: &str) -> Config {
    Config::from_toml_str(extra, Path::new("/x")).expect("config")
}

fn convert_with(bytes: &[u8], extra: &str) -> Conversion {
    let c = config(extra);
    convert_bytes(bytes, &c.zreport, &c.accounts)
}

fn voucher(doc: &Document) -> &VoucherRequest {
    match &doc.body {
        Body::Voucher(v) => v,
        Body::Order(_) => panic!("not a voucher"),
    }
}

fn rows(doc: &Document) -> Vec<(u32, String, String, String)> {
    let v = voucher(doc);
    v.voucher_rows
        .iter()
        .map(|r| {
            (
                r.account,
                format!("{:.2}", r.debit),
                format!("{:.2}", r.credit),
                r.transaction_information.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn restaurant_day_becomes_one_balanced_voucher_in_series_f() {
    let c =
        convert_with(include_bytes!("../../../fixtures/zreport/restaurang-2026-10-31.json"), "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.documents.len(), 1);
    let doc = &c.documents[0];
    let v = voucher(doc);
    assert_eq!(v.voucher_series, "F");
    assert_eq!(v.transaction_date.to_string(), "2026-10-31");
    assert_eq!(v.description, "Z-rapport 1042 Kassa 1 matsal 2026-10-31");
    assert!(doc.reference.starts_with("zreport:5599990005:KASSA1:1042:"), "{}", doc.reference);
    assert_eq!(doc.marker, marker_for("zreport:5599990005:KASSA1:1042"));
    let comments = v.comments.as_deref().unwrap_or_default();
    assert!(super::super::carries_marker(comments, &doc.marker), "{comments}");
    let s = |x: &str| x.to_owned();
    assert_eq!(
        rows(doc),
        [
            (1910, s("2145.00"), s("0.00"), s("Kontant")),
            (1580, s("11834.00"), s("0.00"), s("Kort")),
            (1930, s("1200.00"), s("0.00"), s("Swish")),
            (2421, s("500.00"), s("0.00"), s("Presentkort inlösta")),
            (1580, s("250.00"), s("0.00"), s("Rikskortet")),
            (3002, s("0.00"), s("9312.50"), s("Försäljning 12 % moms")),
            (2621, s("0.00"), s("1117.50"), s("Utgående moms 12 %")),
            (3003, s("0.00"), s("1320.00"), s("Försäljning 6 % moms")),
            (2631, s("0.00"), s("79.20"), s("Utgående moms 6 %")),
            (3001, s("0.00"), s("2360.00"), s("Försäljning 25 % moms")),
            (2611, s("0.00"), s("590.00"), s("Utgående moms 25 %")),
            (3002, s("250.00"), s("0.00"), s("Returer 12 % moms")),
            (2621, s("30.00"), s("0.00"), s("Moms returer 12 %")),
            (2421, s("0.00"), s("1000.00"), s("Presentkort sålda")),
            (2890, s("0.00"), s("430.00"), s("Dricks")),
            (3740, s("0.20"), s("0.00"), s("Öresavrundning")),
        ]
    );
    assert_eq!(c.summary.debit_total, Decimal::new(1_620_920, 2));
    assert_eq!(c.summary.rows, 16);
}

#[test]
fn same_report_same_reference_changed_report_same_marker_new_reference() {
    let bytes = include_bytes!("../../../fixtures/zreport/restaurang-2026-10-31.json");
    let a = convert_with(bytes, "");
    let b = convert_with(bytes, "");
    assert_eq!(a.documents[0].reference, b.documents[0].reference);
    let text = String::from_utf8_lossy(bytes)
        .replace("\"amount\": 2145.00", "\"amount\": 2146.00")
        .replace("\"rounding\": -0.20", "\"rounding\": 0.80");
    let changed = convert_with(text.as_bytes(), "");
    assert!(changed.errors.is_empty(), "{:?}", changed.errors);
    assert_eq!(changed.documents[0].marker, a.documents[0].marker);
    assert_ne!(changed.documents[0].reference, a.documents[0].reference);
}

#[test]
fn registers_categories_and_separate_discounts_follow_the_mapping() {
    let c = convert_with(
        include_bytes!("../../../fixtures/zreport/cafe-och-bar-2026-11-02.json"),
        include_str!("../../../fixtures/zreport/cafe-och-bar-2026-11-02.toml"),
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.documents.len(), 2);
    assert!(
        rows(&c.documents[0]).iter().any(|r| r.0 == 3004 && r.3 == "Försäljning Kokböcker 6 %")
    );
    assert!(rows(&c.documents[1]).iter().any(|r| r.0 == 3041 && r.2 == "1436.00"));
    assert!(rows(&c.documents[1]).iter().any(|r| r.0 == 3740 && r.2 == "0.50"));
    let c = convert_with(
        include_bytes!("../../../fixtures/zreport/butik-rabatter-separat.json"),
        include_str!("../../../fixtures/zreport/butik-rabatter-separat.toml"),
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let r = rows(&c.documents[0]);
    assert!(r.contains(&(3730, "78.40".into(), "0.00".into(), "Rabatter 25 %".into())), "{r:?}");
    assert!(r.contains(&(2631, "1.41".into(), "0.00".into(), "Moms rabatter 6 %".into())), "{r:?}");
    assert!(r.contains(&(1510, "700.00".into(), "0.00".into(), "Fakturaförsäljning".into())));
    // Read with discounts included in the sales, the same report does not add up.
    let c =
        convert_with(include_bytes!("../../../fixtures/zreport/butik-rabatter-separat.json"), "");
    assert_eq!(c.documents.len(), 0);
    assert!(c.errors[0].message.contains("(difference -122.90)"), "{:?}", c.errors);
}

#[test]
fn unmapped_rates_and_methods_are_rejected_with_a_hint() {
    let c = convert_with(include_bytes!("../../../fixtures/zreport/invalid/okand-moms.json"), "");
    assert!(c.documents.is_empty());
    let rendered: Vec<String> = c.errors.iter().map(|e| e.render("z.json")).collect();
    assert_eq!(
        rendered,
        ["z.json:10: Z 1045 (register KASSA1): VAT rate 8 % has no sales account (hint: add \
          \"8\" = <account> under [accounts] sales in fortnox-bridge.toml (BAS: 3001 25 %, 3002 \
          12 %, 3003 6 %, 3004 0 %))"]
    );
    let c = convert_with(
        include_bytes!("../../../fixtures/zreport/invalid/okand-moms.json"),
        "[accounts]\nsales = { \"8\" = 3004 }\n",
    );
    assert_eq!(
        c.errors[0].message,
        "Z 1045 (register KASSA1): VAT rate 8 % has no output VAT account"
    );
}

#[test]
fn food_vat_of_six_percent_2026_27_works_with_the_defaults() {
    let c =
        convert_with(include_bytes!("../../../fixtures/zreport/cafe-och-bar-2026-11-02.json"), "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let r = rows(&c.documents[0]);
    assert!(r.contains(&(3003, "0.00".into(), "800.95".into(), "Försäljning 6 % moms".into())));
    assert!(r.contains(&(2631, "0.00".into(), "48.05".into(), "Utgående moms 6 %".into())));
}

const BISTRO: &[u8] = include_bytes!("../../../fixtures/zreport/bistro-tre-decimaler.json");

/// A report of register KASSA1 with these sales and returns lines (`[rate, net, vat, gross]`,
/// amounts as strings so they stay exact), paid by card, without öresavrundning.
fn report(sales: &[[&str; 4]], returns: &[[&str; 4]], card: &str) -> Vec<u8> {
    let lines = |list: &[[&str; 4]]| {
        list.iter()
            .map(|[rate, net, vat, gross]| {
                serde_json::json!({"vat_rate": rate, "net": net, "vat": vat, "gross": gross})
            })
            .collect::<Vec<_>>()
    };
    serde_json::to_vec_pretty(&serde_json::json!({
        "company": {"name": "Exempelbolaget AB", "org_number": "559999-0039"},
        "register": {"id": "KASSA1"},
        "z_number": 7,
        "business_date": "2026-11-03",
        "closed_at": "2026-11-03T22:00:00+01:00",
        "sales": lines(sales),
        "returns": lines(returns),
        "payments": [{"method": "card", "amount": card}],
        "counts": {"receipts": 3, "returns": 0, "receipt_copies": 0, "drawer_openings": 1},
        "grand_totals": {"sales": "1000.00", "returns": "0", "net": "1000.00"}
    }))
    .expect("json")
}

/// Two lines whose net and VAT each end in 5 thousandths: rounded per account, the credits are
/// 0.02 more than the 624.00 paid.
fn two_ore_over() -> Vec<u8> {
    report(
        &[["12", "445.535", "53.465", "499.00"], ["25", "100.005", "24.995", "125.00"]],
        &[],
        "624.00",
    )
}

#[test]
fn an_ore_remainder_is_booked_on_the_rounding_row_with_a_warning() {
    let c = convert_with(BISTRO, "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let s = |x: &str| x.to_owned();
    // Exactly: 3002 4840.661, 2621 580.879, 3001 5128.776, 2611 1282.194, 3003 856.755,
    // 2631 51.405; rounded they credit 0.01 more than was paid. The report's own öresavrundning
    // (+0.33, a credit) takes the remainder as a debit: 3740 credit 0.32. No other row moves.
    assert_eq!(
        rows(&c.documents[0]),
        [
            (1910, s("1441.00"), s("0.00"), s("Kontant")),
            (1580, s("9800.00"), s("0.00"), s("Kort")),
            (1930, s("1500.00"), s("0.00"), s("Swish")),
            (3002, s("0.00"), s("4840.66"), s("Försäljning 12 % moms")),
            (2621, s("0.00"), s("580.88"), s("Utgående moms 12 %")),
            (3001, s("0.00"), s("5128.78"), s("Försäljning 25 % moms")),
            (2611, s("0.00"), s("1282.19"), s("Utgående moms 25 %")),
            (3003, s("0.00"), s("856.76"), s("Försäljning 6 % moms")),
            (2631, s("0.00"), s("51.41"), s("Utgående moms 6 %")),
            (3740, s("0.00"), s("0.32"), s("Öresavrundning")),
        ]
    );
    let v = voucher(&c.documents[0]);
    let debit: Decimal = v.voucher_rows.iter().map(|r| r.debit).sum();
    let credit: Decimal = v.voucher_rows.iter().map(|r| r.credit).sum();
    assert_eq!((debit, credit), (Decimal::new(1_274_100, 2), Decimal::new(1_274_100, 2)));
    let warnings: Vec<String> = c.warnings.iter().map(|w| w.render("z.json")).collect();
    assert_eq!(
        warnings,
        ["z.json:1: Z 1043 (register BISTRO1): öre remainder 0.01 from rounding per account \
          booked as a debit on 3740 (hint: the report has amounts with more than two decimals; \
          remainders up to [zreport] max_rounding_remainder (0.05) are booked this way)"]
    );
}

#[test]
fn a_remainder_at_the_tolerance_is_booked_and_one_ore_more_is_rejected_with_the_hint() {
    let c = convert_with(&two_ore_over(), "[zreport]\nmax_rounding_remainder = \"0.02\"\n");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let r = rows(&c.documents[0]);
    assert_eq!(r.last(), Some(&(3740, "0.02".into(), "0.00".into(), "Öresavrundning".into())));
    assert!(r.contains(&(3002, "0.00".into(), "445.54".into(), "Försäljning 12 % moms".into())));
    assert!(r.contains(&(2611, "0.00".into(), "25.00".into(), "Utgående moms 25 %".into())));
    assert_eq!(c.warnings.len(), 1, "{:?}", c.warnings);
    assert!(
        c.warnings[0]
            .message
            .ends_with("öre remainder 0.02 from rounding per account booked as a debit on 3740")
    );

    let c = convert_with(&two_ore_over(), "[zreport]\nmax_rounding_remainder = \"0.01\"\n");
    assert!(c.documents.is_empty());
    let rendered: Vec<String> = c.errors.iter().map(|e| e.render("z.json")).collect();
    assert_eq!(
        rendered,
        ["z.json:1: Z 7 (register KASSA1): rounded to whole öre per account the voucher is off \
          by 0.02 (credits exceed debits), more than [zreport] max_rounding_remainder 0.01 \
          (hint: the report has \
          amounts with more than two decimals; export it in whole öre, or raise \
          max_rounding_remainder in fortnox-bridge.toml to book the remainder on 3740)"]
    );
}

#[test]
fn a_remainder_on_the_debit_side_is_credited_to_the_registers_rounding_account() {
    // Returns are debited: rounded, they are 0.01 more than the 374.00 they reduce the day by.
    let bytes = report(
        &[["12", "445.54", "53.46", "499.00"]],
        &[["25", "100.005", "24.995", "125.00"]],
        "374.00",
    );
    let c = convert_with(&bytes, "[accounts.registers.KASSA1]\nrounding = 3741\n");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let r = rows(&c.documents[0]);
    assert_eq!(r.last(), Some(&(3741, "0.00".into(), "0.01".into(), "Öresavrundning".into())));
    assert!(r.contains(&(3001, "100.01".into(), "0.00".into(), "Returer 25 % moms".into())));
    assert!(c.warnings[0].message.ends_with("booked as a credit on 3741"), "{:?}", c.warnings);
}

#[test]
fn max_rounding_remainder_zero_keeps_rejecting_any_remainder() {
    let c = convert_with(BISTRO, "[zreport]\nmax_rounding_remainder = \"0\"\n");
    assert!(c.documents.is_empty());
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
    assert_eq!(c.errors.len(), 1);
    assert_eq!(
        c.errors[0].message,
        "Z 1043 (register BISTRO1): rounded to whole öre per account the voucher is off by \
         0.01 (credits exceed debits), more than [zreport] max_rounding_remainder 0.00"
    );
    assert!(c.errors[0].hint.as_deref().unwrap_or_default().contains("max_rounding_remainder"));
    // Reports in whole öre leave no remainder and are booked as before, without a warning.
    let c = convert_with(
        include_bytes!("../../../fixtures/zreport/restaurang-2026-10-31.json"),
        "[zreport]\nmax_rounding_remainder = \"0\"\n",
    );
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);
}

#[test]
fn every_report_names_its_z_number_even_one_that_books_nothing() {
    let two = convert_with(
        include_bytes!("../../../fixtures/zreport/cafe-och-bar-2026-11-02.json"),
        "[accounts.registers.BAR]\nsales = { \"25\" = 3041 }\n",
    );
    assert!(two.errors.is_empty(), "{:?}", two.errors);
    let seen: Vec<(&str, &str, u64)> =
        two.z_numbers.iter().map(|z| (z.org.as_str(), z.register.as_str(), z.z)).collect();
    assert_eq!(seen, [("5599990005", "KASSA1", 1043), ("5599990005", "BAR", 77)]);
    assert!(two.z_numbers.iter().all(|z| z.line > 0), "{:?}", two.z_numbers);

    // A closed day (no sales, no payments) posts nothing, but its number did arrive.
    let empty = convert_with(&report(&[], &[], "0"), "");
    assert!(empty.errors.is_empty() && empty.documents.is_empty(), "{empty:?}");
    assert_eq!(empty.z_numbers.iter().map(|z| z.z).collect::<Vec<_>>(), [7]);

    // A file that is rejected registers nothing, so none of its numbers counts as arrived.
    let bad = convert_with(&report(&[["8", "100.00", "8.00", "108.00"]], &[], "108.00"), "");
    assert!(!bad.errors.is_empty() && bad.z_numbers.is_empty(), "{bad:?}");
}

/// `bytes` re-serialised by a JSON library that keeps no trailing zeros, as Python's
/// `json.dump` does (`8250.00` → `8250.0`, `79.20` → `79.2`); `whole` drops `.0` as well
/// (`8250`, as JavaScript writes it).
fn rewritten(bytes: &[u8], whole: bool) -> Vec<u8> {
    fn walk(value: &mut serde_json::Value, whole: bool) {
        match value {
            serde_json::Value::Number(n) if n.to_string().contains('.') => {
                let text = n.to_string();
                let mut text = text.trim_end_matches('0').to_owned();
                if text.ends_with('.') {
                    text.push('0');
                }
                if whole {
                    text = text.trim_end_matches(".0").to_owned();
                }
                *n = text.parse().expect("number");
            }
            serde_json::Value::Object(map) => map.values_mut().for_each(|v| walk(v, whole)),
            serde_json::Value::Array(list) => list.iter_mut().for_each(|v| walk(v, whole)),
            _ => {}
        }
    }
    let mut value: serde_json::Value = serde_json::from_slice(bytes).expect("json");
    walk(&mut value, whole);
    serde_json::to_vec_pretty(&value).expect("json")
}

#[test]
fn the_summary_says_only_what_the_file_is() {
    // Windows-1252 bytes: not UTF-8, so neither "utf-8" nor "Z-report v1".
    let latin = convert_with(b"{\"register\": \"Kassa \xe5\"}", "");
    assert!(!latin.errors.is_empty());
    assert_eq!((latin.summary.format.as_str(), latin.summary.encoding.as_str()), ("", ""));
    // Another program's JSON: UTF-8, but no Z-report of ours.
    let foreign = convert_with(br#"{"report_info": {"kassa": 1}, "totals": {"brutto": 10}}"#, "");
    assert!(!foreign.errors.is_empty());
    assert_eq!((foreign.summary.format.as_str(), foreign.summary.encoding.as_str()), ("", "utf-8"));
    // Ours with a mistake in a field: still a Z-report v1.
    let ours =
        convert_with(br#"{"format": "fortnox-bridge-zreport", "version": 1, "z_number": "7"}"#, "");
    assert!(!ours.errors.is_empty());
    assert_eq!(ours.summary.format, format!("Z-report v{}", crate::parse::zreport::VERSION));
}

mod identity;
