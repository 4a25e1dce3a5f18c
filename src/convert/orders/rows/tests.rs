use std::path::Path;

use rust_decimal::Decimal;

use crate::config::Config;
use crate::convert::{Body, Conversion};

fn convert(csv: &str, extra: &str) -> Conversion {
    let c = Config::from_toml_str(extra, Path::new("/x")).expect("config");
    super::super::convert_bytes(csv.as_bytes(), &c.orders, &c.accounts)
}

/// A row as (description, price, VAT, account).
type Booked = (String, Decimal, Decimal, Option<u32>);

/// The first order's rows and its freight.
fn booked(c: &Conversion) -> (Vec<Booked>, Option<Decimal>) {
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let Body::Order(plan) = &c.documents[0].body else { panic!("not an order") };
    let doc = plan.document().expect("a document");
    let rows = doc.rows().map(|r| (r.description.clone(), r.price, r.vat, r.account_number));
    (rows.collect(), doc.freight)
}

const HEAD: &str = "order_id;order_date;email;description;quantity;unit_price;vat_rate;\
                    discount;line_type\nW-1;2026-11-18;a@example.org;Kaffe;1;100,00;12;;\n";

/// A shipping row's discount applies: free shipping (100 %) charges nothing.
#[test]
fn a_shipping_rows_discount_applies() {
    let free = format!("{HEAD}W-1;2026-11-18;a@example.org;Frakt;1;49,00;12;100%;shipping\n");
    assert_eq!(booked(&convert(&free, "")).1, None);
    let (rows, _) = booked(&convert(&free, "[orders]\nshipping = \"row\"\n"));
    assert_eq!(rows.len(), 1, "no shipping row: {rows:?}");
    let half = free.replace(";100%;", ";50%;");
    assert_eq!(booked(&convert(&half, "")).1, Some(Decimal::new(2450, 2)));
    let off = free.replace(";100%;", ";9,00;");
    assert_eq!(booked(&convert(&off, "")).1, Some(Decimal::new(4000, 2)));
}

/// Shipping rows at two VAT rates are two rows at their rates, in either mode: Fortnox's one
/// Freight is taxed at one rate, so in freight mode they are rows too, with a warning (an
/// earlier release refused the order).
#[test]
fn shipping_at_two_rates_is_two_rows_in_either_mode() {
    let csv = format!(
        "{HEAD}W-1;2026-11-18;a@example.org;Frakt mat;1;39,00;6;;shipping\n\
         W-1;2026-11-18;a@example.org;Frakt tillbehör;1;20,00;25;;shipping\n"
    );
    let two_rows = [
        ("Frakt mat".to_owned(), Decimal::from(39), Decimal::from(6), Some(3520)),
        ("Frakt tillbehör".to_owned(), Decimal::from(20), Decimal::from(25), Some(3520)),
    ];
    let (rows, freight) = booked(&convert(&csv, "[orders]\nshipping = \"row\"\n"));
    assert_eq!(freight, None);
    assert_eq!(rows[1..], two_rows);
    let c = convert(&csv, "");
    let (rows, freight) = booked(&c);
    assert_eq!((freight, &rows[1..]), (None, &two_rows[..]));
    let warnings: Vec<String> = c.warnings.iter().map(|w| w.render("o.csv")).collect();
    assert_eq!(
        warnings,
        ["o.csv:3: order `W-1`: shipping at several VAT rates is sent as rows, each at its rate, \
          on the shipping account, not in Fortnox's Freight field: Fortnox's one Freight field \
          is taxed at one VAT rate (hint: the invoice's total and VAT are as the shop charged; \
          set [orders] shipping = \"row\" to send shipping as a row on every order)"]
    );
    // One rate, the order's main one: one Freight of both.
    let one = csv.replace(";39,00;6;", ";39,00;12;").replace(";20,00;25;", ";20,00;12;");
    assert_eq!(booked(&convert(&one, "")).1, Some(Decimal::from(59)));
}

/// Shipping at one rate is one row `Frakt` of the sum, as releases before booked it: an order
/// they posted has the same rows, so the same version, when an overlapping export brings it.
#[test]
fn shipping_at_one_rate_is_one_row_as_before() {
    let two = format!(
        "{HEAD}W-1;2026-11-18;a@example.org;Frakt PostNord;1;39,00;25;;shipping\n\
         W-1;2026-11-18;a@example.org;Expressavgift;1;20,00;25;;shipping\n"
    );
    let (rows, _) = booked(&convert(&two, "[orders]\nshipping = \"row\"\n"));
    assert_eq!(rows[1], ("Frakt".to_owned(), Decimal::new(5900, 2), Decimal::from(25), Some(3520)));
    assert_eq!(rows.len(), 2, "{rows:?}");
}
