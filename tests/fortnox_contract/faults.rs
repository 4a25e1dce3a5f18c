//! Transient faults: 500s, 429s, expired tokens, dropped connections, timeouts, no server.

use std::time::{Duration, Instant};

use fortnox_bridge::fortnox::{Client, Endpoints, Error, RetryPolicy};
use fortnox_bridge::sandbox::{FaultPlan, Sandbox, SandboxOptions};
use fortnox_bridge::upload::Days;

use super::{credentials, date, fast, options, start, takings};

#[tokio::test]
async fn server_errors_are_retried_for_reads_and_never_for_writes() {
    let (sandbox, client) = start(options()).await;
    sandbox.plan_faults(FaultPlan { fail_next: 2, ..FaultPlan::default() });
    let year = client.financial_year(date("2025-06-15")).await.unwrap();
    assert_eq!(year.map(|y| y.id), Some(2));
    assert_eq!(client.stats().retries, 2);

    // Too many failures: the read gives up with a retriable error.
    sandbox.plan_faults(FaultPlan { fail_next: 5, ..FaultPlan::default() });
    let error = client.locked_period().await.unwrap_err();
    assert!(
        matches!(error, Error::Server { status: 500, .. }) && error.is_retriable(),
        "{error:?}"
    );
    assert_eq!(client.stats().retries, 2 + 4);

    // A write answered 500 is not re-sent (a retry would have succeeded).
    sandbox.plan_faults(FaultPlan { fail_next: 1, ..FaultPlan::default() });
    let error = client.create_voucher(2, &takings("A", "2025-06-10", None)).await.unwrap_err();
    assert!(matches!(error, Error::Server { .. }), "{error:?}");
    let listed = client.vouchers("A", 2, date("2025-06-10"), date("2025-06-10")).await.unwrap();
    assert!(listed.is_empty());
    sandbox.stop().await;
}

