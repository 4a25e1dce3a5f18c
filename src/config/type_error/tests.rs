//! Serde's and toml's errors, told in the file's terms.

use std::path::Path;

fn err(text: &str) -> String {
    super::super::Config::from_toml_str(text, Path::new("/x")).expect_err("invalid")
}

/// (the file, the message)
const CASES: &[(&str, &str)] = &[
    (
        "[upload]\nmax_attempts = \"3\"\n",
        "line 2: [upload] max_attempts = \"3\" is a text, but it must be a whole number \
         (hint: write max_attempts = 3, without quotes)",
    ),
    (
        "[watch]\nstable_ms = 1.5  # settle\n",
        "line 2: [watch] stable_ms = 1.5 is a decimal number, but it must be a whole number \
         (hint: write stable_ms = 2, without a decimal point)",
    ),
    // On the key's line, not the section's.
    (
        "[accounts]\n\nsales = { \"25\" = \"3001\" }\n",
        "line 3: [accounts] sales.25 = \"3001\" is a text, but it must be a whole number \
         (hint: write sales = { \"25\" = 3001 }, without quotes)",
    ),
    (
        "[accounts]\ntips = \"2890\"\n",
        "line 2: [accounts] tips = \"2890\" is a text, but it must be a whole number \
         (hint: write tips = 2890, without quotes)",
    ),
    (
        "[accounts.registers.BAR]\ntips = \"2890\"\n",
        "line 2: [accounts.registers.BAR] tips = \"2890\" is a text, but it must be a whole \
         number (hint: write tips = 2890, without quotes)",
    ),
    (
        "[fortnox]\ntarget = sandbox\n",
        "line 2: [fortnox] target = sandbox is a word without quotes, which is not a TOML \
         value (hint: write target = \"sandbox\": a text goes in quotes)",
    ),
    (
        "[watch]\ndone_marker = \"yes\"\n",
        "line 2: [watch] done_marker = \"yes\" is a text, but it must be true or false \
         (hint: write done_marker = true)",
    ),
    (
        "[sie]\ndefault_series = 1\n",
        "line 2: [sie] default_series = 1 is a whole number, but it must be a text in \
         quotes (hint: write default_series = \"1\", in quotes)",
    ),
    (
        "[upload]\nmax_attempts = -3\n",
        "line 2: [upload] max_attempts = -3 is below zero, but it must be 0 or more \
         (hint: write the number without a minus sign)",
    ),
    (
        "[[inboxes]]\npath = \"a\"\npoll_ms = true\n",
        "line 3: [[inboxes]] poll_ms = true is true or false, but it must be a whole number \
         (hint: write digits only, without quotes)",
    ),
    (
        "[orders]\nmatch_customer_by = [\n  \"email\",\n  5,\n]\n",
        "line 4: [orders] match_customer_by: its entry 2 (5) is a whole number, but it must \
         be a text in quotes (hint: write \"5\", in quotes)",
    ),
];

#[test]
fn type_errors_name_the_key_on_its_line() {
    for (text, expected) in CASES {
        assert_eq!(err(text), *expected, "{text}");
    }
}

#[test]
fn other_errors_keep_tomls_words() {
    assert_eq!(
        err("# c\n[folders]\ninbx = \"a\"\n").split(',').next(),
        Some("line 3: unknown field `inbx` (did you mean `inbox`?)")
    );
    assert!(err("[upload]\nkolor = 1\n").starts_with("line 2: unknown field `kolor`, expected"));
    assert_eq!(err("[sie\n"), "line 1: invalid table header; expected `.`, `]`");
    assert_eq!(
        err("[sandbox]\nlisten = \"abc\"\n"),
        "line 2: [sandbox] listen = \"abc\": invalid socket address syntax \
         (hint: an address and port in quotes, e.g. \"127.0.0.1:8787\")"
    );
}
