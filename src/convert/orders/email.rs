//! Whether an order's invoice is e-mailed to the customer (`[orders] email`): to the order's
//! e-mail address, and never when the export says the customer has paid (Shopify's `paid`,
//! `partially_refunded`, [`crate::parse::orders::PAID_STATUSES`]): such an invoice, with its
//! OCR and due date, would bill them again. Either way not sent is said in a warning.

use crate::config::{CreateDocument, OrdersConfig};
use crate::convert::Conversion;
use crate::diagnostic::Diagnostic;
use crate::fortnox::model_documents::EmailInformation;
use crate::parse::orders::Order;

/// The invoice's `EmailInformation`: `None` when it is not e-mailed (no invoice, e-mail off,
/// no address, or paid in the shop; the last two with a warning).
pub(super) fn information(
    order: &Order,
    config: &OrdersConfig,
    out: &mut Conversion,
) -> Option<EmailInformation> {
    if !config.email || config.create == CreateDocument::Order {
        return None;
    }
    if let Some(status) = order.paid_status() {
        out.warnings.push(
            Diagnostic::at(
                order.line,
                format!(
                    "order `{}` is `{status}` in the shop: its invoice is not e-mailed, since the \
                     customer has paid",
                    order.id
                ),
            )
            .hint(
                "register the payment on the invoice in Fortnox (the amount the customer paid, \
                 on the account of the payment method), so it is not shown as unpaid or \
                 reminded",
            ),
        );
        return None;
    }
    let Some(to) = order.customer.email.clone() else {
        out.warnings.push(Diagnostic::at(
            order.line,
            format!("order `{}` has no e-mail address; its invoice is not e-mailed", order.id),
        ));
        return None;
    };
    Some(EmailInformation { email_address_to: to })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;
    use crate::convert::{Body, Conversion};

    fn convert(csv: &str, extra: &str) -> Conversion {
        let c = Config::from_toml_str(extra, Path::new("/x")).expect("config");
        super::super::convert_bytes(csv.as_bytes(), &c.orders, &c.accounts)
    }

    /// (order id, e-mailed, has EmailInformation) of each document.
    fn mailed(c: &Conversion) -> Vec<(String, bool, bool)> {
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        c.documents
            .iter()
            .map(|d| {
                let Body::Order(plan) = &d.body else { panic!("not an order") };
                let info = plan.document().is_some_and(|d| d.email_information.is_some());
                (plan.order_id.clone(), plan.email, info)
            })
            .collect()
    }

    /// An order the shop says is paid (Klarna, say) or partially refunded is invoiced, but the
    /// invoice is not e-mailed: the customer would get a bill with an OCR and a due date for
    /// what they paid. A warning names the order and what to do in Fortnox; an order still to
    /// be paid is e-mailed as before.
    #[test]
    fn a_paid_orders_invoice_is_not_e_mailed() {
        let csv = "order_id;order_date;status;email;description;quantity;unit_price;vat_rate\n\
                   P-1;2026-11-18;paid;p1@example.org;Vas;1;500,00;25\n\
                   P-2;2026-11-18;Partially_Refunded;p2@example.org;Vas;1;500,00;25\n\
                   P-3;2026-11-18;pending;p3@example.org;Vas;1;500,00;25\n\
                   P-4;2026-11-18;betald;p4@example.org;Vas;1;500,00;25\n";
        let c = convert(csv, "[orders]\ncreate = \"invoice\"\nemail = true\n");
        let own = |id: &str, sent: bool| (id.to_owned(), sent, sent);
        assert_eq!(
            mailed(&c),
            [own("P-1", false), own("P-2", false), own("P-3", true), own("P-4", false)]
        );
        let warnings: Vec<String> = c.warnings.iter().map(|w| w.render("o.csv")).collect();
        assert_eq!(warnings.len(), 3, "{warnings:?}");
        assert_eq!(
            warnings[0],
            "o.csv:2: order `P-1` is `paid` in the shop: its invoice is not e-mailed, since the \
             customer has paid (hint: register the payment on the invoice in Fortnox (the amount \
             the customer paid, on the account of the payment method), so it is not shown as \
             unpaid or reminded)"
        );
        assert!(warnings[1].starts_with("o.csv:3: order `P-2` is `partially_refunded`"));
        // Shopify's own export: #1001 is paid (Klarna), #1002 pending.
        let shop = include_str!("../../../fixtures/orders/shopify-orders_export.csv");
        let c = convert(shop, "[orders]\ncreate = \"order+invoice\"\nemail = true\n");
        assert_eq!(mailed(&c), [own("#1001", false), own("#1002", true)]);
    }
}
