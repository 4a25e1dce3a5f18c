//! Every endpoint the product uses, with the parsed shapes checked, and every refusal typed and
//! explained.

use fortnox_bridge::fortnox::{Error, Problem};
use fortnox_bridge::sandbox::{DATABASE_NUMBER, error_code};
use fortnox_bridge::upload::Days;

use fortnox_bridge::sandbox::{ListComments, SandboxOptions};

use super::{amount, date, options, start, takings, voucher};

#[tokio::test]
async fn reads_years_series_accounts_lock_and_company() {
    let (sandbox, client) = start(options()).await;

    let year = client.financial_year(date("2025-06-15")).await.unwrap().unwrap();
    assert_eq!(
        (year.id, year.from_date, year.to_date),
        (2, date("2025-01-01"), date("2025-12-31"))
    );
    assert_eq!(year.accounting_method.as_deref(), Some("ACCRUAL"));
    assert!(year.account_chart_type.is_some());
    assert!(client.financial_year(date("2031-01-01")).await.unwrap().is_none());
    let years = client.financial_years().await.unwrap();
    assert_eq!(years.iter().map(|y| y.id).collect::<Vec<_>>(), [1, 2, 3]);
    assert_eq!(
        client.financial_year_by_id(3).await.unwrap().unwrap().from_date,
        date("2026-01-01")
    );
    assert!(client.financial_year_by_id(99).await.unwrap().is_none());

    let a = client.voucher_series("A", 2).await.unwrap().unwrap();
    assert!(a.manual);
    assert_eq!((a.code.as_str(), a.description.as_str()), ("A", "Redovisning"));
    assert_eq!((a.next_voucher_number, a.year), (Some(1), Some(2)));
    assert!(!client.voucher_series("B", 2).await.unwrap().unwrap().manual);
    assert!(client.voucher_series("ZZ", 2).await.unwrap().is_none());
    let all = client.voucher_series_list(2).await.unwrap();
    assert_eq!(
        all.iter().map(|s| s.code.as_str()).collect::<Vec<_>>(),
        ["A", "B", "C", "D", "E", "F"]
    );

    let bank = client.account(1930, 2).await.unwrap().unwrap();
    assert!(bank.active);
    assert_eq!((bank.number, bank.year, bank.sru), (1930, Some(2), Some(7281)));
    let sales = client.account(3001, 2).await.unwrap().unwrap();
    assert_eq!(sales.vat_code.as_deref(), Some("MP1"));
    assert!(!client.account(1630, 2).await.unwrap().unwrap().active);
    assert!(client.account(1234, 2).await.unwrap().is_none());

    // More accounts than one page (500) holds: every page is read.
    let chart: Vec<(String, String)> =
        (4100..4700).map(|n| (n.to_string(), format!("Testkonto {n}"))).collect();
    assert_eq!(sandbox.load_chart(&chart).await.unwrap(), 600);
    let accounts = client.accounts(2).await.unwrap();
    assert!(accounts.len() > 600, "{}", accounts.len());
    assert!(accounts.windows(2).all(|w| w[0].number < w[1].number));
    assert!(accounts.iter().any(|a| a.number == 4699) && accounts.iter().any(|a| a.number == 1930));

    assert_eq!(client.locked_period().await.unwrap(), Some(date("2025-03-31")));
    let company = client.company_information().await.unwrap();
    assert_eq!(company.database_number, Some(u64::try_from(DATABASE_NUMBER).unwrap()));
    assert!(company.company_name.contains("Sandlådan"));
    assert_eq!(company.organization_number.as_deref(), Some("559999-0005"));
    sandbox.stop().await;
}

