use rust_decimal::Decimal;

use super::*;

fn config() -> OrdersConfig {
    OrdersConfig::default()
}

#[test]
fn own_format_groups_rows_and_reads_swedish_numbers() {
    let file = parse(include_bytes!("../../../fixtures/orders/webbshop-2026-11-20.csv"), &config());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!((file.format.as_str(), file.delimiter, file.rows), ("fortnox-bridge CSV", ';', 10));
    let ids: Vec<&str> = file.orders.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["W-1001", "W-1002", "W-1003", "W-1004"]);
    let w1001 = &file.orders[0];
    assert_eq!(w1001.shipping_total(), Decimal::new(14_900, 2));
    assert_eq!(w1001.lines[1].discount, Some(Discount::Percent(Decimal::TEN)));
    assert_eq!(file.orders[1].lines[1].quantity, Decimal::new(25, 2));
    assert_eq!(file.orders[1].prices_include_vat, Some(true));
    assert!(file.orders[2].lines[0].gift_card);
    assert_eq!(file.orders[3].lines[1].unit_price, Decimal::new(123_450, 2));
}

#[test]
fn an_unreadable_prices_include_vat_is_an_error_not_a_silent_no() {
    let text =
        String::from_utf8_lossy(include_bytes!("../../../fixtures/orders/webbshop-2026-11-20.csv"))
            .replace(";ja;", ";inkl;");
    let file = parse(text.as_bytes(), &config());
    let messages: Vec<_> = file.errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(
        messages,
        [
            (Some(5), "order `W-1002`: prices_include_vat `inkl` is neither yes nor no"),
            (Some(8), "order `W-1003`: prices_include_vat `inkl` is neither yes nor no"),
        ]
    );
}

#[test]
fn shopify_taxes_gift_cards_discounts_and_cancelled_orders() {
    let file =
        parse(include_bytes!("../../../fixtures/orders/shopify-orders_export.csv"), &config());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.format, "Shopify CSV");
    let o = &file.orders[0];
    assert_eq!(o.prices_include_vat, Some(true), "Subtotal + Shipping = Total");
    assert_eq!(o.order_discount, Decimal::new(2270, 2));
    assert_eq!(o.customer.zip.as_deref(), Some("123 45"), "Shopify's leading ' is dropped");
    assert!(o.lines[2].gift_card);
    assert_eq!(o.lines[2].vat_rate, Some(Decimal::ZERO));
    assert_eq!(o.lines[0].vat_rate, Some(Decimal::from(25)));
    assert_eq!(file.orders[1].order_discount, Decimal::ZERO, "the line discount is the whole");
    assert!(file.orders[2].cancelled);
}

#[test]
fn shopify_with_taxes_on_top_and_several_rates() {
    let text = "Name,Created at,Subtotal,Shipping,Taxes,Total,Tax 1 Name,Tax 1 Value,\
                Lineitem quantity,Lineitem name,Lineitem price,Email\n\
                #7,2026-11-20 10:00:00 +0100,100.00,0.00,25.00,125.00,SE VAT 25%,25.00,1,Mugg,100.00,a@example.org\n";
    let file = parse(text.as_bytes(), &config());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.orders[0].prices_include_vat, Some(false));
    let text = "Name,Created at,Subtotal,Shipping,Taxes,Total,Tax 1 Name,Tax 1 Value,Tax 2 Name,\
                Tax 2 Value,Lineitem quantity,Lineitem name,Lineitem price\n\
                #8,2026-11-20,100.00,0.00,18.00,118.00,SE VAT 25%,12.00,SE VAT 12%,6.00,1,Mugg,100.00\n";
    let file = parse(text.as_bytes(), &config());
    assert_eq!(
        file.errors[0].to_string(),
        "line 2: order `#8` has taxes at several rates (SE VAT 25%, SE VAT 12%) (hint: Shopify's \
         export does not say which line has which rate; post this order with fortnox-bridge's \
         order CSV, which has a VAT rate per row)"
    );
}

