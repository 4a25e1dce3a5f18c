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
    let free = format!("{HEAD}W-1;2026-11-18;a@example.org;Frakt;1;49,00;25;100%;shipping\n");
    assert_eq!(booked(&convert(&free, "")).1, None);
    let (rows, _) = booked(&convert(&free, "[orders]\nshipping = \"row\"\n"));
    assert_eq!(rows.len(), 1, "no shipping row: {rows:?}");
    let half = free.replace(";100%;", ";50%;");
    assert_eq!(booked(&convert(&half, "")).1, Some(Decimal::new(2450, 2)));
    let off = free.replace(";100%;", ";9,00;");
    assert_eq!(booked(&convert(&off, "")).1, Some(Decimal::new(4000, 2)));
}

/// Shipping rows at two VAT rates are two rows at their rates; Fortnox's one Freight
/// cannot carry them, so in freight mode the order is refused on the second rate's row.
#[test]
fn shipping_at_two_rates_is_two_rows_or_refused_as_freight() {
    let csv = format!(
        "{HEAD}W-1;2026-11-18;a@example.org;Frakt mat;1;39,00;6;;shipping\n\
         W-1;2026-11-18;a@example.org;Frakt tillbehör;1;20,00;25;;shipping\n"
    );
    let (rows, freight) = booked(&convert(&csv, "[orders]\nshipping = \"row\"\n"));
    assert_eq!(freight, None);
    let shipping: Vec<_> = rows.into_iter().skip(1).collect();
    assert_eq!(
        shipping,
        [
            ("Frakt mat".to_owned(), Decimal::from(39), Decimal::from(6), Some(3520)),
            ("Frakt tillbehör".to_owned(), Decimal::from(20), Decimal::from(25), Some(3520)),
        ]
    );
    let c = convert(&csv, "");
    assert!(c.documents.is_empty());
    let errors: Vec<String> = c.errors.iter().map(|e| e.render("o.csv")).collect();
    assert_eq!(
        errors,
        ["o.csv:4: order `W-1`: shipping at 25 % here and at 6 % on line 3 cannot both go in \
          Fortnox's one Freight field (hint: set [orders] shipping = \"row\" to book each \
          shipping charge as a row at its own VAT rate, or give the shipping rows one rate)"]
    );
    // One rate: one Freight of both.
    let one = csv.replace(";39,00;6;", ";39,00;25;");
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
