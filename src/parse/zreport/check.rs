//! Internal consistency of one Z-report, checked before anything is booked: net + VAT = gross
//! on every line, and its VAT that of its rate (another Swedish rate's VAT is an error, any
//! other difference a warning); payments = sales - returns + gift cards sold + tips +
//! rounding; grand total net = grand total sales - grand total returns; all within
//! [`TOLERANCE`]. A report that does not add up is rejected with the figures that disagree;
//! it is never "fixed" with a plug row.

use rust_decimal::Decimal;

use super::{Located, SalesLine, ZreportFile};
use crate::diagnostic::Diagnostic;

/// Largest difference accepted between figures that must agree (half an öre).
const TOLERANCE: Decimal = Decimal::from_parts(5, 0, 0, false, 3);

/// The VAT rates of Swedish sales, percent.
const SWEDISH_RATES: [Decimal; 4] = [
    Decimal::from_parts(25, 0, 0, false, 0),
    Decimal::from_parts(12, 0, 0, false, 0),
    Decimal::from_parts(6, 0, 0, false, 0),
    Decimal::ZERO,
];

const FIX: &str = "correct the report in the register (or the program that wrote the file) and \
                   drop it again; fortnox-bridge never books a difference";

/// `Z 1042 (register KASSA1)`.
pub fn name(located: &Located) -> String {
    format!("Z {} (register {})", located.report.z_number, located.report.register.id)
}

fn sum<'a>(lines: impl IntoIterator<Item = &'a SalesLine>) -> Decimal {
    lines.into_iter().map(|l| l.gross).sum()
}

fn money(d: Decimal) -> String {
    format!("{d:.2}")
}

