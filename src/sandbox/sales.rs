//! Orders and invoices share one shape: header fields copied from the customer, rows with
//! defaults from the article, server rounding (Price and quantities to 2 dp half-up), VAT only
//! from configured rates, and totals (`Net`, `TotalVAT`, `Gross`, `RoundOff` to whole kronor, `Total`).

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rusqlite::Connection;
use rust_decimal::{Decimal, RoundingStrategy};
use serde_json::{Map, Value, json};

use super::documents::{self, Field, Kind, kind, money, num};
use super::errors::{ApiError, code};
use super::lenient;
use super::sales_fields::{COMMON, INVOICE_ONLY, ORDER_ONLY, READ_ONLY, ROW};

/// Account for invoiced freight and for the administration fee (our choice of BAS accounts).
pub const FREIGHT_ACCOUNT: i64 = 3520;
pub const ADMINISTRATION_FEE_ACCOUNT: i64 = 3540;

/// Order or invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Doc {
    Order,
    Invoice,
}

impl Doc {
    pub fn rows_key(self) -> &'static str {
        match self {
            Doc::Order => "OrderRows",
            Doc::Invoice => "InvoiceRows",
        }
    }

    pub fn date_key(self) -> &'static str {
        match self {
            Doc::Order => "OrderDate",
            Doc::Invoice => "InvoiceDate",
        }
    }
}

