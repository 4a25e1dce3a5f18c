//! The Z numbers of each register: a Z-dagrapport's löpnummer is an unbroken ascending series
//! per register (SKVFS 2014:9 7 kap. 3 §), so a number that never arrives is a day of sales
//! missing from the books. Kept per (organisation number, register): every number registered,
//! and the first one seen (the baseline: nothing before it is missed).
//!
//! A number above the highest seen plus one opens a gap, recorded with the file that revealed
//! it (its warning, and one notification). The holes themselves are not stored: they are what
//! lies between the registered numbers, so a late arrival (a re-sent older day) closes its hole
//! by being registered, and `status` lists what is still open. A duplicate, or a number below
//! the highest, never opens a gap.

mod capitals;

use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;

use super::{Ledger, LedgerError, now};
use crate::audit;
use crate::convert::zreport::ZNumber;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS zreport_registers (
    org TEXT NOT NULL,                -- organisation number, digits only
    register TEXT NOT NULL,           -- kassabeteckning, as the reports spell it
    baseline INTEGER NOT NULL,        -- the first Z number seen: none before it is missed
    since TEXT NOT NULL,
    PRIMARY KEY (org, register)
);
CREATE TABLE IF NOT EXISTS zreport_numbers (
    org TEXT NOT NULL,
    register TEXT NOT NULL,
    z_number INTEGER NOT NULL,
    file_id INTEGER NOT NULL REFERENCES files (id),
    at TEXT NOT NULL,
    PRIMARY KEY (org, register, z_number)
);
CREATE TABLE IF NOT EXISTS zreport_gaps (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files (id), -- the file whose report revealed it
    line INTEGER NOT NULL,
    org TEXT NOT NULL,
    register TEXT NOT NULL,
    after INTEGER NOT NULL,           -- the highest number seen before
    before INTEGER NOT NULL,          -- the number that arrived
    notified INTEGER NOT NULL DEFAULT 0,
    found_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS zreport_gaps_file ON zreport_gaps (file_id);
";

/// Numbers a person declared will never arrive (`zreport waive`), with why: they close their
/// hole as an arrived number does. Created on every open (the tables above only once).
const WAIVED: &str = "
CREATE TABLE IF NOT EXISTS zreport_waived (
    org TEXT NOT NULL,
    register TEXT NOT NULL,
    z_number INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (org, register, z_number)
);
";

/// Up to this many missing numbers are listed one by one; more are told as a range.
pub const LISTED_MAX: u64 = 10;

/// Numbers of a register that have not arrived: those between `after` and `before`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ZGap {
    /// Organisation number, digits only.
    pub org: String,
    pub register: String,
    /// The number below the hole that arrived.
    pub after: u64,
    /// The number above the hole that arrived.
    pub before: u64,
}

impl ZGap {
    /// How many numbers are missing.
    pub fn missing(&self) -> u64 {
        self.before.saturating_sub(self.after).saturating_sub(1)
    }

    /// `Z 1044 has not arrived (between 1043 and 1045)`; more than [`LISTED_MAX`] numbers are
    /// told as a range.
    pub fn missing_text(&self) -> String {
        let (first, last) = (self.after.saturating_add(1), self.before.saturating_sub(1));
        let n = self.missing();
        let numbers = match n {
            0 | 1 => format!("Z {first} has"),
            _ if n <= LISTED_MAX => {
                let up_to_last: Vec<String> = (first..last).map(|z| z.to_string()).collect();
                format!("Z {} and {last} have", up_to_last.join(", "))
            }
            _ => format!("Z {first} to {last} ({n} numbers) have"),
        };
        format!("{numbers} not arrived (between {} and {})", self.after, self.before)
    }

    /// `register KASSA1: Z 1044 has not arrived (between 1043 and 1045)`.
    pub fn describe(&self) -> String {
        format!("register {}: {}", self.register, self.missing_text())
    }

    /// The organisation number as it is written: `NNNNNN-NNNN` (or `YYYYMMDD-NNNN`).
    pub fn org_display(&self) -> String {
        match self.org.len() {
            10 | 12 => {
                format!("{}-{}", &self.org[..self.org.len() - 4], &self.org[self.org.len() - 4..])
            }
            _ => self.org.clone(),
        }
    }
}

/// A gap as the file that revealed it found it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZGapFound {
    pub gap: ZGap,
    /// Line of the revealing report in its file.
    pub line: usize,
    /// Whether a notification was sent for it.
    pub notified: bool,
}