#[tokio::test]
async fn creates_reads_lists_and_finds_vouchers_by_exact_marker() {
    let (sandbox, client) = start(options()).await;
    let marker = "[fb:1111222233334444]";
    let created = client
        .create_voucher(2, &takings("F", "2025-06-10", Some(&format!("Imported {marker}"))))
        .await
        .unwrap();
    assert_eq!(
        (created.voucher_series.as_str(), created.voucher_number, created.year),
        ("F", 1, 2)
    );
    assert_eq!(created.transaction_date, date("2025-06-10"));
    assert_eq!(created.voucher_rows.len(), 3);
    assert_eq!(created.voucher_rows[0].debit, amount("1250.00"));
    assert_eq!(created.voucher_rows[1].credit, amount("1000"));
    assert_eq!(created.reference_type.as_deref(), Some("MANUAL"));
    assert!(created.url.as_deref().unwrap().ends_with("/3/vouchers/F/1?financialyear=2"));

    // A look-alike: the marker glued to other text is not the marker.
    let lookalike = takings("F", "2025-06-10", Some("copy of x[fb:5555666677778888]"));
    let second = client.create_voucher(2, &lookalike).await.unwrap();
    assert_eq!(second.voucher_number, 2);
    // Another day, same marker text: not that day's voucher.
    client
        .create_voucher(2, &takings("F", "2025-06-11", Some("[fb:9999999999999999]")))
        .await
        .unwrap();

    let read = client.voucher("F", 1, 2).await.unwrap().unwrap();
    assert_eq!(read.comments.as_deref(), Some("Imported [fb:1111222233334444]"));
    assert_eq!(read.voucher_rows.iter().map(|r| r.account).collect::<Vec<_>>(), [1930, 3001, 2611]);
    assert!(client.voucher("F", 99, 2).await.unwrap().is_none());

    let listed = client.vouchers("F", 2, date("2025-06-01"), date("2025-06-30")).await.unwrap();
    assert_eq!(listed.iter().map(|v| v.voucher_number).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(listed.iter().all(|v| v.voucher_rows.is_empty()), "list items carry no rows");

    let day = client.day_vouchers("F", 2, date("2025-06-10")).await.unwrap();
    assert_eq!(day.iter().map(|v| v.voucher_number).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(day[0].comments.as_deref(), Some("Imported [fb:1111222233334444]"));

    // The marker search over a day's listing (one pass of the pipeline).
    let mut days = Days::default();
    let mut find = async |series: &str, day: &str, marker: &str| {
        days.find(&client, series, 2, date(day), &[marker.to_owned()])
            .await
            .unwrap()
            .map(|v| v.voucher_number)
    };
    assert_eq!(find("F", "2025-06-10", marker).await, Some(1));
    assert_eq!(find("F", "2025-06-10", "[fb:5555666677778888]").await, None, "glued: not it");
    assert_eq!(find("F", "2025-06-10", "[fb:9999999999999999]").await, None, "another day's");
    assert_eq!(find("F", "2025-06-11", "[fb:9999999999999999]").await, Some(3));
    assert_eq!(find("A", "2025-06-10", marker).await, None, "another series");
    sandbox.stop().await;
}

/// Fortnox's documented voucher list item has no `Comments` (where our markers are): such
/// vouchers are fetched whole. A pass lists a day once however many documents it looks for
/// there, adds what it creates itself, and lists the day again after a lost answer.
#[tokio::test]
async fn a_pass_lists_a_day_once_and_fetches_vouchers_whose_comments_are_not_listed() {
    a_pass_lists_a_day_once(ListComments::Absent).await;
}

/// A list that names `Comments` without filling them in (`null`) is read as one without them:
/// taken as "no marker", every voucher would be posted again.
#[tokio::test]
async fn vouchers_listed_with_null_comments_are_fetched_whole() {
    a_pass_lists_a_day_once(ListComments::Null).await;
}

async fn a_pass_lists_a_day_once(list_comments: ListComments) {
    let (sandbox, client) = start(SandboxOptions { list_comments, ..options() }).await;
    let marker = |k: u32| format!("[fb:{k:016x}]");
    let on = date("2025-06-10");
    for k in 1..=3 {
        let body = takings("F", "2025-06-10", Some(&format!("Imported {}", marker(k))));
        client.create_voucher(2, &body).await.unwrap();
    }
    let answered = |c: &fortnox_bridge::fortnox::Client| c.stats().answered;

    let before = answered(&client);
    let day = client.day_vouchers("F", 2, on).await.unwrap();
    assert_eq!(answered(&client) - before, 1 + 3, "one list, three vouchers fetched whole");
    let comments: Vec<_> = day.iter().map(|v| v.comments.clone()).collect();
    assert_eq!(
        comments,
        (1..=3).map(|k| Some(format!("Imported {}", marker(k)))).collect::<Vec<_>>()
    );
    assert!(day.iter().all(|v| v.voucher_rows.is_empty()));

    let mut days = Days::default();
    let before = answered(&client);
    for k in 1..=3 {
        let found = days.find(&client, "F", 2, on, &[marker(k)]).await.unwrap();
        assert_eq!(found.map(|v| v.voucher_number), Some(u64::from(k)));
    }
    assert!(days.find(&client, "F", 2, on, &[marker(9)]).await.unwrap().is_none());
    assert_eq!(answered(&client) - before, 1 + 3, "four searches, the day read once");

    // Created during the pass: found without reading the day again, whatever the case of
    // the series written (Fortnox answers `F` to a request for `f`).
    let request = takings("f", "2025-06-10", Some(&format!("Imported {}", marker(4))));
    let created = client.create_voucher(2, &request).await.unwrap();
    assert_eq!(created.voucher_series, "F");
    days.created(2, &request, &created);
    let before = answered(&client);
    for series in ["f", "F"] {
        let found = days.find(&client, series, 2, on, &[marker(4)]).await.unwrap();
        assert_eq!(found.map(|v| v.voucher_number), Some(4), "{series}");
    }
    assert_eq!(answered(&client), before);

    // After a lost answer the day is read again, at every search for the rest of the pass
    // (the lost request may still be committed later).
    days.forget("F", 2, on);
    for k in [4, 1] {
        assert!(days.find(&client, "F", 2, on, &[marker(k)]).await.unwrap().is_some());
    }
    assert_eq!(answered(&client) - before, 2 * (1 + 4));
    // Other days are still served from their listing.
    let before = answered(&client);
    assert!(days.find(&client, "F", 2, date("2025-06-11"), &[marker(9)]).await.unwrap().is_none());
    assert!(days.find(&client, "F", 2, date("2025-06-11"), &[marker(8)]).await.unwrap().is_none());
    assert_eq!(answered(&client) - before, 1);
    sandbox.stop().await;
}

/// Asserts a typed, explained, permanent refusal.
fn refused(
    result: Result<impl std::fmt::Debug, Error>,
    code: u32,
    problem: Problem,
    english: &str,
) {
    let error = result.expect_err("refused");
    assert_eq!(error.code(), Some(i64::from(code)), "{error:?}");
    assert_eq!(error.problem(), Some(problem), "{error:?}");
    assert!(!error.is_retriable() && !error.outcome_unknown(), "{error:?}");
    let text = error.to_string();
    assert!(text.contains(english) && text.contains("hint:"), "{text}");
}

#[tokio::test]
async fn refusals_are_typed_with_fortnox_code_and_an_english_explanation() {
    let (sandbox, client) = start(options()).await;
    let unbalanced =
        voucher("A", "2025-06-10", &[(1930, "100.00", "0"), (3001, "0", "99.99")], None);
    refused(
        client.create_voucher(2, &unbalanced).await,
        error_code::VOUCHER_UNBALANCED,
        Problem::Unbalanced,
        "debits and credits",
    );

    let unknown = voucher("A", "2025-06-10", &[(1930, "10", "0"), (1234, "0", "10")], None);
    refused(
        client.create_voucher(2, &unknown).await,
        error_code::ACCOUNT_NOT_FOUND,
        Problem::AccountMissing,
        "does not exist",
    );

    let inactive = voucher("A", "2025-06-10", &[(1930, "10", "0"), (3960, "0", "10")], None);
    refused(
        client.create_voucher(2, &inactive).await,
        error_code::ACCOUNT_INACTIVE,
        Problem::AccountInactive,
        "inactive",
    );

    let no_year = takings("A", "2031-02-01", None);
    refused(
        client.create_voucher(3, &no_year).await,
        error_code::FINANCIAL_YEAR_MISSING,
        Problem::FinancialYearMissing,
        "no financial year",
    );

    refused(
        client.create_voucher(2, &takings("B", "2025-06-10", None)).await,
        error_code::SERIES_NOT_MANUAL,
        Problem::SeriesNotManual,
        "manual entry",
    );

    refused(
        client.create_voucher(2, &takings("Q", "2025-06-10", None)).await,
        error_code::SERIES_NOT_FOUND,
        Problem::SeriesMissing,
        "does not exist",
    );

    refused(
        client.create_voucher(2, &takings("A", "2025-03-31", None)).await,
        error_code::PERIOD_LOCKED,
        Problem::PeriodLocked,
        "locked period",
    );

    // A list whose dates leave the selected year: Fortnox's documented 2002363.
    refused(
        client.vouchers("A", 2, date("2024-12-01"), date("2025-01-31")).await,
        error_code::DATE_OUTSIDE_YEAR_LIST,
        Problem::DateOutsideYear,
        "outside the selected financial year",
    );

    // Nothing was booked by the refusals: the series still starts at 1.
    let ok = client.create_voucher(2, &takings("A", "2025-06-10", None)).await.unwrap();
    assert_eq!(ok.voucher_number, 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn uploads_a_file_and_connects_it_to_a_voucher_of_its_year() {
    let (sandbox, client) = start(options()).await;
    let voucher = client.create_voucher(2, &takings("F", "2025-06-10", None)).await.unwrap();
    let bytes = "{\"z_number\": 7, \"note\": \"åäö\"}\r\n--boundary-like\r\n".as_bytes();
    let file = client.upload_to_inbox("inbox_v", "fb1234-z \"7\".json", bytes).await.unwrap();
    assert_eq!(file.name, "fb1234-z _7_.json");
    assert_eq!(file.size, Some(u64::try_from(bytes.len()).unwrap()));
    let found = client.inbox_file_named("inbox_v", &file.name).await.unwrap();
    assert_eq!(found.map(|f| f.id), Some(file.id.clone()));
    assert!(client.inbox_file_named("inbox_v", "other.json").await.unwrap().is_none());

    assert!(client.voucher_file_connection(&file.id).await.unwrap().is_none());
    let connected = client
        .connect_file_to_voucher(&file.id, "F", voucher.voucher_number, date("2025-06-10"))
        .await
        .unwrap();
    assert_eq!(connected.file_id, file.id);
    assert_eq!((connected.voucher_series.as_str(), connected.voucher_number.as_str()), ("F", "1"));
    let read = client.voucher_file_connection(&file.id).await.unwrap().unwrap();
    assert_eq!(read, connected);
    // Connecting again is refused (the product reads the connection first and never does).
    let again = client
        .connect_file_to_voucher(&file.id, "F", voucher.voucher_number, date("2025-06-10"))
        .await
        .unwrap_err();
    assert_eq!(again.code(), Some(i64::from(error_code::FILE_ALREADY_CONNECTED)));
    assert!(again.is_permanent());
    sandbox.stop().await;
}

#[tokio::test]
async fn a_404_on_a_read_keeps_fortnox_code_and_message() {
    use fortnox_bridge::fortnox::{Client, Endpoints};
    let (sandbox, _) = start(options()).await;
    // An API base where every route is unknown: Fortnox answers 404 with ErrorInformation.
    let mut endpoints = Endpoints::for_base(&sandbox.base_url());
    endpoints.api_base.push_str("/nosuch");
    let client = Client::builder(endpoints, super::credentials()).retry(super::fast()).build();
    let error = client.company_information().await.unwrap_err();
    match &error {
        Error::Rejected { status: 404, code, message } => {
            assert_eq!(*code, i64::from(error_code::NO_SUCH_ROUTE));
            assert_eq!(message, "Resursen finns inte.");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(client.stats().retries, 0);
    // Where absence is an answer, 404 is `None`.
    assert!(client.customer("1").await.unwrap().is_none());
    sandbox.stop().await;
}
