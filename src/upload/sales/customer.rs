//! The customer of a shop order in Fortnox: given by number, found by organisation number or
//! e-mail (in `[orders] match_customer_by` order), or created. Each lookup comes before a
//! create, so a retry after a lost answer finds the customer the first try made.
//!
//! An organisation number is found in whatever form Fortnox holds it (`5599000037`,
//! `559900-0037`, `16559900-0037`): Fortnox's search is a substring match, so it is searched
//! in each form of [`org_number::search_forms`] and compared by its ten digits
//! ([`org_number::same`]).

use super::Step;
use crate::config::CustomerKey;
use crate::convert::orders::OrderPlan;
use crate::fortnox::model_documents::Customer;
use crate::fortnox::{Client, Error};
use crate::org_number;

/// The customer number: given, found by organisation number or e-mail, or created.
pub(super) async fn find_or_create(client: &Client, plan: &OrderPlan) -> Result<String, Step> {
    let c = &plan.customer;
    let id = &plan.order_id;
    for key in &c.match_by {
        let (what, value, found): (&str, &str, Vec<Customer>) = match key {
            CustomerKey::CustomerNumber => {
                let Some(number) = &c.customer_number else { continue };
                if client.customer(number).await?.is_some() {
                    return Ok(number.clone());
                }
                return Err(Step::Reject(format!(
                    "order `{id}`: customer number {number} does not exist in Fortnox (hint: \
                     create customer {number} in Fortnox, or correct the number in the export)"
                )));
            }
            CustomerKey::OrganisationNumber => {
                let Some(org) = &c.organisation_number else { continue };
                ("organisation number", org, with_org_number(client, org).await?)
            }
            CustomerKey::Email => {
                let Some(email) = &c.email else { continue };
                let found = client
                    .customers_where("email", email, |x| {
                        x.email.trim().eq_ignore_ascii_case(email.trim())
                    })
                    .await?;
                ("e-mail", email, found)
            }
        };
        let mut found: Vec<Customer> = found.into_iter().filter(|x| x.active).collect();
        found.sort_by_key(|x| (x.customer_number.len(), x.customer_number.clone()));
        match found.as_slice() {
            [] => {}
            [one] => return Ok(one.customer_number.clone()),
            [first, ..] if c.allow_duplicates => return Ok(first.customer_number.clone()),
            several => {
                let numbers: Vec<&str> =
                    several.iter().map(|x| x.customer_number.as_str()).collect();
                return Err(Step::Reject(format!(
                    "order `{id}`: {} customers in Fortnox have {what} `{value}` ({}) (hint: merge \
                     them in Fortnox, or set [orders] allow_duplicates = true to use the first)",
                    several.len(),
                    numbers.join(", ")
                )));
            }
        }
    }
    if let Some(number) = &c.customer_number
        && !c.match_by.contains(&CustomerKey::CustomerNumber)
    {
        return Ok(number.clone());
    }
    let Some(new) = &c.create else {
        return Err(Step::Reject(format!(
            "order `{id}`: no customer in Fortnox matches it and [orders] create_customers is off \
             (hint: create the customer in Fortnox with the order's e-mail or organisation number)"
        )));
    };
    if !c.allow_duplicates {
        let same = client
            .customers_where("name", &new.name, |x| {
                x.name.trim().eq_ignore_ascii_case(new.name.trim())
            })
            .await?;
        if let Some(other) = same.first() {
            return Err(Step::Reject(format!(
                "order `{id}`: customer `{}` exists in Fortnox (number {}) without this order's \
                 e-mail or organisation number (hint: add them to customer {} in Fortnox so it is \
                 found, or set [orders] allow_duplicates = true to create another customer of \
                 that name)",
                new.name, other.customer_number, other.customer_number
            )));
        }
    }
    let created = client.create_customer(new).await?;
    tracing::info!(order = %id, customer = %created.customer_number, "customer created");
    Ok(created.customer_number)
}

/// The customers holding organisation number `org` in any of its forms, each once.
async fn with_org_number(client: &Client, org: &str) -> Result<Vec<Customer>, Error> {
    let well_formed = org_number::key(org).is_some();
    let matches = |x: &Customer| {
        if well_formed {
            org_number::same(&x.organisation_number, org)
        } else {
            x.organisation_number.trim().eq_ignore_ascii_case(org.trim())
        }
    };
    let mut all: Vec<Customer> = Vec::new();
    for form in org_number::search_forms(org) {
        for found in client.customers_where("organisationnumber", &form, matches).await? {
            if !all.iter().any(|x| x.customer_number == found.customer_number) {
                all.push(found);
            }
        }
    }
    Ok(all)
}
