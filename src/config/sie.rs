//! The `[sie]` section: which Fortnox voucher series the vouchers of a SIE file go to, and
//! whether an unnumbered voucher that looks like one posted from another file is posted.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::problem::choose;
use super::problem::dotted;
use super::{Problem, series_code};

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSie {
    default_series: Option<String>,
    #[serde(default)]
    series: BTreeMap<String, String>,
    look_alike: Option<String>,
}

/// How SIE vouchers are placed in Fortnox.
#[derive(Debug, Clone)]
pub struct SieConfig {
    /// Fortnox series for vouchers whose SIE series is empty or unmapped.
    pub default_series: String,
    /// SIE series → Fortnox series.
    pub series: BTreeMap<String, String>,
    /// What to do with a voucher without a number whose date, series and text are those of
    /// one from another file (known by its rows only, it may be a corrected copy of that day).
    pub look_alike: LookAlike,
}

/// See [`SieConfig::look_alike`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LookAlike {
    /// Refused with the earlier one named (the default: a corrected re-export of a posted day
    /// would otherwise be booked beside it).
    Refuse,
    /// Posted: files whose vouchers share a text by design (two registers' "Dagsavslut").
    Post,
}

impl Default for SieConfig {
    fn default() -> Self {
        SieConfig {
            default_series: "A".to_owned(),
            series: BTreeMap::new(),
            look_alike: LookAlike::Refuse,
        }
    }
}

impl SieConfig {
    /// The Fortnox series a voucher of SIE series `sie_series` goes to.
    pub fn fortnox_series<'a>(&'a self, sie_series: &'a str) -> &'a str {
        match self.series.get(sie_series) {
            Some(mapped) => mapped,
            None if sie_series.is_empty() => &self.default_series,
            None => sie_series,
        }
    }
}

/// Validates `[sie]`: every series it maps to must be a Fortnox series code.
pub(super) fn sie(raw: RawSie) -> Result<SieConfig, Problem> {
    let mut sie = SieConfig::default();
    if let Some(series) = raw.default_series {
        series_code("[sie] default_series", &["sie", "default_series"], &series)?;
        sie.default_series = series;
    }
    for (from, to) in &raw.series {
        let name = format!("[sie] {}", dotted(&["series", from]));
        series_code(&name, &["sie", "series", from], to)?;
    }
    sie.series = raw.series;
    sie.look_alike = choose(
        "sie",
        "look_alike",
        raw.look_alike.as_deref(),
        LookAlike::Refuse,
        &[("refuse", LookAlike::Refuse), ("post", LookAlike::Post)],
    )?;
    Ok(sie)
}
