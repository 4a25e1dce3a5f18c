use super::super::{ZReport, parse};
use super::foreign;

#[test]
fn only_an_object_with_none_of_our_fields_is_foreign() {
    let is_foreign = |text: &str| foreign(&serde_json::from_str(text).expect("json")).is_some();
    assert!(is_foreign(r#"{"report_info": {}, "sales_summary": {}}"#));
    assert!(is_foreign(r#"[{"loop_number": 2451}]"#));
    assert!(!is_foreign(r#"{"z_number": 1, "report_info": {}}"#), "ours, with a typo'd field");
    assert!(!is_foreign("{}"), "serde names what is missing");
    assert!(!is_foreign("[]") && !is_foreign("7"));
}

fn report(payment: &str) -> String {
    format!(
        "{{\"company\":{{\"name\":\"A\",\"org_number\":\"559999-0005\"}},\
         \"register\":{{\"id\":\"K\"}},\"z_number\":1,\"business_date\":\"2026-11-01\",\
         \"closed_at\":\"2026-11-01 20:00\",\"sales\":[],\n\"payments\":[\n{payment}\n],\n\
         \"counts\":{{\"receipts\":1,\"returns\":0,\"receipt_copies\":0,\
         \"drawer_openings\":1}},\"grand_totals\":{{\"sales\":0,\"returns\":0,\"net\":0}}}}"
    )
}

fn error(payment: &str) -> String {
    only_error(&report(payment))
}

fn only_error(text: &str) -> String {
    let file = parse(text.as_bytes());
    assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
    file.errors[0].to_string()
}

/// The error for the restaurant day of docs/formats.md with `from` written as `to`.
fn restaurant_with(from: &str, to: &str) -> String {
    let text = include_str!("../../../../fixtures/zreport/restaurang-2026-10-31.json");
    assert!(text.contains(from), "{from}");
    only_error(&text.replacen(from, to, 1))
}

#[test]
fn the_same_report_reads() {
    let text = report("{\"method\":\"card\",\"amount\":\"12.50\"}");
    let value = serde_json::from_str(&text).expect("json");
    assert!(super::read::<ZReport>(&text, &value, "not a Z-report").is_ok());
}

#[test]
fn an_unknown_payment_method_names_the_field_the_methods_and_the_way_to_map_it() {
    assert_eq!(
        error("{\"method\":\"Klarna\",\"amount\":10}"),
        "line 3: `payments[0].method` is `Klarna`, which is not a payment method of the \
         format: it is one of cash, card, swish, gift_card, invoice, other (hint: write \
         \"method\": \"other\", \"name\": \"Klarna\"; it is booked on the account of `other` \
         unless [accounts] payments gives the name its own, e.g. payments = { klarna = 1581 })"
    );
    assert_eq!(
        error("{\"method\":1,\"amount\":10}"),
        "line 3: `payments[0].method` is 1, but the method is one of cash, card, swish, \
         gift_card, invoice, other, in quotes (hint: write e.g. \"method\": \"card\"; a method \
         of its own is \"method\": \"other\" with its \"name\")"
    );
}

/// Amounts are numbers or strings with a decimal point (docs/formats.md, the schema): the
/// message says both, and a decimal comma's hint gives both spellings of the amount.
#[test]
fn an_amount_with_a_decimal_comma_is_told_in_the_formats_terms() {
    assert_eq!(
        error("{\"method\":\"cash\",\"amount\":\"2145,00\"}"),
        "line 3: `payments[0].amount` is \"2145,00\" with a decimal comma, but an amount has a \
         decimal point and no spaces, written as a number or in quotes: 2145.00 or \"2145.00\" \
         (hint: write \"amount\": 2145.00 or \"amount\": \"2145.00\")"
    );
    assert_eq!(
        restaurant_with("\"net\": 8250.00", "\"net\": \"8250,00\""),
        "line 18: `sales[0].net` is \"8250,00\" with a decimal comma, but an amount has a \
         decimal point and no spaces, written as a number or in quotes: 8250.00 or \
         \"8250.00\" (hint: write \"net\": 8250.00 or \"net\": \"8250.00\")"
    );
    assert_eq!(
        error("{\"method\":\"cash\",\"amount\":true}"),
        "line 3: `payments[0].amount` is true, but an amount is a number with a decimal point, \
         written as a number or in quotes: 2145.00 or \"2145.00\" (hint: write the amount, \
         e.g. \"amount\": 2145.00)"
    );
}

#[test]
fn an_amount_too_large_for_money_is_told_so_by_its_field() {
    let too_large = "which is too large to be an amount of money (hint: an amount is kronor \
                     and öre with at most 28 digits, e.g. \"net\": 8250.00; check what the \
                     register exported in this field)";
    assert_eq!(
        restaurant_with("\"net\": 8250.00", "\"net\": 1e30"),
        format!("line 18: `sales[0].net` is 1e+30, {too_large}")
    );
    let huge = "99999999999999999999999999999999.99";
    assert_eq!(
        restaurant_with("\"net\": 8250.00", &format!("\"net\": \"{huge}\"")),
        format!("line 18: `sales[0].net` is \"{huge}\", {too_large}")
    );
    assert_eq!(
        restaurant_with("\"net\": 8250.00", &format!("\"net\": {huge}")),
        format!("line 18: `sales[0].net` is {huge}, {too_large}")
    );
    let tiny = restaurant_with("\"net\": 8250.00", "\"net\": 1e-30");
    assert!(
        tiny.starts_with(
            "line 18: `sales[0].net` is 1e-30, which has more decimals than an amount of money \
             can have (hint: "
        ),
        "{tiny}"
    );
}

#[test]
fn a_vat_rate_is_told_as_a_rate_not_an_amount() {
    assert_eq!(
        restaurant_with("\"vat_rate\": 12,", "\"vat_rate\": \"12%\","),
        "line 18: `sales[0].vat_rate` is \"12%\", but a VAT rate is a number of percent, \
         without %: 25, 12, 6 or 0 (hint: write \"vat_rate\": 12)"
    );
}

#[test]
fn whole_numbers_are_told_as_such_with_the_digits_to_write() {
    assert_eq!(
        restaurant_with("\"z_number\": 1042", "\"z_number\": \"1042\""),
        "line 12: `z_number` is \"1042\", but the Z number is a whole number, written without \
         quotes (hint: write \"z_number\": 1042)"
    );
    assert_eq!(
        restaurant_with("\"z_number\": 1042", "\"z_number\": -3"),
        "line 12: `z_number` is -3, but the Z number is a whole number (0 or more), written \
         without quotes (hint: write it as digits alone, e.g. \"z_number\": 1042)"
    );
    assert_eq!(
        restaurant_with("\"count\": 112", "\"count\": \"112\""),
        "line 18: `sales[0].count` is \"112\", but a count is a whole number, written without \
         quotes (hint: write \"count\": 112)"
    );
}

#[test]
fn the_business_date_is_a_date_written_year_month_day() {
    let date = |written: &str| {
        let to = format!("\"business_date\": {written}");
        restaurant_with("\"business_date\": \"2026-10-31\"", &to)
    };
    assert_eq!(
        date("\"31/10/2026\""),
        "line 13: `business_date` is \"31/10/2026\", but the sales day is a date in quotes \
         written YYYY-MM-DD (year, month, day) (hint: write \"business_date\": \"2026-10-31\")"
    );
    assert_eq!(
        date("\"2026-10-31T00:00:00\""),
        "line 13: `business_date` is \"2026-10-31T00:00:00\", but it is the sales day alone, \
         YYYY-MM-DD, without a time (hint: write \"business_date\": \"2026-10-31\")"
    );
    assert_eq!(
        date("\"2026-02-30\""),
        "line 13: `business_date` is \"2026-02-30\", a day that does not exist (the date is \
         YYYY-MM-DD) (hint: check the sales day in the register's export, e.g. \
         \"business_date\": \"2026-10-31\")"
    );
    assert_eq!(
        date("\"05/10/2026\""),
        "line 13: `business_date` is \"05/10/2026\", but the sales day is a date in quotes \
         written YYYY-MM-DD (year, month, day) (hint: write e.g. \"business_date\": \
         \"2026-10-31\")",
        "5 October or 10 May: not guessed"
    );
}

#[test]
fn an_object_written_otherwise_is_told_with_its_shape() {
    assert_eq!(
        restaurant_with("\"tips\": { \"amount\": 430.00, \"count\": 9 }", "\"tips\": 430"),
        "line 37: `tips` is 430, but it is an object with the amount and, if the register \
         counts them, how many, e.g. {\"amount\": 430.00, \"count\": 9} (hint: write \"tips\": \
         {\"amount\": 430.00}, with \"count\" if it is known)"
    );
    assert_eq!(
        restaurant_with("\"counts\": {", "\"counts\": [], \"x\": {"),
        "line 39: `counts` is a list, but it is an object with the day's counts (hint: write \
         \"counts\": {\"receipts\": 187, \"returns\": 2, \"receipt_copies\": 1, \
         \"drawer_openings\": 26})"
    );
    assert_eq!(
        restaurant_with("\"sales\": [", "\"sales\": 5, \"x\": ["),
        "line 17: `sales` is 5, but it is a list in square brackets (hint: write \"sales\": \
         [{\"vat_rate\": 12, \"net\": 8250.00, \"vat\": 990.00, \"gross\": 9240.00}, ...], one \
         object per entry (or [] for none))"
    );
    assert_eq!(
        restaurant_with("\"closed_at\": \"2026-10-31T23:12:40+01:00\"", "\"closed_at\": 2026"),
        "line 15: `closed_at` is 2026, but it is text in quotes (hint: write \"closed_at\": \
         \"2026-10-31T23:12:40+01:00\")"
    );
    assert!(only_error("7").starts_with("line 1: the file is 7, but it is a Z-report: "));
}

/// No message names a Rust or serde type, or says serde's or chrono's own words.
#[test]
fn no_message_speaks_rust() {
    let replacements = [
        ("\"z_number\": 1042", "\"z_number\": 1042.5"),
        ("\"version\": 1", "\"version\": \"1\""),
        ("\"company\": {", "\"company\": 5, \"x\": {"),
        ("\"register\": {", "\"register\": \"K\", \"x\": {"),
        ("\"payments\": [", "\"payments\": [5], \"x\": ["),
        ("\"grand_totals\": {", "\"grand_totals\": true, \"x\": {"),
        ("\"gift_cards_sold\": {", "\"gift_cards_sold\": \"1000\", \"x\": {"),
        ("\"rounding\": -0.20", "\"rounding\": \"-0,20\""),
        ("\"business_date\": \"2026-10-31\"", "\"business_date\": \"2026-10\""),
        ("\"currency\": \"SEK\"", "\"currency\": 752"),
    ];
    for (from, to) in replacements {
        let message = restaurant_with(from, to);
        for rust in ["u64", "u32", "struct", "serde", "Decimal", "expected", "input", "invalid"] {
            assert!(!message.contains(rust), "{to}: {message}");
        }
    }
}

#[test]
fn a_report_cut_off_says_so_not_eof_while_parsing() {
    let whole = report(r#"{"method": "cash", "amount": 100.00, "count": 1}"#);
    let said = only_error(&whole[..whole.len() / 2]);
    assert!(said.contains("the file ends in the middle of the report: it was cut off"), "{said}");
    assert!(!said.contains("EOF"), "{said}");
}
