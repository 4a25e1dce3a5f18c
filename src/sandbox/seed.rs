//! Seed data for a new sandbox database: one made-up company, three calendar financial years
//! around `today`, the BAS chart (with the accounts a Swedish shop or restaurant uses set up
//! as in Fortnox: VAT codes, SRU, two inactive, one requiring a cost centre), voucher series
//! A–F, VAT rates.
//!
//! Seeding runs only on a database that has no financial years yet; a restart with the same file
//! keeps what is there. [`load_chart`] is the hook for loading a chart of accounts (e.g. from a
//! SIE file's `#KONTO` lines).

use chrono::{Datelike, Months, NaiveDate};
use rusqlite::{Connection, params};

use super::store::{self, Account, Series};

/// `DatabaseNumber` of the seeded company (= the `TenantId` of its tokens).
pub const DATABASE_NUMBER: i64 = 9_990_001;

/// Accounts seeded as **inactive** in every year (posting to them is rejected).
pub const INACTIVE_ACCOUNTS: [i64; 2] = [1630, 3960];

/// Accounts whose rows must name a cost centre (`CostCenterSettings` MANDATORY, as a company
/// may set it in Fortnox); every other account allows one.
pub const COST_CENTER_REQUIRED: [i64; 1] = [6110];

/// The seeded chart: number, description, VAT code (Fortnox-style; full list unconfirmed), SRU.
const CHART: &[(i64, &str, Option<&str>, i64)] = &[
    (1460, "Lager av handelsvaror", None, 7241),
    (1510, "Kundfordringar", None, 7251),
    (1580, "Fordringar för kontokort och kuponger", None, 7251),
    (1630, "Avräkning för skatter och avgifter (skattekonto)", None, 7261),
    (1910, "Kassa", None, 7281),
    (1920, "PlusGiro", None, 7281),
    (1930, "Företagskonto / checkkonto / affärskonto", None, 7281),
    (1940, "Övriga bankkonton", None, 7281),
    (2081, "Aktiekapital", None, 7301),
    (2421, "Ej inlösta presentkort", None, 7369),
    (2440, "Leverantörsskulder", None, 7365),
    (2611, "Utgående moms på försäljning inom Sverige, 25 %", Some("U1"), 7369),
    (2621, "Utgående moms på försäljning inom Sverige, 12 %", Some("U2"), 7369),
    (2631, "Utgående moms på försäljning inom Sverige, 6 %", Some("U3"), 7369),
    (2641, "Debiterad ingående moms", Some("I"), 7369),
    (2650, "Redovisningskonto för moms", None, 7369),
    (2710, "Personalskatt", None, 7369),
    (2731, "Avräkning lagstadgade sociala avgifter", None, 7369),
    (2890, "Övriga kortfristiga skulder", None, 7369),
    (3001, "Försäljning inom Sverige, 25 % moms", Some("MP1"), 7410),
    (3002, "Försäljning inom Sverige, 12 % moms", Some("MP2"), 7410),
    (3003, "Försäljning inom Sverige, 6 % moms", Some("MP3"), 7410),
    (3004, "Försäljning inom Sverige, momsfri", Some("MF"), 7410),
    (3041, "Försäljning tjänst, 25 % moms", Some("MP1"), 7410),
    (3520, "Fakturerade frakter", Some("MP1"), 7410),
    (3540, "Faktureringsavgifter", Some("MP1"), 7410),
    (3740, "Öres- och kronutjämning", None, 7410),
    (3960, "Valutakursvinster på fordringar och skulder av rörelsekaraktär", None, 7410),
    (3990, "Övriga ersättningar och intäkter", None, 7413),
    (4010, "Inköp material och varor", None, 7512),
    (5010, "Lokalhyra", None, 7513),
    (5410, "Förbrukningsinventarier", None, 7513),
    (6071, "Representation, avdragsgill", None, 7513),
    (6110, "Kontorsmateriel", None, 7513),
    (6212, "Mobiltelefon", None, 7513),
    (6570, "Bankkostnader", None, 7513),
    (7010, "Löner till kollektivanställda", None, 7514),
    (8310, "Ränteintäkter från omsättningstillgångar", None, 7417),
    (8410, "Räntekostnader för långfristiga skulder", None, 7522),
];

