//! Exactly-once upload of a shop order ([`OrderPlan`]): several calls, one guarded step.
//!
//! 1. Look in Fortnox for an order (or invoice) whose `ExternalInvoiceReference1` is exactly the
//!    shop's order id. Ours with the same version: adopt it and finish the follow-ups. Ours with
//!    another version: the order changed in the shop; reported, never sent twice. Not ours:
//!    reported too.
//! 2. Find or create the customer, then the articles and units. Each is looked up before it is
//!    created, so a retry after a lost answer finds what the first try made.
//! 3. Write `posting`, create the order or invoice. After an unknown outcome, look again (1).
//! 4. Follow-ups, each checked before it is done: create the invoice from the order, bookkeep,
//!    e-mail.

mod customer;

use std::collections::BTreeSet;

use super::{Outcome, reject, wait};
use crate::config::{CreateDocument, UploadConfig, rate_key};
use crate::convert::carries_marker;
use crate::convert::orders::{IfMissing, OrderPlan};
use crate::fortnox::model_documents::SalesDocument;
use crate::fortnox::{Client, Error};
use crate::ledger::{DocRecord, Ledger, LedgerError};
use crate::preflight::{Failure, Preflight};

/// Why a step could not be done now.
enum Step {
    /// Permanent: someone must fix something.
    Reject(String),
    /// Transient: try again later.
    Wait(String),
}

impl From<Error> for Step {
    fn from(e: Error) -> Self {
        if e.is_permanent() { Step::Reject(e.to_string()) } else { Step::Wait(e.to_string()) }
    }
}

impl From<Failure> for Step {
    fn from(f: Failure) -> Self {
        match f {
            Failure::Rejected(reason) => Step::Reject(reason),
            Failure::Blocked(reason) => Step::Wait(reason),
            Failure::Transient(e) => Step::Wait(e.to_string()),
        }
    }
}

impl Step {
    /// The reason, prefixed with `what` happened so far.
    fn about(self, what: &str) -> Step {
        match self {
            Step::Reject(reason) => Step::Reject(format!("{what}: {reason}")),
            Step::Wait(reason) => Step::Wait(format!("{what}: {reason}")),
        }
    }
}

/// What Fortnox already holds for the order id.
enum Found {
    None,
    Ours(String),
    Changed(String),
    Foreign(String),
}

/// Moves an order document forward (see the module docs).
pub async fn upload(
    client: &Client,
    ledger: &Ledger,
    preflight: &mut Preflight,
    retry: &UploadConfig,
    doc: &DocRecord,
    plan: &OrderPlan,
) -> Result<Outcome, LedgerError> {
    let what = if plan.order.is_some() { "order" } else { "invoice" };
    let older = ledger.older_names(doc.id)?;
    let number = match find(client, plan, doc, &older).await {
        Err(e) => return wait(ledger, doc, retry, &format!("cannot look for it yet: {e}")),
        Ok(Found::Ours(number)) => number,
        Ok(Found::Changed(number)) => {
            let reason = format!(
                "already sent to Fortnox as {what} {number}, and changed in the shop since; it \
                 is not sent again (hint: change {what} {number} in Fortnox by hand, or credit \
                 it and give the new order a new id; putting this file back changes nothing)"
            );
            return reject(ledger, doc, reason);
        }
        Ok(Found::Foreign(number)) => {
            let reason = format!(
                "Fortnox already has {what} {number} for shop order `{}`, not made by \
                 fortnox-bridge; it is not sent again (hint: check {what} {number} in Fortnox; \
                 if it is this order, nothing needs doing)",
                plan.order_id
            );
            return reject(ledger, doc, reason);
        }
        Ok(Found::None) => {
            let body = match prepare_all(client, plan).await {
                Ok(body) => body,
                Err(Step::Reject(reason)) => {
                    return reject(ledger, doc, reason);
                }
                Err(Step::Wait(reason)) => return wait(ledger, doc, retry, &reason),
            };
            ledger.mark_posting(doc, 0)?;
            match send(client, doc, plan, &body).await {
                Ok(Some(number)) => number,
                Ok(None) => {
                    return wait(ledger, doc, retry, "no answer from Fortnox; will look again");
                }
                Err(reason) => {
                    return reject(ledger, doc, reason);
                }
            }
        }
    };
    match follow_up(client, preflight, plan, &number).await {
        Ok((kind, final_number, how)) => {
            let n = final_number.trim().parse::<u64>().unwrap_or(0);
            ledger.mark_posted(doc, kind, n, 0, &how)?;
            Ok(Outcome::Posted)
        }
        Err(Step::Reject(reason)) => reject(ledger, doc, reason),
        Err(Step::Wait(reason)) => wait(ledger, doc, retry, &reason),
    }
}

