//! Z-report → one balanced Fortnox voucher per report.
//!
//! Debits: each means of payment on its account, returns (net and VAT), discounts when booked
//! separately. Credits: sales net per sales account (per category or VAT rate), output VAT per
//! rate, gift cards sold (a liability), tips (owed to the staff). Öresavrundning goes to the
//! rounding account on whichever side it falls. Amounts are summed per account exactly and
//! rounded once (half away from zero, 2 dp). The öre remainder that rounding can leave when a
//! report has amounts with more than two decimals is booked on the rounding account too, with a
//! warning, up to `[zreport] max_rounding_remainder`; a larger one rejects the report. Figures
//! that disagree are rejected before (`parse::zreport::check`), never plugged. The voucher is
//! dated on the business date, in `[zreport] series`.

use std::collections::{BTreeMap, BTreeSet};

use rust_decimal::Decimal;

use super::{Body, Conversion, Document, Summary, cut, marker_for, no_sales_account, round_ore};
use crate::config::{AccountMap, AccountsConfig, DiscountMode, ZreportConfig, rate_key};
use crate::diagnostic::Diagnostic;
use crate::fortnox::model::{VoucherRequest, VoucherRow};
use crate::parse::zreport::{self, Located, SalesLine, ZreportFile};

/// Row text of the rounding account's row (öresavrundning and öre remainders).
const ROUNDING_TEXT: &str = "Öresavrundning";

/// Parses Z-report bytes and converts every report.
pub fn convert_bytes(
    bytes: &[u8],
    config: &ZreportConfig,
    accounts: &AccountsConfig,
) -> Conversion {
    let file = zreport::parse(bytes);
    convert(&file, config, accounts)
}

/// Converts a parsed file. Any error rejects the whole file (nothing of it is posted).
pub fn convert(
    file: &ZreportFile,
    config: &ZreportConfig,
    accounts: &AccountsConfig,
) -> Conversion {
    let mut out = Conversion {
        summary: Summary {
            // Only what the file is: another program's JSON is not a "Z-report v1", bytes
            // that are not UTF-8 are not "utf-8".
            format: if file.ours {
                format!("Z-report v{}", zreport::VERSION)
            } else {
                String::new()
            },
            encoding: if file.utf8 { "utf-8".to_owned() } else { String::new() },
            ..Summary::default()
        },
        errors: file.errors.clone(),
        warnings: file.warnings.clone(),
        documents: Vec::new(),
        z_numbers: Vec::new(),
        withdrawn: Vec::new(),
    };
    let mut seen = BTreeSet::new();
    for located in &file.reports {
        let r = &located.report;
        let key = (company_key(r), r.register.id.trim().to_owned(), r.z_number);
        if !seen.insert(key) {
            out.errors.push(
                Diagnostic::at(
                    located.line,
                    format!("{} appears twice in this file", zreport::name(located)),
                )
                .hint("a Z number is used once per register; remove the copy"),
            );
            continue;
        }
        out.z_numbers.push(ZNumber {
            org: company_key(r),
            register: r.register.id.trim().to_owned(),
            z: r.z_number,
            line: located.line,
        });
        let separate = config.discounts == DiscountMode::Separate;
        let (errors, warnings) = zreport::check(file, located, separate);
        out.warnings.extend(warnings);
        if !errors.is_empty() {
            out.errors.extend(errors);
            continue;
        }
        if let Some(doc) = convert_report(file, located, config, accounts, &mut out) {
            out.documents.push(doc);
        }
    }
    if super::rejects_all(&out.errors) {
        out.documents.clear();
        out.z_numbers.clear();
    }
    out
}

/// Where a report stands in its register's series: the Z number (löpnummer, unbroken and
/// ascending per register, SKVFS 2014:9 7 kap. 3 §) of a register of a company.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ZNumber {
    /// The organisation number, digits only (as in the document's identity).
    pub org: String,
    /// The kassabeteckning, as the report spells it.
    pub register: String,
    pub z: u64,
    /// Line of the report in its file.
    pub line: usize,
}