/// Creates the tables; a ledger made before them gets each register's highest Z number so far
/// as its baseline (so the first report after the upgrade is checked against it).
pub(super) fn migrate(conn: &mut Connection) -> rusqlite::Result<()> {
    conn.execute_batch(WAIVED)?;
    if table_exists(conn)? {
        normalise(conn)?;
        return capitals::merge(conn);
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    if !table_exists(&tx)? {
        tx.execute_batch(SCHEMA)?;
        backfill(&tx)?;
    }
    tx.commit()
}

/// Registers as this release names them: the company by its ten digits, the register id
/// trimmed (releases before kept a 12-digit number and the id as the report wrote it, so the
/// first report after the upgrade would start a new series and a missing day go untold). A
/// register known under both names keeps the lower baseline; a number or waiver known under
/// both is kept once. Does nothing once done (nothing matches).
fn normalise(conn: &mut Connection) -> rusqlite::Result<()> {
    const OLD: &str = "(length(org) = 12 OR register <> trim(register))";
    const NEW_ORG: &str = "CASE WHEN length(org) = 12 THEN substr(org, 3) ELSE org END";
    let pending: bool = conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM zreport_registers WHERE {OLD})"),
        [],
        |r| r.get(0),
    )?;
    if !pending {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch(&format!(
        "UPDATE zreport_registers AS n SET baseline = min(n.baseline, (
             SELECT min(o.baseline) FROM zreport_registers AS o WHERE {OLD_O}
             AND (CASE WHEN length(o.org) = 12 THEN substr(o.org, 3) ELSE o.org END) = n.org
             AND trim(o.register) = n.register))
         WHERE NOT {OLD} AND EXISTS (SELECT 1 FROM zreport_registers AS o WHERE {OLD_O}
             AND (CASE WHEN length(o.org) = 12 THEN substr(o.org, 3) ELSE o.org END) = n.org
             AND trim(o.register) = n.register);
         UPDATE OR IGNORE zreport_registers SET org = {NEW_ORG}, register = trim(register)
             WHERE {OLD};
         DELETE FROM zreport_registers WHERE {OLD};
         UPDATE OR IGNORE zreport_numbers SET org = {NEW_ORG}, register = trim(register)
             WHERE {OLD};
         DELETE FROM zreport_numbers WHERE {OLD};
         UPDATE OR IGNORE zreport_waived SET org = {NEW_ORG}, register = trim(register)
             WHERE {OLD};
         DELETE FROM zreport_waived WHERE {OLD};
         UPDATE zreport_gaps SET org = {NEW_ORG}, register = trim(register) WHERE {OLD};",
        OLD_O = "(length(o.org) = 12 OR o.register <> trim(o.register))",
    ))?;
    tx.commit()
}

fn table_exists(c: &Connection) -> rusqlite::Result<bool> {
    c.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table'
         AND name = 'zreport_registers')",
        [],
        |r| r.get(0),
    )
}

