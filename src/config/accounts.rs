//! The `[accounts]` section: the BAS account map vouchers and order rows are booked on, with
//! per-register overrides (`[accounts.registers.NAME]`), and [`rate_key`] for VAT-rate keys.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::Deserialize;

use super::Problem;
use super::problem::dotted;

/// One level of account mapping (the defaults, or a register's overrides).
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAccountMap {
    #[serde(default)]
    sales: BTreeMap<String, u32>,
    #[serde(default)]
    output_vat: BTreeMap<String, u32>,
    #[serde(default)]
    payments: BTreeMap<String, u32>,
    #[serde(default)]
    categories: BTreeMap<String, u32>,
    gift_cards: Option<u32>,
    tips: Option<u32>,
    rounding: Option<u32>,
    discounts: Option<u32>,
    shipping: Option<u32>,
    /// `[accounts.registers.NAME]`: only in `[accounts]` itself (a register's own is refused).
    /// A field, not `#[serde(flatten)]` of an outer struct: flattening loses the place of a
    /// value of the wrong type (it was told on the `[accounts]` line).
    #[serde(default)]
    registers: BTreeMap<String, RawAccountMap>,
}

/// The `[accounts]` section: the defaults' overrides and the registers'.
pub(super) type RawAccounts = RawAccountMap;

/// A VAT rate as a map key: the normalized decimal (`25`, `12`, `6`, `0`, `6.5`).
pub fn rate_key(rate: Decimal) -> String {
    rate.normalize().to_string()
}

/// The accounts a voucher or an order row is booked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountMap {
    /// Sales per VAT rate (BAS 3001/3002/3003/3004 for 25/12/6/0 %).
    pub sales: BTreeMap<String, u32>,
    /// Output VAT per rate (BAS 2611/2621/2631).
    pub output_vat: BTreeMap<String, u32>,
    /// Means of payment: `cash`, `card`, `swish`, `gift_card`, `invoice`, `other`, or a
    /// payment's own name as the POS prints it (e.g. `"Rikskortet"`).
    pub payments: BTreeMap<String, u32>,
    /// Sales account per product category, overriding the rate's account.
    pub categories: BTreeMap<String, u32>,
    pub gift_cards: u32,
    pub tips: u32,
    pub rounding: u32,
    pub discounts: u32,
    pub shipping: u32,
}

impl Default for AccountMap {
    fn default() -> Self {
        let map = |pairs: &[(&str, u32)]| {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>()
        };
        AccountMap {
            sales: map(&[("25", 3001), ("12", 3002), ("6", 3003), ("0", 3004)]),
            output_vat: map(&[("25", 2611), ("12", 2621), ("6", 2631)]),
            payments: map(&[
                ("cash", 1910),
                ("card", 1580),
                ("swish", 1930),
                ("gift_card", 2421),
                ("invoice", 1510),
                ("other", 1580),
            ]),
            categories: BTreeMap::new(),
            gift_cards: 2421,
            tips: 2890,
            rounding: 3740,
            discounts: 3730,
            shipping: 3520,
        }
    }
}

impl AccountMap {
    /// Every account the mapping uses, with what it is for (for `accounts check`). The
    /// discounts account is booked only when `discounts` (Z-reports list their discounts
    /// apart from the sales), the shipping account only when `shipping_rows` (shipping as a
    /// row of its own): otherwise they are not in use and not listed.
    pub fn uses(&self, discounts: bool, shipping_rows: bool) -> Vec<(u32, String)> {
        let mut out = Vec::new();
        for (rate, a) in &self.sales {
            out.push((*a, format!("sales {rate} %")));
        }
        for (rate, a) in &self.output_vat {
            out.push((*a, format!("output VAT {rate} %")));
        }
        for (method, a) in &self.payments {
            out.push((*a, format!("payment `{method}`")));
        }
        for (category, a) in &self.categories {
            out.push((*a, format!("category `{category}`")));
        }
        for (a, what, used) in [
            (self.gift_cards, "gift cards", true),
            (self.tips, "tips", true),
            (self.rounding, "rounding", true),
            (self.discounts, "discounts", discounts),
            (self.shipping, "shipping rows", shipping_rows),
        ] {
            if used {
                out.push((a, what.to_owned()));
            }
        }
        out
    }

    /// This mapping with `raw`'s entries on top. Problems name their key relative to the
    /// table `raw` was read from (`[accounts]` or `[accounts.registers.NAME]`).
    fn overlay(&self, raw: &RawAccountMap) -> Result<AccountMap, Problem> {
        let mut out = self.clone();
        for (table, entries, into) in [
            ("sales", &raw.sales, &mut out.sales),
            ("output_vat", &raw.output_vat, &mut out.output_vat),
        ] {
            for (key, value) in entries {
                into.insert(parse_rate(table, key)?, account(&[table, key], *value)?);
            }
        }
        for (table, entries, into) in [
            ("payments", &raw.payments, &mut out.payments),
            ("categories", &raw.categories, &mut out.categories),
        ] {
            for (key, value) in entries {
                into.insert(key.trim().to_lowercase(), account(&[table, key], *value)?);
            }
        }
        for (key, slot, value) in [
            ("gift_cards", &mut out.gift_cards, raw.gift_cards),
            ("tips", &mut out.tips, raw.tips),
            ("rounding", &mut out.rounding, raw.rounding),
            ("discounts", &mut out.discounts, raw.discounts),
            ("shipping", &mut out.shipping, raw.shipping),
        ] {
            if let Some(v) = value {
                *slot = account(&[key], v)?;
            }
        }
        Ok(out)
    }
}