/// The company's organisation number as its ten digits: `559999-0005`, `5599990005` and
/// `16559999-0005` are one company (`org_number::key`).
/// Every identity a report of company `ten` (ten digits), `register` and Z number `z` may be
/// known by: the company in each digit form, the register id as copies and releases before
/// wrote it (`org_number::register_forms`). The first is the identity itself.
pub fn names(ten: &str, register: &str, z: &str) -> Vec<String> {
    let mut names = Vec::new();
    for org in crate::org_number::digit_forms(ten) {
        for register in crate::org_number::register_forms(register) {
            names.push(format!("zreport:{org}:{register}:{z}"));
        }
    }
    names
}

fn company_key(r: &zreport::ZReport) -> String {
    crate::org_number::key(&r.company.org_number).unwrap_or_else(|| company_digits(r))
}

/// The organisation number's digits (one that is not 10 or 12 digits is refused by the check).
fn company_digits(r: &zreport::ZReport) -> String {
    r.company.org_number.chars().filter(char::is_ascii_digit).collect()
}

/// Signed amounts (debit positive) per (account, row text), in first-seen order.
#[derive(Default)]
struct Rows(Vec<(u32, String, Decimal)>);

impl Rows {
    fn add(&mut self, account: u32, text: &str, amount: Decimal) {
        match self.0.iter_mut().find(|(a, t, _)| *a == account && t == text) {
            Some(row) => row.2 += amount,
            None => self.0.push((account, text.to_owned(), amount)),
        }
    }
}