/// Looks for the order id (exact match) among orders or invoices. One carrying the document's
/// marker and its version, or a version an older release gave it (`older`, and those
/// `order_carried` works out), is ours.
async fn find(
    client: &Client,
    plan: &OrderPlan,
    doc: &DocRecord,
    older: &[String],
) -> Result<Found, Error> {
    let mut candidates = Vec::new();
    if plan.order.is_some() {
        for o in client.orders_with_reference(&plan.order_id).await? {
            if let Some(full) = client.order(&o.document_number).await?
                && !full.cancelled
            {
                candidates.push((full.document_number, full.comments));
            }
        }
    } else {
        for i in client.invoices_with_reference(&plan.order_id).await? {
            if let Some(full) = client.invoice(&i.document_number).await?
                && !full.cancelled
            {
                candidates.push((full.document_number, full.comments));
            }
        }
    }
    let mut found = Found::None;
    for (number, comments) in candidates {
        if carries_marker(&comments, &doc.marker) {
            // Its version, or the one an older release gave the same figures.
            let older_carried = crate::convert::carries_older_version(&comments, older);
            if older_carried || crate::convert::version::order_carried(&comments, plan) {
                return Ok(Found::Ours(number));
            }
            found = Found::Changed(number);
        } else if matches!(found, Found::None) {
            found = Found::Foreign(number);
        }
    }
    Ok(found)
}

/// Customer, articles and units (each looked up before it is created), then the body.
async fn prepare_all(client: &Client, plan: &OrderPlan) -> Result<SalesDocument, Step> {
    let customer = customer::find_or_create(client, plan).await?;
    let missing = articles(client, plan).await?;
    for unit in &plan.units {
        if client.unit(unit).await?.is_none() {
            client.create_unit(unit, unit).await?;
        }
    }
    prepare(plan, &customer, &missing)
}

/// The guarded create. `Ok(None)`: the answer was lost and the document was not found after.
async fn send(
    client: &Client,
    doc: &DocRecord,
    plan: &OrderPlan,
    body: &SalesDocument,
) -> Result<Option<String>, String> {
    let created = if plan.order.is_some() {
        client.create_order(body).await.map(|o| o.document_number)
    } else {
        client.create_invoice(body).await.map(|i| i.document_number)
    };
    match created {
        Ok(number) => Ok(Some(number)),
        Err(e) if e.is_permanent() => Err(e.to_string()),
        Err(_) => match find(client, plan, doc, &[]).await {
            Ok(Found::Ours(number)) => Ok(Some(number)),
            _ => Ok(None),
        },
    }
}

/// Checks every article; creates or holds per the plan. Returns the articles to send as free
/// text.
async fn articles(client: &Client, plan: &OrderPlan) -> Result<BTreeSet<String>, Step> {
    let mut missing = BTreeSet::new();
    for a in &plan.articles {
        if client.article(&a.article_number).await?.is_some() {
            continue;
        }
        match (a.if_missing, &a.create) {
            (IfMissing::Create, Some(new)) => match client.create_article(new).await {
                Ok(_) | Err(Error::Rejected { code: 2_000_013, .. }) => {
                    tracing::info!(article = %a.article_number, "article created");
                }
                Err(e) => return Err(e.into()),
            },
            (IfMissing::Hold, _) => {
                return Err(Step::Wait(format!(
                    "order `{}` is held: article `{}` does not exist in Fortnox yet (hint: \
                     create it in Fortnox; the order is sent when it exists)",
                    plan.order_id, a.article_number
                )));
            }
            _ => {
                missing.insert(a.article_number.clone());
            }
        }
    }
    Ok(missing)
}