/// The BAS accounts a company's chart holds besides [`CHART`] (`bas_chart.txt`, with its
/// source): (number, name).
fn bas_chart() -> impl Iterator<Item = (i64, &'static str)> {
    include_str!("bas_chart.txt")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(n, name)| Some((n.parse().ok()?, name)))
}

/// Voucher series per year: code, description, Manual. Only B (customer invoices) is not manual.
pub const SERIES: &[(&str, &str, bool)] = &[
    ("A", "Redovisning", true),
    ("B", "Kundfakturor", false),
    ("C", "Inbetalningar", true),
    ("D", "Leverantörsfakturor", true),
    ("E", "Utbetalningar", true),
    ("F", "Kassa", true),
];

/// VAT rates (percent) the company has configured.
pub const VAT_RATES: [&str; 4] = ["25", "12", "6", "0"];

/// Default locked period: the last day of the month three months before `today`'s month.
pub fn default_locked_until(today: NaiveDate) -> NaiveDate {
    let first_of_month = today.with_day(1).unwrap_or(today);
    let first_of_next = first_of_month.checked_sub_months(Months::new(2)).unwrap_or(first_of_month);
    first_of_next.pred_opt().unwrap_or(first_of_next)
}

/// Seeds a new database. Returns whether anything was seeded.
pub fn seed_if_new(conn: &mut Connection, today: NaiveDate) -> rusqlite::Result<bool> {
    let years: i64 = conn.query_row("SELECT COUNT(*) FROM financial_years", [], |r| r.get(0))?;
    if years > 0 {
        return Ok(false);
    }
    let tx = conn.transaction()?;
    for year in today.year() - 1..=today.year() + 1 {
        let (Some(from), Some(to)) =
            (NaiveDate::from_ymd_opt(year, 1, 1), NaiveDate::from_ymd_opt(year, 12, 31))
        else {
            continue;
        };
        add_year(&tx, from, to)?;
    }
    for rate in VAT_RATES {
        tx.execute("INSERT OR IGNORE INTO vat_rates (rate) VALUES (?1)", [rate])?;
    }
    store::set_setting(&tx, store::LOCKED_UNTIL_KEY, &default_locked_until(today).to_string())?;
    tx.commit()?;
    Ok(true)
}

/// Adds a financial year with the seeded chart of accounts and voucher series (as Fortnox
/// copies them from the year before). Returns its Id.
pub fn add_year(conn: &Connection, from: NaiveDate, to: NaiveDate) -> rusqlite::Result<i64> {
    conn.execute(
        "INSERT INTO financial_years (from_date, to_date, chart_type, accounting_method)
         VALUES (?1, ?2, 'Bas 2012', 'ACCRUAL')",
        params![from.to_string(), to.to_string()],
    )?;
    let id = conn.last_insert_rowid();
    // The BAS chart first; the seeded chart's own accounts (VAT codes, SRU, inactive ones) win.
    let bas = bas_chart()
        .filter(|(number, _)| !CHART.iter().any(|c| c.0 == *number))
        .map(|(number, description)| (number, description, None, None));
    let own =
        CHART.iter().map(|&(number, description, vat, sru)| (number, description, vat, Some(sru)));
    for (number, description, vat_code, sru) in bas.chain(own) {
        store::put_account(
            conn,
            &Account {
                year: id,
                number,
                description: description.to_owned(),
                active: !INACTIVE_ACCOUNTS.contains(&number),
                vat_code: vat_code.map(str::to_owned),
                sru,
            },
        )?;
    }
    for &(code, description, manual) in SERIES {
        store::put_series(
            conn,
            &Series {
                year: id,
                code: code.to_owned(),
                description: description.to_owned(),
                manual,
                next_number: 1,
            },
        )?;
    }
    Ok(id)
}

/// Settings key marking that the registers (customers, articles, …) were seeded.
const REGISTERS_SEEDED: &str = "seeded.registers";
const OBJECTS_SEEDED: &str = "seeded.objects";

