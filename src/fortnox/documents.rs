//! Typed endpoints for sales documents: customers, articles, units, orders and invoices, and the
//! chart of accounts for `accounts check`. Built on the client's generic `read` /
//! `read_optional` / `write` primitives, so pacing, token renewal and retry rules are the same
//! as for vouchers: reads are retried, writes are sent once (and so is the e-mail GET).
//!
//! Fortnox's field searches are case-insensitive substring matches (`?externalinvoicereference1=
//! 123` also finds `1234`), so every lookup here filters the answers for an exact match.

use reqwest::Method;
use serde::Deserialize;

use super::client::Client;
use super::client::encode;
use super::error::Error;
use super::model_documents::{
    Article, ArticleRequest, Customer, CustomerRequest, InvoiceHead, OrderHead, SalesDocument, Unit,
};

#[derive(Deserialize)]
struct One<T> {
    #[serde(alias = "Customer", alias = "Article", alias = "Unit", alias = "Order")]
    #[serde(alias = "Invoice")]
    item: T,
}

/// The answer to `createinvoice`: the invoice (as documented) or the order (as SDKs read it).
#[derive(Deserialize)]
struct InvoiceOrOrder {
    #[serde(rename = "Invoice", default)]
    invoice: Option<InvoiceHead>,
    #[serde(rename = "Order", default)]
    order: Option<OrderHead>,
}

impl Client {
    /// Customers whose `field` (a Fortnox search parameter: `email`, `organisationnumber`,
    /// `name`, `customernumber`) equals `value`, compared by `same`.
    pub async fn customers_where(
        &self,
        field: &str,
        value: &str,
        same: impl Fn(&Customer) -> bool,
    ) -> Result<Vec<Customer>, Error> {
        let path = format!("/customers?{field}={}", encode(value));
        let all: Vec<Customer> = self.read_all(&path, "Customers").await?;
        Ok(all.into_iter().filter(|c| same(c)).collect())
    }

    /// One customer by number.
    pub async fn customer(&self, number: &str) -> Result<Option<Customer>, Error> {
        let path = format!("/customers/{}", encode(number));
        Ok(self.read_optional::<One<Customer>>(&path).await?.map(|o| o.item))
    }

    /// Creates a customer (Fortnox assigns the number).
    pub async fn create_customer(&self, customer: &CustomerRequest) -> Result<Customer, Error> {
        let body = serde_json::json!({ "Customer": customer });
        let created: One<Customer> = self.write(Method::POST, "/customers", &body).await?;
        Ok(created.item)
    }

    /// One article by number (= the shop's SKU).
    pub async fn article(&self, number: &str) -> Result<Option<Article>, Error> {
        let path = format!("/articles/{}", encode(number));
        Ok(self.read_optional::<One<Article>>(&path).await?.map(|o| o.item))
    }

    pub async fn create_article(&self, article: &ArticleRequest) -> Result<Article, Error> {
        let body = serde_json::json!({ "Article": article });
        let created: One<Article> = self.write(Method::POST, "/articles", &body).await?;
        Ok(created.item)
    }

    /// One unit by code.
    pub async fn unit(&self, code: &str) -> Result<Option<Unit>, Error> {
        let path = format!("/units/{}", encode(code));
        Ok(self.read_optional::<One<Unit>>(&path).await?.map(|o| o.item))
    }

    pub async fn create_unit(&self, code: &str, description: &str) -> Result<Unit, Error> {
        let body = serde_json::json!({ "Unit": { "Code": code, "Description": description } });
        let created: One<Unit> = self.write(Method::POST, "/units", &body).await?;
        Ok(created.item)
    }

    /// Orders whose `ExternalInvoiceReference1` is exactly `reference`.
    pub async fn orders_with_reference(&self, reference: &str) -> Result<Vec<OrderHead>, Error> {
        let path = format!("/orders?externalinvoicereference1={}", encode(reference));
        let all: Vec<OrderHead> = self.read_all(&path, "Orders").await?;
        Ok(all.into_iter().filter(|o| o.external_invoice_reference1 == reference).collect())
    }

    /// One order by document number (with `Comments`, which list items lack).
    pub async fn order(&self, number: &str) -> Result<Option<OrderHead>, Error> {
        let path = format!("/orders/{}", encode(number));
        Ok(self.read_optional::<One<OrderHead>>(&path).await?.map(|o| o.item))
    }

