//! End-to-end for the customers of order exports: one company is one customer in Fortnox
//! however the export writes its organisation number.

use serde_json::json;

use crate::documents::{list, orders_with};
use crate::harness::Workspace;

/// Fortnox's `organisationnumber` search is a substring match, so `559900-0037` does not meet
/// `5599000037`: each spelling once made a customer of its own (or, with another name, was
/// refused as a duplicate of a customer that does not hold the number). Every order of the
/// company goes to the one customer, and a customer made for an order is written in the
/// dashed ten-digit form, so the next spelling finds it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_company_is_one_customer_however_its_organisation_number_is_written() {
    let ws = Workspace::start().await;
    let api = ws.api().await;
    // Entered in Fortnox by hand, without the dash.
    let known = api
        .post(
            "/3/customers",
            &json!({"Customer": {"Name": "Björk & Ek Café AB", "OrganisationNumber": "5599000037"}}),
        )
        .await;
    let known = known["Customer"]["CustomerNumber"].as_str().expect("number").to_owned();
    let csv = "order_id;order_date;customer_name;organisation_number;email;description;quantity;\
               unit_price;vat_rate\n\
               O-1;2026-11-18;Björk & Ek Café AB;5599000037;;Kaffe;1;100,00;12\n\
               O-2;2026-11-18;Björk och Ek Café;559900-0037;;Kaffe;1;100,00;12\n\
               O-3;2026-11-18;Björk & Ek Café AB;16559900-0037;;Kaffe;1;100,00;12\n\
               O-4;2026-11-18;Nytt Provbolag AB;5599000048;;Kaffe;1;100,00;12\n\
               O-5;2026-11-18;Nytt Provbolag AB;16559900-0048;;Kaffe;1;100,00;12\n\
               O-6;2026-11-18;Nya Provbolaget;559900-0048;;Kaffe;1;100,00;12\n";
    ws.drop_file("orgnr.csv", csv.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");

    let customer_of =
        |o: &serde_json::Value| o["CustomerNumber"].as_str().unwrap_or_default().to_owned();
    let mut customers = Vec::new();
    for id in ["O-1", "O-2", "O-3", "O-4", "O-5", "O-6"] {
        let orders = orders_with(&api, id).await;
        assert_eq!(orders.len(), 1, "{id} posted once");
        customers.push(customer_of(&orders[0]));
    }
    assert_eq!(customers[..3], [known.clone(), known.clone(), known.clone()]);
    let new = customers[3].clone();
    assert_ne!(new, known);
    assert_eq!(customers[3..], [new.clone(), new.clone(), new.clone()]);
    for digits in ["0037", "0048"] {
        let found = api.get(&format!("/3/customers?organisationnumber={digits}")).await;
        assert_eq!(list(&found, "Customers").len(), 1, "one customer holds {digits}");
    }
    let created = api.get(&format!("/3/customers/{new}")).await;
    assert_eq!(created["Customer"]["OrganisationNumber"], "559900-0048");
}
