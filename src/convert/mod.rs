//! Converters: typed input records plus configuration in, Fortnox documents out. Pure: no file
//! system, network or clock.
//!
//! [`convert_file`] is the one entry point the pipeline, `check` and `convert` share: it parses
//! the bytes of a detected kind and converts every record, collecting located diagnostics.

pub mod orders;
pub mod sie;
pub mod version;
pub mod zreport;

use rust_decimal::Decimal;
use serde::Serialize;

use crate::config::Config;
use crate::detect::Kind;
use crate::diagnostic::Diagnostic;
use crate::fortnox::model::{VoucherEnvelope, VoucherRequest};

/// One Fortnox document to create, with the identity that makes its upload idempotent.
#[derive(Debug, Clone, PartialEq)]
pub struct Document {
    /// The business identity (idempotency key), e.g. `sie:5566:A:12:2026-10-01:1f2e...`.
    pub reference: String,
    /// The references earlier releases gave this document, where they differ: a release
    /// before the content version hashed figures rather than their writing (amounts not
    /// written at two decimals, see [`version`]); before a Z-report's identity took its
    /// company's ten digits and its register id trimmed. The ledger takes a document
    /// registered under one of them as this one.
    pub legacy_references: Vec<String>,
    /// The short tag carried inside the Fortnox document so it can be found again.
    pub marker: String,
    /// Line of the source record (`#VER`, order row, ...).
    pub line: usize,
    /// Human label for logs and status, e.g. `SIE voucher A 12`.
    pub label: String,
    pub body: Body,
}

/// The request a document becomes.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Voucher(VoucherRequest),
    /// A shop order: customer, articles, the order or invoice, and what follows.
    Order(Box<orders::OrderPlan>),
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Voucher(_) => "voucher",
            Body::Order(plan) => match plan.create {
                crate::config::CreateDocument::Order => "order",
                crate::config::CreateDocument::OrderAndInvoice => "order+invoice",
                crate::config::CreateDocument::Invoice => "invoice",
            },
        }
    }

    /// The document as the ledger stores it (and the golden files show it): a voucher's
    /// request body, or a shop order's whole plan (customer, articles, the order or invoice,
    /// the follow-ups), which the upload reads back.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Body::Voucher(v) => {
                serde_json::to_value(VoucherEnvelope { voucher: v }).unwrap_or_default()
            }
            Body::Order(plan) => serde_json::to_value(plan).unwrap_or_default(),
        }
    }

    /// The exact request body Fortnox receives, as `convert` prints it: `{"Voucher": ...}`,
    /// or for a shop order `{"Order": ...}` (`POST /3/orders`) or `{"Invoice": ...}`
    /// (`POST /3/invoices`). An order's `CustomerNumber` is left out: the upload fills it in
    /// with the customer it finds or creates as [`Body::upload_lookups`] says, and sends rows
    /// whose article is missing in Fortnox as free text when the plan says so.
    pub fn request_json(&self) -> serde_json::Value {
        match self {
            Body::Voucher(_) => self.to_json(),
            Body::Order(plan) => {
                let key = if plan.order.is_some() { "Order" } else { "Invoice" };
                let mut document = plan.document().cloned();
                if let Some(d) = document.as_mut() {
                    d.customer_number = None;
                }
                serde_json::json!({ key: document })
            }
        }
    }

    /// What only Fortnox can tell, looked up at upload time, beside [`Body::request_json`]:
    /// for a shop order, how its customer is found or created (`customer`) and the articles
    /// and units checked, created or worked around when missing (`articles`, `units`, when
    /// any). `None` for a voucher, whose body is complete.
    pub fn upload_lookups(&self) -> Option<serde_json::Map<String, serde_json::Value>> {
        let Body::Order(plan) = self else { return None };
        let mut out = serde_json::Map::new();
        out.insert("customer".to_owned(), serde_json::to_value(&plan.customer).ok()?);
        if !plan.articles.is_empty() {
            out.insert("articles".to_owned(), serde_json::to_value(&plan.articles).ok()?);
        }
        if !plan.units.is_empty() {
            out.insert("units".to_owned(), serde_json::to_value(&plan.units).ok()?);
        }
        Some(out)
    }
}

/// What a file holds, for `check` and the logs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Format detail, e.g. the SIE type `4I`.
    pub format: String,
    pub encoding: String,
    pub rows: usize,
    pub debit_total: Decimal,
}

/// The result of converting one file: documents, or the reasons it cannot be posted.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    pub summary: Summary,
    pub documents: Vec<Document>,
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
    /// The Z numbers (löpnummer) of a Z-report file's reports, those that book nothing
    /// included: the ledger checks each register's series for numbers that never arrived.
    pub z_numbers: Vec<zreport::ZNumber>,
    /// Documents the file withdraws (shop orders cancelled or refunded since): not posted,
    /// and one posted before must be put right in Fortnox by a person.
    pub withdrawn: Vec<Withdrawn>,
}