/// Checks one report; returns (errors, warnings). With `discounts_separate` the sales are
/// before discounts, so the discounts reduce what must have been paid.
pub fn check(
    file: &ZreportFile,
    located: &Located,
    discounts_separate: bool,
) -> (Vec<Diagnostic>, Vec<Diagnostic>) {
    let r = &located.report;
    let at = |rel: &str| file.line(&format!("{}{rel}", located.pointer));
    let name = name(located);
    // The report as the ledger knows it (see `convert::zreport`), for a check releases before
    // did not make.
    let identity = format!(
        "zreport:{}:{}:{}",
        crate::org_number::key(&r.company.org_number).unwrap_or_default(),
        r.register.id.trim(),
        r.z_number
    );
    let mut errors = Vec::new();
    let mut warnings = Vec::new();

    if !crate::org_number::is_well_formed(&r.company.org_number) {
        errors.push(
            Diagnostic::at(
                at("/company/org_number"),
                format!("{name}: `{}` is not an organisation number", r.company.org_number),
            )
            .hint("write it as NNNNNN-NNNN, as on the printed Z-report"),
        );
    }
    if r.register.id.trim().is_empty() {
        errors.push(
            Diagnostic::at(at("/register/id"), format!("{name}: the register id is empty"))
                .hint("the kassabeteckning printed on the Z-report identifies the register"),
        );
    }
    if r.z_number == 0 {
        errors.push(
            Diagnostic::at(at("/z_number"), format!("{name}: Z number 0 is not a löpnummer"))
                .hint("Z-reports are numbered 1, 2, 3, ... per register"),
        );
    }
    if r.currency != "SEK" {
        errors.push(
            Diagnostic::at(
                at("/currency"),
                format!("{name}: currency `{}` is not SEK", r.currency),
            )
            .hint("vouchers are booked in SEK; the register must report in kronor"),
        );
    }
    match closing_date(&r.closed_at) {
        None => errors.push(
            Diagnostic::at(
                at("/closed_at"),
                format!("{name}: closed_at `{}` is not a date and time", r.closed_at),
            )
            .hint("write it as 2026-10-31T23:12:40+01:00 or 2026-10-31 23:12"),
        ),
        Some(closed) => {
            let days = (closed - r.business_date).num_days();
            if !(0..=1).contains(&days) {
                let when = if days < 0 {
                    format!("{} day(s) before", -days)
                } else {
                    format!("{days} days after")
                };
                warnings.push(Diagnostic::at(
                    at("/closed_at"),
                    format!(
                        "{name}: closed {closed}, {when} its business date {}",
                        r.business_date
                    ),
                ));
            }
        }
    }

    // Discount lines are booked only when separate; included in the sales, their VAT is told,
    // never refused.
    for (list, key, booked) in [
        (&r.sales, "sales", true),
        (&r.returns, "returns", true),
        (&r.discounts, "discounts", discounts_separate),
    ] {
        for (i, line) in list.iter().enumerate() {
            let pointer = format!("/{key}/{i}");
            // Named by its place in the report too: a report written on one line, or with two
            // lines of a rate, is not told apart by the line number.
            let label = match &line.category {
                Some(c) => format!("{key}[{i}] (`{c}` {} %)", line.vat_rate.normalize()),
                None => format!("{key}[{i}] ({} %)", line.vat_rate.normalize()),
            };
            let total = line.net + line.vat;
            if (total - line.gross).abs() > TOLERANCE {
                errors.push(
                    Diagnostic::at(
                        at(&pointer),
                        format!(
                            "{name}: {label}: net {} + VAT {} = {}, but gross is {}",
                            money(line.net),
                            money(line.vat),
                            money(total),
                            money(line.gross)
                        ),
                    )
                    .hint(FIX),
                );
                continue;
            }
            let slack = Decimal::new(50, 2).max(line.gross.abs() / Decimal::ONE_THOUSAND);
            let vat_at = |rate: Decimal| line.net * rate / Decimal::ONE_HUNDRED;
            let expected = vat_at(line.vat_rate);
            if (expected - line.vat).abs() <= slack {
                continue;
            }
            // The VAT of another Swedish rate: booked as written, the VAT return would put
            // this line's sales and VAT under different rates.
            let other = SWEDISH_RATES
                .into_iter()
                .filter(|&rate| rate != line.vat_rate)
                .find(|&rate| (vat_at(rate) - line.vat).abs() <= slack);
            let told = format!(
                "{name}: {label}: VAT {} is not {} % of net {} (expected about {})",
                money(line.vat),
                line.vat_rate.normalize(),
                money(line.net),
                money(expected)
            );
            match other.filter(|_| booked) {
                Some(rate) => errors.push(
                    Diagnostic::at(at(&pointer), format!("{told}; it is {rate} % of it"))
                        .of_document(identity.clone())
                        .hint(format!(
                            "the line's rate and its VAT disagree: correct the product group's VAT \
                             rate ({} % or {rate} %) in the register and drop the report again; \
                             booked as written, the VAT return would be wrong",
                            line.vat_rate.normalize()
                        )),
                ),
                None => warnings.push(Diagnostic::at(at(&pointer), told)),
            }
        }
    }

    let sales = sum(&r.sales);
    let returns = sum(&r.returns);
    let discounts = if discounts_separate { sum(&r.discounts) } else { Decimal::ZERO };
    let gift = r.gift_cards_sold.as_ref().map_or(Decimal::ZERO, |g| g.amount);
    let tips = r.tips.as_ref().map_or(Decimal::ZERO, |t| t.amount);
    let payments: Decimal = r.payments.iter().map(|p| p.amount).sum();
    let expected = sales - returns - discounts + gift + tips + r.rounding;
    if (payments - expected).abs() > TOLERANCE {
        errors.push(
            Diagnostic::at(
                at("/payments"),
                format!(
                    "{name}: payments {} do not match sales {} - returns {}{} + gift cards sold \
                     {} + tips {} + rounding {} = {} (difference {})",
                    money(payments),
                    money(sales),
                    money(returns),
                    if discounts_separate {
                        format!(" - discounts {}", money(discounts))
                    } else {
                        String::new()
                    },
                    money(gift),
                    money(tips),
                    money(r.rounding),
                    money(expected),
                    money(payments - expected)
                ),
            )
            .hint(payments_hint(
                payments - expected,
                sum(&r.discounts),
                discounts_separate,
            )),
        );
    }
    let g = &r.grand_totals;
    if (g.sales - g.returns - g.net).abs() > TOLERANCE {
        errors.push(
            Diagnostic::at(
                at("/grand_totals"),
                format!(
                    "{name}: grand total net {} is not grand total sales {} - returns {} = {}",
                    money(g.net),
                    money(g.sales),
                    money(g.returns),
                    money(g.sales - g.returns)
                ),
            )
            .hint(FIX),
        );
    }
    (errors, warnings)
}

/// What to do about payments that do not match: when the difference is exactly the report's
/// discounts, the `[zreport] discounts` setting is the other one (sales written before
/// discounts, or after them).
fn payments_hint(difference: Decimal, discounts: Decimal, separate: bool) -> String {
    if discounts.is_zero() {
        return FIX.to_owned();
    }
    let (matches, setting, written) = if separate {
        ((difference - discounts).abs() <= TOLERANCE, "included", "after")
    } else {
        ((difference + discounts).abs() <= TOLERANCE, "separate", "before")
    };
    if matches {
        format!(
            "the difference is the report's discounts ({}): its sales are written {written} \
             discounts, so set [zreport] discounts = \"{setting}\" in fortnox-bridge.toml and \
             drop the file again",
            money(discounts)
        )
    } else {
        FIX.to_owned()
    }
}

/// The date of a closing time written as RFC 3339 or `YYYY-MM-DD HH:MM[:SS]`.
fn closing_date(text: &str) -> Option<chrono::NaiveDate> {
    let text = text.trim();
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(t.date_naive());
    }
    ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(text, f).ok())
        .map(|t| t.date())
}