fn convert_report(
    file: &ZreportFile,
    located: &Located,
    config: &ZreportConfig,
    accounts: &AccountsConfig,
    out: &mut Conversion,
) -> Option<Document> {
    let r = &located.report;
    let map = accounts.for_register(r.register.id.trim());
    let name = zreport::name(located);
    let at = |rel: &str| file.line(&format!("{}{rel}", located.pointer));
    let mut rows = Rows::default();
    let mut ok = true;

    for (i, p) in r.payments.iter().enumerate() {
        let named = p.name.as_deref().map(|n| n.trim().to_lowercase());
        let account = named
            .as_deref()
            .and_then(|n| map.payments.get(n))
            .or_else(|| map.payments.get(p.method.key()));
        let Some(&account) = account else {
            out.errors.push(
                Diagnostic::at(
                    at(&format!("/payments/{i}")),
                    format!("{name}: payment method `{}` has no account", p.method.key()),
                )
                .hint("add it under [accounts] payments in fortnox-bridge.toml"),
            );
            ok = false;
            continue;
        };
        let text = p.name.as_deref().map_or(p.method.text(), str::trim);
        rows.add(account, text, p.amount);
    }
    let mut book = |list: &[SalesLine], key: &str, sign: Decimal, what: &str, vat_what: &str| {
        for (i, line) in list.iter().enumerate() {
            let rate = rate_key(line.vat_rate);
            let pointer = at(&format!("/{key}/{i}"));
            let Some((account, text)) = sales_account(map, line, &rate, what, key == "discounts")
            else {
                out.errors.push(no_sales_account(pointer, &name, &rate, ""));
                ok = false;
                continue;
            };
            rows.add(account, &text, sign * line.net);
            if line.vat.is_zero() {
                continue;
            }
            if let Some(&vat_account) = map.output_vat.get(&rate) {
                rows.add(vat_account, &format!("{vat_what} {rate} %"), sign * line.vat);
            } else {
                out.errors.push(
                    Diagnostic::at(
                        pointer,
                        format!("{name}: VAT rate {rate} % has no output VAT account"),
                    )
                    .hint(format!(
                        "add \"{rate}\" = <account> under [accounts] output_vat in \
                         fortnox-bridge.toml (BAS: 2611 25 %, 2621 12 %, 2631 6 %)"
                    )),
                );
                ok = false;
            }
        }
    };
    book(&r.sales, "sales", Decimal::NEGATIVE_ONE, "Försäljning", "Utgående moms");
    book(&r.returns, "returns", Decimal::ONE, "Returer", "Moms returer");
    if config.discounts == DiscountMode::Separate {
        book(&r.discounts, "discounts", Decimal::ONE, "Rabatter", "Moms rabatter");
    }
    if let Some(g) = &r.gift_cards_sold {
        rows.add(map.gift_cards, "Presentkort sålda", -g.amount);
    }
    if let Some(t) = &r.tips {
        rows.add(map.tips, "Dricks", -t.amount);
    }
    rows.add(map.rounding, ROUNDING_TEXT, -r.rounding);
    if !ok {
        return None;
    }

    // Each account rounded once; an öre remainder this leaves goes to the rounding account.
    let mut rows = Rows(rows.0.into_iter().map(|(a, t, x)| (a, t, round_ore(x))).collect());
    let max = config.max_rounding_remainder;
    match book_remainder(&mut rows, map.rounding, max, &name, located.line) {
        Ok(warning) => out.warnings.extend(warning),
        Err(error) => {
            out.errors.push(error);
            return None;
        }
    }
    let mut voucher_rows = Vec::new();
    for (account, text, amount) in rows.0 {
        if amount.is_zero() {
            continue;
        }
        let text = cut(&text, VoucherRow::TEXT_MAX, located.line, "row text", out);
        voucher_rows.push(VoucherRow::signed(account, amount, Some(text)));
    }
    if voucher_rows.len() < 2 {
        out.warnings.push(Diagnostic::at(
            located.line,
            format!("{name} has no sales and no payments; nothing is posted"),
        ));
        return None;
    }
    let register = r.register.name.as_deref().unwrap_or(&r.register.id);
    let description = cut(
        &format!("Z-rapport {} {register} {}", r.z_number, r.business_date),
        VoucherRequest::DESCRIPTION_MAX,
        located.line,
        "voucher text",
        out,
    );
    // A register id with a space around it, or the company's number in its 12-digit form, is
    // the same register: the report is one whichever way a copy writes them.
    let identity = format!("zreport:{}:{}:{}", company_key(r), r.register.id.trim(), r.z_number);

    let marker = marker_for(&identity);
    let mut voucher = VoucherRequest {
        description,
        comments: None,
        transaction_date: r.business_date,
        voucher_series: config.series.clone(),
        voucher_rows,
    };
    // Amounts hashed at two decimals, so a re-serialised copy (`8250.0`) is the same report;
    // the version an older release gave these bytes is kept beside it (see `version`).
    let version = super::version::zreport(&voucher);
    // What older releases named it: the company's digits as a copy wrote them (10 or 12),
    // the register id as written, the figures hashed as written.
    let as_written = super::version::zreport_as_written(&voucher);
    // A register without a name is named by its id in the voucher text, which the version
    // hashes: a copy writing the id otherwise has the versions of its own text.
    let versions_as = |register: &str| -> [String; 2] {
        let mut copy = voucher.clone();
        if r.register.name.is_none() {
            let text = format!("Z-rapport {} {register} {}", r.z_number, r.business_date);
            if text.chars().count() <= VoucherRequest::DESCRIPTION_MAX {
                copy.description = text;
            }
        }
        [super::version::zreport(&copy), super::version::zreport_as_written(&copy)]
    };
    let mut legacy_references = Vec::new();
    for register in crate::org_number::register_forms(&r.register.id) {
        let [form_version, form_as_written] = versions_as(&register);
        for org in crate::org_number::digit_forms(&company_key(r)) {
            let named = format!("zreport:{org}:{register}:{}", r.z_number);
            for v in [&version, &as_written, &form_version, &form_as_written] {
                let reference = format!("{named}:{v}");
                if reference != format!("{identity}:{version}")
                    && !legacy_references.contains(&reference)
                {
                    legacy_references.push(reference);
                }
            }
        }
    }
    // `[accounts.registers.<id>]` found in other capitals than the report writes the id:
    // releases before matched it exactly and booked the report on the base accounts. That
    // report is this one.
    if accounts.named_in_other_capitals(r.register.id.trim()) {
        let exact = AccountsConfig { base: accounts.base.clone(), registers: BTreeMap::new() };
        if let Some(before) =
            convert_report(file, located, config, &exact, &mut Conversion::default())
        {
            for name in std::iter::once(before.reference).chain(before.legacy_references) {
                if !legacy_references.contains(&name) {
                    legacy_references.push(name);
                }
            }
        }
    }
    out.summary.rows += voucher.voucher_rows.len();
    out.summary.debit_total += voucher.voucher_rows.iter().map(|r| r.debit).sum::<Decimal>();
    voucher.comments = Some(format!(
        "Z-rapport {} kassa {} ({}), stängd {}; imported by fortnox-bridge {marker} {}",
        r.z_number,
        r.register.id,
        r.company.name,
        r.closed_at,
        super::version_tag(&version)
    ));
    Some(Document {
        reference: format!("{identity}:{version}"),
        legacy_references,
        marker,
        line: located.line,
        label: format!("Z-report {} ({})", r.z_number, r.register.id),
        body: Body::Voucher(voucher),
    })
}

