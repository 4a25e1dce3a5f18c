use super::*;

fn config() -> SieConfig {
    let mut c = SieConfig::default();
    c.series.insert("K".into(), "F".into());
    c
}

fn convert_text(text: &str) -> Conversion {
    convert_bytes(text.as_bytes(), &config())
}

#[test]
fn till_fixture_becomes_two_balanced_vouchers_in_series_f() {
    let bytes = include_bytes!("../../../fixtures/sie/kassa-2026-10.si");
    let c = convert_bytes(bytes, &config());
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    assert_eq!(c.summary.encoding, "cp437");
    assert_eq!(c.summary.format, "SIE 4I");
    assert_eq!(c.documents.len(), 2);
    let Body::Voucher(v) = &c.documents[1].body else { panic!("a voucher") };
    assert_eq!(v.voucher_series, "F");
    assert_eq!(v.description, "Dagskassa 31 oktober, Z-rapport 1042");
    assert_eq!(v.voucher_rows.len(), 8);
    let debit: Decimal = v.voucher_rows.iter().map(|r| r.debit).sum();
    let credit: Decimal = v.voucher_rows.iter().map(|r| r.credit).sum();
    assert_eq!((debit, credit), (Decimal::new(1_184_625, 2), Decimal::new(1_184_625, 2)));
    assert_eq!(v.voucher_rows[7].transaction_information.as_deref(), Some("Öresavrundning"));
    assert_eq!(c.documents[1].line, 28);
    assert!(c.documents[1].reference.starts_with("sie:5599990005:K:1042:2026-10-31:"));
}

#[test]
fn rejects_what_fortnox_cannot_take_with_the_line() {
    let c = convert_text(
        "#FLAGGA 0\n#SIETYP 4\n#VER A 1 20261001 \"x\"\n{\n#TRANS FEL {} 10.00\n\
         #TRANS 1930 {} -10.00\n}\n",
    );
    assert!(c.documents.is_empty());
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert_eq!(c.errors[0].line, Some(5));
    assert!(c.errors[0].message.contains("account `FEL`"));
    assert!(c.errors[0].hint.is_some());
}

#[test]
fn objects_quantities_and_long_texts() {
    let long = "x".repeat(130);
    let c = convert_text(&format!(
        "#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20261001 \"Lön\"\n{{\n\
         #TRANS 7010 {{1 \"0123\" 6 P7 7 E1}} 100.00 \"\" \"{long}\" 8\n\
         #TRANS 1930 {{}} -100.00\n}}\n"
    ));
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let Body::Voucher(v) = &c.documents[0].body else { panic!("a voucher") };
    assert_eq!(v.voucher_series, "A", "unnumbered vouchers go to the default series");
    let row = &v.voucher_rows[0];
    assert_eq!(row.cost_center.as_deref(), Some("0123"));
    assert_eq!(row.project.as_deref(), Some("P7"));
    assert_eq!(row.quantity, Some(Decimal::new(8, 0)));
    assert_eq!(row.transaction_information.as_ref().map(String::len), Some(100));
    let messages: Vec<&str> = c.warnings.iter().map(|w| w.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("dimension `7`")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("100 characters")), "{messages:?}");
}

#[test]
fn import_files_with_balances_are_rejected_by_name() {
    let text = "#FLAGGA 0\n#SIETYP 4\n#IB 0 1930 5\n#VER A 1 20261001\n{\n\
                #TRANS 1930 {} 5\n#TRANS 3000 {} -5\n}\n";
    let (c, facts) = convert_named("FAKT.SI", text.as_bytes(), &config());
    // Told as what it was checked as: an import file (by its name), not the 4E its
    // balances would make it.
    assert_eq!(facts, SieFacts { sie_type: "4I".into(), vouchers: 1 });
    assert_eq!(c.summary.format, "SIE 4I");
    assert!(c.documents.is_empty());
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert!(c.errors[0].message.starts_with("import file (4I) carries balance records"));
    let (c, _) = convert_named("export.se", text.as_bytes(), &config());
    assert!(c.errors.is_empty() && c.documents.len() == 1, "{:?}", c.errors);
    assert!(is_import_name("a.Si") && !is_import_name("si") && !is_import_name("a.se"));
}

