//! The `[zreport]` section: how Z-reports are booked (voucher series, discounts, attaching the
//! original file, the largest öre remainder booked on the rounding account).

use rust_decimal::Decimal;
use serde::Deserialize;

use super::{Problem, choose, series_code};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawZreport {
    series: Option<String>,
    discounts: Option<String>,
    attach_file: Option<bool>,
    max_rounding_remainder: Option<Decimal>,
}

/// How discounts in a Z-report relate to its sales figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiscountMode {
    /// Sales are after discounts; the discounts are reported, not booked (the default).
    Included,
    /// Sales are before discounts; discounts are debited to `[accounts] discounts` with their VAT.
    Separate,
}

/// How Z-reports are booked.
#[derive(Debug, Clone)]
pub struct ZreportConfig {
    /// Fortnox voucher series (default F "Kassa").
    pub series: String,
    pub discounts: DiscountMode,
    /// Uploads the original Z-report file to Fortnox's inbox and connects it to the voucher
    /// (needs the `inbox` scope).
    pub attach_file: bool,
    /// Largest öre remainder (SEK) left by rounding each account to whole öre that is booked on
    /// `[accounts] rounding` with a warning; a larger one rejects the report. Zero books none.
    pub max_rounding_remainder: Decimal,
}

impl Default for ZreportConfig {
    fn default() -> Self {
        ZreportConfig {
            series: "F".to_owned(),
            discounts: DiscountMode::Included,
            attach_file: false,
            max_rounding_remainder: Decimal::new(5, 2),
        }
    }
}

pub(super) fn zreport(raw: RawZreport) -> Result<ZreportConfig, Problem> {
    let mut out = ZreportConfig::default();
    if let Some(series) = raw.series {
        series_code("[zreport] series", &["zreport", "series"], &series)?;
        out.series = series;
    }
    out.discounts = choose(
        "zreport",
        "discounts",
        raw.discounts.as_deref(),
        DiscountMode::Included,
        &[("included", DiscountMode::Included), ("separate", DiscountMode::Separate)],
    )?;
    out.attach_file = raw.attach_file.unwrap_or(false);
    if let Some(max) = raw.max_rounding_remainder {
        if max < Decimal::ZERO || max.normalize().scale() > 2 {
            return Err(Problem::new(
                &["zreport", "max_rounding_remainder"],
                format!(
                    "[zreport] max_rounding_remainder `{max}` is not an amount of 0 or more in \
                     whole öre (hint: e.g. \"0.05\"; \"0\" rejects every remainder)"
                ),
            ));
        }
        out.max_rounding_remainder = max;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_rounding_remainder_is_whole_ore_and_not_negative() {
        let z = |text: &str| zreport(toml::from_str(text).expect("toml"));
        let max = |text: &str| z(text).expect("valid").max_rounding_remainder;
        assert_eq!(max(""), Decimal::new(5, 2));
        assert_eq!(max("max_rounding_remainder = \"0\""), Decimal::ZERO);
        assert_eq!(max("max_rounding_remainder = \"0.10\""), Decimal::new(10, 2));
        assert_eq!(max("max_rounding_remainder = \"0.020\""), Decimal::new(2, 2));
        for bad in ["-0.01", "0.005"] {
            let err = z(&format!("max_rounding_remainder = \"{bad}\"")).expect_err(bad).message;
            assert!(
                err.starts_with(&format!("[zreport] max_rounding_remainder `{bad}` is not an")),
                "{err}"
            );
            assert!(err.contains("(hint: e.g. \"0.05\""), "{err}");
        }
        assert!(toml::from_str::<RawZreport>("max_rounding_remainder = \"fem öre\"").is_err());
    }
}
