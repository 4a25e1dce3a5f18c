#![allow(clippy::unwrap_used)]

use super::*;

fn toks(line: &str) -> (Vec<(Kind, String)>, Option<Issue>) {
    let mut out = Vec::new();
    let issue = tokenize(line.as_bytes(), &mut out);
    let v = out
        .iter()
        .map(|t| (t.kind, String::from_utf8_lossy(&line.as_bytes()[t.start..t.end]).into()))
        .collect();
    (v, issue)
}

fn kinds(line: &str) -> Vec<String> {
    toks(line).0.into_iter().map(|(_, s)| s).collect()
}

#[test]
fn splits_on_runs_of_blanks() {
    assert_eq!(kinds("#TRANS\t1930  {}\t-100.50"), ["#TRANS", "1930", "", "-100.50"]);
    assert_eq!(toks("#TRANS 1930 {} 1").0[2].0, Kind::List);
}

#[test]
fn quoted_fields_keep_literal_backslashes() {
    assert_eq!(kinds(r#"#VER A 1 20200101 "1820\A012 Cykel""#)[4], r"1820\A012 Cykel");
    assert_eq!(kinds(r#"#X "Kassa \"special\"" 2"#), ["#X", r#"Kassa \"special\""#, "2"]);
    assert_eq!(kinds(r#"#X "" "" 0"#), ["#X", "", "", "0"]);
    assert_eq!(kinds(r#"#FNR "C:\Path\" x"#), ["#FNR", r"C:\Path\", "x"]);
}

#[test]
fn braces_inside_quotes_are_literal() {
    assert_eq!(kinds(r#"#OBJEKT 1 "0123" "Avd {med} klammer""#)[3], "Avd {med} klammer");
    assert_eq!(kinds(r#"#TRANS 1 {1 "a}b"} 5"#), ["#TRANS", "1", r#"1 "a}b""#, "5"]);
}

#[test]
fn reports_unterminated_quote_and_list() {
    let (t, issue) = toks(r#"#X "abc"#);
    assert_eq!(issue, Some(Issue::UnterminatedQuote));
    assert_eq!(t[1].1, "abc");
    assert_eq!(toks("#TRANS 1 {1 2 5").1, Some(Issue::UnclosedList));
}

#[test]
fn object_list_forms() {
    for (inner, want) in [
        ("", vec![]),
        (" ", vec![]),
        (r#"1 "2" 10 "12""#, vec!["1", "2", "10", "12"]),
        (r#" "1" "1""#, vec!["1", "1"]),
        ("1 Nord 6 0002", vec!["1", "Nord", "6", "0002"]),
        ("1 \"2\"\t10 \"12\"", vec!["1", "2", "10", "12"]),
    ] {
        let mut out = Vec::new();
        assert_eq!(list_tokens(inner.as_bytes(), 0, &mut out), None);
        let got: Vec<&str> = out.iter().map(|t| &inner[t.start..t.end]).collect();
        assert_eq!(got, want, "{inner:?}");
    }
}

#[test]
fn marks_fields_with_escaped_quotes() {
    let line = br#"#X "a \"b\"" "plain" "C:\P\" x"#;
    let mut out = Vec::new();
    tokenize(line, &mut out);
    let kinds: Vec<Kind> = out.iter().map(|t| t.kind).collect();
    assert_eq!(kinds, [Kind::Bare, Kind::Escaped, Kind::Quoted, Kind::Quoted, Kind::Bare]);
}

#[test]
fn word_scans_find_the_first_hit() {
    let line = b"#TRANS\t1930 {} \"a\\\"b\" 12345678901234567890";
    assert_eq!(next_blank(line, 0), 6);
    assert_eq!(next_blank(line, 7), 11);
    assert_eq!(next_blank(line, 24), line.len());
    assert_eq!(next_quote(line, 0), 15);
    assert_eq!(next_quote(line, 16), 18);
    assert_eq!(next_quote(line, 19), 20);
    assert_eq!(next_quote(b"", 0), 0);
    let lines = b"#VER A 1 20240101 \"a long\ntext\" \"x\"\n";
    assert_eq!(next_quote_or_newline(lines, 0), 18);
    assert_eq!(next_quote_or_newline(lines, 19), 25);
    assert_eq!(next_quote_or_newline(lines, 26), 30);
    assert_eq!(next_quote_or_newline(lines, 33), 34);
    assert_eq!(next_quote_or_newline(lines, 35), lines.len() - 1);
    assert_eq!(next_quote_or_newline(lines, lines.len()), lines.len());
    for n in 0..20 {
        let mut v = vec![b'x'; n];
        v.push(b' ');
        assert_eq!(next_blank(&v, 0), n);
        assert_eq!(next_blank(&v[..n], 0), n);
    }
}

proptest::proptest! {
    /// The hand-tuned scanner and the nom grammar split every line the same way.
    #[test]
    fn scanner_agrees_with_the_nom_grammar(
        line in proptest::collection::vec(proptest::sample::select(
            b" \t\"\\{}#Ax1-.,".to_vec()), 0..40),
        raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..40),
    ) {
        for bytes in [&line, &raw] {
            let (mut fast, mut reference) = (Vec::new(), Vec::new());
            let a = tokenize(bytes, &mut fast);
            let b = tokenize_nom(bytes, &mut reference);
            proptest::prop_assert_eq!((a, fast), (b, reference), "{:?}", String::from_utf8_lossy(bytes));
        }
    }
}

#[test]
fn unescapes_only_escaped_quotes() {
    let mut out = Vec::new();
    unescape_into(br#"a \"b\" c\d"#, &mut out);
    assert_eq!(out, br#"a "b" c\d"#);
}
