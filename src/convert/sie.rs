//! SIE voucher → Fortnox voucher.
//!
//! Series are mapped by configuration; texts are cut to Fortnox's limits with a warning; cost
//! centre (dimension 1) and project (dimension 6) objects go onto rows; what Fortnox cannot take
//! (non-numeric accounts, amounts with more than two decimals) is rejected with the line.

use std::collections::HashMap;

use rust_decimal::Decimal;

mod identity;

use identity::identity;
pub use identity::{amounts_version, marker_aliases, slot_aliases, unnumbered_prefix};

use super::{Body, Conversion, Document, Summary, cut, marker_for};
use crate::config::SieConfig;
use crate::diagnostic::Diagnostic;
use crate::fortnox::model::{VoucherRequest, VoucherRow};
use crate::parse::sie::{self, ParseOptions, SieFile, Trans, Ver};

/// Fortnox amounts hold at most 14 digits including decimals.
const AMOUNT_MAX_DIGITS: u32 = 14;

/// Parses SIE bytes and converts every voucher.
pub fn convert_bytes(bytes: &[u8], config: &SieConfig) -> Conversion {
    let file = sie::parse(bytes, &ParseOptions::default());
    convert(&file, config)
}

/// What `check` reports about a SIE file beyond its conversion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SieFacts {
    /// `1`, `2`, `3`, `4E` or `4I` (see [`SieFile::kind`]).
    pub sie_type: String,
    /// `#VER` records read, converted or not.
    pub vouchers: usize,
}

/// True for the extension of a SIE import file (`.si`, type 4I, from a pre-system).
pub fn is_import_name(name: &str) -> bool {
    name.rsplit_once('.').is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("si"))
}

/// [`convert_bytes`] for a file whose name is known: a `.si` file is an import file (type 4I),
/// and balance records in it are errors (format doc §11, [`SieFile::import_errors`]).
pub fn convert_named(name: &str, bytes: &[u8], config: &SieConfig) -> (Conversion, SieFacts) {
    let mut file = sie::parse(bytes, &ParseOptions::default());
    let mut sie_type = file.kind();
    if is_import_name(name) {
        let import_errors = file.import_errors();
        file.errors.extend(import_errors);
        if file.sie_type == Some(4) {
            // Named as an import file, and checked as one: say so (its content alone would
            // make it 4E when it carries balances).
            "4I".clone_into(&mut sie_type);
        }
    }
    let mut conversion = convert(&file, config);
    conversion.summary.format = format!("SIE {sie_type}");
    (conversion, SieFacts { sie_type, vouchers: file.vouchers.len() })
}

/// Converts a parsed SIE file. Any parse error rejects the whole file.
pub fn convert(file: &SieFile, config: &SieConfig) -> Conversion {
    let mut out = Conversion {
        summary: Summary {
            format: format!("SIE {}", file.kind()),
            encoding: file.encoding.name().to_owned(),
            rows: file.booked_rows(),
            debit_total: file.debit_total(),
        },
        errors: file.errors.clone(),
        warnings: file.warnings.clone(),
        documents: Vec::new(),
        z_numbers: Vec::new(),
        withdrawn: Vec::new(),
    };
    if file.program.as_ref().is_some_and(|(name, _)| name == "fortnox-bridge") {
        // `audit export --format sie`: vouchers in Fortnox already, under their Fortnox
        // numbers, which are no identity of ours.
        out.errors.push(
            Diagnostic::file(
                "the file is fortnox-bridge's own export of vouchers it posted (`#PROGRAM \
                 \"fortnox-bridge\"`); posting it would book them a second time",
            )
            .hint("import it by hand in the accounting program it was made for, not through the inbox"),
        );
    }
    if file.vouchers.is_empty() && file.errors.is_empty() {
        out.warnings.push(
            Diagnostic::file("the file holds no vouchers (#VER), so nothing is posted")
                .hint("a SIE file with only balances or a chart of accounts is not imported"),
        );
    }
    // The company by its ten digits (`16559999-0005` is `559999-0005`); releases before took
    // the `#ORGNR` as written without its dash, and their references are kept beside.
    let written = file.org_number.as_deref().unwrap_or("").replace('-', "");
    let key = file.org_number.as_deref().and_then(crate::org_number::key);
    let company = Company {
        written: key.as_ref().filter(|k| **k != written).map(|_| written.clone()),
        key: key.unwrap_or(written),
        latin1: file.encoding == sie::Encoding::Latin1,
    };
    let mut seen = Seen::default();
    for ver in &file.vouchers {
        if let Some(doc) = convert_ver(ver, &company, config, &mut seen, &mut out) {
            out.documents.push(doc);
        }
    }
    if !out.errors.is_empty() {
        out.documents.clear();
    }
    out
}