/// Made-up customers: number, name, organisation number, e-mail, type.
const CUSTOMERS: &[(&str, &str, &str, &str, &str)] = &[
    ("1", "Kafé Exempel AB", "559900-0011", "faktura@kafe-exempel.example", "COMPANY"),
    ("2", "Lunchbolaget i Sandvik AB", "559900-0029", "ekonomi@lunchbolaget.example", "COMPANY"),
    ("3", "Kontantkund Butik", "", "", "PRIVATE"),
    ("4", "Webbshopkund Test", "", "webbkund@example.com", "PRIVATE"),
];

/// Made-up articles: number, description, unit, VAT %, sales price, sales account, stock.
const ARTICLES: &[(&str, &str, &str, i64, i64, i64, i64)] = &[
    ("KAFFE", "Bryggkaffe", "st", 12, 32, 3002, 0),
    ("BULLE", "Kanelbulle", "st", 12, 28, 3002, 40),
    ("LUNCH", "Dagens lunch", "port", 12, 115, 3002, 0),
    ("KASSE", "Tygkasse", "st", 25, 49, 3001, 100),
    ("KOKBOK", "Kokbok Sandlådans recept", "st", 6, 249, 3003, 12),
];

const UNITS: &[(&str, &str, &str)] = &[
    ("st", "pcs", "Styck"),
    ("h", "h", "Timme"),
    ("kg", "kg", "Kilogram"),
    ("l", "l", "Liter"),
    ("förp", "pkg", "Förpackning"),
    ("port", "port", "Portion"),
];

const TERMS_OF_PAYMENT: &[(&str, &str)] = &[
    ("0", "Kontant"),
    ("10", "10 dagar netto"),
    ("15", "15 dagar netto"),
    ("20", "20 dagar netto"),
    ("30", "30 dagar netto"),
];

/// Cost centres (code, description) and projects (number, description) of the test company.
const COST_CENTERS: &[(&str, &str)] = &[("10", "Administration"), ("20", "Restaurang")];
const PROJECTS: &[(&str, &str)] = &[("1", "Internt")];

const MODES_OF_PAYMENT: &[(&str, &str, i64)] = &[
    ("BG", "Bankgiro", 1930),
    ("PG", "PlusGiro", 1920),
    ("K", "Kontant", 1910),
    ("KORT", "Kortbetalning", 1580),
    ("SWISH", "Swish", 1930),
];

/// Seeds customers, articles, units, terms and modes of payment once per database, and the
/// cost centres and projects.
pub fn seed_registers(conn: &mut Connection) -> Result<(), super::errors::ApiError> {
    use super::documents::{self, kind};
    use serde_json::json;
    seed_objects(conn)?;
    if store::get_setting(conn, REGISTERS_SEEDED)?.is_some() {
        return Ok(());
    }
    let tx = conn.transaction()?;
    let put =
        |kind: &str, key: &str, value: serde_json::Value| -> Result<(), super::errors::ApiError> {
            let map = value.as_object().cloned().unwrap_or_default();
            documents::put(&tx, kind, key, &map)
        };
    for &(code, english, description) in UNITS {
        put(
            kind::UNIT,
            code,
            json!({"Code": code, "CodeEnglish": english, "Description": description}),
        )?;
    }
    for &(code, description) in TERMS_OF_PAYMENT {
        put(kind::TERMS_OF_PAYMENT, code, json!({"Code": code, "Description": description}))?;
    }
    for &(code, description, account) in MODES_OF_PAYMENT {
        let value = json!({"Code": code, "Description": description, "AccountNumber": account});
        put(kind::MODE_OF_PAYMENT, code, value)?;
    }
    for &(number, name, org, email, kind_text) in CUSTOMERS {
        let value = json!({
            "Active": true, "Address1": "Testgatan 2", "Address2": "", "City": "Sandvik",
            "Country": "Sverige", "CountryCode": "SE", "Currency": "SEK", "CustomerNumber": number,
            "Email": email, "Name": name, "OrganisationNumber": org, "Phone": "", "Phone1": "",
            "TermsOfPayment": "30", "Type": kind_text, "VATType": "SEVAT", "ZipCode": "123 45",
        });
        put(kind::CUSTOMER, number, value)?;
    }
    for &(number, description, unit, vat, price, account, stock) in ARTICLES {
        let value = json!({
            "Active": true, "ArticleNumber": number, "Description": description, "EAN": "",
            "Housework": false, "PurchasePrice": 0, "QuantityInStock": stock,
            "DisposableQuantity": stock, "ReservedQuantity": 0, "SalesAccount": account,
            "SalesPrice": price, "StockGoods": stock > 0, "StockValue": 0, "Type": "STOCK",
            "Unit": unit, "VAT": vat, "WebshopArticle": false,
        });
        put(kind::ARTICLE, number, value)?;
    }
    store::set_setting(&tx, "counter.customer", "5")?;
    store::set_setting(&tx, REGISTERS_SEEDED, "1")?;
    tx.commit()?;
    Ok(())
}