/// 2 decimals, half away from zero (Fortnox: 1.125 → 1.13).
pub fn round2(value: Decimal) -> Decimal {
    value.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// Only configured VAT rates exist ("Kunde inte hitta moms").
pub fn check_vat(conn: &Connection, vat: Decimal) -> Result<(), ApiError> {
    let rates: Vec<String> = conn
        .prepare("SELECT rate FROM vat_rates")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if rates.iter().any(|r| r.parse::<Decimal>().is_ok_and(|r| r == vat)) {
        Ok(())
    } else {
        Err(ApiError::bad(code::VAT_NOT_FOUND, format!("Kunde inte hitta moms {vat} %.")))
    }
}

/// Output VAT account and default sales account for a rate.
pub fn accounts_for_rate(vat: Decimal) -> (Option<i64>, i64, &'static str) {
    match vat.normalize().to_string().as_str() {
        "25" => (Some(2611), 3001, "MP1"),
        "12" => (Some(2621), 3002, "MP2"),
        "6" => (Some(2631), 3003, "MP3"),
        _ => (None, 3004, "MF"),
    }
}

fn date_field(doc: &Map<String, Value>, name: &str) -> Result<Option<NaiveDate>, ApiError> {
    match documents::text(doc, name) {
        "" => Ok(None),
        text => text
            .parse()
            .map(Some)
            .map_err(|_| ApiError::field(name, "är inte ett giltigt datum (ÅÅÅÅ-MM-DD)")),
    }
}

/// Builds (or, with `existing`, updates) an order or invoice from a request object.
pub fn build(
    conn: &Connection,
    doc_kind: Doc,
    input: &Map<String, Value>,
    existing: Option<Map<String, Value>>,
    today: NaiveDate,
) -> Result<Map<String, Value>, ApiError> {
    let mut spec: Vec<Field> = COMMON.to_vec();
    spec.extend(READ_ONLY.iter().map(|name| (*name, Kind::ReadOnly)));
    spec.extend(match doc_kind {
        Doc::Order => ORDER_ONLY,
        Doc::Invoice => INVOICE_ONLY,
    });
    spec.push((doc_kind.rows_key(), Kind::Json));
    let is_new = existing.is_none();
    let mut doc = existing.unwrap_or_default();
    documents::apply(&mut doc, input, &spec)?;

    let number = documents::text(&doc, "CustomerNumber").to_owned();
    if number.is_empty() {
        return Err(ApiError::field("CustomerNumber", "saknas"));
    }
    let customer = documents::get(conn, kind::CUSTOMER, &number)?
        .ok_or_else(|| ApiError::bad(code::CUSTOMER_NOT_FOUND, "Kan inte hitta kunden."))?;
    if is_new {
        for (to, from) in [
            ("CustomerName", "Name"),
            ("Address1", "Address1"),
            ("Address2", "Address2"),
            ("City", "City"),
            ("ZipCode", "ZipCode"),
            ("Country", "Country"),
            ("Currency", "Currency"),
            ("TermsOfPayment", "TermsOfPayment"),
            ("YourReference", "YourReference"),
            ("OurReference", "OurReference"),
        ] {
            if documents::text(&doc, to).is_empty() {
                doc.insert(to.to_owned(), json!(documents::text(&customer, from)));
            }
        }
        doc.insert(
            "OrganisationNumber".to_owned(),
            json!(documents::text(&customer, "OrganisationNumber")),
        );
        let email = documents::text(&customer, "Email").to_owned();
        let info = doc.entry("EmailInformation").or_insert_with(|| json!({}));
        if let Value::Object(info) = info
            && info.get("EmailAddressTo").and_then(Value::as_str).unwrap_or_default().is_empty()
        {
            info.insert("EmailAddressTo".to_owned(), json!(email));
        }
    }
    let terms = documents::text(&doc, "TermsOfPayment").to_owned();
    if !terms.is_empty() && !documents::exists(conn, kind::TERMS_OF_PAYMENT, &terms)? {
        return Err(ApiError::bad(
            code::TERMS_OF_PAYMENT_NOT_FOUND,
            "Kan inte hitta betalningsvillkoret.",
        ));
    }
    let date = date_field(&doc, doc_kind.date_key())?.unwrap_or(today);
    doc.insert(doc_kind.date_key().to_owned(), json!(date.to_string()));
    date_field(&doc, "DeliveryDate")?;
    if doc_kind == Doc::Invoice {
        let days: i64 = terms.parse().unwrap_or(30);
        let due =
            date_field(&doc, "DueDate")?.unwrap_or_else(|| date + chrono::Duration::days(days));
        doc.insert("DueDate".to_owned(), json!(due.to_string()));
    }
    let rows = match doc.get(doc_kind.rows_key()) {
        None => Vec::new(),
        Some(Value::Array(rows)) => rows.clone(),
        Some(_) => return Err(ApiError::field(doc_kind.rows_key(), "ska vara en lista")),
    };
    let mut built = Vec::with_capacity(rows.len());
    for (index, raw) in rows.iter().enumerate() {
        let Value::Object(raw) = raw else {
            return Err(ApiError::field(doc_kind.rows_key(), "ska innehålla objekt"));
        };
        built.push(build_row(conn, doc_kind, raw, index + 1)?);
    }
    doc.insert(
        doc_kind.rows_key().to_owned(),
        Value::Array(built.into_iter().map(Value::Object).collect()),
    );
    apply_totals(&mut doc, doc_kind)?;
    Ok(doc)
}

fn build_row(
    conn: &Connection,
    doc_kind: Doc,
    raw: &Map<String, Value>,
    row_id: usize,
) -> Result<Map<String, Value>, ApiError> {
    let mut spec = ROW.to_vec();
    spec.push((
        "OrderedQuantity",
        if doc_kind == Doc::Order { Kind::Decimal } else { Kind::ReadOnly },
    ));
    let mut row = Map::new();
    documents::apply(&mut row, raw, &spec)?;
    let article_number = documents::text(&row, "ArticleNumber").to_owned();
    if !article_number.is_empty() {
        let article = documents::get(conn, kind::ARTICLE, &article_number)?.ok_or_else(|| {
            ApiError::bad(
                code::ARTICLE_NOT_FOUND,
                format!("Kan inte hitta artikeln {article_number}."),
            )
        })?;
        for (field, from) in [
            ("Description", "Description"),
            ("Price", "SalesPrice"),
            ("VAT", "VAT"),
            ("Unit", "Unit"),
            ("AccountNumber", "SalesAccount"),
        ] {
            if row.get(field).is_none_or(Value::is_null)
                && let Some(value) = article.get(from).filter(|v| !v.is_null())
            {
                row.insert(field.to_owned(), value.clone());
            }
        }
    }
    let ordered = lenient::decimal(&row, "OrderedQuantity")?.map(round2);
    let delivered = lenient::decimal(&row, "DeliveredQuantity")?.map(round2);
    let (ordered, delivered) = match doc_kind {
        Doc::Order => (ordered.or(delivered), delivered.or(ordered)),
        Doc::Invoice => (None, delivered),
    };
    let price = round2(lenient::decimal(&row, "Price")?.unwrap_or_default());
    let vat = lenient::decimal(&row, "VAT")?.unwrap_or(Decimal::from(25));
    check_vat(conn, vat)?;
    let unit = documents::text(&row, "Unit");
    if !unit.is_empty() && !documents::exists(conn, kind::UNIT, unit)? {
        return Err(ApiError::bad(code::UNIT_NOT_FOUND, format!("Kan inte hitta enheten {unit}.")));
    }
    let (_, default_account, vat_code) = accounts_for_rate(vat);
    let account = lenient::integer(&row, "AccountNumber")?.unwrap_or(default_account);
    let discount = lenient::decimal(&row, "Discount")?.unwrap_or_default();
    let discount_type = match documents::text(&row, "DiscountType") {
        "" | "PERCENT" => "PERCENT",
        "AMOUNT" => "AMOUNT",
        _ => return Err(ApiError::field("DiscountType", "ska vara AMOUNT eller PERCENT")),
    };
    let gross = delivered.unwrap_or_default() * price;
    let total = round2(match discount_type {
        "AMOUNT" => gross - discount,
        _ => gross * (Decimal::ONE_HUNDRED - discount) / Decimal::ONE_HUNDRED,
    });
    if let Some(q) = ordered {
        row.insert("OrderedQuantity".to_owned(), json!(q.normalize().to_string()));
    }
    row.insert(
        "DeliveredQuantity".to_owned(),
        json!(delivered.unwrap_or_default().normalize().to_string()),
    );
    row.insert("Price".to_owned(), money(price));
    row.insert("VAT".to_owned(), num(vat));
    row.insert("VATCode".to_owned(), json!(vat_code));
    row.insert("AccountNumber".to_owned(), json!(account));
    row.insert("Discount".to_owned(), num(discount));
    row.insert("DiscountType".to_owned(), json!(discount_type));
    row.insert("Total".to_owned(), money(total));
    row.insert("RowId".to_owned(), json!(row_id));
    row.entry("Description").or_insert_with(|| json!(""));
    row.entry("Unit").or_insert_with(|| json!(""));
    Ok(row)
}

/// Amounts of a document per account, for totals and bookkeeping.
#[derive(Debug, Default)]
pub struct Amounts {
    /// Net (excl. VAT) per revenue account.
    pub net_by_account: BTreeMap<i64, Decimal>,
    /// VAT per output VAT account.
    pub vat_by_account: BTreeMap<i64, Decimal>,
    pub net: Decimal,
    pub vat: Decimal,
    pub round_off: Decimal,
    pub total: Decimal,
}

/// Computes the amounts of a built document from its rows, freight and fee.
pub fn amounts(doc: &Map<String, Value>, doc_kind: Doc) -> Result<Amounts, ApiError> {
    let vat_included = doc.get("VATIncluded") == Some(&json!(true));
    let mut out = Amounts::default();
    let mut lines: Vec<(i64, Decimal, Decimal)> = Vec::new();
    if let Some(Value::Array(rows)) = doc.get(doc_kind.rows_key()) {
        for row in rows.iter().filter_map(Value::as_object) {
            let total = lenient::decimal(row, "Total")?.unwrap_or_default();
            let vat = lenient::decimal(row, "VAT")?.unwrap_or_default();
            let account = lenient::integer(row, "AccountNumber")?.unwrap_or(3001);
            lines.push((account, total, vat));
        }
    }
    let freight = lenient::decimal(doc, "Freight")?.unwrap_or_default();
    let fee = lenient::decimal(doc, "AdministrationFee")?.unwrap_or_default();
    let rate = freight_rate(&lines);
    lines.push((FREIGHT_ACCOUNT, freight, rate));
    lines.push((ADMINISTRATION_FEE_ACCOUNT, fee, rate));
    let mut vat_exact: BTreeMap<i64, Decimal> = BTreeMap::new();
    for (account, total, rate) in lines.into_iter().filter(|l| !l.1.is_zero()) {
        let vat = if vat_included {
            total * rate / (Decimal::ONE_HUNDRED + rate)
        } else {
            total * rate / Decimal::ONE_HUNDRED
        };
        let net = if vat_included { total - vat } else { total };
        *out.net_by_account.entry(account).or_default() += net;
        if let (Some(vat_account), _, _) = accounts_for_rate(rate) {
            *vat_exact.entry(vat_account).or_default() += vat;
        }
    }
    for value in out.net_by_account.values_mut() {
        *value = round2(*value);
    }
    out.vat_by_account = vat_exact.into_iter().map(|(a, v)| (a, round2(v))).collect();
    out.net = out.net_by_account.values().sum();
    out.vat = out.vat_by_account.values().sum();
    let gross = out.net + out.vat;
    out.total = gross.round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    out.round_off = out.total - gross;
    Ok(out)
}

/// The VAT rate of freight and of the administration fee, as Fortnox gives it (support.fortnox.se
/// "Momssatser på frakt och expeditionsavgifter"): the rate whose rows add up to the largest
/// amount on the document (`lines`: account, row `Total`, rate). The amounts compared are the
/// rows' totals as the document gives them (including VAT when `VATIncluded`). Our choices
/// where Fortnox's page says nothing: on a tie the higher rate, and 25 % without rows.
pub fn freight_rate(lines: &[(i64, Decimal, Decimal)]) -> Decimal {
    let mut by_rate: BTreeMap<Decimal, Decimal> = BTreeMap::new();
    for (_, total, rate) in lines {
        *by_rate.entry(rate.normalize()).or_default() += *total;
    }
    // Ascending rates: `>=` lets a higher rate win a tie.
    let mut best: Option<(Decimal, Decimal)> = None;
    for (rate, sum) in by_rate {
        if best.is_none_or(|(_, top)| sum >= top) {
            best = Some((rate, sum));
        }
    }
    best.map_or(Decimal::from(25), |(rate, _)| rate)
}

fn apply_totals(doc: &mut Map<String, Value>, doc_kind: Doc) -> Result<(), ApiError> {
    let a = amounts(doc, doc_kind)?;
    let freight = lenient::decimal(doc, "Freight")?.unwrap_or_default();
    let fee = lenient::decimal(doc, "AdministrationFee")?.unwrap_or_default();
    let rows_net = a.net
        - a.net_by_account.get(&FREIGHT_ACCOUNT).copied().unwrap_or_default()
        - a.net_by_account.get(&ADMINISTRATION_FEE_ACCOUNT).copied().unwrap_or_default();
    for (key, value) in [
        ("Freight", freight),
        ("AdministrationFee", fee),
        ("Net", rows_net),
        ("Gross", a.net),
        ("TotalVAT", a.vat),
        ("RoundOff", a.round_off),
        ("Total", a.total),
    ] {
        doc.insert(key.to_owned(), money(value));
    }
    doc.entry("VATIncluded").or_insert(json!(false));
    doc.entry("Cancelled").or_insert(json!(false));
    doc.entry("Sent").or_insert(json!(false));
    doc.entry("Currency").or_insert(json!("SEK"));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vat_of(rows: &Value, freight: &str) -> (Decimal, Decimal) {
        let doc = json!({"InvoiceRows": rows, "Freight": freight, "VATIncluded": false});
        let Value::Object(doc) = doc else { panic!("an object") };
        let a = amounts(&doc, Doc::Invoice).expect("amounts");
        (a.vat, a.total)
    }

    fn row(total: &str, vat: u32) -> Value {
        json!({"Total": total, "VAT": vat, "AccountNumber": 3001})
    }

    /// Freight takes the VAT rate of the largest amount on the document (12 % here: 300 at
    /// 12 % against 100 at 25 %), not a fixed 25 %; a tie goes to the higher rate.
    #[test]
    fn freight_is_taxed_at_the_rate_of_the_largest_amount() {
        let d = |s: &str| s.parse::<Decimal>().expect("decimal");
        // 12 % of 300 + 25 % of 100 + 12 % of 50 = 36 + 25 + 6.
        assert_eq!(vat_of(&json!([row("300", 12), row("100", 25)]), "50"), (d("67.00"), d("517")));
        // Two rows at 6 % outweigh one at 25 %: 6 % of 150 + 25 % of 100 + 6 % of 40.
        let rows = json!([row("60", 6), row("90", 6), row("100", 25)]);
        assert_eq!(vat_of(&rows, "40").0, d("36.40"));
        // 100 at 12 % and 100 at 25 %: the higher rate.
        assert_eq!(vat_of(&json!([row("100", 12), row("100", 25)]), "40").0, d("47.00"));
        // No rows: 25 %.
        assert_eq!(vat_of(&json!([]), "40").0, d("10.00"));
    }
}
