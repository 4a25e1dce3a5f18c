//! End-to-end for the money of shop orders: shipping whose VAT Fortnox's `Freight` would get
//! wrong, orders the shop charged no VAT, and orders already paid in the shop.

use rust_decimal::Decimal;
use serde_json::{Value, json};

use crate::documents::{invoices_with, list, orders_with};
use crate::harness::{Api, Workspace, events_in, fixture, notify_into};

fn amount(v: &Value) -> Decimal {
    v.to_string().trim_matches('"').parse().unwrap_or_else(|_| panic!("not an amount: {v}"))
}

/// The one invoice of shop order `id`, whole.
async fn invoice_of(api: &Api, id: &str) -> Value {
    let found = invoices_with(api, id).await;
    assert_eq!(found.len(), 1, "{id}: {found:?}");
    let number = found[0]["DocumentNumber"].as_str().expect("number").to_owned();
    api.get(&format!("/3/invoices/{number}")).await["Invoice"].clone()
}

/// Credit of `account` on the voucher an invoice was bookkept as.
async fn credit(api: &Api, invoice: &Value, account: u64) -> Decimal {
    let path = format!(
        "/3/vouchers/{}/{}?financialyear={}",
        invoice["VoucherSeries"].as_str().expect("series"),
        invoice["VoucherNumber"],
        invoice["VoucherYear"]
    );
    let voucher = api.get(&path).await;
    let rows = list(&voucher["Voucher"], "VoucherRows");
    rows.iter()
        .filter(|r| r["Account"].as_u64() == Some(account))
        .map(|r| amount(&r["Credit"]))
        .sum()
}

/// Fortnox taxes `Freight` at the rate with the largest amount on the invoice, not at the rate
/// the shop charged for shipping. Shipping at another rate goes as a row at its own rate, so
/// the invoice's Total and TotalVAT are what the shop charged (the export's `order_total`), and
/// its VAT is booked at the shop's rates; shipping at the invoice's main rate stays `Freight`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shipping_is_invoiced_with_the_vat_the_shop_charged() {
    let ws = Workspace::start().await;
    ws.write_config("[orders]\ncreate = \"invoice\"\nbookkeep = true\n");
    let csv = "order_id;order_date;email;customer_name;prices_include_vat;shipping;order_total;\
               description;quantity;unit_price;vat_rate;line_type\n\
               F-1;2026-11-18;f1@example.org;Test Ett;nej;40,00;274,00;Kaffe;2;100,00;12;\n\
               F-2;2026-11-18;f2@example.org;Test Två;ja;50,00;274,00;Kaffe;2;112,00;12;\n\
               F-3;2026-11-18;f3@example.org;Test Tre;nej;;556,00;Kasse;4;100,00;25;\n\
               F-3;2026-11-18;f3@example.org;Test Tre;nej;;556,00;Frakt;1;50,00;12;shipping\n\
               F-4;2026-11-18;f4@example.org;Test Fyra;nej;;280,00;Kaffe;2;100,00;12;\n\
               F-4;2026-11-18;f4@example.org;Test Fyra;nej;;280,00;Frakt;1;50,00;12;shipping\n";
    ws.drop_file("frakt.csv", csv.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;
    // (order, Total, TotalVAT as the shop charged, Freight): F-1 200 + 12 % + 40 + 25 %; F-2
    // the same with prices including VAT; F-3 400 + 25 % + 50 + 12 %; F-4 shipping at the
    // main rate, in Freight: 200 + 50 + 12 %.
    let d = |s: &str| s.parse::<Decimal>().expect("decimal");
    for (id, total, vat, freight) in [
        ("F-1", "274", "34", "0"),
        ("F-2", "274", "34", "0"),
        ("F-3", "556", "106", "0"),
        ("F-4", "280", "30", "50"),
    ] {
        let invoice = invoice_of(&api, id).await;
        let got = (amount(&invoice["Total"]), amount(&invoice["TotalVAT"]));
        assert_eq!(got, (d(total), d(vat)), "{id}: {invoice}");
        assert_eq!(amount(&invoice["Freight"]), d(freight), "{id}");
        assert_eq!(invoice["Booked"], true, "{id}");
    }
    // F-1's VAT is booked at the rates the shop charged: 24 at 12 %, 10 at 25 %.
    let f1 = invoice_of(&api, "F-1").await;
    assert_eq!((credit(&api, &f1, 2621).await, credit(&api, &f1, 2611).await), (d("24"), d("10")));
}