/// Hook for loading a chart of accounts (e.g. the `#KONTO` lines of a SIE file): adds each
/// `(number, name)` to every financial year as an active account, or renames an existing one
/// (its Active flag is kept). Numbers outside 1000–9999 are skipped. Returns how many accounts
/// were accepted.
pub fn load_chart(conn: &mut Connection, accounts: &[(String, String)]) -> rusqlite::Result<usize> {
    let tx = conn.transaction()?;
    let years: Vec<i64> = store::financial_years(&tx)?.into_iter().map(|y| y.id).collect();
    let mut accepted = 0;
    for (number, name) in accounts {
        let Ok(number) = number.trim().parse::<i64>() else { continue };
        if !(1000..=9999).contains(&number) || name.trim().is_empty() {
            continue;
        }
        accepted += 1;
        for &year in &years {
            store::put_account(
                &tx,
                &Account {
                    year,
                    number,
                    description: name.trim().to_owned(),
                    active: true,
                    vat_code: None,
                    sru: None,
                },
            )?;
        }
    }
    tx.commit()?;
    Ok(accepted)
}

/// Seeds the cost centres and projects once per database (also one a release before wrote,
/// which had none).
fn seed_objects(conn: &mut Connection) -> Result<(), super::errors::ApiError> {
    if store::get_setting(conn, OBJECTS_SEEDED)?.is_some() {
        return Ok(());
    }
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
    };
    load_objects(conn, &pairs(COST_CENTERS), &pairs(PROJECTS))?;
    store::set_setting(conn, OBJECTS_SEEDED, "1")?;
    Ok(())
}

/// Adds the cost centres and projects not there yet (see [`Sandbox::load_objects`]).
///
/// [`Sandbox::load_objects`]: super::Sandbox::load_objects
pub fn load_objects(
    conn: &mut Connection,
    cost_centers: &[(String, String)],
    projects: &[(String, String)],
) -> Result<(usize, usize), super::errors::ApiError> {
    use super::documents::{self, kind};
    use serde_json::json;
    let tx = conn.transaction()?;
    // Each register: its kind, and its document for a code and a name.
    let add = |kind: &str,
               list: &[(String, String)],
               doc: &dyn Fn(&str, &str) -> serde_json::Value|
     -> Result<usize, super::errors::ApiError> {
        let mut added = 0;
        for (code, name) in list {
            let code = code.trim();
            if code.is_empty() || documents::exists(&tx, kind, code)? {
                continue;
            }
            let value = doc(code, name);
            documents::put(&tx, kind, code, value.as_object().unwrap_or(&serde_json::Map::new()))?;
            added += 1;
        }
        Ok(added)
    };
    let added = (
        add(
            kind::COST_CENTER,
            cost_centers,
            &|code, name| json!({"Active": true, "Code": code, "Description": name, "Note": ""}),
        )?,
        add(
            kind::PROJECT,
            projects,
            &|number, name| json!({"Description": name, "ProjectNumber": number, "Status": "ONGOING"}),
        )?,
    );
    tx.commit()?;
    Ok(added)
}

#[cfg(test)]
mod tests;
