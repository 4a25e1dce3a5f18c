use rust_decimal::Decimal;

use super::*;

fn restaurant() -> ZreportFile {
    parse(include_bytes!("../../../fixtures/zreport/restaurang-2026-10-31.json"))
}

#[test]
fn reads_the_restaurant_day_exactly() {
    let file = restaurant();
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    assert_eq!(file.reports.len(), 1);
    let r = &file.reports[0].report;
    assert_eq!(r.z_number, 1042);
    assert_eq!(r.register.id, "KASSA1");
    assert_eq!(r.sales[1].vat, Decimal::new(7920, 2));
    assert_eq!(r.rounding, Decimal::new(-20, 2));
    assert_eq!(r.payments[4].method, Method::Other);
    assert_eq!(r.payments[4].name.as_deref(), Some("Rikskortet"));
    assert_eq!(r.counts.drawer_openings, 26);
    assert_eq!(file.reports[0].line, 1);
    assert_eq!(file.line("/sales/1"), 19);
    let (errors, warnings) = check(&file, &file.reports[0], false);
    assert!(errors.is_empty() && warnings.is_empty(), "{errors:?} {warnings:?}");
}

#[test]
fn one_report_an_array_or_an_envelope() {
    let file = parse(include_bytes!("../../../fixtures/zreport/cafe-och-bar-2026-11-02.json"));
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let where_: Vec<(&str, usize)> =
        file.reports.iter().map(|l| (l.pointer.as_str(), l.line)).collect();
    assert_eq!(where_, [("/reports/0", 5), ("/reports/1", 23)]);
    // Amounts written as strings are read exactly too.
    assert_eq!(file.reports[0].report.sales[0].net, Decimal::new(312_500, 2));
    let file = parse(include_bytes!("../../../fixtures/zreport/invalid/okand-moms.json"));
    assert_eq!((file.reports.len(), file.reports[0].pointer.as_str()), (1, "/0"));
}

#[test]
fn json_numbers_are_never_floats() {
    let text = br#"{"company":{"name":"A","org_number":"559999-0005"},"register":{"id":"K"},
        "z_number":1,"business_date":"2026-11-01","closed_at":"2026-11-01 20:00",
        "sales":[{"vat_rate":12,"net":0.1,"vat":0.2,"gross":0.3}],
        "payments":[{"method":"cash","amount":0.30000000000000001}],
        "counts":{"receipts":1,"returns":0,"receipt_copies":0,"drawer_openings":1},
        "grand_totals":{"sales":0.3,"returns":0,"net":0.3}}"#;
    let file = parse(text);
    assert!(file.errors.is_empty(), "{:?}", file.errors);
    let r = &file.reports[0].report;
    assert_eq!(r.sales[0].net + r.sales[0].vat, r.sales[0].gross);
    assert_eq!(r.payments[0].amount.to_string(), "0.30000000000000001");
}

/// A report whose sales are written before its discounts, read with the default (discounts
/// included in the sales): the difference is exactly the discounts, and the hint names the
/// setting instead of telling the shop to correct a report that is right.
#[test]
fn payments_off_by_the_discounts_point_at_the_discount_setting() {
    let file = parse(include_bytes!("../../../fixtures/zreport/butik-rabatter-separat.json"));
    let (errors, _) = check(&file, &file.reports[0], false);
    assert_eq!(errors.len(), 1, "{errors:?}");
    let text = errors[0].to_string();
    assert!(text.contains("(difference -122.90)"), "{text}");
    assert!(
        text.contains(
            "(hint: the difference is the report's discounts (122.90): its sales are written \
             before discounts, so set [zreport] discounts = \"separate\""
        ),
        "{text}"
    );
    assert!(check(&file, &file.reports[0], true).0.is_empty(), "right with the setting");
}

#[test]
fn inconsistent_reports_are_rejected_with_the_figures() {
    let file = parse(include_bytes!("../../../fixtures/zreport/invalid/osammanhangande.json"));
    let (errors, _) = check(&file, &file.reports[0], false);
    let rendered: Vec<String> = errors.iter().map(|e| e.render("z.json")).collect();
    assert_eq!(
        rendered,
        [
            "z.json:9: Z 1044 (register KASSA1): sales[1] (`Mat` 12 %): net 6000.00 + VAT \
             720.00 = 6720.00, but gross is 6730.00 (hint: correct the report in the register \
             (or the program that wrote the file) and drop it again; fortnox-bridge never books \
             a difference)",
            "z.json:11: Z 1044 (register KASSA1): payments 7136.00 do not match sales 7124.00 - \
             returns 0.00 + gift cards sold 0.00 + tips 0.00 + rounding 0.00 = 7124.00 \
             (difference 12.00) (hint: correct the report in the register (or the program that \
             wrote the file) and drop it again; fortnox-bridge never books a difference)",
        ]
    );
}

