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
//! is added to the listing; after an answer was lost the day is forgotten and listed again, since
//! the voucher may be there without us knowing. A new pass starts with no listings.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::convert::carries_marker;
use crate::fortnox::model::Voucher;
use crate::fortnox::{Client, Error};

/// Listings by series, financial year (Id) and date.
#[derive(Debug, Default)]
pub struct Days {
    listed: HashMap<(String, u64, NaiveDate), Vec<Voucher>>,
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
        marker: &str,
    ) -> Result<Option<Voucher>, Error> {
        let key = (series.to_owned(), year, date);
        let day = match self.listed.entry(key) {
            std::collections::hash_map::Entry::Occupied(day) => day.into_mut(),
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert(client.day_vouchers(series, year, date).await?)
            }
        };
        let carries = |v: &&Voucher| {
            carries_marker(&v.description, marker)
                || v.comments.as_deref().is_some_and(|c| carries_marker(c, marker))
        };
        Ok(day.iter().find(carries).cloned())
    }

    /// A voucher we created in financial year `year`, with the `comments` we sent (in case the
    /// answer leaves them out): added to its day's listing, if that day was listed.
    pub fn created(&mut self, year: u64, voucher: &Voucher, comments: Option<&str>) {
        let key = (voucher.voucher_series.clone(), year, voucher.transaction_date);
        if let Some(day) = self.listed.get_mut(&key) {
            let mut v = voucher.clone();
            v.voucher_rows.clear();
            if v.comments.is_none() {
                v.comments = comments.map(str::to_owned);
            }
            day.push(v);
        }
    }

    /// An answer was lost: the day may hold a voucher of ours we do not know of.
    pub fn forget(&mut self, series: &str, year: u64, date: NaiveDate) {
        self.listed.remove(&(series.to_owned(), year, date));
    }
}
