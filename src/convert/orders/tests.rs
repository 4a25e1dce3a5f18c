use std::path::Path;

use rust_decimal::Decimal;

use super::*;
use crate::config::Config;
use crate::diagnostic::Diagnostic;

fn convert_with(bytes: &[u8], extra: &str) -> Conversion {
    let c = Config::from_toml_str(extra, Path::new("/x")).expect("config");
    convert_bytes(bytes, &c.orders, &c.accounts)
}

fn plan(doc: &Document) -> &OrderPlan {
    match &doc.body {
        Body::Order(plan) => plan,
        Body::Voucher(_) => panic!("not an order"),
    }
}

const SHOP: &[u8] = include_bytes!("../../../fixtures/orders/webbshop-2026-11-20.csv");

#[test]
fn the_order_id_is_the_key_and_the_content_the_version() {
    let c = convert_with(SHOP, "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let first = &c.documents[0];
    let p = plan(first);
    let order = p.order.as_ref().expect("an order");
    assert_eq!(order.external_invoice_reference1, "W-1001");
    assert_eq!(first.marker, marker_for("order:W-1001"));
    assert_eq!(first.reference, format!("order:W-1001:{}", p.version));
    assert!(order.comments.contains(&first.marker) && order.comments.contains(&p.version));
    // The same order in a later export is the same document; a changed one keeps the marker.
    let again =
        convert_with(include_bytes!("../../../fixtures/orders/webbshop-2026-11-21.csv"), "");
    let w1003 = |c: &Conversion| c.documents.iter().find(|d| d.label == "order W-1003").cloned();
    assert_eq!(w1003(&c).map(|d| d.reference), w1003(&again).map(|d| d.reference));
    let w1004 = |c: &Conversion| c.documents.iter().find(|d| d.label == "order W-1004").cloned();
    let (a, b) = (w1004(&c).expect("a"), w1004(&again).expect("b"));
    assert_eq!(a.marker, b.marker);
    assert_ne!(a.reference, b.reference);
}

#[test]
fn options_shape_the_request() {
    let c = convert_with(
        SHOP,
        "[orders]\ncreate = \"invoice\"\nshipping = \"row\"\nlanguage = \"customer-sv\"\n",
    );
    let p = plan(&c.documents[1]);
    let invoice = p.invoice.as_ref().expect("an invoice");
    assert!(p.order.is_none() && invoice.freight.is_none());
    assert_eq!(invoice.language, "EN", "the customer asked for en-GB");
    let rows = invoice.invoice_rows.as_ref().expect("rows");
    let freight = rows.last().expect("a freight row");
    assert_eq!((freight.description.as_str(), freight.account_number), ("Frakt", Some(3520)));
    assert_eq!(freight.ordered_quantity, None, "invoices have no ordered quantity");
    let c = convert_with(SHOP, "[orders]\ncreate_articles = true\nunit = \"column\"\n");
    let p = plan(&c.documents[1]);
    let tea = p.articles.iter().find(|a| a.article_number == "TE-EARL").expect("tea");
    assert_eq!(tea.if_missing, IfMissing::Create);
    let new = tea.create.as_ref().expect("article body");
    assert_eq!(
        (new.unit.as_deref(), new.vat, new.sales_account),
        (Some("kg"), Decimal::from(6), Some(3003))
    );
}

#[test]
fn a_forced_price_mode_applies_unless_an_order_says_otherwise() {
    let vat_of = |c: &Conversion, id: &str| {
        let doc = c.documents.iter().find(|d| d.label == format!("order {id}")).expect(id);
        plan(doc).order.as_ref().expect("an order").vat_included
    };
    // Each order's own column: W-1001 says "nej" (excluding), W-1002 "ja" (including).
    let auto = convert_with(SHOP, "");
    assert!(auto.errors.is_empty(), "{:?}", auto.errors);
    assert_eq!((vat_of(&auto, "W-1001"), vat_of(&auto, "W-1002")), (false, true));

    // Forced, and orders that say otherwise: the file is refused, each such order named.
    let forced = convert_with(SHOP, "[orders]\nprices = \"incl_vat\"\n");
    assert!(forced.documents.is_empty());
    let refused: Vec<_> = forced.errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(
        refused,
        [
            (
                Some(2),
                "order `W-1001` gives its prices excluding VAT, but [orders] prices says \
                 including VAT"
            ),
            (
                Some(10),
                "order `W-1004` gives its prices excluding VAT, but [orders] prices says \
                 including VAT"
            ),
        ]
    );
    assert!(forced.errors[0].hint.as_deref().is_some_and(|h| h.contains("prices = \"auto\"")));

    // Forced, and the export does not say: the forced mode, for every order.
    let silent = String::from_utf8_lossy(SHOP).replace(";nej;", ";;").replace(";ja;", ";;");
    for (mode, included) in [("incl_vat", true), ("excl_vat", false)] {
        let c = convert_with(silent.as_bytes(), &format!("[orders]\nprices = \"{mode}\"\n"));
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        assert!(
            c.documents.iter().all(|d| plan(d).order.as_ref().unwrap().vat_included == included)
        );
    }
}

#[test]
fn rejections_name_the_line_and_the_order() {
    let c = convert_with(include_bytes!("../../../fixtures/orders/invalid/fel-i-raderna.csv"), "");
    assert!(c.documents.is_empty());
    let rendered: Vec<String> = c.errors.iter().map(|e| e.render("o.csv")).collect();
    assert_eq!(
        rendered[..2],
        [
            "o.csv:3: order `W-2001`: email is `annan@example.org` here but `prov@example.org` on \
             line 2 (hint: an order's fields must be the same on all its rows (or only on its \
             first))",
            "o.csv:4: order `W-2002`: order date `20/11/2026` is not a date (hint: write dates as \
             YYYY-MM-DD (a time after it is fine))",
        ]
    );
}

#[test]
fn long_texts_are_cut_with_a_located_warning() {
    let long = "Kaffe ".repeat(60).trim_end().to_owned();
    let csv = format!(
        "order_id,order_date,email,sku,description,quantity,unit_price,vat_rate,remarks\n\
         W-9,2026-11-18,a@example.com,,{long},1,10.00,12,{}\n",
        "x".repeat(1100)
    );
    let c = convert_with(csv.as_bytes(), "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let messages: Vec<String> = c.warnings.iter().map(ToString::to_string).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("line 2: row description is 359 characters")),
        "{messages:?}"
    );
    assert!(messages.iter().any(|m| m.contains("remarks is 1100 characters")), "{messages:?}");
    let order = plan(&c.documents[0]).order.as_ref().expect("order");
    assert_eq!(order.remarks.as_ref().map(|r| r.chars().count()), Some(1024));
}

/// `convert` prints what Fortnox receives: the order or invoice in its envelope, without the
/// customer number only the upload knows; how the customer is found is said beside it.
#[test]
fn the_request_is_the_fortnox_envelope_and_the_lookups_are_beside_it() {
    let c = convert_with(SHOP, "");
    let w1004 = c.documents.iter().find(|d| d.label == "order W-1004").expect("W-1004");
    let request = w1004.body.request_json();
    let keys: Vec<&String> = request.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["Order"], "{request}");
    assert_eq!(request["Order"]["ExternalInvoiceReference1"], "W-1004");
    assert!(request["Order"].get("CustomerNumber").is_none(), "{request}");
    assert!(request["Order"]["OrderRows"].is_array(), "{request}");
    let lookups = w1004.body.upload_lookups().expect("an order has lookups");
    assert_eq!(lookups["customer"]["CustomerNumber"], "2", "{lookups:?}");
    assert!(lookups["customer"]["MatchBy"].is_array(), "{lookups:?}");

    let c = convert_with(SHOP, "[orders]\ncreate = \"invoice\"\n");
    let request = c.documents[0].body.request_json();
    let keys: Vec<&String> = request.as_object().expect("an object").keys().collect();
    assert_eq!(keys, ["Invoice"], "{request}");
    assert!(request["Invoice"]["InvoiceRows"].is_array(), "{request}");

    let sie = b"#FLAGGA 0\n#SIETYP 4\n#VER A 1 20261001\n{\n#TRANS 4010 {} 5.00\n#TRANS 1910 {} -5.00\n}\n";
    let v = crate::convert::sie::convert_bytes(sie, &crate::config::SieConfig::default());
    let voucher = &v.documents[0].body;
    assert_eq!(voucher.request_json(), voucher.to_json());
    assert!(voucher.upload_lookups().is_none());
}