/// The request body: the customer number filled in; rows of missing articles as free text.
fn prepare(
    plan: &OrderPlan,
    customer: &str,
    missing: &BTreeSet<String>,
) -> Result<SalesDocument, Step> {
    let mut body = plan
        .document()
        .cloned()
        .ok_or_else(|| Step::Reject("the stored plan has no order or invoice".to_owned()))?;
    body.customer_number = Some(customer.to_owned());
    for row in body.rows_mut() {
        let Some(article) = row.article_number.clone().filter(|a| missing.contains(a)) else {
            continue;
        };
        let rate = rate_key(row.vat);
        let account = plan.free_text_accounts.get(&rate).copied().ok_or_else(|| {
            Step::Reject(format!(
                "order `{}`: VAT rate {rate} % has no sales account for article `{article}` \
                 (hint: {})",
                plan.order_id,
                crate::convert::sales_account_hint(&rate)
            ))
        })?;
        row.article_number = None;
        row.account_number = Some(account);
        if row.unit.is_none() {
            row.unit = plan
                .articles
                .iter()
                .find(|a| a.article_number == article)
                .and_then(|a| a.unit.clone());
        }
    }
    Ok(body)
}

/// Creates the invoice from the order, bookkeeps and e-mails it, skipping what is already done.
/// Before bookkeeping, its date is checked like a voucher's: without a financial year yet (every
/// January) the invoice waits, made but not booked, and is booked once the year exists.
/// Returns the ledger's kind, the final document number and what happened.
async fn follow_up(
    client: &Client,
    preflight: &mut Preflight,
    plan: &OrderPlan,
    number: &str,
) -> Result<(&'static str, String, String), Step> {
    let (kind, invoice, mut how) = match plan.create {
        CreateDocument::Order => {
            return Ok(("order", number.to_owned(), format!("order {number}")));
        }
        CreateDocument::Invoice => ("invoice", number.to_owned(), format!("invoice {number}")),
        CreateDocument::OrderAndInvoice => {
            let order = client
                .order(number)
                .await?
                .ok_or_else(|| Step::Wait(format!("order {number} is not readable yet")))?;
            let made = match order.invoice() {
                Some(invoice) => Some(invoice.to_owned()),
                None => client.invoice_made_from(&order).await?,
            };
            let invoice = match made {
                Some(invoice) => invoice,
                // Made, but not told which: read on the next try (the order says by then).
                None => client.create_invoice_from_order(number).await?.ok_or_else(|| {
                    Step::Wait(format!(
                        "order {number} was made into an invoice that Fortnox does not name yet"
                    ))
                })?,
            };
            ("invoice", invoice.clone(), format!("order {number}, invoice {invoice}"))
        }
    };
    if plan.bookkeep || plan.email {
        let head = client
            .invoice(&invoice)
            .await?
            .ok_or_else(|| Step::Wait(format!("invoice {invoice} is not readable yet")))?;
        if plan.bookkeep {
            if !head.booked {
                if let Some(date) = head.invoice_date {
                    preflight.booking_year(client, date).await.map_err(|f| match f {
                        // The invoice exists: the way out is in Fortnox, then this same file
                        // again (the invoice is found, not made twice, and booked).
                        Failure::Rejected(reason) => Step::Reject(format!(
                            "invoice {invoice} is made but cannot be booked: {reason}; once \
                             that is put right in Fortnox (or the invoice's date changed there), \
                             put this same file back: invoice {invoice} is found, not made \
                             again, and booked"
                        )),
                        other => Step::from(other)
                            .about(&format!("invoice {invoice} is made but not booked")),
                    })?;
                }
                client.bookkeep_invoice(&invoice).await?;
            }
            how.push_str(", bookkept");
        }
        if plan.email {
            if !head.sent {
                client.email_invoice(&invoice).await?;
            }
            how.push_str(", e-mailed");
        }
    }
    Ok((kind, invoice, how))
}