#[tokio::test]
async fn rate_limited_requests_back_off_at_least_five_seconds_then_succeed() {
    let (read_box, reader) = start(options()).await;
    let (write_box, writer) = start(options()).await;
    read_box.plan_faults(FaultPlan { rate_limit_next: 1, ..FaultPlan::default() });
    write_box.plan_faults(FaultPlan { rate_limit_next: 1, ..FaultPlan::default() });
    let body = takings("A", "2025-06-10", None);
    let started = Instant::now();
    let (year, created) = tokio::join!(
        reader.financial_year(date("2025-06-15")),
        // A 429 means Fortnox did not act: a write may be re-sent.
        writer.create_voucher(2, &body),
    );
    assert_eq!(year.unwrap().map(|y| y.id), Some(2));
    assert_eq!(created.unwrap().voucher_number, 1);
    assert!(started.elapsed() >= Duration::from_secs(5), "{:?}", started.elapsed());
    assert_eq!(reader.stats().rate_limited, 1);
    assert_eq!(writer.stats().rate_limited, 1);
    // Exactly one voucher despite the retry.
    let listed = writer.vouchers("A", 2, date("2025-06-10"), date("2025-06-10")).await.unwrap();
    assert_eq!(listed.len(), 1);
    read_box.stop().await;
    write_box.stop().await;
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_once_on_401() {
    let (sandbox, client) = start(options()).await;
    assert!(client.locked_period().await.unwrap().is_some());
    // A restarted in-memory sandbox knows no token: the next call gets a 401.
    let addr = sandbox.addr();
    sandbox.stop().await;
    let sandbox = Sandbox::start(SandboxOptions { listen: addr, ..options() }).await.unwrap();
    assert!(client.locked_period().await.unwrap().is_some());
    assert_eq!(client.stats().renewals, 1);
    // Clones share the renewed token.
    let clone = client.clone();
    clone.financial_year(date("2025-06-15")).await.unwrap();
    assert_eq!(client.stats().renewals, 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_dropped_answer_after_commit_is_outcome_unknown_and_found_by_marker() {
    let (sandbox, client) = start(options()).await;
    sandbox.plan_faults(FaultPlan { drop_next_writes: 1, ..FaultPlan::default() });
    let marker = "[fb:abcdefabcdef0001]";
    let body = takings("F", "2025-06-12", Some(&format!("Imported {marker}")));
    let error = client.create_voucher(2, &body).await.unwrap_err();
    assert!(error.outcome_unknown() && error.is_retriable(), "{error:?}");
    let found = Days::default()
        .find(&client, "F", 2, date("2025-06-12"), &[marker.to_owned()])
        .await
        .unwrap();
    assert_eq!(found.map(|v| v.voucher_number), Some(1), "committed although unanswered");
    let listed = client.vouchers("F", 2, date("2025-06-12"), date("2025-06-12")).await.unwrap();
    assert_eq!(listed.len(), 1, "the write was not re-sent");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_token_request_that_times_out_sends_nothing() {
    let (sandbox, patient) =
        start(SandboxOptions { latency: Duration::from_millis(600), ..options() }).await;
    let hasty = Client::builder(Endpoints::for_base(&sandbox.base_url()), credentials())
        .retry(RetryPolicy { timeout: Duration::from_millis(300), write_attempts: 2, ..fast() })
        .build();
    let error = hasty.create_voucher(2, &takings("F", "2025-06-13", None)).await.unwrap_err();
    // No access token, so the voucher was certainly not sent: retriable, outcome known.
    assert!(matches!(error, Error::Unreachable(_)), "{error:?}");
    assert!(error.is_retriable() && !error.outcome_unknown(), "{error:?}");
    let listed = patient.vouchers("F", 2, date("2025-06-13"), date("2025-06-13")).await.unwrap();
    assert!(listed.is_empty());
    sandbox.stop().await;
}

#[tokio::test]
async fn no_server_is_unreachable_and_retriable_but_not_outcome_unknown() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = Client::builder(Endpoints::for_base(&format!("http://{addr}")), credentials())
        .retry(RetryPolicy { read_attempts: 2, write_attempts: 2, ..fast() })
        .build();
    let error = client.locked_period().await.unwrap_err();
    assert!(matches!(error, Error::Unreachable(_)), "{error:?}");
    assert!(error.is_retriable() && !error.outcome_unknown());
    let error = client.create_voucher(2, &takings("A", "2025-06-10", None)).await.unwrap_err();
    assert!(matches!(error, Error::Unreachable(_)), "{error:?}");
    // Held back, not tried again and again: every waiting document of a Fortnox outage used
    // to spend its own round of tries and backoff.
    assert!(matches!(&error, Error::Unreachable(m) if m.starts_with("not tried")), "{error:?}");
    assert_eq!(client.stats().retries, 1, "only the first request was tried twice");
}

#[tokio::test]
async fn a_dropped_answer_to_the_invoice_email_does_not_send_a_second_email() {
    use fortnox_bridge::fortnox::model_documents::{SalesDocument, SalesRow};
    let (sandbox, client) = start(options()).await;
    let body = SalesDocument {
        customer_number: Some("1".into()),
        order_date: None,
        invoice_date: Some(date("2025-06-14")),
        external_invoice_reference1: "email-once-1".into(),
        your_order_number: None,
        comments: String::new(),
        currency: "SEK".into(),
        language: "SV".into(),
        vat_included: true,
        freight: None,
        your_reference: None,
        remarks: None,
        terms_of_payment: None,
        email_information: None,
        order_rows: None,
        invoice_rows: Some(vec![SalesRow {
            article_number: Some("KASSE".into()),
            description: "Tygkasse".into(),
            ordered_quantity: None,
            delivered_quantity: super::amount("1"),
            price: super::amount("49"),
            vat: super::amount("25"),
            unit: None,
            discount: None,
            discount_type: None,
            account_number: None,
        }]),
    };
    let invoice = client.create_invoice(&body).await.unwrap();
    assert!(!invoice.sent);
    let number = invoice.document_number;

    sandbox.plan_faults(FaultPlan {
        only_under: Some("/invoices"),
        drop_next_writes: 1,
        ..FaultPlan::default()
    });
    let error = client.email_invoice(&number).await.unwrap_err();
    assert!(error.outcome_unknown() && error.is_retriable(), "{error:?}");
    assert_eq!(client.stats().retries, 0, "the e-mail GET was not re-sent");
    assert_eq!(sandbox.invoice_emails(&number).await.unwrap(), 1, "exactly one e-mail went out");
    // The follow-up sees it was sent and does not send it again.
    assert!(client.invoice(&number).await.unwrap().unwrap().sent);
    sandbox.stop().await;
}

#[tokio::test]
async fn an_unreadable_token_answer_is_unreachable_not_a_refusal_and_sends_nothing() {
    let (sandbox, client) = start(options()).await;
    let once = Client::builder(Endpoints::for_base(&sandbox.base_url()), credentials())
        .retry(RetryPolicy { read_attempts: 1, write_attempts: 1, ..fast() })
        .build();
    sandbox.plan_faults(FaultPlan { garble_next_tokens: 1, ..FaultPlan::default() });
    let error = once.create_voucher(2, &takings("E", "2025-06-11", None)).await.unwrap_err();
    // Nothing was sent: not "succeeded but unreadable", not a refusal of the document.
    assert!(matches!(&error, Error::Unreachable(m) if m.contains("token endpoint")), "{error:?}");
    assert!(error.is_retriable() && !error.outcome_unknown() && !error.is_permanent());
    sandbox.plan_faults(FaultPlan { garble_next_tokens: 1, ..FaultPlan::default() });
    let error = once.locked_period().await.unwrap_err();
    assert!(matches!(error, Error::Unreachable(_)) && !error.is_permanent(), "{error:?}");

    // With attempts left, reads and writes are retried once the token endpoint recovers.
    sandbox.plan_faults(FaultPlan { garble_next_tokens: 1, ..FaultPlan::default() });
    assert!(client.locked_period().await.unwrap().is_some());
    assert_eq!(client.stats().retries, 1);
    let writer = Client::builder(Endpoints::for_base(&sandbox.base_url()), credentials())
        .retry(fast())
        .build();
    sandbox.plan_faults(FaultPlan { garble_next_tokens: 1, ..FaultPlan::default() });
    let created = writer.create_voucher(2, &takings("E", "2025-06-11", None)).await.unwrap();
    assert_eq!(created.voucher_number, 1);
    assert_eq!(writer.stats().retries, 1);
    let listed = writer.vouchers("E", 2, date("2025-06-11"), date("2025-06-11")).await.unwrap();
    assert_eq!(listed.len(), 1);
    sandbox.stop().await;
}

#[tokio::test]
async fn a_rate_limited_token_request_pauses_the_tenant_then_succeeds() {
    let (sandbox, client) = start(options()).await;
    sandbox.plan_faults(FaultPlan { rate_limit_next_tokens: 1, ..FaultPlan::default() });
    let started = Instant::now();
    let created = client.create_voucher(2, &takings("D", "2025-06-11", None)).await.unwrap();
    assert_eq!(created.voucher_number, 1);
    assert!(started.elapsed() >= Duration::from_secs(5), "{:?}", started.elapsed());
    let stats = client.stats();
    assert_eq!((stats.rate_limited, stats.retries), (1, 1));
    sandbox.stop().await;
}