/// The vouchers of a file met so far: how often each reference (identity and version) came,
/// and the line it first came on; the version each numbered voucher first came with.
#[derive(Default)]
struct Seen {
    copies: HashMap<String, (usize, usize)>,
    numbers: HashMap<String, (String, usize)>,
    /// How often each older release's reference came: two vouchers an older release hashed
    /// alike (they differ in a row's text or object only) were its `…:v` and `…:v:2`.
    legacy_copies: HashMap<String, usize>,
}

/// The company a file's vouchers are named by: its ten digits, and the `#ORGNR` as releases
/// before took it, when that differs.
struct Company {
    key: String,
    written: Option<String>,
    /// The file is Latin-1 (whose 0x80-0x9F releases before read otherwise).
    latin1: bool,
}

fn convert_ver(
    ver: &Ver,
    company: &Company,
    config: &SieConfig,
    seen: &mut Seen,
    out: &mut Conversion,
) -> Option<Document> {
    let name = voucher_name(ver);
    let series = config.fortnox_series(&ver.series).to_owned();
    let mut description = ver.text.trim().to_owned();
    if description.is_empty() {
        description.clone_from(&name);
    }
    let description =
        cut(&description, VoucherRequest::DESCRIPTION_MAX, ver.line, "voucher text", out);
    let mut rows = Vec::with_capacity(ver.rows.len());
    let mut ok = true;
    for trans in &ver.rows {
        if trans.amount.is_zero() {
            // Without the voucher's name, so that a report tells the rows of one account once
            // with their lines (an export may carry one on every voucher: 225 in one file of
            // the corpus).
            out.warnings.push(Diagnostic::at(
                trans.line,
                format!("zero-amount row on account `{}` is left out", trans.account),
            ));
            continue;
        }
        match convert_trans(trans, &name, out) {
            Some(row) => rows.push(row),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    if rows.is_empty() {
        // In a rejected file the rows may be gone because they were unreadable: say nothing.
        if out.errors.is_empty() {
            out.warnings.push(Diagnostic::at(ver.line, format!("{name} has no amounts; skipped")));
        }
        return None;
    }

    let (key, version, legacy) = identity(ver, &company.key, &rows, company.latin1);
    if !ver.number.is_empty() {
        // One number, one voucher: a second voucher of that series, number and date with other
        // content is an error of the export (which one is meant cannot be told), found here
        // rather than by posting the first and refusing the second.
        let (first_version, first_line) =
            seen.numbers.entry(key.clone()).or_insert_with(|| (version.clone(), ver.line));
        if *first_version != version {
            out.errors.push(
                Diagnostic::at(
                    ver.line,
                    format!("{name} appears twice in this file with other rows (first on line {first_line})"),
                )
                .hint("a voucher number is used once per series; export the file again from the program that wrote it, or give the second voucher its own number"),
            );
            return None;
        }
    }
    let (occurrence, first_line) =
        seen.copies.entry(format!("{key}:{version}")).or_insert((0, ver.line));
    *occurrence += 1;
    if *occurrence > 1 && !ver.number.is_empty() {
        // A numbered voucher is one voucher of the source system: a second identical copy is
        // a repeated record, not a second booking (their markers are the same, so the second
        // could never be told apart from the first in Fortnox).
        out.warnings.push(
            Diagnostic::at(
                ver.line,
                format!("{name} appears again with the same rows (first on line {first_line}); posted once"),
            )
            .hint("the export repeats the voucher; if it really is a second booking, give it its own number"),
        );
        return None;
    }
    // The same unnumbered voucher twice in one file (two equal purchases): the second and
    // later copies get `:N`.
    let referenced = |key: &str, version: &str| match *occurrence {
        1 => format!("{key}:{version}"),
        n => format!("{key}:{version}:{n}"),
    };
    let reference = referenced(&key, &version);
    // What releases before named it: the rows hashed by amount only, the company in any of
    // its digit forms (a copy may write another than the file they posted).
    let legacy_occurrence = legacy.as_ref().map(|legacy| {
        let n = seen.legacy_copies.entry(format!("{key}:{legacy}")).or_insert(0);
        *n += 1;
        *n
    });
    let legacy_as = |key: &str, legacy: &str| match legacy_occurrence {
        Some(n) if n > 1 => format!("{key}:{legacy}:{n}"),
        _ => format!("{key}:{legacy}"),
    };
    let mut forms: Vec<String> = match crate::org_number::key(&company.key) {
        Some(ten) => crate::org_number::digit_forms(&ten).into(),
        None => vec![company.key.clone()],
    };
    forms
        .extend(company.written.iter().filter(|w| !forms.contains(w)).cloned().collect::<Vec<_>>());
    let mut legacy_references = Vec::new();
    for form in &forms {
        let key = key.replacen(&format!("sie:{}:", company.key), &format!("sie:{form}:"), 1);
        let names = std::iter::once(referenced(&key, &version))
            .chain(legacy.iter().map(|legacy| legacy_as(&key, legacy)));
        legacy_references.extend(names.filter(|name| *name != reference));
    }
    let (marker, tag) = if ver.number.is_empty() {
        // Unnumbered (4I): the content is the identity.
        (marker_for(&reference), String::new())
    } else {
        // Numbered: the marker names the voucher (series, number, date), the content version
        // rides along, so a corrected re-export of a posted voucher is found and reported
        // instead of booked a second time.
        (marker_for(&key), format!(" {}", super::version_tag(&version)))
    };
    Some(Document {
        line: ver.line,
        label: name.clone(),
        body: Body::Voucher(VoucherRequest {
            description,
            comments: Some(format!("Imported by fortnox-bridge from {name} {marker}{tag}")),
            transaction_date: ver.date,
            voucher_series: series,
            voucher_rows: rows,
        }),
        reference,
        legacy_references,
        marker,
    })
}

fn convert_trans(trans: &Trans, name: &str, out: &mut Conversion) -> Option<VoucherRow> {
    let account = match trans.account.parse::<u32>() {
        Ok(n) if (1000..=9999).contains(&n) && trans.account.len() == 4 => n,
        _ => {
            out.errors.push(
                Diagnostic::at(
                    trans.line,
                    format!(
                        "account `{}` in {name} is not a Fortnox account number",
                        trans.account
                    ),
                )
                .hint(
                    "Fortnox accounts are four digits 1000-9999; book this row on a BAS \
                       account in the source program and export again",
                ),
            );
            return None;
        }
    };
    let amount = trans.amount.normalize();
    if amount.scale() > 2 {
        out.errors.push(
            Diagnostic::at(
                trans.line,
                format!("amount `{}` in {name} has more than two decimals", trans.amount),
            )
            .hint("Fortnox books whole öre; round the amount in the source program"),
        );
        return None;
    }
    if digits(amount) > AMOUNT_MAX_DIGITS {
        out.errors.push(Diagnostic::at(
            trans.line,
            format!("amount `{}` in {name} is larger than Fortnox accepts", trans.amount),
        ));
        return None;
    }
    let mut row = VoucherRow::signed(account, amount, None);
    row.quantity = trans.quantity.filter(|q| !q.is_zero());
    if !trans.text.trim().is_empty() {
        row.transaction_information =
            Some(cut(trans.text.trim(), VoucherRow::TEXT_MAX, trans.line, "row text", out));
    }
    for object in &trans.objects {
        match object.dimension.as_str() {
            "1" => row.cost_center = Some(object.object.clone()),
            "6" => row.project = Some(object.object.clone()),
            other => out.warnings.push(Diagnostic::at(
                trans.line,
                format!(
                    "object `{}` of dimension `{other}` is not sent (Fortnox vouchers carry \
                     cost centre, dimension 1, and project, dimension 6)",
                    object.object
                ),
            )),
        }
    }
    Some(row)
}

/// `SIE voucher A 12`, or `SIE voucher of 2026-10-01` when unnumbered.
fn voucher_name(ver: &Ver) -> String {
    match (ver.series.as_str(), ver.number.as_str()) {
        ("", "") => format!("SIE voucher of {}", ver.date),
        (s, n) => format!("SIE voucher {s} {n}").replace("  ", " ").trim().to_owned(),
    }
}

fn digits(amount: Decimal) -> u32 {
    let mantissa = amount.mantissa().unsigned_abs();
    if mantissa == 0 { 1 } else { mantissa.ilog10() + 1 }
}

#[cfg(test)]
mod tests;
