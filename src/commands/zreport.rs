//! `zreport waive REGISTER Z[-Z] --reason TEXT [--org NUMBER]`: a person declares that Z
//! numbers `status` lists as missing will never arrive (a training day, a report lost with a
//! broken register), with why. They are no longer listed or warned about; the waiver is in the
//! audit trail. Only numbers that are missing can be waived.

use anyhow::{Result, bail};

use fortnox_bridge::config::Config;
use fortnox_bridge::ledger::ZGap;
use fortnox_bridge::org_number;

use super::ops::open_ledger;

pub fn waive(
    config: &Config,
    register: &str,
    numbers: &str,
    reason: &str,
    org: Option<&str>,
) -> Result<()> {
    let (from, to) = range(numbers)?;
    let reason = reason.trim();
    if reason.is_empty() {
        bail!(
            "--reason is empty (hint: say why the report will never arrive; it goes into the audit trail)"
        );
    }
    let org_key = match org {
        Some(text) => Some(org_number::key(text).ok_or_else(|| {
            anyhow::anyhow!("--org `{text}` is not an organisation number (hint: NNNNNN-NNNN)")
        })?),
        None => None,
    };
    let ledger = open_ledger(config)?;
    let open = ledger.zreport_gaps_open()?;
    let of_register: Vec<&ZGap> = open
        .iter()
        .filter(|g| g.register.eq_ignore_ascii_case(register.trim()))
        .filter(|g| org_key.as_deref().is_none_or(|k| org_number::same(k, &g.org)))
        .collect();
    let mut orgs: Vec<String> = of_register.iter().map(|g| g.org_display()).collect();
    orgs.dedup();
    if orgs.len() > 1 {
        bail!(
            "register {register} is a register of {} companies ({}) (hint: add --org NUMBER)",
            orgs.len(),
            orgs.join(", ")
        );
    }
    let Some(gap) = of_register.iter().find(|g| g.after < from && to < g.before) else {
        let missing: Vec<String> = open.iter().map(ZGap::describe).collect();
        let numbers = if from == to { format!("Z {from}") } else { format!("Z {from} to {to}") };
        bail!(
            "{numbers} of register {register} is not missing, so there is nothing to waive \
             (hint: {})",
            if missing.is_empty() {
                "no Z number is missing now".to_owned()
            } else {
                format!("missing now: {}", missing.join("; "))
            }
        );
    };
    ledger.waive_zreport_numbers(gap, from, to, reason)?;
    let count = to - from + 1;
    println!(
        "register {} ({}): {count} Z number(s) from {from} to {to} waived ({reason}); status no \
         longer lists them",
        gap.register,
        gap.org_display()
    );
    Ok(())
}

/// `1044` or `1044-1046`.
fn range(text: &str) -> Result<(u64, u64)> {
    let parse = |t: &str| {
        t.trim().parse::<u64>().map_err(|_| {
            anyhow::anyhow!(
                "`{text}` is not a Z number or a range of them (hint: 1044 or 1044-1046)"
            )
        })
    };
    let (from, to) = match text.split_once('-') {
        Some((a, b)) => (parse(a)?, parse(b)?),
        None => (parse(text)?, parse(text)?),
    };
    if from > to {
        bail!("`{text}`: the range runs backwards (hint: lowest first, e.g. 1044-1046)");
    }
    Ok((from, to))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_one_number_or_two() {
        assert_eq!(range("1044").ok(), Some((1044, 1044)));
        assert_eq!(range(" 1044 - 1046 ").ok(), Some((1044, 1046)));
        assert!(range("1046-1044").is_err());
        assert!(range("Z1044").is_err());
    }
}
