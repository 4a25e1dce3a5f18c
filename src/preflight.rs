//! Preflight: checks a document against the live chart before it is posted, so that what
//! Fortnox would refuse is refused here with a located, explained message instead of a Swedish
//! error code, and nothing is retried that cannot succeed.
//!
//! Checks for vouchers: the file's organisation number is the connected company's
//! ([`company`]), a financial year contains the date, the series exists and is manual, every
//! account exists and is active in that year, the cost centres and projects rows name exist
//! ([`objects`]), the date is after the locked period. Answers are
//! cached for a short time per run, and asked once whatever the number of documents: the
//! company and the financial years (listed whole; each date is looked up in the list), each
//! series and account of a year, the locked period. A file of thousands of vouchers is thus
//! checked with a handful of requests against Fortnox's 25 per 5 seconds. A missing financial
//! year is no rejection when it is the next one: the document waits for it (see
//! [`Failure::Blocked`]); the rest reject the document.

mod company;
mod objects;

use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::NaiveDate;

use crate::convert::SourceOrg;
use crate::fortnox::model::{Account, FinancialYear, VoucherRequest, VoucherSeries};
use crate::fortnox::{Client, Error};
use company::Company;

/// How long a looked-up fact (company, year, series, account) is trusted.
const CACHE_LIFETIME: Duration = Duration::from_mins(5);

/// Why a document cannot be posted now.
#[derive(Debug)]
pub enum Failure {
    /// Fortnox would refuse it; posting again cannot help until someone fixes something.
    Rejected(String),
    /// Fortnox would refuse it today, but only for want of something the accountant sets up
    /// in Fortnox as a matter of course (the new financial year, in January): the document
    /// waits and is posted once it is there, instead of failing every day's file.
    Blocked(String),
    /// The check itself failed (network, Fortnox down): try again later.
    Transient(Error),
}

