//! The sandbox's `SQLite` store: schema, connection handling and small shared queries.
//!
//! One connection behind a mutex; handlers run their whole unit of work (validate, number,
//! insert) inside one closure on a blocking thread, so writes are serialised and atomic. Knows
//! nothing about HTTP beyond returning [`ApiError`].

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, params};

use super::errors::{ApiError, code};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS financial_years (
    id INTEGER PRIMARY KEY, from_date TEXT NOT NULL, to_date TEXT NOT NULL,
    chart_type TEXT NOT NULL, accounting_method TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS accounts (
    year INTEGER NOT NULL, number INTEGER NOT NULL, description TEXT NOT NULL,
    active INTEGER NOT NULL, vat_code TEXT, sru INTEGER, PRIMARY KEY (year, number));
CREATE TABLE IF NOT EXISTS voucher_series (
    year INTEGER NOT NULL, code TEXT NOT NULL, description TEXT NOT NULL,
    manual INTEGER NOT NULL, next_number INTEGER NOT NULL, PRIMARY KEY (year, code));
CREATE TABLE IF NOT EXISTS vouchers (
    year INTEGER NOT NULL, series TEXT NOT NULL, number INTEGER NOT NULL,
    transaction_date TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (year, series, number));
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY, kind TEXT NOT NULL, client_id TEXT NOT NULL, tenant TEXT NOT NULL,
    scope TEXT NOT NULL, redirect_uri TEXT, expires_at INTEGER NOT NULL,
    used INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS documents (
    kind TEXT NOT NULL, key TEXT NOT NULL, seq INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (kind, key));
CREATE TABLE IF NOT EXISTS vat_rates (rate TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS inbox_files (
    id TEXT PRIMARY KEY, seq INTEGER NOT NULL, name TEXT NOT NULL, path TEXT NOT NULL,
    size INTEGER NOT NULL, content BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS voucher_file_connections (
    file_id TEXT PRIMARY KEY, year INTEGER NOT NULL, series TEXT NOT NULL,
    number INTEGER NOT NULL);
";

/// Shared handle to the sandbox database.
#[derive(Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
}

impl Store {
    /// Opens (or creates) the database and makes sure the schema exists.
    pub fn open(path: Option<&Path>) -> Result<Store, rusqlite::Error> {
        let conn = match path {
            Some(path) => {
                let conn = Connection::open(path)?;
                conn.pragma_update(None, "journal_mode", "WAL")?;
                conn
            }
            None => Connection::open_in_memory()?,
        };
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        Ok(Store { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` with the connection on the current thread (start-up only).
    pub fn with<T>(&self, f: impl FnOnce(&mut Connection) -> T) -> T {
        let mut guard = self.conn.lock().unwrap_or_else(PoisonError::into_inner);
        f(&mut guard)
    }

    /// Runs `f` with the connection on a blocking thread.
    pub async fn call<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&mut Connection) -> Result<T, ApiError> + Send + 'static,
        T: Send + 'static,
    {
        let conn = Arc::clone(&self.conn);
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(PoisonError::into_inner);
            f(&mut guard)
        })
        .await
        .map_err(|err| ApiError::Internal(err.to_string()))?
    }
}

/// Reads a value from the `settings` table.
pub fn get_setting(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |row| row.get(0)).optional()
}

/// Writes a value to the `settings` table.
pub fn set_setting(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Takes the next number of a named counter (customers, orders, …), starting at `first`.
pub fn next_counter(conn: &Connection, name: &str, first: u64) -> Result<u64, ApiError> {
    let key = format!("counter.{name}");
    let current = get_setting(conn, &key)?.and_then(|v| v.parse::<u64>().ok()).unwrap_or(first);
    set_setting(conn, &key, &(current + 1).to_string())?;
    Ok(current)
}

/// Key of the locked-period end date in `settings`; absent = nothing locked.
pub const LOCKED_UNTIL_KEY: &str = "locked_until";

/// The locked period's end date, if any.
pub fn locked_until(conn: &Connection) -> rusqlite::Result<Option<NaiveDate>> {
    Ok(get_setting(conn, LOCKED_UNTIL_KEY)?.and_then(|v| v.parse().ok()))
}

/// One financial year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinancialYear {
    pub id: i64,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub chart_type: String,
    pub accounting_method: String,
}

impl FinancialYear {
    pub fn contains(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }
}

fn year_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<FinancialYear> {
    let parse = |idx: usize| -> rusqlite::Result<NaiveDate> {
        let text: String = row.get(idx)?;
        text.parse().map_err(|err| {
            rusqlite::Error::FromSqlConversionFailure(
                idx,
                rusqlite::types::Type::Text,
                Box::new(err),
            )
        })
    };
    Ok(FinancialYear {
        id: row.get(0)?,
        from: parse(1)?,
        to: parse(2)?,
        chart_type: row.get(3)?,
        accounting_method: row.get(4)?,
    })
}

const YEAR_COLUMNS: &str = "id, from_date, to_date, chart_type, accounting_method";

/// All financial years, by Id.
pub fn financial_years(conn: &Connection) -> rusqlite::Result<Vec<FinancialYear>> {
    let mut stmt =
        conn.prepare(&format!("SELECT {YEAR_COLUMNS} FROM financial_years ORDER BY id"))?;
    stmt.query_map([], year_from_row)?.collect()
}

/// The financial year with this Id.
pub fn financial_year(conn: &Connection, id: i64) -> rusqlite::Result<Option<FinancialYear>> {
    conn.query_row(
        &format!("SELECT {YEAR_COLUMNS} FROM financial_years WHERE id = ?1"),
        [id],
        year_from_row,
    )
    .optional()
}

/// The financial year covering `date`.
pub fn financial_year_for(
    conn: &Connection,
    date: NaiveDate,
) -> rusqlite::Result<Option<FinancialYear>> {
    let date = date.to_string();
    conn.query_row(
        &format!(
            "SELECT {YEAR_COLUMNS} FROM financial_years
             WHERE from_date <= ?1 AND to_date >= ?1 ORDER BY id LIMIT 1"
        ),
        [date],
        year_from_row,
    )
    .optional()
}

/// Which financial year a request means: `financialyear` (Id), else `financialyeardate`, else the
/// "preselected" year, which in the sandbox is the one covering `today`.
pub fn resolve_year(
    conn: &Connection,
    year_id: Option<&str>,
    year_date: Option<&str>,
    today: NaiveDate,
) -> Result<FinancialYear, ApiError> {
    if let Some(raw) = year_id {
        let id: i64 =
            raw.trim().parse().map_err(|_| ApiError::invalid_parameter("financialyear"))?;
        return financial_year(conn, id)?.ok_or_else(|| {
            ApiError::bad(code::FINANCIAL_YEAR_MISSING, format!("Räkenskapsår {id} hittades inte."))
        });
    }
    let date = match year_date {
        Some(raw) => {
            raw.trim().parse().map_err(|_| ApiError::invalid_parameter("financialyeardate"))?
        }
        None => today,
    };
    year_of(conn, date)
}

/// The financial year `date` falls in, or Fortnox's error for a date outside every year.
pub fn year_of(conn: &Connection, date: NaiveDate) -> Result<FinancialYear, ApiError> {
    financial_year_for(conn, date)?.ok_or_else(|| ApiError::no_financial_year(date))
}

/// One account row of one financial year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub year: i64,
    pub number: i64,
    pub description: String,
    pub active: bool,
    pub vat_code: Option<String>,
    pub sru: Option<i64>,
}

fn account_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Account> {
    Ok(Account {
        year: row.get(0)?,
        number: row.get(1)?,
        description: row.get(2)?,
        active: row.get(3)?,
        vat_code: row.get(4)?,
        sru: row.get(5)?,
    })
}

const ACCOUNT_COLUMNS: &str = "year, number, description, active, vat_code, sru";

/// One account in one year.
pub fn account(conn: &Connection, year: i64, number: i64) -> rusqlite::Result<Option<Account>> {
    conn.query_row(
        &format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE year = ?1 AND number = ?2"),
        [year, number],
        account_from_row,
    )
    .optional()
}

/// All accounts of one year, by number.
pub fn accounts(conn: &Connection, year: i64) -> rusqlite::Result<Vec<Account>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE year = ?1 ORDER BY number"
    ))?;
    stmt.query_map([year], account_from_row)?.collect()
}

/// Inserts or replaces an account row.
pub fn put_account(conn: &Connection, account: &Account) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO accounts (year, number, description, active, vat_code, sru)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)
         ON CONFLICT (year, number) DO UPDATE SET description = excluded.description",
        params![
            account.year,
            account.number,
            account.description,
            account.active,
            account.vat_code,
            account.sru
        ],
    )?;
    Ok(())
}

/// One voucher series of one financial year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Series {
    pub year: i64,
    pub code: String,
    pub description: String,
    pub manual: bool,
    pub next_number: i64,
}

fn series_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Series> {
    Ok(Series {
        year: row.get(0)?,
        code: row.get(1)?,
        description: row.get(2)?,
        manual: row.get(3)?,
        next_number: row.get(4)?,
    })
}

const SERIES_COLUMNS: &str = "year, code, description, manual, next_number";

/// One series in one year (codes compare case-insensitively, stored upper-case).
pub fn series(conn: &Connection, year: i64, code: &str) -> rusqlite::Result<Option<Series>> {
    conn.query_row(
        &format!("SELECT {SERIES_COLUMNS} FROM voucher_series WHERE year = ?1 AND code = ?2"),
        params![year, code.to_uppercase()],
        series_from_row,
    )
    .optional()
}

/// All series of one year, by code.
pub fn all_series(conn: &Connection, year: i64) -> rusqlite::Result<Vec<Series>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SERIES_COLUMNS} FROM voucher_series WHERE year = ?1 ORDER BY code"
    ))?;
    stmt.query_map([year], series_from_row)?.collect()
}

/// Inserts a series (no-op if it exists).
pub fn put_series(conn: &Connection, series: &Series) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT OR IGNORE INTO voucher_series (year, code, description, manual, next_number)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![series.year, series.code, series.description, series.manual, series.next_number],
    )?;
    Ok(())
}
