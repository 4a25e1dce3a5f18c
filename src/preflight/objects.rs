//! Cost centres and projects: a voucher row may only name ones that exist in Fortnox (SIE
//! objects of dimensions 1 and 6 become them), else Fortnox refuses the voucher. Each register
//! is listed once and kept; a name not in it lists the register again (at most every
//! [`RELIST_AFTER`]), so one created in Fortnox after a refusal is seen when the file is put
//! back. Only a pre-check: a register that cannot be listed for any reason but a passing one
//! (no `costcenter` or `project` scope in a connection consented before the bridge asked for
//! them, a licence, a refusal) leaves the names to Fortnox, which judges them when the voucher
//! is posted; a network failure or Fortnox being down makes the document wait, as for every
//! other check.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::fortnox::model::VoucherRequest;
use crate::fortnox::{Client, Error};

/// How soon a register is listed again for a name it lacks.
const RELIST_AFTER: Duration = Duration::from_secs(10);

/// One register as last listed: the names, or `None` when it cannot be listed (no scope).
struct Listed {
    names: Option<HashSet<String>>,
    at: Instant,
}

#[derive(Default)]
pub(super) struct Objects {
    cost_centers: Option<Listed>,
    projects: Option<Listed>,
}

#[derive(Clone, Copy)]
enum Register {
    CostCenters,
    Projects,
}

impl Objects {
    /// What the voucher names that Fortnox does not have, as one sentence with a hint, or
    /// `None` when everything exists (or cannot be checked).
    pub async fn missing(
        &mut self,
        client: &Client,
        v: &VoucherRequest,
    ) -> Result<Option<String>, Error> {
        let mut told = Vec::new();
        for (register, what) in
            [(Register::CostCenters, "cost centre"), (Register::Projects, "project")]
        {
            let mut names: Vec<&str> = v
                .voucher_rows
                .iter()
                .filter_map(|r| match register {
                    Register::CostCenters => r.cost_center.as_deref(),
                    Register::Projects => r.project.as_deref(),
                })
                .filter(|n| !n.trim().is_empty())
                .collect();
            names.sort_unstable();
            names.dedup();
            for name in names {
                if !self.has(client, register, name).await? {
                    told.push(format!("{what} `{name}`"));
                }
            }
        }
        if told.is_empty() {
            return Ok(None);
        }
        let verb = if told.len() == 1 { "does" } else { "do" };
        Ok(Some(format!(
            "{} {verb} not exist in Fortnox (hint: create {} in Fortnox under Settings > \
             Bookkeeping > Cost centres or Projects, or correct the SIE objects (dimension 1 \
             and 6) in the program that wrote the file, then put the file back in the inbox)",
            told.join(", "),
            if told.len() == 1 { "it" } else { "them" }
        )))
    }

    /// Whether `name` is in the register, listing it when it was not listed yet or lacks the
    /// name and was listed more than [`RELIST_AFTER`] ago. True when it cannot be listed.
    async fn has(
        &mut self,
        client: &Client,
        register: Register,
        name: &str,
    ) -> Result<bool, Error> {
        let slot = match register {
            Register::CostCenters => &mut self.cost_centers,
            Register::Projects => &mut self.projects,
        };
        let known = |l: &Listed| l.names.as_ref().is_none_or(|n| n.contains(name.trim()));
        if let Some(listed) = slot.as_ref()
            && (known(listed) || listed.at.elapsed() < RELIST_AFTER)
        {
            return Ok(known(listed));
        }
        let answer = match register {
            Register::CostCenters => client.cost_centers().await,
            Register::Projects => client.projects().await,
        };
        let names = match answer {
            Ok(names) => Some(names.into_iter().collect()),
            Err(e) if e.is_retriable() => return Err(e),
            Err(e) => {
                tracing::warn!(
                    "cost centres and projects are not checked before posting, Fortnox judges \
                     them when a voucher is posted: they cannot be listed ({e})"
                );
                None
            }
        };
        let listed = slot.insert(Listed { names, at: Instant::now() });
        Ok(known(listed))
    }
}