#[test]
fn a_repeated_numbered_voucher_is_posted_once_with_a_warning() {
    let ver = "#VER A 12 20261001 \"Kaffe\"\n{\n#TRANS 4010 {} 5.00\n#TRANS 1910 {} -5.00\n}\n";
    let c = convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{ver}{ver}"));
    assert_eq!(c.documents.len(), 1, "{:?}", c.documents);
    assert!(c.errors.is_empty(), "{:?}", c.errors);
    let w = &c.warnings[0];
    assert_eq!(w.line, Some(8));
    assert_eq!(
        w.message,
        "SIE voucher A 12 appears again with the same rows (first on line 3); posted once"
    );
    // Same number, other rows: which is meant cannot be told, so the file is refused before
    // anything of it is posted (not the first posted and the second refused at upload).
    let other = ver.replace("5.00", "6.00");
    let c = convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{ver}{other}"));
    assert!(c.documents.is_empty(), "{:?}", c.documents);
    assert_eq!(c.errors.len(), 1, "{:?}", c.errors);
    assert_eq!(c.errors[0].line, Some(8));
    assert_eq!(
        c.errors[0].message,
        "SIE voucher A 12 appears twice in this file with other rows (first on line 3)"
    );
    // Another date is another voucher slot (numbers run per year in some programs' exports).
    let next_year = other.replace("20261001", "20271001");
    let c = convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{ver}{next_year}"));
    assert_eq!((c.documents.len(), c.errors.len()), (2, 0), "{:?}", c.errors);
}

#[test]
fn what_a_row_books_besides_its_amount_is_part_of_the_voucher() {
    let ver = |objects: &str, tail: &str| {
        format!(
            "#FLAGGA 0\n#SIETYP 4\n#ORGNR 559999-0005\n#VER A 1 20261025 \"Löner\"\n{{\n\
             #TRANS 7210 {objects} 30000.00{tail}\n#TRANS 1930 {{}} -30000.00\n}}\n"
        )
    };
    let plain = convert_text(&ver("{}", ""));
    let centre_100 = convert_text(&ver("{1 \"0100\"}", ""));
    let centre_200 = convert_text(&ver("{1 \"0200\"}", ""));
    let project = convert_text(&ver("{6 \"P1\"}", ""));
    let quantity = convert_text(&ver("{}", " \"\" \"\" 3"));
    let text = convert_text(&ver("{}", " \"\" \"Oktober\""));
    let references: Vec<&str> = [&plain, &centre_100, &centre_200, &project, &quantity, &text]
        .iter()
        .map(|c| c.documents[0].reference.as_str())
        .collect();
    for (i, a) in references.iter().enumerate() {
        assert!(references[i + 1..].iter().all(|b| a != b), "{references:?}");
    }
    // Rows with nothing but an amount hash as releases before hashed them: no other version
    // under its own name (only under the company's 12-digit forms).
    let own = |c: &Conversion| -> Vec<String> {
        let d = &c.documents[0];
        d.legacy_references.iter().filter(|r| r.starts_with("sie:5599990005:")).cloned().collect()
    };
    assert!(own(&plain).is_empty(), "{:?}", plain.documents[0].legacy_references);
    // With a cost centre: the version those releases gave, for the ledger to find it by.
    assert_eq!(own(&centre_100), [plain.documents[0].reference.clone()]);
}

#[test]
fn unnumbered_references_are_told_from_numbered_ones() {
    let c = convert_text(
        "#FLAGGA 0\n#SIETYP 4\n#ORGNR 559999-0005\n\
         #VER \"\" \"\" 20261030 \"Dagskassa\"\n{\n#TRANS 1910 {} 5.00\n#TRANS 3001 {} -5.00\n}\n\
         #VER \"\" \"\" 20261030 \"Dagskassa\"\n{\n#TRANS 1910 {} 5.00\n#TRANS 3001 {} -5.00\n}\n\
         #VER A \"\" 20261030 \"Dagskassa\"\n{\n#TRANS 1910 {} 5.00\n#TRANS 3001 {} -5.00\n}\n\
         #VER A 7 20261030 \"Dagskassa\"\n{\n#TRANS 1910 {} 5.00\n#TRANS 3001 {} -5.00\n}\n",
    );
    let prefixes: Vec<Option<&str>> =
        c.documents.iter().map(|d| unnumbered_prefix(&d.reference)).collect();
    let (day, series_a) =
        (Some("sie:5599990005:::2026-10-30:"), Some("sie:5599990005:A::2026-10-30:"));
    assert_eq!(prefixes, [day, day, series_a, None], "{:?}", c.documents);
    assert!(c.documents[1].reference.starts_with("sie:5599990005:::2026-10-30:"));
    assert_eq!(unnumbered_prefix("zreport:5599990005:BAR:1041"), None);
    assert_eq!(
        unnumbered_prefix("sie::::2026-10-30:0123456789abcdef:2"),
        Some("sie::::2026-10-30:")
    );
}

