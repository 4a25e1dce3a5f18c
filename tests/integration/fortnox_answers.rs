//! End-to-end against answers whose shape Fortnox does not document for certain
//! (docs/fortnox-api.md): the bridge must act rightly on each shape it may get.

use serde_json::json;

use crate::documents::{list, orders_with};
use crate::harness::Workspace;

/// One order of a new company customer.
const ORDER: &str = "order_id;order_date;customer_name;organisation_number;email;description;\
                     quantity;unit_price;vat_rate\n\
                     O-1;2026-11-18;Provbolaget AB;559900-0011;faktura@prov.example;Kaffe;1;\
                     100,00;12\n";

/// `createinvoice` is documented to answer the invoice, and the SDKs read the answer as the
/// order. Order and invoice numbers are two series that both start at 1: taking the order's
/// number for the invoice's booked and e-mailed another customer's invoice. The invoice is
/// the one the order names.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_invoice_made_from_an_order_is_the_one_booked_however_fortnox_answers() {
    let ws = Workspace::start_with(|o| o.create_invoice_answers_order = true).await;
    let api = ws.api().await;
    // Invoice 1 exists already, for another customer, neither booked nor sent.
    let other = api
        .post(
            "/3/invoices",
            &json!({"Invoice": {"CustomerNumber": "1", "InvoiceRows": [
                {"Description": "Catering", "DeliveredQuantity": 1, "Price": 500, "VAT": 12,
                 "AccountNumber": 3002}]}}),
        )
        .await;
    assert_eq!(other["Invoice"]["DocumentNumber"], "1");
    ws.write_config("[orders]\ncreate = \"order+invoice\"\nbookkeep = true\nemail = true\n");
    ws.drop_file("order.csv", ORDER.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let order = &orders_with(&api, "O-1").await[0];
    let made = order["InvoiceReference"].as_str().expect("invoiced").to_owned();
    assert_eq!(made, "2");
    let invoice = api.get(&format!("/3/invoices/{made}")).await;
    assert_eq!(
        (&invoice["Invoice"]["Booked"], &invoice["Invoice"]["Sent"]),
        (&json!(true), &json!(true))
    );
    let other = api.get("/3/invoices/1").await;
    assert_eq!(
        (&other["Invoice"]["Booked"], &other["Invoice"]["Sent"]),
        (&json!(false), &json!(false)),
        "another customer's invoice is left alone"
    );
    let trail = ws.cli(&["audit", "show", "order.csv"]);
    let text = String::from_utf8_lossy(&trail.stdout);
    assert!(text.contains(&format!("invoice {made}")), "{text}");
    assert_eq!(list(&api.get("/3/invoices").await, "Invoices").len(), 2);
}

/// A Fortnox lagging behind: `createinvoice` made the invoice, but neither its answer nor the
/// order names it. The order waits; on the next try (within the same `run --once`) the invoice made from it is found (by the
/// shop's order id and its `OrderReference`), not made a second time, and it is booked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invoice_made_but_not_named_is_found_not_made_again() {
    let ws = Workspace::start_with(|o| o.create_invoice_unnamed = true).await;
    ws.write_config(
        "[upload]\nretry_secs = 1\n[orders]\ncreate = \"order+invoice\"\nbookkeep = true\n",
    );
    ws.drop_file("order.csv", ORDER.as_bytes());
    // `run --once` settles: the order waits, and is tried again within the run.
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.contains("was made into an invoice that Fortnox does not name yet"), "{log}");
    let api = ws.api().await;
    let invoices = list(&api.get("/3/invoices").await, "Invoices").clone();
    assert_eq!(invoices.len(), 1, "made once: {invoices:?}");
    let number = invoices[0]["DocumentNumber"].as_str().expect("number").to_owned();
    let invoice = api.get(&format!("/3/invoices/{number}")).await;
    assert_eq!(invoice["Invoice"]["Booked"], true);
}
