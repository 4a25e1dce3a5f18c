//! The vouchers of one day in one series, listed once per pass over a file's documents.
//!
//! Before a voucher is posted it is looked for by its marker when it may already be in Fortnox
//! (every Z-report and numbered SIE voucher, and any document after a lost answer). Without this
//! cache a file of a hundred vouchers dated the same day lists that day a hundred times, and
//! where Fortnox's list items lack `Comments` also fetches every voucher of the day each time:
//! thousands of requests against a limit of 25 per 5 seconds.
//!
//! Exactly-once: a listing stays true because nothing else writes our markers and a pass holds
//! the pipeline's upload lock (no other pass of ours posts meanwhile). What we create ourselves
//! is added to the listing. After an answer was lost the voucher may be there without us
//! knowing, or arrive later still (a request Fortnox commits after our timeout): that day is
//! listed afresh at every search for the rest of the pass. A new pass starts with no listings.

use std::collections::{HashMap, HashSet};

use chrono::NaiveDate;

use crate::convert::carries_marker;
use crate::fortnox::model::{Voucher, VoucherRequest};
use crate::fortnox::{Client, Error};

/// Listings by series (upper case: Fortnox compares series codes regardless of case and
/// answers in upper case), financial year (Id) and date.
#[derive(Debug, Default)]
pub struct Days {
    listed: HashMap<(String, u64, NaiveDate), Vec<Voucher>>,
    /// Days with a lost answer in this pass: never served from a listing.
    uncertain: HashSet<(String, u64, NaiveDate)>,
}

fn key(series: &str, year: u64, date: NaiveDate) -> (String, u64, NaiveDate) {
    (series.to_ascii_uppercase(), year, date)
}

impl Days {
    /// The voucher of `series` dated `date` that carries `marker` as a whole token in its
    /// Description or Comments (Fortnox's own search matches substrings, so the match is made
    /// here). Lists the day on first use.
    pub async fn find(
        &mut self,
        client: &Client,
        series: &str,
        year: u64,
        date: NaiveDate,
        markers: &[String],
    ) -> Result<Option<Voucher>, Error> {
        let carries = |v: &&Voucher| {
            markers.iter().any(|marker| {
                carries_marker(&v.description, marker)
                    || v.comments.as_deref().is_some_and(|c| carries_marker(c, marker))
            })
        };
        let key = key(series, year, date);
        if self.uncertain.contains(&key) {
            // Listed afresh every time, never kept.
            let day = client.day_vouchers(series, year, date).await?;
            return Ok(day.iter().find(carries).cloned());
        }
        let day = match self.listed.entry(key) {
            std::collections::hash_map::Entry::Occupied(day) => day.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(client.day_vouchers(series, year, date).await?)
            }
        };
        Ok(day.iter().find(carries).cloned())
    }

    /// A voucher we created from `request` in financial year `year` (Fortnox's answer,
    /// `created`): added to the listing of the request's day, if that day was listed, with
    /// the comments we sent (the marker is there, whatever the answer shows of them).
    pub fn created(&mut self, year: u64, request: &VoucherRequest, created: &Voucher) {
        let key = key(&request.voucher_series, year, request.transaction_date);
        if let Some(day) = self.listed.get_mut(&key) {
            let mut v = created.clone();
            v.voucher_rows.clear();
            if request.comments.is_some() {
                v.comments.clone_from(&request.comments);
            }
            day.push(v);
        }
    }

    /// An answer was lost: the day may hold a voucher of ours we do not know of, now or later.
    pub fn forget(&mut self, series: &str, year: u64, date: NaiveDate) {
        let key = key(series, year, date);
        self.listed.remove(&key);
        self.uncertain.insert(key);
    }
}
