//! A report's identity: the same report however a copy writes its company, register and
//! figures, and the names older releases gave it.

use super::*;

#[test]
fn the_company_and_register_written_otherwise_are_the_same_report() {
    let bytes = include_bytes!("../../../../fixtures/zreport/restaurang-2026-10-31.json");
    let register = "[accounts.registers.KASSA1]\nsales = { \"25\" = 3011 }\n";
    let original = &convert_with(bytes, register).documents[0];
    assert!(rows(original).iter().any(|r| r.0 == 3011), "{:?}", rows(original));
    let text = String::from_utf8_lossy(bytes)
        .replace("\"559999-0005\"", "\"16559999-0005\"")
        .replace("\"id\": \"KASSA1\"", "\"id\": \" KASSA1\"");
    let c = convert_with(text.as_bytes(), register);
    let copy = &c.documents[0];
    assert_eq!((&copy.reference, &copy.marker), (&original.reference, &original.marker));
    assert_eq!(
        (c.z_numbers[0].org.as_str(), c.z_numbers[0].register.as_str()),
        ("5599990005", "KASSA1")
    );
    // What the release before named this copy, for the ledger to find it by.
    let version = original.reference.rsplit(':').next().unwrap_or_default();
    for (org, register) in [("165599990005", " KASSA1"), ("5599990005", " KASSA1")] {
        let old = format!("zreport:{org}:{register}:1042:{version}");
        assert!(copy.legacy_references.contains(&old), "{old}: {:?}", copy.legacy_references);
    }
    // The original's other forms too: an older release may have posted a copy written so.
    let forms = &original.legacy_references;
    assert!(forms.contains(&format!("zreport:165599990005:KASSA1:1042:{version}")), "{forms:?}");
    assert!(!forms.contains(&original.reference), "not its own name");
    // A register id an older release kept with a space after it: its record and its marker.
    let spaced = format!("zreport:165599990005:KASSA1 :1042:{version}");
    assert!(forms.contains(&spaced), "{forms:?}");
    let markers = crate::convert::marker_aliases(&original.reference, None);
    assert!(markers.contains(&crate::convert::marker_for("zreport:165599990005:KASSA1 :1042")));
    assert_eq!(rows(copy), rows(original), "the register's accounts are still found");

    // The register renamed in the till in other capitals: the same register, known by the
    // name the report had, with its accounts.
    let renamed =
        String::from_utf8_lossy(bytes).replace("\"id\": \"KASSA1\"", "\"id\": \"kassa1\"");
    let c = convert_with(renamed.as_bytes(), register);
    let lower = &c.documents[0];
    assert!(lower.legacy_references.contains(&original.reference), "{:?}", lower.legacy_references);
    let markers = crate::convert::marker_aliases(&lower.reference, None);
    assert!(markers.contains(&original.marker), "found in Fortnox with the ledger lost");
    assert_eq!(rows(lower), rows(original), "the register's accounts are still found");
}

#[test]
fn a_re_serialised_report_is_the_same_document_and_keeps_the_version_it_had() {
    let bytes = include_bytes!("../../../../fixtures/zreport/restaurang-2026-10-31.json");
    let original = &convert_with(bytes, "").documents[0];
    // Amounts written with two decimals: the version releases before this one gave (in ledgers
    // and in Fortnox comments, see tests/golden/zreport), and no other to look for.
    assert_eq!(original.reference, "zreport:5599990005:KASSA1:1042:5857600b3a4de8bf");
    assert!(
        original.legacy_references.iter().all(|r| !r.starts_with("zreport:5599990005:KASSA1:"))
    );
    for whole in [false, true] {
        let text = rewritten(bytes, whole);
        let shown = String::from_utf8_lossy(&text);
        assert!(shown.contains("\"net\": 8250") && !shown.contains("8250.00"), "{shown}");
        let c = convert_with(&text, "");
        assert!(c.errors.is_empty(), "{:?}", c.errors);
        let copy = &c.documents[0];
        assert_eq!(rows(copy), rows(original));
        assert_eq!(copy.reference, original.reference, "whole: {whole}");
        assert_eq!(copy.marker, original.marker);
        assert!(crate::convert::carries_version(
            voucher(copy).comments.as_deref().unwrap_or_default(),
            "5857600b3a4de8bf"
        ));
        // What a release before this one called these bytes, for the ledger to recognise.
        let legacy = crate::convert::version::zreport_as_written(voucher(copy));
        assert_ne!(legacy, "5857600b3a4de8bf");
        let expected = format!("zreport:5599990005:KASSA1:1042:{legacy}");
        assert!(copy.legacy_references.contains(&expected), "{:?}", copy.legacy_references);
    }
    // A real change is still another version, however it is written.
    let changed = String::from_utf8_lossy(bytes)
        .replace("\"amount\": 2145.00", "\"amount\": 2146.00")
        .replace("\"rounding\": -0.20", "\"rounding\": 0.80");
    let changed = convert_with(&rewritten(changed.as_bytes(), false), "");
    assert_eq!(changed.documents[0].marker, original.marker);
    assert_ne!(changed.documents[0].reference, original.reference);
}

/// A register's accounts named in other capitals than the till writes its id: releases before
/// matched the id exactly and booked the report on the base accounts; this one finds the
/// register's. The report they posted is among its older names, not "posted with other
/// figures".
#[test]
fn a_report_booked_before_on_the_base_accounts_is_the_same_report() {
    let bytes = include_bytes!("../../../../fixtures/zreport/restaurang-2026-10-31.json");
    let before = &convert_with(bytes, "").documents[0];
    let now = &convert_with(bytes, "[accounts.registers.kassa1]\nsales = { \"25\" = 3011 }\n")
        .documents[0];
    assert!(rows(now).iter().any(|r| r.0 == 3011), "the register's accounts: {:?}", rows(now));
    assert_ne!(now.reference, before.reference);
    assert!(now.legacy_references.contains(&before.reference), "{:?}", now.legacy_references);
}
