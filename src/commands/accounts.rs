//! `accounts check`: compares the account mapping (`[accounts]`, with every register's
//! overrides) with the Fortnox chart of accounts of the current financial year (or the one
//! holding `--date`) and lists every mapped account that is missing or inactive.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use chrono::NaiveDate;

use fortnox_bridge::config::{Config, DiscountMode, ShippingMode};
use fortnox_bridge::service;

/// Prints the problems; `Ok(false)` when any mapped account is missing or inactive.
pub async fn check(config: &Config, date: Option<NaiveDate>) -> Result<bool> {
    let endpoint = service::endpoint(config).await?;
    let result = compare(config, &endpoint.client, date).await;
    if let Some(sandbox) = endpoint.sandbox {
        sandbox.stop().await;
    }
    result
}

async fn compare(
    config: &Config,
    client: &fortnox_bridge::fortnox::Client,
    date: Option<NaiveDate>,
) -> Result<bool> {
    let given = date.is_some();
    let date = date.unwrap_or_else(|| chrono::Local::now().date_naive());
    let year = client.financial_year(date).await?.with_context(|| {
        let hint = if given {
            "check the date, or create that financial year in Fortnox"
        } else {
            "create this financial year in Fortnox (at the turn of the year it may not exist \
             yet), or compare with another year's chart: accounts check --date YYYY-MM-DD"
        };
        format!("Fortnox has no financial year containing {date} (hint: {hint})")
    })?;
    let chart: BTreeMap<u64, (String, bool)> = client
        .accounts(year.id)
        .await?
        .into_iter()
        .map(|a| (a.number, (a.description, a.active)))
        .collect();
    // account -> what it is mapped for
    let mut uses: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    let discounts = config.zreport.discounts == DiscountMode::Separate;
    let shipping_rows = config.orders.shipping == ShippingMode::Row;
    for (account, what) in config.accounts.base.uses(discounts, shipping_rows) {
        uses.entry(account).or_default().push(what);
    }
    for (register, map) in &config.accounts.registers {
        for (account, what) in map.uses(discounts, shipping_rows) {
            let list = uses.entry(account).or_default();
            if !list.contains(&what) {
                list.push(format!("{what} (register {register})"));
            }
        }
    }
    let mut problems = 0;
    for (account, what) in &uses {
        let what = what.join(", ");
        match chart.get(&u64::from(*account)) {
            None => {
                problems += 1;
                println!("missing   {account}  used for {what}");
            }
            Some((name, false)) => {
                problems += 1;
                println!("inactive  {account}  {name}  used for {what}");
            }
            Some(_) => {}
        }
    }
    println!(
        "{} mapped accounts checked against Fortnox's chart for {}..{}: {problems} missing or \
         inactive",
        uses.len(),
        year.from_date,
        year.to_date
    );
    if problems > 0 {
        println!(
            "hint: add or activate these accounts in Fortnox, or map other accounts under \
             [accounts] in the configuration"
        );
    }
    Ok(problems == 0)
}