/// A document a file says is no longer wanted (see [`Conversion::withdrawn`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Withdrawn {
    /// The identity its documents are registered under (`order:W-1004`).
    pub identity: String,
    pub line: usize,
    /// What the file says: `order `W-1004` is cancelled in the shop`.
    pub what: String,
}

/// Parses and converts the bytes of a file of a known kind.
pub fn convert_file(kind: Kind, name: &str, bytes: &[u8], config: &Config) -> Conversion {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        // Usually a file taken while it was still being written, whatever its kind.
        let mut out = Conversion::default();
        out.errors.push(Diagnostic::at(1, "the file is empty").hint(
            "export it again; a producer should give a file its final name only once it is \
             complete (write NAME.tmp, then rename), or set [watch] done_marker = true",
        ));
        return out;
    }
    match kind {
        // The name matters: a `.si` import file must not carry balances.
        Kind::Sie => sie::convert_named(name, bytes, &config.sie).0,
        Kind::Zreport => zreport::convert_bytes(bytes, &config.zreport, &config.accounts),
        Kind::Orders => orders::convert_bytes(bytes, &config.orders, &config.accounts),
    }
}

/// `text`, cut to Fortnox's `max` characters with a located warning (never silently).
pub(crate) fn cut(text: &str, max: usize, line: usize, what: &str, out: &mut Conversion) -> String {
    let len = text.chars().count();
    if len <= max {
        return text.to_owned();
    }
    out.warnings.push(
        Diagnostic::at(
            line,
            format!("{what} is {len} characters, longer than Fortnox's {max} characters; cut"),
        )
        .hint("the full text stays in the archived source file"),
    );
    let kept: String = text.chars().take(max).collect();
    kept.trim_end().to_owned()
}

/// The error for a VAT rate that has no account in `[accounts] sales`: `whose` names the
/// document (`order `W-1``, `Z 1045 (register KASSA1)`), `purpose` says what was to be booked
/// (empty, or e.g. ` for its share (12.50) of the order discount`).
pub(crate) fn no_sales_account(line: usize, whose: &str, rate: &str, purpose: &str) -> Diagnostic {
    Diagnostic::at(line, format!("{whose}: VAT rate {rate} % has no sales account{purpose}"))
        .hint(sales_account_hint(rate))
}

/// How to give VAT rate `rate` a sales account.
pub(crate) fn sales_account_hint(rate: &str) -> String {
    format!(
        "add \"{rate}\" = <account> under [accounts] sales in fortnox-bridge.toml \
         (BAS: 3001 25 %, 3002 12 %, 3003 6 %, 3004 0 %)"
    )
}

/// Rounds money to whole öre, half away from zero (as the law and Fortnox round; rust_decimal's
/// `round_dp` would round half to even).
pub(crate) fn round_ore(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
}

/// The organisation number a document's source file names, as its reference keeps it (the
/// company is part of the identity: `sie:<#ORGNR without dashes>:...`,
/// `zreport:<company.org_number digits>:...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SourceOrg<'a> {
    /// Where the file says it, for messages: `#ORGNR` or `company.org_number`.
    pub field: &'static str,
    pub number: &'a str,
}

/// The organisation number in a document's `reference`; `None` for orders (an order export
/// names no company) and for SIE files without `#ORGNR`.
pub fn source_org(reference: &str) -> Option<SourceOrg<'_>> {
    let (kind, rest) = reference.split_once(':')?;
    let field = match kind {
        "sie" => "#ORGNR",
        "zreport" => "company.org_number",
        _ => return None,
    };
    let number = rest.split(':').next().unwrap_or_default();
    (!number.trim().is_empty()).then_some(SourceOrg { field, number })
}

/// The markers a document of `reference` carries in Fortnox when it was posted from a copy that
/// named its company otherwise: a numbered SIE voucher (see [`sie::marker_aliases`]; `company`
/// is the connected company's number, for a file that named none) or a Z-report (its company's
/// other digit forms). None for other documents.
pub fn marker_aliases(reference: &str, company: Option<&str>) -> Vec<String> {
    if reference.starts_with("sie:") {
        return sie::marker_aliases(reference, company);
    }
    let Some((identity, _version)) = reference.rsplit_once(':') else { return Vec::new() };
    let Some((org, tail)) = identity.strip_prefix("zreport:").and_then(|r| r.split_once(':'))
    else {
        return Vec::new();
    };
    let Some(ten) = crate::org_number::key(org) else { return Vec::new() };
    let Some((register, z)) = tail.rsplit_once(':') else { return Vec::new() };
    let names = zreport::names(&ten, register, z);
    names.iter().filter(|alias| *alias != identity).map(|alias| marker_for(alias)).collect()
}

/// Whether `errors` reject every document of the file. Errors of a check releases before did
/// not make name the one document they refuse ([`Diagnostic::identity`]); with only those, the
/// other documents are kept, for the pipeline to post when each named one was posted before
/// (else the file is refused all the same).
pub(crate) fn rejects_all(errors: &[Diagnostic]) -> bool {
    errors.iter().any(|e| e.identity.is_none())
}

