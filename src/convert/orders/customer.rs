//! The customer of a shop order: how the upload finds it (customer number, organisation
//! number, e-mail, in `[orders] match_customer_by` order) and what it creates when none
//! matches: name, type, address, country, currency and VAT type as the export gives them.
//! Pure: whether the customer exists is only known at upload time.

use super::CustomerPlan;
use crate::config::OrdersConfig;
use crate::convert::Conversion;
use crate::diagnostic::Diagnostic;
use crate::fortnox::model_documents::CustomerRequest;
use crate::org_number;
use crate::parse::orders::{Order, country};

/// How the order's customer is found, or created; `None` (with an error) when the order has
/// nothing to find it by.
pub(super) fn plan(
    order: &Order,
    config: &OrdersConfig,
    out: &mut Conversion,
) -> Option<CustomerPlan> {
    let c = &order.customer;
    let number = c.number.clone().or_else(|| {
        let has_key = c.org_number.is_some() || c.email.is_some();
        if has_key { None } else { config.default_customer.clone() }
    });
    if number.is_none() && c.org_number.is_none() && c.email.is_none() {
        out.errors.push(
            Diagnostic::at(
                order.line,
                format!(
                    "order `{}` has no customer number, organisation number or e-mail to find \
                     its customer by",
                    order.id
                ),
            )
            .hint("add one of them to the export, or set [orders] default_customer"),
        );
        return None;
    }
    let name = c.name.clone().or_else(|| c.email.clone());
    let create = match name {
        Some(name) if config.create_customers => {
            let company = company(order);
            Some(CustomerRequest {
                name,
                // One form, as Fortnox shows it, so that every spelling finds it later.
                organisation_number: c
                    .org_number
                    .as_deref()
                    .map(|o| org_number::canonical(o).unwrap_or_else(|| o.to_owned())),
                email: c.email.clone(),
                kind: if company { "COMPANY" } else { "PRIVATE" }.to_owned(),
                address1: c.address1.clone(),
                address2: c.address2.clone(),
                zip_code: c.zip.clone(),
                city: c.city.clone(),
                country_code: c.country.clone(),
                phone1: c.phone.clone(),
                currency: order.currency.clone().filter(|c| c != "SEK"),
                vat_type: vat_type(order, company, out).map(str::to_owned),
            })
        }
        _ => None,
    };
    Some(CustomerPlan {
        customer_number: number,
        organisation_number: c.org_number.clone(),
        email: c.email.clone(),
        match_by: config.match_customer_by.clone(),
        create,
        allow_duplicates: config.allow_duplicates,
    })
}

/// Whether the customer is a company: as the export says (`customer_type`; Shopify: a billing
/// company), and only when it does not say, when it has an organisation number. A sole
/// trader's or a private person's personnummer in that column does not make them a company.
fn company(order: &Order) -> bool {
    let c = &order.customer;
    c.company.unwrap_or(c.org_number.is_some())
}

