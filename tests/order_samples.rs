//! The real order exports in `../shared/order-csv-samples/` (sources in its SOURCES.md), read
//! in full as a shop owner would drop them: Shopify's export as it comes (only a fallback
//! customer set, as its dev-store draft orders carry no e-mail), the WooCommerce-style export
//! through an `[orders.columns]` mapping.
//!
//! The figures to meet come from a deliberately simple second reader here (the `csv` crate and
//! the export's own order-total column), never from the converter's output: every order becomes
//! one document, every line one row, and the documents' total is the sum of the export's
//! order totals to the öre.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use fortnox_bridge::config::Config;
use fortnox_bridge::convert::{Body, Conversion, convert_file};
use fortnox_bridge::detect::Kind;
use rust_decimal::Decimal;

fn sample(name: &str) -> (PathBuf, Vec<u8>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/order-csv-samples").join(name);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (path, bytes)
}

/// What the second reader finds: each order id with its total, and the number of lines.
struct Expected {
    totals: BTreeMap<String, Decimal>,
    lines: usize,
}

/// Reads the export with the `csv` crate: one record per line item; an order's total is on its
/// first record only.
fn expected(bytes: &[u8], id_column: &str, total_column: &str) -> Expected {
    let text = std::str::from_utf8(bytes).expect("UTF-8").trim_start_matches('\u{feff}');
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().expect("header").clone();
    let column = |name: &str| headers.iter().position(|h| h == name).expect("column");
    let (id, total) = (column(id_column), column(total_column));
    let mut out = Expected { totals: BTreeMap::new(), lines: 0 };
    for record in reader.records() {
        let record = record.expect("record");
        out.lines += 1;
        let sum = out.totals.entry(record[id].to_owned()).or_default();
        if !record[total].is_empty() {
            *sum += Decimal::from_str(&record[total]).expect("total");
        }
    }
    out
}

fn convert(name: &str, config: &str) -> (Conversion, Vec<u8>) {
    let (path, bytes) = sample(name);
    let config = Config::from_toml_str(config, Path::new("/samples")).expect("config");
    (convert_file(Kind::Orders, &path.display().to_string(), &bytes, &config), bytes)
}

fn order_ids(c: &Conversion) -> BTreeSet<String> {
    c.documents
        .iter()
        .map(|d| match &d.body {
            Body::Order(plan) => plan.order_id.clone(),
            Body::Voucher(_) => panic!("an order export made a voucher"),
        })
        .collect()
}

fn assert_matches(c: &Conversion, expected: &Expected) {
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(order_ids(c), expected.totals.keys().cloned().collect::<BTreeSet<_>>());
    assert_eq!(c.documents.len(), expected.totals.len());
    assert_eq!(c.summary.rows, expected.lines);
    let total: Decimal = expected.totals.values().sum();
    assert_eq!(c.summary.debit_total, total, "the export's order totals, to the öre");
}

#[test]
fn shopifys_real_export_is_read_whole_with_gift_cards_on_the_liability_account() {
    let name = "luistatera__forezia-mock-data__orders_export.csv";
    // The dev store charged no VAT (`Taxes` 0.00 on every order), mostly without a billing
    // country: a Swedish sale without VAT is refused unless the configuration says so.
    let (refused, _) = convert(name, "[orders]\ndefault_customer = \"1\"\n");
    let errors: Vec<String> = refused.errors.iter().map(|e| e.render(name)).collect();
    assert_eq!(errors.len(), 11, "the taxable orders without a country: {errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "{name}:2: order `#1001`: Taxes is 0.00, but it is a sale in Sweden (it has no \
             billing country), whose lines would be booked with 25 % VAT"
        )),
        "{errors:?}"
    );
    let (c, bytes) = convert(name, "[orders]\ndefault_customer = \"1\"\nvat_rate = 0\n");
    let expected = expected(&bytes, "Name", "Total");
    assert_eq!((expected.totals.len(), expected.lines), (19, 40), "SOURCES.md's counts");
    assert_matches(&c, &expected);
    assert_eq!(c.summary.format, "Shopify CSV");

    // Gift cards sold are a liability (BAS 2421) at 0 % VAT, never revenue.
    let mut gift_cards = 0;
    for d in &c.documents {
        let Body::Order(plan) = &d.body else { continue };
        let document = plan.document().expect("order or invoice");
        for row in document.rows().filter(|r| r.description.starts_with("Gift Card")) {
            assert_eq!((row.account_number, row.vat), (Some(2421), Decimal::ZERO), "{row:?}");
            gift_cards += 1;
        }
    }
    assert_eq!(gift_cards, 17, "every gift card line of the export");
    // No row carries VAT the customers never paid.
    for d in &c.documents {
        let Body::Order(plan) = &d.body else { continue };
        let rows: Vec<_> = plan.document().expect("order or invoice").rows().collect();
        assert!(rows.iter().all(|r| r.vat.is_zero()), "{}: {rows:?}", plan.order_id);
    }
}

#[test]
fn shopifys_export_without_a_fallback_customer_names_each_order_it_cannot_place() {
    let name = "luistatera__forezia-mock-data__orders_export.csv";
    let (c, _) = convert(name, "[orders]\nvat_rate = 0\n");
    assert_eq!(c.errors.len(), 10, "the ten draft orders without an e-mail: {:?}", c.errors);
    let first = c.errors[0].render(name);
    assert!(
        first.starts_with(&format!(
            "{name}:2: order `#1001` has no customer number, organisation number or e-mail"
        )) && first.contains("(hint: ")
            && first.contains("default_customer"),
        "{first}"
    );
}

#[test]
fn a_woocommerce_export_is_read_through_a_column_mapping() {
    let name = "farazrawala__ai-pos__woocommerce_orders.csv";
    // The export names no VAT rate: the shop says which one its rows are booked at.
    let config = "[orders]\nvat_rate = 25\n[orders.columns]\norder_id = \"order_number\"\n\
                  order_date = \"order_date\"\n\
                  customer_name = \"billing_company\"\nemail = \"billing_email\"\n\
                  currency = \"order_currency\"\nshipping = \"shipping_total\"\nsku = \"sku\"\n\
                  description = \"product_name\"\nquantity = \"quantity\"\n\
                  line_total = \"item_total\"\n";
    let (c, bytes) = convert(name, config);
    let expected = expected(&bytes, "order_number", "order_total");
    // Without `vat_rate` the file is refused once, on the header, not booked at a guess.
    let (guessed, _) = convert(name, &config.replace("[orders]\nvat_rate = 25\n", ""));
    let refused: Vec<String> = guessed.errors.iter().map(|e| e.render(name)).collect();
    assert_eq!(refused.len(), 1, "{refused:?}");
    assert!(
        refused[0].starts_with(&format!("{name}:1: the export has no VAT rate column")),
        "{refused:?}"
    );
    assert_eq!((expected.totals.len(), expected.lines), (50, 101), "SOURCES.md's counts");
    assert_matches(&c, &expected);
    // Without the mapping the header is refused on its line, with the way out.
    let (c, _) = convert(name, "");
    let error = c.errors.first().map(|e| e.render(name)).unwrap_or_default();
    assert!(
        error.starts_with(&format!(
            "{name}:1: the header row has no `order_id` column (`order_number` looks like it)"
        )),
        "{error}"
    );
    assert!(error.contains("[orders.columns]"), "{error}");
}