/// Books the öre remainder of `rows` (rounded to whole öre) on the `rounding` account's
/// [`ROUNDING_TEXT`] row, with the sign that balances them, if it is at most `max`; no other row
/// changes. Returns the warning that says so (none when the rows balance), or the error when the
/// remainder is larger than `max` (the rows are then left as they were).
fn book_remainder(
    rows: &mut Rows,
    rounding: u32,
    max: Decimal,
    name: &str,
    line: usize,
) -> Result<Option<Diagnostic>, Diagnostic> {
    // Debits minus credits; the remainder booked is its negation.
    let balance: Decimal = rows.0.iter().map(|row| row.2).sum();
    if balance.is_zero() {
        return Ok(None);
    }
    if balance.abs() > max {
        let side =
            if balance > Decimal::ZERO { "debits exceed credits" } else { "credits exceed debits" };
        return Err(Diagnostic::at(
            line,
            format!(
                "{name}: rounded to whole öre per account the voucher is off by {:.2} ({side}), \
                 more than [zreport] max_rounding_remainder {max:.2}",
                balance.abs()
            ),
        )
        .hint(format!(
            "the report has amounts with more than two decimals; export it in whole öre, or \
             raise max_rounding_remainder in fortnox-bridge.toml to book the remainder on \
             {rounding}"
        )));
    }
    rows.add(rounding, ROUNDING_TEXT, -balance);
    let side = if balance > Decimal::ZERO { "credit" } else { "debit" };
    Ok(Some(
        Diagnostic::at(
            line,
            format!(
                "{name}: öre remainder {:.2} from rounding per account booked as a {side} on \
                 {rounding}",
                balance.abs()
            ),
        )
        .hint(format!(
            "the report has amounts with more than two decimals; remainders up to [zreport] \
             max_rounding_remainder ({max:.2}) are booked this way"
        )),
    ))
}

/// The sales account and row text for a line: the category's account if mapped, else the
/// rate's; discounts always go to the discount account.
fn sales_account(
    map: &AccountMap,
    line: &SalesLine,
    rate: &str,
    what: &str,
    discount: bool,
) -> Option<(u32, String)> {
    if discount {
        return Some((map.discounts, format!("{what} {rate} %")));
    }
    if let Some(category) = &line.category
        && let Some(&account) = map.categories.get(&category.trim().to_lowercase())
    {
        return Some((account, format!("{what} {} {rate} %", category.trim())));
    }
    map.sales.get(rate).map(|&a| (a, format!("{what} {rate} % moms")))
}

#[cfg(test)]
mod tests;
