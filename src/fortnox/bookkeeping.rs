//! Bookkeeping endpoints (scope `bookkeeping`, plus `settings`/`companyinformation`):
//! financial years, voucher series, accounts, the locked period, company information, vouchers,
//! and the marker search that makes voucher uploads exactly-once.

use chrono::NaiveDate;
use reqwest::Method;
use serde::Deserialize;

use super::client::{Client, encode};
use super::error::Error;
use super::model::{
    Account, CompanyInformation, FinancialYear, LockedPeriod, Voucher, VoucherEnvelope,
    VoucherRequest, VoucherSeries,
};

impl Client {
    /// The financial year containing `date`, or `None` when Fortnox has none.
    pub async fn financial_year(&self, date: NaiveDate) -> Result<Option<FinancialYear>, Error> {
        let years: Vec<FinancialYear> =
            self.read_all(&format!("/financialyears?date={date}"), "FinancialYears").await?;
        Ok(years.into_iter().find(|y| y.from_date <= date && date <= y.to_date))
    }

    /// Every financial year of the company.
    pub async fn financial_years(&self) -> Result<Vec<FinancialYear>, Error> {
        self.read_all("/financialyears", "FinancialYears").await
    }

    /// A financial year by Id.
    pub async fn financial_year_by_id(&self, id: u64) -> Result<Option<FinancialYear>, Error> {
        #[derive(Deserialize)]
        struct One {
            #[serde(rename = "FinancialYear")]
            year: FinancialYear,
        }
        Ok(self.read_optional::<One>(&format!("/financialyears/{id}")).await?.map(|o| o.year))
    }

    /// A voucher series of a financial year, or `None` when it does not exist.
    pub async fn voucher_series(
        &self,
        code: &str,
        year: u64,
    ) -> Result<Option<VoucherSeries>, Error> {
        #[derive(Deserialize)]
        struct One {
            #[serde(rename = "VoucherSeries")]
            series: VoucherSeries,
        }
        let path = format!("/voucherseries/{}?financialyear={year}", encode(code));
        Ok(self.read_optional::<One>(&path).await?.map(|o| o.series))
    }

    /// Every voucher series of a financial year.
    pub async fn voucher_series_list(&self, year: u64) -> Result<Vec<VoucherSeries>, Error> {
        self.read_all(&format!("/voucherseries?financialyear={year}"), "VoucherSeriesCollection")
            .await
    }

    /// An account of a financial year, or `None` when it does not exist.
    pub async fn account(&self, number: u32, year: u64) -> Result<Option<Account>, Error> {
        #[derive(Deserialize)]
        struct One {
            #[serde(rename = "Account")]
            account: Account,
        }
        let path = format!("/accounts/{number}?financialyear={year}");
        Ok(self.read_optional::<One>(&path).await?.map(|o| o.account))
    }

    /// The whole chart of accounts of a financial year (every page).
    pub async fn accounts(&self, year: u64) -> Result<Vec<Account>, Error> {
        self.read_all(&format!("/accounts?financialyear={year}&sortby=number"), "Accounts").await
    }

    /// The last locked date; postings on or before it are refused.
    pub async fn locked_period(&self) -> Result<Option<NaiveDate>, Error> {
        #[derive(Deserialize)]
        struct One {
            #[serde(rename = "LockedPeriod")]
            period: LockedPeriod,
        }
        let one: One = self.read("/settings/lockedperiod").await?;
        Ok(one.period.end_date)
    }

    /// The company (its `DatabaseNumber` is the tenant id for client credentials).
    pub async fn company_information(&self) -> Result<CompanyInformation, Error> {
        #[derive(Deserialize)]
        struct One {
            #[serde(rename = "CompanyInformation")]
            company: CompanyInformation,
        }
        let one: One = self.read("/companyinformation").await?;
        Ok(one.company)
    }

    /// Creates a voucher in financial year `year`. Sent once: on [`Error::outcome_unknown`]
    /// (or any retriable error) the caller must look for it ([`Client::day_vouchers`])
    /// before sending it again.
    pub async fn create_voucher(
        &self,
        year: u64,
        voucher: &VoucherRequest,
    ) -> Result<Voucher, Error> {
        let path = format!("/vouchers?financialyear={year}");
        let body = VoucherEnvelope { voucher };
        let created: VoucherEnvelope<Voucher> = self.write(Method::POST, &path, &body).await?;
        Ok(created.voucher)
    }

    /// One voucher (with rows) by series and number.
    pub async fn voucher(
        &self,
        series: &str,
        number: u64,
        year: u64,
    ) -> Result<Option<Voucher>, Error> {
        let path = format!("/vouchers/{}/{number}?financialyear={year}", encode(series));
        Ok(self.read_optional::<VoucherEnvelope<Voucher>>(&path).await?.map(|e| e.voucher))
    }

    /// All vouchers of a series between two dates (inclusive), every page. List items carry no
    /// rows.
    pub async fn vouchers(
        &self,
        series: &str,
        year: u64,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<Voucher>, Error> {
        let path = format!(
            "/vouchers/sublist/{}?financialyear={year}&fromdate={from}&todate={to}",
            encode(series)
        );
        self.read_all(&path, "Vouchers").await
    }

    /// The codes of every cost centre (scope `costcenter`).
    pub async fn cost_centers(&self) -> Result<Vec<String>, Error> {
        let all: Vec<serde_json::Value> = self.read_all("/costcenters", "CostCenters").await?;
        Ok(all.iter().filter_map(|c| key_text(c, "Code")).collect())
    }

    /// The numbers of every project (scope `project`).
    pub async fn projects(&self) -> Result<Vec<String>, Error> {
        let all: Vec<serde_json::Value> = self.read_all("/projects", "Projects").await?;
        Ok(all.iter().filter_map(|p| key_text(p, "ProjectNumber")).collect())
    }

    /// Every voucher of `series` dated `date`, each with its `Comments` (where the markers we
    /// write live): a list item without them (no key, `null` or empty: whether Fortnox's lists
    /// fill them in is not documented) is fetched whole, so a marker is never missed. No rows.
    pub async fn day_vouchers(
        &self,
        series: &str,
        year: u64,
        date: NaiveDate,
    ) -> Result<Vec<Voucher>, Error> {
        let path = format!(
            "/vouchers/sublist/{}?financialyear={year}&fromdate={date}&todate={date}",
            encode(series)
        );
        let items: Vec<serde_json::Value> = self.read_all(&path, "Vouchers").await?;
        let mut day = Vec::with_capacity(items.len());
        for raw in items {
            let comments_listed = raw
                .get("Comments")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|c| !c.trim().is_empty());
            let listed: Voucher = serde_json::from_value(raw)
                .map_err(|e| Error::Decode(format!("GET {path}: {e}")))?;
            if comments_listed {
                day.push(listed);
                continue;
            }
            let full = self.voucher(&listed.voucher_series, listed.voucher_number, year).await?;
            day.push(full.map_or(listed, |mut v| {
                v.voucher_rows.clear();
                v
            }));
        }
        Ok(day)
    }
}

/// A key field of a list item, a string or a number in Fortnox's answers.
fn key_text(item: &serde_json::Value, key: &str) -> Option<String> {
    match item.get(key)? {
        serde_json::Value::String(s) => Some(s.trim().to_owned()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