#[test]
fn custom_mapping_windows_1252_and_line_totals() {
    let mut c = config();
    c.format = crate::config::OrderFormat::Custom;
    for (field, header) in [
        ("order_id", "Ordernr"),
        ("order_date", "Datum"),
        ("customer_name", "Kundnamn"),
        ("email", "E-post"),
        ("sku", "Artikelnr"),
        ("quantity", "Antal"),
        ("line_total", "Radbelopp"),
        ("vat_rate", "Moms"),
    ] {
        c.columns.insert(field.to_owned(), header.to_owned());
    }
    let file = parse(include_bytes!("../../../fixtures/orders/butik-export-cp1252.csv"), &c);
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.encoding, "windows-1252");
    assert_eq!(file.orders[1].customer.name.as_deref(), Some("Åsa Åkesson Provnamn"));
    assert_eq!(file.orders[0].lines[0].unit_price, Decimal::from(32));
    assert_eq!(file.orders[0].lines[0].vat_rate, Some(Decimal::from(12)));
    c.columns.insert("unit".to_owned(), "Storlek".to_owned());
    let file = parse(include_bytes!("../../../fixtures/orders/butik-export-cp1252.csv"), &c);
    assert_eq!(
        file.errors[0].to_string(),
        "line 1: the header row has no column `Storlek` (hint: [orders.columns] maps unit to it; \
         fix the mapping or the export)"
    );
}

/// Diagnostics and each order's line name the line a person sees in an editor, whatever ends
/// the lines: LF, CRLF (Windows) or a lone CR (old Mac exports); a record with a quoted newline
/// is on the line it starts on, and the lines after it count that newline.
#[test]
fn lines_are_counted_the_same_for_lf_crlf_and_cr_endings() {
    let lf = "order_id;order_date;email;description;quantity;unit_price;vat_rate;remarks\n\
              W-1;2026-11-18;a@example.org;Kaffe;1;100,00;12;\"ring på\ndörren\"\n\
              W-2;2026-11-18;a@example.org;Kaffe;x;100,00;12;\n\
              \n\
              W-3;2026-11-18;a@example.org;Kaffe;1;100,00;12;\n";
    for ending in ["\n", "\r\n", "\r"] {
        let text = lf.replace('\n', ending);
        let file = parse(text.as_bytes(), &config());
        let errors: Vec<_> = file.errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert_eq!(errors, [(Some(4), "order `W-2`: quantity `x` is not a number")], "{ending:?}");
        let lines: Vec<_> = file.orders.iter().map(|o| (o.id.as_str(), o.line)).collect();
        assert_eq!(lines, [("W-1", 2), ("W-3", 6)], "{ending:?}");
        assert_eq!(file.orders[0].lines[0].line, 2, "{ending:?}");
        assert_eq!(file.delimiter, ';', "{ending:?}");
    }
}

/// An en dash pasted from Word into a UTF-8 export: the customer keeps the name the shop
/// wrote (not `Ã…sa`), and the line of the stray byte is told.
#[test]
fn a_utf_8_export_with_one_windows_1252_byte_keeps_its_names() {
    let mut csv =
        "order_id;order_date;customer_name;email;description;quantity;unit_price;vat_rate\n\
                   W-1;2026-11-18;Åsa Öst Provnamn;a@example.org;Kaffe;1;100,00;12\n\
                   W-1;2026-11-18;Åsa Öst Provnamn;a@example.org;Kaffe "
            .as_bytes()
            .to_vec();
    csv.extend(b"\x96 mellanrost;1;100,00;12\n");
    let file = parse(&csv, &config());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.encoding, "utf-8");
    let order = &file.orders[0];
    assert_eq!(order.customer.name.as_deref(), Some("Åsa Öst Provnamn"));
    assert_eq!(order.lines[1].description, "Kaffe – mellanrost");
    let told: Vec<String> = file.warnings.iter().map(|w| w.render("o.csv")).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].starts_with("o.csv:3: byte 0x96 is not UTF-8"), "{told:?}");
    assert!(told[0].contains("save the export as UTF-8"), "{told:?}");
}