/// Fortnox's VAT type for a new customer outside Sweden (`None`: Sweden, or no country given,
/// Fortnox's default `SEVAT`). In the EU: `EUVAT`. A company there would be `EUREVERSEDVAT`
/// (reverse charge), but that needs its VAT number, which order exports do not carry, so it is
/// `EUVAT` with a warning. Outside the EU: `EXPORT` when the order's rows carry no VAT; when
/// they do, the shop charged Swedish VAT, so the customer keeps Fortnox's default (SEVAT) and
/// the invoice the amounts the customer paid, with a warning. A private person in the EU
/// charged no VAT is warned about too: such a sale carries VAT (Swedish, or the customer's
/// country's through OSS).
fn vat_type(order: &Order, company: bool, out: &mut Conversion) -> Option<&'static str> {
    let code = order.customer.country.as_deref().filter(|c| *c != "SE")?;
    let id = &order.id;
    let taxed = order.lines.iter().filter_map(|l| l.vat_rate).find(|r| !r.is_zero());
    if country::in_eu(code) {
        let warning = match (company, taxed) {
            (true, Some(_)) => Some((
                format!(
                    "order `{id}`: the new customer is a company in {code}, created with VAT \
                     type EUVAT (Swedish VAT charged), not EU reverse charge"
                ),
                "reverse charge needs the customer's VAT number, which the export does not \
                 have; if it has one, add it and set VAT type EU reverse charge on the \
                 customer in Fortnox",
            )),
            (true, None) => Some((
                format!(
                    "order `{id}`: the new customer is a company in {code} and the order carries \
                     no VAT: created with VAT type EUVAT, not EU reverse charge"
                ),
                "reverse charge needs the customer's VAT number, which the export does not \
                 have; if the shop sold under reverse charge, add the number and set VAT type \
                 EU reverse charge on the customer in Fortnox",
            )),
            // Gift cards alone carry no VAT when sold: nothing to say.
            (false, None) if order.lines.iter().all(|l| l.gift_card) => None,
            (false, None) => Some((
                format!(
                    "order `{id}`: the customer is a private person in {code} and the shop \
                     charged no VAT: booked at 0 %, as charged"
                ),
                "a sale to a private person in the EU carries VAT (Swedish, or the customer's \
                 country's through OSS); check the shop's tax settings, and credit the invoice \
                 in Fortnox if it should have carried VAT",
            )),
            (false, Some(_)) => None,
        };
        if let Some((message, hint)) = warning {
            out.warnings.push(Diagnostic::at(order.line, message).hint(hint));
        }
        return Some("EUVAT");
    }
    if let Some(rate) = taxed {
        out.warnings.push(
            Diagnostic::at(
                order.line,
                format!(
                    "order `{id}`: the new customer is in {code}, outside the EU, but the \
                     order's rows carry Swedish VAT ({} %): created with VAT type SEVAT, as \
                     charged, not EXPORT",
                    rate.normalize()
                ),
            )
            .hint(
                "an export sale carries no Swedish VAT; if the shop should not have charged it, \
                 credit the invoice in Fortnox and correct the shop's tax settings",
            )
            .needs_action(),
        );
        return None;
    }
    Some("EXPORT")
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::config::Config;
    use crate::convert::{Body, Conversion};
    use crate::fortnox::model_documents::CustomerRequest;

    fn convert(csv: &str) -> Conversion {
        let c = Config::from_toml_str("", Path::new("/x")).expect("config");
        super::super::convert_bytes(csv.as_bytes(), &c.orders, &c.accounts)
    }

    fn created(c: &Conversion, i: usize) -> CustomerRequest {
        let Body::Order(plan) = &c.documents[i].body else { panic!("not an order") };
        plan.customer.create.clone().expect("a customer to create")
    }

    const HEAD: &str = "order_id;order_date;customer_name;organisation_number;email;\
                        customer_type;country;currency;description;quantity;unit_price;vat_rate\n";

    /// The export's customer type is kept: a private person with a personnummer is PRIVATE.
    /// Without a type, an organisation number makes a company.
    #[test]
    fn an_explicit_customer_type_is_kept() {
        let csv = format!(
            "{HEAD}P-1;2026-11-18;Testa Provsson;19800101-1234;p@example.org;private;;;Kaffe;1;100,00;12\n\
             P-2;2026-11-18;Prov AB;559900-0037;b@example.org;;;;Kaffe;1;100,00;12\n\
             P-3;2026-11-18;Testa Provsson;;t@example.org;company;;;Kaffe;1;100,00;12\n"
        );
        let c = convert(&csv);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let kinds: Vec<String> = (0..3).map(|i| created(&c, i).kind).collect();
        assert_eq!(kinds, ["PRIVATE", "COMPANY", "COMPANY"]);
    }

    /// An order re-exported with its customer's number spelled otherwise is the same order:
    /// the version takes the number in its one form; the version the release before gave it
    /// (the number as written) is kept beside, for the ledger and for Fortnox's comments.
    #[test]
    fn an_order_is_the_same_however_its_customers_number_is_spelled() {
        let row = |org: &str| {
            format!("{HEAD}S-1;2026-11-18;Prov AB;{org};b@example.org;;;;Kaffe;1;100,00;12\n")
        };
        let dashed = convert(&row("559900-0037"));
        let plain = convert(&row("5599000037"));
        let twelve = convert(&row("16559900-0037"));
        let reference = |c: &Conversion| c.documents[0].reference.clone();
        assert_eq!(reference(&plain), reference(&dashed));
        assert_eq!(reference(&twelve), reference(&dashed));
        let Body::Order(p) = &plain.documents[0].body else { panic!("not an order") };
        let before = crate::convert::version::order_org_as_written(p);
        assert_ne!(before, p.version);
        // The name the release before gave this copy, and the one it gave a copy spelled
        // `5599000037` when this one writes `559900-0037`: each copy is found under both.
        for c in [&dashed, &plain, &twelve] {
            let names = &c.documents[0].legacy_references;
            assert!(names.contains(&format!("order:S-1:{before}")), "{names:?}");
        }
        let sent = format!("Order S-1 {} v:{before}", plain.documents[0].marker);
        assert!(crate::convert::version::order_carried(&sent, p));
    }

    /// A new customer's organisation number is written in one form, the dashed ten digits
    /// Fortnox shows; how the upload searches for it is left as the export wrote it.
    #[test]
    fn a_new_customers_organisation_number_is_written_in_one_form() {
        let csv = format!(
            "{HEAD}O-1;2026-11-18;Prov AB;5599000037;;;;;Kaffe;1;100,00;12\n\
             O-2;2026-11-18;Prov AB;16559900-0037;;;;;Kaffe;1;100,00;12\n\
             O-3;2026-11-18;Prov AB;559900-0037;;;;;Kaffe;1;100,00;12\n"
        );
        let c = convert(&csv);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        for i in 0..3 {
            let number = created(&c, i).organisation_number;
            assert_eq!(number.as_deref(), Some("559900-0037"), "order {i}");
        }
        let Body::Order(plan) = &c.documents[1].body else { panic!("not an order") };
        assert_eq!(plan.customer.organisation_number.as_deref(), Some("16559900-0037"));
    }

    /// A country is read from its name or code; a customer outside Sweden gets its country,
    /// currency and a VAT type that is not SEVAT; an unknown country or currency is refused
    /// on its line, not made Swedish or sent as written.
    #[test]
    fn countries_currencies_and_vat_types() {
        let csv = format!(
            "{HEAD}D-1;2026-11-18;Kunde GmbH;;d@example.org;company;Deutschland;EUR;Kaffe;1;100,00;25\n\
             D-2;2026-11-18;Testa Provsson;;p@example.org;private;Tyskland;eur;Kaffe;1;100,00;25\n\
             D-3;2026-11-18;Test Inc;;u@example.org;company;USA;USD;Kaffe;1;100,00;0\n\
             D-4;2026-11-18;Testa Provsson;;s@example.org;private;Sverige;kr;Kaffe;1;100,00;25\n\
             D-5;2026-11-18;Test AS;;n@example.org;company;NO;NOK;Kaffe;1;100,00;25\n"
        );
        let c = convert(&csv);
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let seen: Vec<_> = (0..5)
            .map(|i| {
                let r = created(&c, i);
                (r.country_code, r.currency, r.vat_type)
            })
            .collect();
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(
            seen,
            [
                (some("DE"), some("EUR"), some("EUVAT")),
                (some("DE"), some("EUR"), some("EUVAT")),
                (some("US"), some("USD"), some("EXPORT")),
                (some("SE"), None, None),
                (some("NO"), some("NOK"), None),
            ]
        );
        let Body::Order(plan) = &c.documents[3].body else { panic!("not an order") };
        assert_eq!(plan.document().map(|d| d.currency.as_str()), Some("SEK"), "kr is SEK");
        let warnings: Vec<String> = c.warnings.iter().map(|w| w.render("o.csv")).collect();
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with(
                "o.csv:2: order `D-1`: the new customer is a company in DE, created with VAT \
                 type EUVAT"
            ),
            "{warnings:?}"
        );
        assert!(
            warnings[1].starts_with(
                "o.csv:6: order `D-5`: the new customer is in NO, outside the EU, but the \
                 order's rows carry Swedish VAT (25 %): created with VAT type SEVAT, as charged"
            ),
            "{warnings:?}"
        );

        let csv = format!(
            "{HEAD}X-1;2026-11-18;Prov AB;;x@example.org;company;Atlantis;SEK;Kaffe;1;100,00;25\n\
             X-2;2026-11-18;Prov AB;;x@example.org;company;SE;$;Kaffe;1;100,00;25\n"
        );
        let c = convert(&csv);
        assert!(c.documents.is_empty());
        let errors: Vec<String> = c.errors.iter().map(|e| e.render("o.csv")).collect();
        assert_eq!(
            errors,
            [
                "o.csv:2: order `X-1`: country `Atlantis` is not one fortnox-bridge knows (hint: \
                 write its ISO 3166 code (SE, DE, NO, GB, US, ...) or its name in Swedish, \
                 English or its own language)",
                "o.csv:3: order `X-2`: currency `$` is not a currency code (hint: write the ISO \
                 4217 code, e.g. SEK or EUR (kr and :- are read as SEK))",
            ]
        );
    }
}