/// The short marker for a reference: `[fb:` + 16 hex digits of its SHA-256 + `]`.
pub fn marker_for(reference: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(reference.as_bytes());
    format!("[fb:{}]", &hex::encode(digest)[..16])
}

/// The token that names a document's content version next to its marker in the comments
/// (`v:3f2a…`), for documents whose marker names only their identity.
pub fn version_tag(version: &str) -> String {
    format!("v:{version}")
}

/// True when `text` carries the content version of one of `older`: what the ledger keeps of the
/// names older releases gave a document (versions, or whole names ending in one).
pub fn carries_older_version(text: &str, older: &[String]) -> bool {
    older.iter().any(|name| carries_version(text, name.rsplit(':').next().unwrap_or(name)))
}

/// True when `text` carries [`version_tag`]`(version)` as a whole word.
pub fn carries_version(text: &str, version: &str) -> bool {
    let tag = version_tag(version);
    text.split_whitespace().any(|w| w == tag)
}

/// True when `text` carries `marker` as a whole token (not as part of a longer one).
pub fn carries_marker(text: &str, marker: &str) -> bool {
    text.match_indices(marker).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        before.is_none_or(|c| c.is_whitespace() || c == '(')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_file_of_any_kind_says_so_with_how_to_avoid_it() {
        let config = Config::defaults(std::path::Path::new("/x"));
        for kind in [Kind::Sie, Kind::Zreport, Kind::Orders] {
            let c = convert_file(kind, "x", b" \r\n", &config);
            let errors: Vec<String> = c.errors.iter().map(|e| e.render("x")).collect();
            assert_eq!(errors.len(), 1, "{kind}: {errors:?}");
            assert!(
                errors[0].starts_with("x:1: the file is empty (hint: export it again;"),
                "{errors:?}"
            );
            assert!(errors[0].contains("done_marker"), "{errors:?}");
        }
    }

    #[test]
    fn markers_are_short_stable_and_matched_exactly() {
        let m = marker_for("sie:A:1:2026-10-01:abc");
        assert_eq!(m.len(), 21);
        assert_eq!(m, marker_for("sie:A:1:2026-10-01:abc"));
        assert_ne!(m, marker_for("sie:A:2:2026-10-01:abc"));
        assert!(carries_marker(&format!("Imported by fortnox-bridge {m}"), &m));
        assert!(carries_marker(&m, &m));
        assert!(!carries_marker(&format!("x{m}"), &m));
        assert!(!carries_marker("Imported by fortnox-bridge [fb:0000]", &m));
        let comments = format!("Imported by fortnox-bridge {m} {}", version_tag("3f2a"));
        assert!(carries_version(&comments, "3f2a"));
        assert!(!carries_version(&comments, "3f2"));
        assert!(!carries_version(&format!("{m} xv:3f2a"), "3f2a"));
    }

    #[test]
    fn the_source_org_number_is_read_back_from_the_reference() {
        let ver = "#VER A 1 20261001\n{\n#TRANS 4010 {} 5.00\n#TRANS 1910 {} -5.00\n}\n";
        let sie = |head: &str| {
            let text = format!("#FLAGGA 0\n#SIETYP 4\n{head}{ver}");
            let c = sie::convert_bytes(text.as_bytes(), &crate::config::SieConfig::default());
            assert!(c.errors.is_empty(), "{:?}", c.errors);
            c.documents[0].reference.clone()
        };
        let with = sie("#ORGNR 16556677-8899 1\n");
        // By its ten digits (the company check compares ten digits either way).
        assert_eq!(source_org(&with), Some(SourceOrg { field: "#ORGNR", number: "5566778899" }));
        assert_eq!(source_org(&sie("")), None, "a SIE file without #ORGNR names no company");
        assert_eq!(source_org(&sie("#ORGNR\n")), None);
        let config = Config::from_toml_str("", std::path::Path::new("/x")).expect("defaults");
        let z = zreport::convert_bytes(
            include_bytes!("../../fixtures/zreport/restaurang-2026-10-31.json"),
            &config.zreport,
            &config.accounts,
        );
        let z = source_org(&z.documents[0].reference).expect("a Z-report names its company");
        assert_eq!((z.field, z.number), ("company.org_number", "5599990005"));
        assert_eq!(source_org("order:W-1001:3f2a"), None);
    }

    #[test]
    fn a_missing_sales_account_is_one_message_naming_the_key() {
        let d =
            no_sales_account(7, "order `W-1`", "8", " for its share (12.50) of the order discount");
        assert_eq!(
            d.render("o.csv"),
            "o.csv:7: order `W-1`: VAT rate 8 % has no sales account for its share (12.50) of \
             the order discount (hint: add \"8\" = <account> under [accounts] sales in \
             fortnox-bridge.toml (BAS: 3001 25 %, 3002 12 %, 3003 6 %, 3004 0 %))"
        );
    }
}