/// A Swedish shop's statuses of cancelled and refunded orders are not posted, whatever their
/// case; a paid order is.
#[test]
fn swedish_statuses_of_cancelled_and_refunded_orders_are_not_posted() {
    let statuses = [
        "Återbetald",
        "ÅTERBETALAD",
        "Krediterad",
        "Avbruten",
        "avbeställd",
        "Makulerad",
        "Annullerad",
        "Nekad",
        "Misslyckad",
        "Refunded",
        "Failed",
        "Betald",
    ];
    let rows: Vec<String> = statuses
        .iter()
        .enumerate()
        .map(|(i, status)| format!("S-{i};2026-11-18;{status};a@example.org;Kaffe;1;100,00;12\n"))
        .collect();
    let csv = format!(
        "order_id;order_date;status;email;description;quantity;unit_price;vat_rate\n{}",
        rows.concat()
    );
    let c = config();
    let file = parse(csv.as_bytes(), &c);
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let posted: Vec<&str> = file
        .orders
        .iter()
        .filter(|o| !o.not_posted(&c))
        .map(|o| o.status.as_deref().unwrap_or_default())
        .collect();
    assert_eq!(posted, ["betald"]);
}

const SHOPIFY_HEADER: &str = "Name,Email,Created at,Subtotal,Shipping,Taxes,Total,Tax 1 Name,\
                              Tax 1 Value,Lineitem quantity,Lineitem name,Lineitem price";

/// A taxable product named like a gift card is a sale at the order's rate, not a gift card
/// at 0 %; an export without `Lineitem taxable` that books it as one disagrees with its own
/// `Taxes` and is refused on its line, not posted without its VAT.
#[test]
fn a_taxable_line_named_like_a_gift_card_is_a_sale_and_taxes_are_checked() {
    let rows = "#5,a@example.org,2026-11-20 10:00:00 +0100,79.00,0.00,15.80,79.00,SE VAT 25%,\
                15.80,1,Presentkortsask i trä,79.00";
    let text = format!("{SHOPIFY_HEADER},Lineitem taxable\n{rows},true\n");
    let file = parse(text.as_bytes(), &config());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let line = &file.orders[0].lines[0];
    assert!(!line.gift_card, "{line:?}");
    assert_eq!(line.vat_rate, Some(Decimal::from(25)));

    // Not taxable and named so: a gift card, at 0 % (Taxes 0 agrees).
    let card = rows.replace("79.00,0.00,15.80,79.00,SE VAT 25%,15.80", "79.00,0.00,0.00,79.00,,");
    let file =
        parse(format!("{SHOPIFY_HEADER},Lineitem taxable\n{card},false\n").as_bytes(), &config());
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert!(file.orders[0].lines[0].gift_card);

    let file = parse(format!("{SHOPIFY_HEADER}\n{rows}\n").as_bytes(), &config());
    let errors: Vec<String> = file.errors.iter().map(|e| e.render("o.csv")).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(
            "o.csv:2: order `#5`: Taxes is 15.80, but its lines and shipping as they would be \
             booked carry 0.00 VAT (hint: a line would be booked at another rate"
        ),
        "{errors:?}"
    );
}

/// Taxes that are the VAT of the lines alone: the shop did not tax the shipping, which would be
/// booked with VAT; said so, not blamed on the lines.
#[test]
fn untaxed_shipping_is_named_when_taxes_leave_it_out() {
    let row = "#6,a@example.org,2026-11-20 10:00:00 +0100,79.00,49.00,15.80,128.00,SE VAT 25%,\
               15.80,1,Kaffekopp,79.00";
    let file =
        parse(format!("{SHOPIFY_HEADER},Lineitem taxable\n{row},true\n").as_bytes(), &config());
    let errors: Vec<String> = file.errors.iter().map(|e| e.render("o.csv")).collect();
    assert_eq!(
        errors,
        ["o.csv:2: order `#6`: Taxes is 15.80, the VAT of its lines alone: Shopify did not tax \
          the shipping (49.00), which would be booked with 25 % VAT (hint: shipping in Sweden \
          carries the VAT of what it ships; set the shop to tax shipping, then export the order \
          again)"]
    );
}