impl From<Error> for Failure {
    /// A check that could not be made is no verdict on the document: network trouble and a
    /// connection the operator must repair (revoked consent, missing scope or licence) make it
    /// wait; only Fortnox refusing the document itself rejects it.
    fn from(e: Error) -> Self {
        if e.is_retriable() || e.needs_operator() {
            Failure::Transient(e)
        } else {
            Failure::Rejected(e.to_string())
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Locked {
    Unknown,
    /// The last locked date, or `None` when nothing is locked.
    Known(Option<NaiveDate>),
}

/// A cache of chart facts for one run.
pub struct Preflight {
    born: Instant,
    /// `[fortnox] allowed_org_numbers`: files may carry these besides the company's own.
    allowed: Vec<String>,
    /// The connected company once looked up.
    company: Option<Company>,
    /// Every financial year, once listed: each date is looked up in it (a date without a year
    /// asks nothing more), and it tells a year not opened yet from a wrong date.
    years: Option<Vec<FinancialYear>>,
    series: HashMap<(String, u64), Option<VoucherSeries>>,
    accounts: HashMap<(u32, u64), Option<Account>>,
    /// The locked period once looked up (`Locked::Unknown` before).
    locked: Locked,
    /// Cost centres and projects, once listed.
    objects: objects::Objects,
}

impl Preflight {
    /// An empty cache; files may carry the organisation numbers in `allowed` besides the
    /// connected company's own.
    pub fn new(allowed: &[String]) -> Self {
        Preflight {
            born: Instant::now(),
            allowed: allowed.to_vec(),
            company: None,
            years: None,
            series: HashMap::new(),
            accounts: HashMap::new(),
            locked: Locked::Unknown,
            objects: objects::Objects::default(),
        }
    }

    /// Checks a voucher from a file naming `source` (see [`crate::convert::source_org`]); on
    /// success returns the Id of the financial year to post it in.
    pub async fn voucher(
        &mut self,
        client: &Client,
        source: Option<SourceOrg<'_>>,
        v: &VoucherRequest,
    ) -> Result<u64, Failure> {
        if let Some(reason) = self.company_refusal(client, source).await? {
            return Err(Failure::Rejected(reason));
        }
        let date = v.transaction_date;
        let year = self.booking_year(client, date).await?;
        let code = &v.voucher_series;
        let key = (code.clone(), year.id);
        if !self.series.contains_key(&key) {
            let found = client.voucher_series(code, year.id).await?;
            self.series.insert(key.clone(), found);
        }
        // Every problem of the voucher is told at once (series, accounts, cost centres), so
        // that one correction round is enough.
        let mut reasons = Vec::new();
        match self.series.get(&key).and_then(Option::as_ref) {
            None => reasons.push(format!(
                "voucher series `{code}` does not exist in Fortnox for {}..{} (hint: create it \
                 under Settings > Bookkeeping > Voucher series, or map the series to an existing \
                 one under [sie] series in the configuration)",
                year.from_date, year.to_date
            )),
            Some(s) if !s.manual => reasons.push(format!(
                "voucher series `{code}` is not open for manual entry, so Fortnox refuses \
                 vouchers from integrations (hint: tick \"Manuell kontering\" on the series in \
                 Fortnox, or map to another series)"
            )),
            Some(_) => {}
        }
        let mut problems = Vec::new();
        let mut missing = Vec::new();
        for row in &v.voucher_rows {
            let key = (row.account, year.id);
            let known = if let Some(known) = self.accounts.get(&key) {
                known.clone()
            } else {
                let found = client.account(row.account, year.id).await?;
                self.accounts.insert(key, found.clone());
                found
            };
            let named = |d: &Option<String>| d.as_deref().is_some_and(|d| !d.trim().is_empty());
            let problem = match known {
                None => format!("account `{}` does not exist", row.account),
                Some(a) if !a.active => {
                    format!("account `{}` ({}) is inactive", row.account, a.description)
                }
                Some(a) => {
                    for (needed, named, what) in [
                        (a.needs_cost_center(), named(&row.cost_center), "cost centre"),
                        (a.needs_project(), named(&row.project), "project"),
                    ] {
                        let problem = format!(
                            "account `{}` ({}) needs a {what} on every row",
                            row.account, a.description
                        );
                        if needed && !named && !missing.contains(&problem) {
                            missing.push(problem);
                        }
                    }
                    continue;
                }
            };
            // Once per account, even when its rows are not next to each other.
            if !problems.contains(&problem) {
                problems.push(problem);
            }
        }
        if !problems.is_empty() {
            reasons.push(format!(
                "{} in Fortnox for {}..{} (hint: add or activate the account in Fortnox's chart \
                 of accounts for that year, then put the file back in the inbox)",
                problems.join(", "),
                year.from_date,
                year.to_date
            ));
        }
        if let Some(reason) = self.objects.missing(client, v).await? {
            reasons.push(reason);
        }
        if !missing.is_empty() {
            reasons.push(format!(
                "{} in Fortnox (hint: give those rows a cost centre (SIE object of dimension 1) \
                 or project (dimension 6) in the program that wrote the file, or make it \
                 optional on the account in Fortnox, then put the file back in the inbox)",
                missing.join(", ")
            ));
        }
        if reasons.is_empty() { Ok(year.id) } else { Err(Failure::Rejected(reasons.join("; "))) }
    }

    /// Why nothing from a file naming `source` may be posted into the connected company (see
    /// [`company::refusal`]), or `None` when it may. The same for every document of the file,
    /// so the pipeline asks it once for the file, before any document's own checks.
    pub async fn company_refusal(
        &mut self,
        client: &Client,
        source: Option<SourceOrg<'_>>,
    ) -> Result<Option<String>, Failure> {
        if self.born.elapsed() > CACHE_LIFETIME {
            *self = Preflight::new(&self.allowed);
        }
        let Some(source) = source else { return Ok(None) };
        let company = self.company(client).await?.clone();
        Ok(company::refusal(source, &company, &self.allowed))
    }

    /// The connected company's organisation number, when Fortnox gives one (and can be asked).
    pub async fn company_number(&mut self, client: &Client) -> Option<String> {
        self.company(client).await.ok().and_then(|c| c.number.clone())
    }

    /// Checks that something dated `date` can be booked now (a voucher, or an invoice about to
    /// be bookkept) and returns its financial year: a year holds the date (the year after the
    /// company's latest, not opened yet, makes it wait: [`Failure::Blocked`]) and the date is
    /// after the locked period.
    pub async fn booking_year(
        &mut self,
        client: &Client,
        date: NaiveDate,
    ) -> Result<FinancialYear, Failure> {
        if self.born.elapsed() > CACHE_LIFETIME {
            *self = Preflight::new(&self.allowed);
        }
        let Some(year) = self.year(client, date).await? else {
            return Err(self.no_year_for(client, date).await?);
        };
        if let Some(end) = self.locked(client).await?
            && date <= end
        {
            return Err(Failure::Rejected(format!(
                "{date} is in a locked period (locked up to {end}) (hint: unlock the period \
                 in Fortnox or book on a later date)"
            )));
        }
        Ok(year)
    }

    /// The financial year containing `date`, from the list of every year (listed once per
    /// cache lifetime, not once per date).
    pub async fn year(
        &mut self,
        client: &Client,
        date: NaiveDate,
    ) -> Result<Option<FinancialYear>, Failure> {
        let years = self.years(client).await?;
        Ok(years.iter().find(|y| y.from_date <= date && date <= y.to_date).cloned())
    }

    /// Every financial year of the company (cached).
    async fn years(&mut self, client: &Client) -> Result<&[FinancialYear], Failure> {
        let years = match self.years.take() {
            Some(years) => years,
            None => client.financial_years().await?,
        };
        Ok(self.years.insert(years))
    }

    /// Why there is no year for `date`: the year after the company's latest one (not opened
    /// yet, as every January) makes the document wait for it; any other date (a typo, a date
    /// before the company's first year) is refused.
    async fn no_year_for(&mut self, client: &Client, date: NaiveDate) -> Result<Failure, Failure> {
        let latest = self.years(client).await?.iter().map(|y| y.to_date).max();
        let next_year =
            latest.is_some_and(|end| date > end && date <= end + chrono::Days::new(366));
        Ok(if next_year {
            Failure::Blocked(format!(
                "Fortnox has no financial year containing {date} yet (hint: create the \
                 financial year in Fortnox under Settings > Bookkeeping > Financial years; the \
                 document waits and is posted once it exists)"
            ))
        } else {
            Failure::Rejected(format!(
                "Fortnox has no financial year containing {date} (hint: check the date in the \
                 program that wrote the file, or create the financial year in Fortnox under \
                 Settings > Bookkeeping > Financial years, then put the file back in the inbox)"
            ))
        })
    }

    /// The connected company (cached).
    async fn company(&mut self, client: &Client) -> Result<&Company, Failure> {
        let company = if let Some(company) = self.company.take() {
            company
        } else {
            let info = client.company_information().await?;
            let number = info.organization_number.filter(|n| !n.trim().is_empty());
            if number.as_deref().and_then(crate::org_number::key).is_none() {
                tracing::warn!(
                    company = %info.company_name,
                    "Fortnox gives no usable organisation number for the connected company \
                     ({number:?}); files are posted without checking theirs"
                );
            }
            Company { name: info.company_name, number }
        };
        Ok(self.company.insert(company))
    }

    async fn locked(&mut self, client: &Client) -> Result<Option<NaiveDate>, Failure> {
        if let Locked::Known(locked) = self.locked {
            return Ok(locked);
        }
        let locked = client.locked_period().await?;
        self.locked = Locked::Known(locked);
        Ok(locked)
    }
}