/// An order that a release before this one posted with its shipping in `Freight` (W-1001: 149
/// at 25 % on an order mostly at 12 %; the body and version are that release's, from its
/// golden file) is the same order when an overlapping export brings it again: not reported as
/// changed in the shop, not sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_posted_with_freight_by_an_earlier_release_is_still_the_same_order() {
    let ws = Workspace::start().await;
    let api = ws.api().await;
    let row = |sku: &str, text: &str, quantity: u32, price: f64, vat: u32| {
        json!({"ArticleNumber": sku, "Description": text, "OrderedQuantity": quantity,
               "DeliveredQuantity": quantity, "Price": price, "VAT": vat})
    };
    let mut bulle = row("BULLE", "Kanelbulle", 24, 22.4, 12);
    bulle["Discount"] = json!(10);
    bulle["DiscountType"] = json!("PERCENT");
    let before = json!({"Order": {
        "CustomerNumber": "1",
        "Comments": "Order W-1001 from the web shop, imported by fortnox-bridge \
                     [fb:24a0aab1798a0ae3] v:50effe75fb1e2f62",
        "Currency": "SEK", "ExternalInvoiceReference1": "W-1001", "Freight": 149.0,
        "Language": "SV", "OrderDate": "2026-11-18", "VATIncluded": false,
        "YourOrderNumber": "W-1001", "YourReference": "Inköp Kim",
        "OrderRows": [row("KAFFE", "Bryggkaffe 500 g", 10, 89.0, 12), bulle,
                      row("KASSE", "Tygkasse", 5, 39.2, 25)]}});
    api.post("/3/orders", &before).await;
    let shop = String::from_utf8_lossy(&fixture("orders/webbshop-2026-11-20.csv")).into_owned();
    let w1001: Vec<&str> =
        shop.lines().filter(|l| l.starts_with("order_id") || l.starts_with("W-1001")).collect();
    ws.drop_file("w1001-igen.csv", w1001.join("\n").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "not reported as changed: {out:?}");
    assert_eq!(orders_with(&api, "W-1001").await.len(), 1, "not sent twice");
    assert_eq!(ws.archived("done").len(), 1, "{:?}", ws.archived("failed"));
}

/// The auditor's case: a Shopify order from Norway with `Taxes` 0.00 and no tax title. The
/// customer paid 400.00 and no VAT: the invoice is 400.00 without VAT, to an export customer.
/// The same order from Sweden is refused on its line, not invoiced with 80.00 VAT never paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_order_the_shop_charged_no_vat_is_invoiced_without_vat() {
    let ws = Workspace::start().await;
    ws.write_config("[orders]\ncreate = \"invoice\"\n");
    let csv = |id: &str, country: &str| {
        format!(
            "Name,Email,Financial Status,Currency,Created at,Subtotal,Shipping,Taxes,Total,\
             Lineitem quantity,Lineitem name,Lineitem price,Billing Name,Billing Country\n\
             {id},{id}@example.org,pending,SEK,2026-11-18 10:00:00 +0100,400.00,0.00,0.00,\
             400.00,1,Vas,400.00,Test Kund,{country}\n"
        )
    };
    ws.drop_file("norge.csv", csv("N-1", "NO").as_bytes());
    ws.drop_file("sverige.csv", csv("S-1", "SE").as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "the Swedish one is refused: {out:?}");
    let api = ws.api().await;
    let invoice = invoice_of(&api, "N-1").await;
    assert_eq!((amount(&invoice["Total"]), amount(&invoice["TotalVAT"])), (400.into(), 0.into()));
    let customer = invoice["CustomerNumber"].as_str().expect("customer").to_owned();
    let customer = api.get(&format!("/3/customers/{customer}")).await;
    assert_eq!(customer["Customer"]["VATType"], "EXPORT");
    assert!(invoices_with(&api, "S-1").await.is_empty());
    let report = crate::documents::error_report(&ws, "sverige.csv");
    assert!(
        report.contains("sverige.csv:2: order `S-1`: Taxes is 0.00, but it is a sale in Sweden"),
        "{report}"
    );
}

/// An order paid in the shop (Shopify's #1001, `paid` through Klarna) becomes a bookkept
/// invoice, but it is not e-mailed: the customer would get a bill for what they paid. The
/// file's warnings say so and what to do; the pending #1002 is e-mailed as before.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paid_orders_invoice_is_not_e_mailed() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[orders]\ncreate = \"invoice\"\nbookkeep = true\nemail = true\n{}",
        notify_into(&events)
    ));
    ws.drop_file("shopify.csv", &fixture("orders/shopify-orders_export.csv"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let api = ws.api().await;
    let paid = invoice_of(&api, "#1001").await;
    assert_eq!((&paid["Booked"], &paid["Sent"]), (&json!(true), &json!(false)), "{paid}");
    let pending = invoice_of(&api, "#1002").await;
    assert_eq!((&pending["Booked"], &pending["Sent"]), (&json!(true), &json!(true)), "{pending}");
    let warnings = crate::documents::warnings_report(&ws, "shopify.csv");
    assert!(
        warnings.contains(
            "order `#1001` is `paid` in the shop: its invoice is not e-mailed, since the \
             customer has paid (hint: register the payment on the invoice in Fortnox"
        ),
        "{warnings}"
    );
    // Not e-mailing a paid order is no news for a person: every paid order is.
    let needs_action = |e: &Value| e["event"] == "file_needs_action";
    assert!(!events_in(&events).iter().any(needs_action), "{:?}", events_in(&events));

    // A partly refunded order is: its invoice is to be credited. Told once, though the next,
    // overlapping export brings the order again.
    let once = "Name,Email,Financial Status,Currency,Created at,Subtotal,Shipping,Taxes,Total,\
                Tax 1 Name,Tax 1 Value,Lineitem quantity,Lineitem name,Lineitem price,\
                Billing Country,Refunded Amount\n\
                #1011,k@example.org,partially_refunded,SEK,2026-11-18 10:00:00 +0100,400.00,\
                0.00,80.00,400.00,SE 25%,80.00,1,Vas,400.00,SE,100.00\n";
    ws.drop_file("shopify-2.csv", once.as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    ws.drop_file("shopify-3.csv", format!("{once}\n").as_bytes());
    assert_eq!(ws.cli(&["run", "--once"]).status.code(), Some(0));
    let told: Vec<Value> = events_in(&events).into_iter().filter(needs_action).collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0]["error"].as_str().unwrap_or_default().contains("100.00 was refunded"));
}
