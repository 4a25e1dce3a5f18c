//! Registers a release before kept apart because the till wrote their id in other capitals
//! (`KASSA1`, then `kassa1`): one register since this release, so at open their numbers,
//! waivers and gaps are merged into the one seen first, which keeps its spelling and the lower
//! baseline. Otherwise the first report after the upgrade told a day as missing that had
//! arrived under the other spelling. Does nothing once done.

use rusqlite::{Connection, params};

/// Merges every register into the first-seen one of its company whose id it equals but for
/// capitals (ASCII, as SQLite's `lower`).
pub(super) fn merge(conn: &mut Connection) -> rusqlite::Result<()> {
    // (org, kept, merged): `kept` is the first seen of its group, so a group of three is
    // merged into one, not chained.
    let pairs: Vec<(String, String, String)> = {
        let mut stmt = conn.prepare(
            "SELECT a.org, a.register, b.register FROM zreport_registers AS a
             JOIN zreport_registers AS b ON b.org = a.org AND b.register <> a.register
                 AND lower(b.register) = lower(a.register)
                 AND (a.since, a.register) < (b.since, b.register)
             WHERE NOT EXISTS (SELECT 1 FROM zreport_registers AS c
                 WHERE c.org = a.org AND lower(c.register) = lower(a.register)
                 AND (c.since, c.register) < (a.since, a.register))",
        )?;
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?
    };
    if pairs.is_empty() {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    for (org, kept, merged) in &pairs {
        let p = params![org, kept, merged];
        tx.execute(
            "UPDATE zreport_registers SET baseline = min(baseline, (SELECT baseline
                 FROM zreport_registers WHERE org = ?1 AND register = ?3))
             WHERE org = ?1 AND register = ?2",
            p,
        )?;
        for table in ["zreport_numbers", "zreport_waived"] {
            tx.execute(
                &format!(
                    "UPDATE OR IGNORE {table} SET register = ?2 WHERE org = ?1 AND register = ?3"
                ),
                p,
            )?;
            tx.execute(
                &format!("DELETE FROM {table} WHERE org = ?1 AND register = ?2"),
                params![org, merged],
            )?;
        }
        tx.execute("UPDATE zreport_gaps SET register = ?2 WHERE org = ?1 AND register = ?3", p)?;
        tx.execute(
            "DELETE FROM zreport_registers WHERE org = ?1 AND register = ?2",
            params![org, merged],
        )?;
    }
    tx.commit()
}
