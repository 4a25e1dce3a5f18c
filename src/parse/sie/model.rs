//! The typed content of a SIE file. Field names follow the spec's labels (`#VER` → [`Ver`],
//! `#TRANS` → [`Trans`]).

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::diagnostic::Diagnostic;

/// How the bytes of a file were decoded. Detected from the bytes, never from `#FORMAT`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Encoding {
    /// Only 7-bit bytes: identical in every encoding SIE files use.
    #[default]
    Ascii,
    Utf8,
    /// UTF-8 with a byte order mark (stripped).
    Utf8Bom,
    /// IBM PC code page 437 ("PC8"), the one the spec allows.
    Cp437,
    /// ISO-8859-1 / Windows-1252.
    Latin1,
}

impl Encoding {
    /// The name used in `check` output: `ascii`, `utf-8`, `utf-8-bom`, `cp437`, `latin-1`.
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Ascii => "ascii",
            Encoding::Utf8 => "utf-8",
            Encoding::Utf8Bom => "utf-8-bom",
            Encoding::Cp437 => "cp437",
            Encoding::Latin1 => "latin-1",
        }
    }
}

/// Options that change how strict the reader is.
#[derive(Debug, Clone)]
pub struct ParseOptions {
    /// Accept a file whose `#KSUMMA` does not match (reported as a warning instead of an error).
    pub accept_bad_checksum: bool,
    /// Stop collecting errors after this many (the file is rejected either way).
    pub max_errors: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { accept_bad_checksum: false, max_errors: 100 }
    }
}

/// `#RAR`: one fiscal year, 0 = current, -1 = previous, ...
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FiscalYear {
    pub index: i32,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// `#KONTO`: an account of the chart. Account ids are strings (`0027`, `DF` occur in real files).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub number: String,
    pub name: String,
}

/// One `dimension object` pair of an object list (`{1 "0123" 6 "P1"}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ObjectRef {
    pub dimension: String,
    pub object: String,
}

/// `#TRANS` (or `#RTRANS`, whose mirror `#TRANS` is then not booked twice): one booked row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trans {
    /// 1-based line of the record in the file.
    pub line: usize,
    pub account: String,
    pub objects: Vec<ObjectRef>,
    /// Debit positive, credit negative, exactly as written.
    pub amount: Decimal,
    /// `transdat`; `None` means the voucher date.
    pub date: Option<NaiveDate>,
    /// `transtext`; empty when absent.
    pub text: String,
    /// `kvantitet`; `None` when absent or zero.
    pub quantity: Option<Decimal>,
    pub sign: Option<String>,
}

/// `#VER` with its block: one voucher.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Ver {
    /// 1-based line of the `#VER` record.
    pub line: usize,
    /// Series as written; empty for `""` (4I files leave numbering to the importer).
    pub series: String,
    /// Number as written; empty for `""`.
    pub number: String,
    pub date: NaiveDate,
    pub text: String,
    pub reg_date: Option<NaiveDate>,
    pub sign: Option<String>,
    /// The booked rows: every `#TRANS` except `#RTRANS` mirrors, with `#RTRANS` rows in their place.
    pub rows: Vec<Trans>,
    /// `#BTRANS` rows: struck, never booked, kept for the record.
    pub removed: Vec<Trans>,
}

/// `#DIM dimensionsnr namn` or `#UNDERDIM dimensionsnr namn superdimension`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dimension {
    pub number: String,
    pub name: String,
    /// The parent dimension for `#UNDERDIM`.
    pub parent: Option<String>,
}

/// `#OBJEKT dimensionsnr objektnr objektnamn`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub dimension: String,
    pub object: String,
    pub name: String,
}

/// One balance record: `#IB #UB #RES` (no period, no objects), `#OIB #OUB` (objects),
/// `#PSALDO #PBUDGET` (period and objects).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Balance {
    pub line: usize,
    /// The label without `#`: `IB`, `UB`, `RES`, `OIB`, `OUB`, `PSALDO`, `PBUDGET`.
    pub kind: String,
    /// `årsnr`: 0 current year, -1 previous, ...
    pub year: i32,
    /// `YYYYMM` for `#PSALDO`/`#PBUDGET`.
    pub period: Option<String>,
    pub account: String,
    pub objects: Vec<ObjectRef>,
    pub amount: Decimal,
    pub quantity: Option<Decimal>,
}

/// `#KSUMMA`: the declared control sum and the one computed over the records between.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checksum {
    /// Line of the closing `#KSUMMA`.
    pub line: usize,
    pub declared: u32,
    pub computed: u32,
}

impl Checksum {
    pub fn ok(&self) -> bool {
        self.declared == self.computed
    }
}

/// Everything read from one SIE file, plus what was wrong with it.
#[derive(Debug, Clone, Default)]
pub struct SieFile {
    pub encoding: Encoding,
    /// `#SIETYP` (1-4); `None` when absent.
    pub sie_type: Option<u8>,
    /// `#FLAGGA`: `1` means an importer already took this file.
    pub flag: Option<String>,
    /// `#PROGRAM` name and version.
    pub program: Option<(String, String)>,
    pub company_name: Option<String>,
    pub org_number: Option<String>,
    pub fiscal_years: Vec<FiscalYear>,
    pub accounts: Vec<Account>,
    /// Whether the file carries balance records (`#IB #UB #RES #OIB #OUB #PSALDO #PBUDGET`).
    pub has_balances: bool,
    pub vouchers: Vec<Ver>,
    /// `#DIM` and `#UNDERDIM`: declared dimensions.
    pub dimensions: Vec<Dimension>,
    /// `#OBJEKT`: declared objects.
    pub objects: Vec<Object>,
    /// `#IB #UB #RES #OIB #OUB #PSALDO #PBUDGET` records, in file order.
    pub balances: Vec<Balance>,
    /// `#FORMAT` as written (never used to pick the encoding).
    pub format: Option<String>,
    /// `#GEN` date.
    pub generated: Option<NaiveDate>,
    /// `#KSUMMA` outcome when the file carries a checksum.
    pub checksum: Option<Checksum>,
    /// Latin-1 letters found inside a CP437 file and decoded as Latin-1 (see `encoding`).
    pub repaired_chars: usize,
    /// Problems that make the file unusable; collected up to [`ParseOptions::max_errors`].
    pub errors: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl SieFile {
    /// `4I` or `4E` for type 4 (4E when the file carries balances), else the type number.
    pub fn kind(&self) -> String {
        match self.sie_type {
            Some(4) if self.has_balances => "4E".to_owned(),
            Some(4) => "4I".to_owned(),
            Some(t) => t.to_string(),
            None => "1".to_owned(),
        }
    }

    /// Number of booked rows over all vouchers.
    pub fn booked_rows(&self) -> usize {
        self.vouchers.iter().map(|v| v.rows.len()).sum()
    }

    /// Sum of the positive booked amounts over all vouchers.
    pub fn debit_total(&self) -> Decimal {
        self.vouchers
            .iter()
            .flat_map(|v| &v.rows)
            .map(|t| t.amount)
            .filter(Decimal::is_sign_positive)
            .sum()
    }
}