#[test]
fn unknown_fields_versions_and_broken_json_are_located() {
    let file = parse(include_bytes!("../../../fixtures/zreport/invalid/okant-falt.json"));
    assert_eq!(file.errors.len(), 1);
    assert_eq!(file.errors[0].line, Some(6));
    assert!(file.errors[0].message.starts_with("not a Z-report: unknown field `closed`"));
    let file = parse(b"{\"format\":\"fortnox-bridge/zreport\",\"version\":2,\"reports\":[]}");
    assert_eq!(
        file.errors[0].to_string(),
        "line 1: Z-report format version 2 is not supported (hint: this build reads version 1; \
         upgrade fortnox-bridge)"
    );
    let file = parse(b"{\n\"z_number\": 1,\n\"sales\": [1,\n}");
    assert_eq!(file.errors[0].line, Some(4));
    assert!(file.errors[0].message.starts_with("not valid JSON:"));
    let file = parse(b"\xEF\xBB\xBF[]");
    assert!(file.errors.is_empty());
    assert_eq!(file.warnings.len(), 1);
}

/// A line whose VAT is another Swedish rate's is refused: booked as written, its sales would
/// be reported under one rate and its VAT under another. A VAT that fits no rate (a register
/// that rounds per receipt, say) is only a warning.
#[test]
fn vat_of_another_rate_is_an_error_and_an_odd_vat_a_warning() {
    let report = |vat: &str, gross: &str| {
        format!(
            r#"{{"company":{{"name":"A","org_number":"559999-0005"}},"register":{{"id":"K"}},
            "z_number":1,"business_date":"2026-11-01","closed_at":"2026-11-01 20:00",
            "sales":[{{"category":"Mat","vat_rate":12,"net":"1000.00","vat":"{vat}","gross":"{gross}"}}],
            "payments":[{{"method":"card","amount":"{gross}"}}],
            "counts":{{"receipts":1,"returns":0,"receipt_copies":0,"drawer_openings":0}},
            "grand_totals":{{"sales":"{gross}","returns":"0","net":"{gross}"}}}}"#
        )
    };
    let checked = |vat: &str, gross: &str| {
        let file = parse(report(vat, gross).as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let (errors, warnings) = check(&file, &file.reports[0], false);
        let render = |d: &[crate::diagnostic::Diagnostic]| {
            d.iter().map(|e| e.render("z.json")).collect::<Vec<_>>()
        };
        (render(&errors), render(&warnings))
    };
    assert_eq!(checked("120.00", "1120.00"), (vec![], vec![]));
    assert_eq!(checked("120.40", "1120.40"), (vec![], vec![]), "within half a krona");
    let (errors, warnings) = checked("250.00", "1250.00");
    assert_eq!(
        errors,
        ["z.json:3: Z 1 (register K): sales[0] (`Mat` 12 %): VAT 250.00 is not 12 % of net \
          1000.00 (expected about 120.00); it is 25 % of it (hint: the line's rate and its VAT \
          disagree: correct the product group's VAT rate (12 % or 25 %) in the register and drop \
          the report again; booked as written, the VAT return would be wrong)"]
    );
    assert!(warnings.is_empty(), "{warnings:?}");
    let (errors, warnings) = checked("0.00", "1000.00");
    assert!(errors[0].contains("it is 0 % of it"), "{errors:?}");
    assert!(warnings.is_empty(), "{warnings:?}");
    let (errors, warnings) = checked("131.00", "1131.00");
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        warnings,
        ["z.json:3: Z 1 (register K): sales[0] (`Mat` 12 %): VAT 131.00 is not 12 % of net \
          1000.00 (expected about 120.00)"]
    );
}

/// Discount lines included in the sales (the default) are not booked: a register that writes
/// them without VAT is told, not refused. Booked as separate lines, they are refused like sales.
#[test]
fn discount_lines_are_refused_for_another_rate_only_when_booked() {
    let bytes = include_bytes!("../../../fixtures/zreport/restaurang-2026-10-31.json");
    let text = String::from_utf8_lossy(bytes).replace(
        "\"net\": 89.29, \"vat\": 10.71, \"gross\": 100.00",
        "\"net\": 100.00, \"vat\": 0, \"gross\": 100.00",
    );
    assert!(text.contains("\"net\": 100.00, \"vat\": 0,"));
    let file = parse(text.as_bytes());
    let (errors, warnings) = check(&file, &file.reports[0], false);
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].message.contains("discounts[0] (`Lunchrabatt` 12 %): VAT 0.00 is not 12 %")
    );
    let (errors, _) = check(&file, &file.reports[0], true);
    assert!(errors.iter().any(|e| e.message.contains("it is 0 % of it")), "{errors:?}");
}