/// Seeds the baselines from the Z-report documents an older version registered.
fn backfill(c: &Connection) -> rusqlite::Result<()> {
    let docs: Vec<(String, i64)> = {
        let mut stmt = c.prepare(
            "SELECT reference, file_id FROM documents WHERE reference LIKE 'zreport:%' ORDER BY id",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<_>>()?
    };
    let mut highest: Vec<(String, String, u64, i64)> = Vec::new();
    for (reference, file_id) in docs {
        let Some((org, register, z)) = parse_reference(&reference) else { continue };
        match highest.iter_mut().find(|h| h.0 == org && h.1 == register) {
            Some(h) if z > h.2 => (h.2, h.3) = (z, file_id),
            Some(_) => {}
            None => highest.push((org, register, z, file_id)),
        }
    }
    for (org, register, z, file_id) in highest {
        c.execute(
            "INSERT INTO zreport_registers (org, register, baseline, since)
             VALUES (?1, ?2, ?3, ?4)",
            params![org, register, sql_int(z), now()],
        )?;
        c.execute(
            "INSERT INTO zreport_numbers (org, register, z_number, file_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![org, register, sql_int(z), file_id, now()],
        )?;
    }
    Ok(())
}

/// (org, register, Z number) of a Z-report document's reference,
/// `zreport:<org digits>:<register>:<z>:<content version>` (the register may hold `:`).
pub(crate) fn parse_reference(reference: &str) -> Option<(String, String, u64)> {
    let rest = reference.strip_prefix("zreport:")?;
    let (org, rest) = rest.split_once(':')?;
    let (rest, _version) = rest.rsplit_once(':')?;
    let (register, z) = rest.rsplit_once(':')?;
    Some((org.to_owned(), register.to_owned(), z.parse().ok()?))
}

fn sql_int(z: u64) -> i64 {
    i64::try_from(z).unwrap_or(i64::MAX)
}

fn from_sql(z: i64) -> u64 {
    u64::try_from(z).unwrap_or(0)
}

/// Registers the Z numbers a file carries (call in the transaction that registers its
/// documents) and records the gaps they open. In ascending order per register, so a file that
/// carries several days opens no gap between them.
pub(super) fn record(c: &Connection, file_id: i64, numbers: &[ZNumber]) -> rusqlite::Result<()> {
    let mut sorted: Vec<&ZNumber> = numbers.iter().collect();
    sorted.sort();
    for n in sorted {
        // A register renamed in the till in other capitals is the same register: its numbers
        // go on in the series under the spelling it has (no false gap for the day renamed).
        let register: String = c
            .query_row(
                "SELECT register FROM zreport_registers
                 WHERE org = ?1 AND register = ?2 COLLATE NOCASE
                 ORDER BY register = ?2 DESC LIMIT 1",
                params![n.org, n.register],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_else(|| n.register.clone());
        let (org, register, z) = (&n.org, &register, sql_int(n.z));
        let known = c
            .query_row(
                "SELECT 1 FROM zreport_registers WHERE org = ?1 AND register = ?2",
                params![org, register],
                |_| Ok(()),
            )
            .optional()?
            .is_some();
        if !known {
            c.execute(
                "INSERT INTO zreport_registers (org, register, baseline, since)
                 VALUES (?1, ?2, ?3, ?4)",
                params![org, register, z, now()],
            )?;
        }
        let highest: Option<i64> = c.query_row(
            "SELECT MAX(z_number) FROM zreport_numbers WHERE org = ?1 AND register = ?2",
            params![org, register],
            |r| r.get(0),
        )?;
        let added = c.execute(
            "INSERT OR IGNORE INTO zreport_numbers (org, register, z_number, file_id, at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![org, register, z, file_id, now()],
        )?;
        let Some(highest) = highest else { continue };
        if added == 0 || z <= highest.saturating_add(1) {
            continue;
        }
        let gap = ZGap {
            org: org.clone(),
            register: register.clone(),
            after: from_sql(highest),
            before: n.z,
        };
        c.execute(
            "INSERT INTO zreport_gaps (file_id, line, org, register, after, before, found_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                file_id,
                i64::try_from(n.line).unwrap_or(i64::MAX),
                org,
                register,
                highest,
                z,
                now()
            ],
        )?;
        audit::append(c, "zreport gap", Some(file_id), None, &gap.describe())?;
    }
    Ok(())
}

impl Ledger {
    /// The gaps the Z-reports of file `file_id` revealed when they were registered.
    pub fn zreport_gaps_found(&self, file_id: i64) -> Result<Vec<ZGapFound>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT org, register, after, before, line, notified FROM zreport_gaps
                 WHERE file_id = ?1 ORDER BY id",
            )?;
            stmt.query_map([file_id], |r| {
                Ok(ZGapFound {
                    gap: ZGap {
                        org: r.get(0)?,
                        register: r.get(1)?,
                        after: from_sql(r.get(2)?),
                        before: from_sql(r.get(3)?),
                    },
                    line: usize::try_from(r.get::<_, i64>(4)?).unwrap_or(0),
                    notified: r.get::<_, i64>(5)? != 0,
                })
            })?
            .collect()
        })
    }

    /// Records that a person was told about the gaps file `file_id` revealed.
    pub fn mark_zreport_gaps_notified(&self, file_id: i64) -> Result<(), LedgerError> {
        self.write(|c| {
            let n = c.execute(
                "UPDATE zreport_gaps SET notified = 1 WHERE file_id = ?1 AND notified = 0",
                [file_id],
            )?;
            if n > 0 {
                audit::append(c, "notified", Some(file_id), None, "zreport gap")?;
            }
            Ok(())
        })
    }

    /// Records that Z `from` to `to` of a register will never arrive (a training day, a
    /// report lost with a broken register), for `reason`: they are no longer listed as missing.
    /// The caller checks that they are missing.
    pub fn waive_zreport_numbers(
        &self,
        gap: &ZGap,
        from: u64,
        to: u64,
        reason: &str,
    ) -> Result<(), LedgerError> {
        self.write(|c| {
            for z in from..=to {
                c.execute(
                    "INSERT OR IGNORE INTO zreport_waived (org, register, z_number, reason, at)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![gap.org, gap.register, sql_int(z), reason, now()],
                )?;
            }
            let numbers =
                if from == to { format!("Z {from}") } else { format!("Z {from} to {to}") };
            let detail = format!(
                "register {} ({}): {numbers} will not arrive: {reason}",
                gap.register,
                gap.org_display()
            );
            audit::append(c, "zreport waived", None, None, &detail)
        })
    }

    /// Every hole still open: numbers between two that arrived or were waived (at or above the
    /// register's baseline), by organisation, register and number.
    pub fn zreport_gaps_open(&self) -> Result<Vec<ZGap>, LedgerError> {
        self.with_conn(|c| {
            let mut stmt = c.prepare(
                "SELECT org, register, prev, z FROM (
                   SELECT n.org, n.register, n.z_number AS z, LAG(n.z_number) OVER (
                     PARTITION BY n.org, n.register ORDER BY n.z_number) AS prev
                   FROM (SELECT org, register, z_number FROM zreport_numbers
                         UNION SELECT org, register, z_number FROM zreport_waived) n
                   JOIN zreport_registers r
                     ON r.org = n.org AND r.register = n.register
                   WHERE n.z_number >= r.baseline)
                 WHERE prev IS NOT NULL AND z > prev + 1
                 ORDER BY org, register, z",
            )?;
            stmt.query_map([], |r| {
                Ok(ZGap {
                    org: r.get(0)?,
                    register: r.get(1)?,
                    after: from_sql(r.get(2)?),
                    before: from_sql(r.get(3)?),
                })
            })?
            .collect()
        })
    }
}

#[cfg(test)]
mod tests;