/// Checks an account number written at `key` (relative to its `[accounts]` table).
fn account(key: &[&str], value: u32) -> Result<u32, Problem> {
    if (1000..=9999).contains(&value) {
        return Ok(value);
    }
    Err(Problem::new(
        key,
        format!(
            "[accounts] {} = {value} is not a Fortnox account (hint: four digits 1000-9999, \
             e.g. BAS 3001)",
            dotted(key)
        ),
    ))
}

fn parse_rate(table: &str, key: &str) -> Result<String, Problem> {
    key.trim().trim_end_matches('%').trim().parse::<Decimal>().map(rate_key).map_err(|_| {
        Problem::new(
            &[table, key],
            format!(
                "[accounts] {table} key `{key}` is not a VAT rate (hint: write the percent, \
                 e.g. \"25\" or \"6\")"
            ),
        )
    })
}

/// The account mapping: defaults plus per-register overrides.
#[derive(Debug, Clone, Default)]
pub struct AccountsConfig {
    pub base: AccountMap,
    pub registers: BTreeMap<String, AccountMap>,
}

impl AccountsConfig {
    /// True when `register`'s accounts are under `[accounts.registers.<id>]` in other capitals
    /// only (releases before, matching the id exactly, used the defaults for it).
    pub fn named_in_other_capitals(&self, register: &str) -> bool {
        let lower = register.to_lowercase();
        !self.registers.contains_key(register)
            && self.registers.keys().any(|id| id.to_lowercase() == lower)
    }

    /// The mapping in force for a register: its overrides on top of the defaults
    /// (`[accounts.registers.<id>]`, the id as written or in other capitals), else the
    /// defaults.
    pub fn for_register(&self, register: &str) -> &AccountMap {
        self.registers
            .get(register)
            .or_else(|| {
                let lower = register.to_lowercase();
                self.registers.iter().find(|(id, _)| id.to_lowercase() == lower).map(|(_, m)| m)
            })
            .unwrap_or(&self.base)
    }
}

pub(super) fn accounts(raw: &RawAccounts) -> Result<AccountsConfig, Problem> {
    let base = AccountMap::default().overlay(raw).map_err(|p| p.under(&["accounts"]))?;
    let mut registers = BTreeMap::new();
    for (register, overrides) in &raw.registers {
        if !overrides.registers.is_empty() {
            return Err(Problem::new(
                &["accounts", "registers", register, "registers"],
                format!(
                    "[accounts.registers.{register}] has registers of its own (hint: list each \
                     register once, as [accounts.registers.NAME])"
                ),
            ));
        }
        let map = base.overlay(overrides).map_err(|p| Problem {
            message: p.message.replace("[accounts]", &format!("[accounts.registers.{register}]")),
            ..p.under(&["accounts", "registers", register])
        })?;
        registers.insert(register.clone(), map);
    }
    Ok(AccountsConfig { base, registers })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_bas() {
        let a = accounts(&RawAccounts::default()).expect("defaults");
        assert_eq!(a.base.sales.get("6"), Some(&3003));
        assert_eq!(a.base.output_vat.get("25"), Some(&2611));
        assert_eq!(a.base.payments.get("swish"), Some(&1930));
        assert_eq!(a.base.rounding, 3740);
        assert_eq!(a.for_register("any").gift_cards, 2421);
    }

    #[test]
    fn register_overrides_sit_on_top_of_the_defaults() {
        let raw: RawAccounts = toml::from_str(
            "tips = 2891\npayments = { Rikskortet = 1581 }\n\
             [registers.BAR]\nsales = { \"25 %\" = 3011 }\n",
        )
        .expect("toml");
        let a = accounts(&raw).expect("valid");
        let bar = a.for_register("BAR");
        assert_eq!(bar.sales.get("25"), Some(&3011));
        assert_eq!(bar.sales.get("12"), Some(&3002));
        assert_eq!(bar.tips, 2891);
        assert_eq!(bar.payments.get("rikskortet"), Some(&1581));
        assert_eq!(a.for_register("KASSA1").sales.get("25"), Some(&3001));
        let raw: RawAccounts = toml::from_str("[registers.X]\nrounding = 37400\n").expect("toml");
        let err = accounts(&raw).expect_err("invalid");
        assert_eq!(err.key, ["accounts", "registers", "X", "rounding"]);
        assert!(
            err.message.starts_with("[accounts.registers.X] rounding = 37400 is not a"),
            "{err:?}"
        );
    }

    #[test]
    fn unknown_account_keys_are_refused() {
        assert!(toml::from_str::<RawAccounts>("tipz = 2890\n").is_err());
        assert!(toml::from_str::<RawAccounts>("[registers.A]\ntipz = 2890\n").is_err());
        let raw: RawAccounts =
            toml::from_str("[registers.A.registers.B]\ntips = 2890\n").expect("toml");
        let err = accounts(&raw).expect_err("nested registers");
        assert_eq!(err.key, ["accounts", "registers", "A", "registers"]);
    }
}