/// Messages of a conversion, rendered as an exporter reads them.
fn rendered(list: &[Diagnostic]) -> Vec<String> {
    list.iter().map(|d| d.render("o.csv")).collect()
}

const HEADER: &str = "order_id;order_date;status;email;description;quantity;unit_price;vat_rate\n";

#[test]
fn cancelled_and_skipped_statuses_are_not_posted_whatever_their_case() {
    let csv = format!(
        "{HEADER}C-1;2026-11-18;cancelled;a@example.org;Kaffe;1;100,00;12\n\
         C-2;2026-11-18;Canceled;a@example.org;Kaffe;1;100,00;12\n\
         C-3;2026-11-18;Refunded;a@example.org;Kaffe;1;100,00;12\n\
         C-4;2026-11-18;paid;a@example.org;Kaffe;1;100,00;12\n"
    );
    let c = convert_with(csv.as_bytes(), "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let posted: Vec<&str> = c.documents.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(posted, ["order C-4"]);
    let warnings = rendered(&c.warnings);
    assert!(
        warnings[0].starts_with("o.csv:2: order `C-1` is cancelled in the shop"),
        "{warnings:?}"
    );
    assert!(
        warnings[1].starts_with("o.csv:3: order `C-2` is cancelled in the shop"),
        "{warnings:?}"
    );
    assert!(
        warnings[2].starts_with("o.csv:4: order `C-3` is `refunded`; not posted"),
        "{warnings:?}"
    );
}

/// A cancelled (or refunded) order is never posted: what is wrong in its rows is told, but
/// does not refuse the export's other orders. The same rows in an order to post do.
#[test]
fn the_bad_cells_of_a_cancelled_order_do_not_stop_the_export() {
    let csv = format!(
        "{HEADER}C-1;2026-11-18;cancelled;a@example.org;Kaffe;1;100,00;12\n\
         C-1;2026-11-18;cancelled;a@example.org;Kaffe;0;100,00;12\n\
         C-1;2026-11-18;cancelled;a@example.org;Kaffe;1;100,00;moms\n\
         C-3;2026-11-18;refunded;a@example.org;;1;100,00;12\n\
         C-4;2026-11-18;paid;a@example.org;Kaffe;1;100,00;12\n"
    );
    let c = convert_with(csv.as_bytes(), "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let posted: Vec<&str> = c.documents.iter().map(|d| d.label.as_str()).collect();
    assert_eq!(posted, ["order C-4"]);
    let withdrawn: Vec<&str> = c.withdrawn.iter().map(|w| w.identity.as_str()).collect();
    assert_eq!(withdrawn, ["order:C-1", "order:C-3"]);
    let warnings = rendered(&c.warnings);
    assert!(
        warnings.contains(
            &"o.csv:2: order `C-1` is not posted (its status is cancelled), so what is wrong in \
              its rows does not stop the export: line 3: order `C-1`: the row has no quantity \
              (1 more)"
                .to_owned()
        ),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.starts_with(
            "o.csv:5: order `C-3` is not posted (its status is refunded), so what is wrong in \
             its rows does not stop the export: line 5: order `C-3`: the row has neither SKU"
        )),
        "{warnings:?}"
    );

    let paid = csv.replace("cancelled", "paid").replace("refunded", "paid");
    let c = convert_with(paid.as_bytes(), "");
    assert_eq!(c.errors.len(), 3, "{:?}", c.errors);
    assert!(c.documents.is_empty());
}

#[test]
fn a_row_whose_cells_do_not_line_up_with_the_header_is_refused() {
    // An unquoted decimal comma in a `,`-separated file: 89,25 would be price 89 at 25 %.
    let csv = "order_id,order_date,email,description,quantity,unit_price,vat_rate\n\
               W-1,2026-11-18,a@example.org,Kaffe,10,89,25,12\n\
               W-2,2026-11-18,a@example.org,Kaffe,10,\"89,25\",12\n\
               W-3,2026-11-18,a@example.org,Kaffe,10,89.25\n";
    let c = convert_with(csv.as_bytes(), "");
    let errors = rendered(&c.errors);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(
        errors[0].starts_with("o.csv:2: the row has 8 fields, but the header has 7"),
        "{errors:?}"
    );
    assert!(errors[0].contains("must be quoted (\"89,25\") or written 89.25"), "{errors:?}");
    assert!(
        errors[1].starts_with(
            "o.csv:4: the row has 6 fields, but the header has 7: no cell for vat_rate"
        ),
        "{errors:?}"
    );
    assert!(c.documents.is_empty());
    // The shift lands an empty last cell (a sale's line_type) past the header: refused too.
    let csv = "order_id,order_date,email,description,quantity,unit_price,vat_rate,line_type\n\
               W-1,2026-11-18,a@example.org,Kaffe,1,89,25,12,\n";
    let errors = rendered(&convert_with(csv.as_bytes(), "").errors);
    assert!(
        errors[0].starts_with("o.csv:2: the row has 9 fields, but the header has 8"),
        "{errors:?}"
    );
}

#[test]
fn a_missing_vat_rate_is_refused_unless_the_configuration_gives_one() {
    // A misspelt column: warned, with the field it was likely meant as, and no rate is guessed.
    let csv = "order_id;order_date;email;description;quantity;unit_price;moms\n\
               W-1;2026-11-18;a@example.org;Kaffe;1;100,00;12\n";
    let c = convert_with(csv.as_bytes(), "");
    assert_eq!(
        rendered(&c.errors),
        ["o.csv:1: the export has no VAT rate column (vat_rate) (hint: add the rate of each row \
          (25, 12, 6 or 0) as vat_rate, map the export's column under [orders.columns], or set \
          [orders] vat_rate to book every row at one rate)"]
    );
    assert_eq!(
        rendered(&c.warnings),
        ["o.csv:1: column `moms` is not one fortnox-bridge reads; it is ignored (hint: if it is \
          meant as vat_rate, name it `vat_rate`)"]
    );
    // An empty cell is refused on its row; a configured rate books it.
    let csv = format!("{HEADER}W-1;2026-11-18;paid;a@example.org;Kaffe;1;100,00;\n");
    let c = convert_with(csv.as_bytes(), "");
    let errors = rendered(&c.errors);
    assert!(errors[0].starts_with("o.csv:2: order `W-1`: the row has no VAT rate"), "{errors:?}");
    let c = convert_with(csv.as_bytes(), "[orders]\nvat_rate = 12\n");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let rows = plan(&c.documents[0]).order.as_ref().and_then(|o| o.order_rows.clone());
    assert_eq!(rows.map(|r| r[0].vat), Some(Decimal::from(12)));
}

#[test]
fn unknown_line_and_customer_types_are_refused_and_spellings_are_forgiven() {
    let csv = "Order ID;Order date;email;description;quantity;unit_price;vat_rate;line_type;customer_type\n\
               W-1;2026-11-18;a@example.org;Kort;1;500,00;0;gift card;private\n\
               W-2;2026-11-18;a@example.org;Kort;1;500,00;0;voucher;\n\
               W-3;2026-11-18;a@example.org;Kaffe;1;100,00;12;;bolag\n";
    let c = convert_with(csv.as_bytes(), "");
    assert_eq!(
        rendered(&c.errors),
        [
            "o.csv:3: order `W-2`: line type `voucher` is not one fortnox-bridge knows (hint: \
             write gift_card or shipping, or leave it empty for a sale)",
            "o.csv:4: order `W-3`: customer type `bolag` is neither company nor private (hint: \
             write company or private (företag/privat), or leave it empty when unknown)",
        ]
    );
    let file = crate::parse::orders::parse(csv.as_bytes(), &crate::config::OrdersConfig::default());
    assert!(file.orders[0].lines[0].gift_card, "`gift card` is a gift card: {:?}", file.orders[0]);
}

#[test]
fn a_discount_past_100_percent_is_refused() {
    let csv = "order_id;order_date;email;description;quantity;unit_price;vat_rate;discount\n\
               W-1;2026-11-18;a@example.org;Kaffe;1;100,00;12;1000%\n";
    let c = convert_with(csv.as_bytes(), "");
    let errors = rendered(&c.errors);
    assert!(
        errors[0].starts_with("o.csv:2: order `W-1`: discount 1000% is not between 0 and 100 %"),
        "{errors:?}"
    );
}

#[test]
fn an_order_re_exported_with_other_number_formatting_is_the_same_order() {
    use super::super::version::{order_as_written, order_carried};
    // Shipping at 12 %, W-1001's main rate: in Freight, as releases before sent it.
    let config = "[orders]\nshipping_vat = 12\n";
    let c = convert_with(SHOP, config);
    let first = &c.documents[0];
    // Prices at two decimals, whole quantities: the version releases before this one gave (in
    // ledgers and in Fortnox comments, see tests/golden/orders), and no other to look for.
    assert_eq!(first.reference, "order:W-1001:50effe75fb1e2f62");
    // Other names only for other spellings of the customer's number (an earlier export's).
    let spelled = |r: &String| {
        let v = r.rsplit(':').next().unwrap_or_default();
        super::super::version::order_other_spellings(plan(first)).iter().any(|o| o == v)
    };
    assert!(first.legacy_references.iter().all(spelled), "{:?}", first.legacy_references);
    let text = String::from_utf8_lossy(SHOP);
    let reformatted = text
        .replace(";39,20;", ";39,2;")
        .replace(";149,00;", ";149;")
        .replace(";10;st;89,00;", ";10,00;st;89;")
        .replace(";10%;", ";10,0%;");
    assert_ne!(reformatted, text);
    let again = convert_with(reformatted.as_bytes(), config);
    assert!(again.errors.is_empty(), "{:?}", again.errors);
    let copy = &again.documents[0];
    assert_eq!(copy.reference, first.reference);
    let legacy = order_as_written(plan(copy));
    assert_ne!(legacy, plan(copy).version);
    assert!(copy.legacy_references.contains(&format!("order:W-1001:{legacy}")));

    // An order an older release sent carries the version it gave these bytes: the same order.
    let sent = |version: &str| {
        format!("Order W-1001 {} {}", copy.marker, super::super::version_tag(version))
    };
    assert!(order_carried(&sent(&legacy), plan(copy)));
    assert!(order_carried(&sent(&plan(first).version), plan(copy)));
    assert!(!order_carried(&sent("0123456789abcdef"), plan(copy)));

    // A real change is still another version, however it is written.
    let changed = convert_with(reformatted.replace(";39,2;", ";39,3;").as_bytes(), config);
    assert_eq!(changed.documents[0].marker, first.marker);
    assert_ne!(changed.documents[0].reference, first.reference);
    let changed = plan(&changed.documents[0]);
    assert!(!order_carried(&sent(&plan(first).version), changed));
}

#[test]
fn a_gift_card_without_a_vat_rate_is_booked_at_0_percent() {
    let csv = "order_id;order_date;email;description;quantity;unit_price;vat_rate;line_type\n\
               W-1;2026-11-18;a@example.org;Presentkort;1;500,00;;gift_card\n";
    let c = convert_with(csv.as_bytes(), "");
    assert!(c.errors.is_empty(), "{:?}", c.errors);
}

#[test]
fn an_amount_discount_past_the_row_or_below_0_is_refused() {
    for (discount, line) in [("150,00", "o.csv:2"), ("-50", "o.csv:2")] {
        let csv = format!(
            "order_id;order_date;email;description;quantity;unit_price;vat_rate;discount\n\
             W-1;2026-11-18;a@example.org;Kaffe;1;100,00;12;{discount}\n"
        );
        let errors = rendered(&convert_with(csv.as_bytes(), "").errors);
        assert!(
            errors.first().is_some_and(|e| e.starts_with(&format!(
                "{line}: order `W-1`: discount {discount} is not between 0 and the row's amount"
            ))),
            "{errors:?}"
        );
    }
}