#[test]
fn identical_unnumbered_vouchers_get_distinct_references() {
    let ver =
        "#VER \"\" \"\" 20261001 \"Kaffe\"\n{\n#TRANS 4010 {} 5.00\n#TRANS 1910 {} -5.00\n}\n";
    let c = convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{ver}{ver}"));
    assert_eq!(c.documents.len(), 2);
    assert_ne!(c.documents[0].reference, c.documents[1].reference);
    assert_ne!(c.documents[0].marker, c.documents[1].marker);
    // ...and the same file read again gives the same references (idempotent).
    let again = convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{ver}{ver}"));
    assert_eq!(c.documents[1].reference, again.documents[1].reference);
}

#[test]
fn a_twelve_digit_orgnr_names_the_company_by_its_ten_digits() {
    let ver = "#VER A 1 20261010 \"Kaffe\"\n{\n#TRANS 1910 {} 5.00\n#TRANS 3001 {} -5.00\n}\n";
    let with = |orgnr: &str| convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{orgnr}\n{ver}"));
    let ten = with("#ORGNR 559999-0005");
    let twelve = with("#ORGNR 16559999-0005");
    let (a, b) = (&ten.documents[0], &twelve.documents[0]);
    assert!(a.reference.starts_with("sie:5599990005:A:1:2026-10-10:"), "{}", a.reference);
    assert_eq!((&a.reference, &a.marker), (&b.reference, &b.marker));
    // The name releases before gave the 12-digit copy, for the ledger to find it by.
    let version = a.reference.rsplit(':').next().unwrap_or_default();
    let old = format!("sie:165599990005:A:1:2026-10-10:{version}");
    assert!(b.legacy_references.contains(&old), "{:?}", b.legacy_references);
    assert!(a.legacy_references.contains(&old), "a 10-digit copy of a voucher posted as 12");
    // Without `#ORGNR`: in Fortnox it may carry the marker it has under the company's number.
    let none = with("#PROGRAM \"Kassa\" 1");
    let aliases = marker_aliases(&none.documents[0].reference, Some("559999-0005"));
    assert!(aliases.contains(&a.marker), "{aliases:?}");
    assert!(marker_aliases(&a.reference, None).contains(&none.documents[0].marker));
    assert_eq!(slot_aliases("sie::::2026-10-10:", None), Vec::<String>::new());
}

#[test]
fn vouchers_an_older_release_hashed_alike_keep_its_numbering() {
    // Same date, text and amounts; rows told apart only by their text, which releases before
    // did not hash: they named these `…:v` and `…:v:2`.
    let ver = |text: &str| {
        format!(
            "#VER \"\" \"\" 20261030 \"Dagskassa\"\n{{\n#TRANS 1910 {{}} 5.00 \"\" \"{text}\"\n\
             #TRANS 3001 {{}} -5.00\n}}\n"
        )
    };
    let c = convert_text(&format!("#FLAGGA 0\n#SIETYP 4\n{}{}", ver("Kort"), ver("Kontant")));
    let [a, b] = &c.documents[..] else { panic!("two documents") };
    assert_ne!(a.reference, b.reference);
    let [old_a] = &a.legacy_references[..] else { panic!("one") };
    assert_eq!(b.legacy_references, [format!("{old_a}:2")]);
}

#[test]
fn a_latin1_text_keeps_the_version_releases_before_gave_it() {
    // `–` is 0x96 in Windows-1252; releases before read it as the control code U+0096.
    let mut bytes =
        b"#FLAGGA 0\n#SIETYP 4\n#VER \"\" \"\" 20261015 \"F\xf6rs\xe4ljning \x96 kort\"\n{\n"
            .to_vec();
    bytes.extend_from_slice(b"#TRANS 1910 {} 5.00\n#TRANS 3001 {} -5.00\n}\n");
    let c = convert_bytes(&bytes, &config());
    let doc = &c.documents[0];
    let Body::Voucher(v) = &doc.body else { panic!("a voucher") };
    assert_eq!(v.description, "Försäljning – kort");
    let before = amounts_version("Försäljning \u{96} kort", &v.voucher_rows);
    let identity = doc.reference.rsplit_once(':').map(|(i, _)| i).unwrap_or_default();
    assert_eq!(doc.legacy_references, [format!("{identity}:{before}")]);
}