    /// Creates an order. Sent once: on an unknown outcome look for it by reference first.
    pub async fn create_order(&self, order: &SalesDocument) -> Result<OrderHead, Error> {
        let body = serde_json::json!({ "Order": order });
        let created: One<OrderHead> = self.write(Method::POST, "/orders", &body).await?;
        Ok(created.item)
    }

    /// Turns an order into an invoice (`PUT /3/orders/{n}/createinvoice`); returns the
    /// invoice's number, or `None` when Fortnox does not tell it yet. The answer is documented
    /// as the invoice, and the SDKs read it as the order: an invoice is believed only when it
    /// says it was made from this order (order and invoice numbers are two series that both
    /// start at 1, so the order's own number is never taken for the invoice's); otherwise the
    /// order's `InvoiceReference` says, from the answer or read again.
    pub async fn create_invoice_from_order(&self, number: &str) -> Result<Option<String>, Error> {
        let path = format!("/orders/{}/createinvoice", encode(number));
        let made: InvoiceOrOrder = self.write(Method::PUT, &path, &()).await?;
        if let Some(invoice) = made.invoice.filter(|i| i.order_reference.trim() == number.trim()) {
            return Ok(Some(invoice.document_number));
        }
        if let Some(invoice) = made.order.as_ref().and_then(OrderHead::invoice) {
            return Ok(Some(invoice.to_owned()));
        }
        Ok(self.order(number).await?.as_ref().and_then(OrderHead::invoice).map(str::to_owned))
    }

    /// The invoice made from `order` when the order does not name it (yet): an invoice with
    /// the order's `ExternalInvoiceReference1` whose `OrderReference` is the order, read whole
    /// (list items do not carry `OrderReference`). A `createinvoice` whose answer named no
    /// invoice is not sent again while one exists.
    pub async fn invoice_made_from(&self, order: &OrderHead) -> Result<Option<String>, Error> {
        let reference = order.external_invoice_reference1.trim();
        if reference.is_empty() {
            return Ok(None);
        }
        let number = order.document_number.trim();
        for listed in self.invoices_with_reference(reference).await? {
            if listed.cancelled {
                continue;
            }
            if let Some(invoice) = self.invoice(&listed.document_number).await?
                && invoice.order_reference.trim() == number
            {
                return Ok(Some(invoice.document_number));
            }
        }
        Ok(None)
    }

    /// Invoices whose `ExternalInvoiceReference1` is exactly `reference`.
    pub async fn invoices_with_reference(
        &self,
        reference: &str,
    ) -> Result<Vec<InvoiceHead>, Error> {
        let path = format!("/invoices?externalinvoicereference1={}", encode(reference));
        let all: Vec<InvoiceHead> = self.read_all(&path, "Invoices").await?;
        Ok(all.into_iter().filter(|i| i.external_invoice_reference1 == reference).collect())
    }

    pub async fn invoice(&self, number: &str) -> Result<Option<InvoiceHead>, Error> {
        let path = format!("/invoices/{}", encode(number));
        Ok(self.read_optional::<One<InvoiceHead>>(&path).await?.map(|o| o.item))
    }

    /// Creates an invoice. Sent once: on an unknown outcome look for it by reference first.
    pub async fn create_invoice(&self, invoice: &SalesDocument) -> Result<InvoiceHead, Error> {
        let body = serde_json::json!({ "Invoice": invoice });
        let created: One<InvoiceHead> = self.write(Method::POST, "/invoices", &body).await?;
        Ok(created.item)
    }

    /// Bookkeeps an invoice (creates its voucher).
    pub async fn bookkeep_invoice(&self, number: &str) -> Result<InvoiceHead, Error> {
        let path = format!("/invoices/{}/bookkeep", encode(number));
        let done: One<InvoiceHead> = self.write(Method::PUT, &path, &()).await?;
        Ok(done.item)
    }

    /// E-mails an invoice to its `EmailInformation` address. A GET in Fortnox, but it sends an
    /// e-mail, so it is sent once like a write: a lost answer is [`Error::Transport`] (outcome
    /// unknown; the invoice's `Sent` tells whether it went out), never a second e-mail.
    pub async fn email_invoice(&self, number: &str) -> Result<InvoiceHead, Error> {
        let path = format!("/invoices/{}/email", encode(number));
        let sent: One<InvoiceHead> = self.get_once(&path).await?;
        Ok(sent.item)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_references_and_emails() {
        assert_eq!(encode("#1001"), "%231001");
        assert_eq!(encode("anna+shop@example.com"), "anna%2Bshop%40example.com");
        assert_eq!(encode("Åsa"), "%C3%85sa");
    }
}
