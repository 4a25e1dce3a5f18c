//! Loading and validating whole configuration files.

use super::*;

#[test]
fn template_parses_to_the_defaults() {
    let base = Path::new("/srv/shop");
    let config = Config::from_toml_str(TEMPLATE, base).expect("template parses");
    assert_eq!(config.folders.inbox, base.join("inbox"));
    assert_eq!(config.folders.failed, base.join("failed"));
    assert_eq!(config.fortnox.target, Target::EmbeddedSandbox);
    assert_eq!(config.sie.default_series, "A");
    assert_eq!(config.upload.max_attempts, 3);
    assert_eq!(config.zreport.max_rounding_remainder, rust_decimal::Decimal::new(5, 2));
    assert_eq!(config.fortnox.auth, AuthMethod::ClientCredentials);
    assert_eq!(config.fortnox.token_file, base.join("fortnox-tokens.bin"));
    assert_eq!(config.fortnox.key_file, base.join("fortnox-tokens.bin.key"));
    assert_eq!(config.fortnox.redirect_uri, DEFAULT_REDIRECT_URI);
    assert_eq!(
        config.fortnox.scopes,
        [
            "companyinformation",
            "bookkeeping",
            "settings",
            "costcenter",
            "project",
            "order",
            "customer",
            "article",
            "invoice"
        ]
    );
    assert!(!format!("{:?}", config.fortnox).contains("sandbox-secret"));
}

#[test]
fn target_url_and_series_mapping() {
    let text = "[fortnox]\ntarget = \"http://127.0.0.1:8787/\"\n\
                [sie]\ndefault_series = \"F\"\nseries = { K = \"F\" }\n";
    let config = Config::from_toml_str(text, Path::new("/x")).expect("valid");
    assert_eq!(config.fortnox.target, Target::Url("http://127.0.0.1:8787".into()));
    assert_eq!(config.sie.fortnox_series(""), "F");
    assert_eq!(config.sie.fortnox_series("K"), "F");
    assert_eq!(config.sie.fortnox_series("B"), "B");
}

#[test]
fn rejects_unknown_keys_bad_targets_and_public_listen() {
    let base = Path::new("/x");
    assert!(Config::from_toml_str("[folders]\ninbx = \"a\"\n", base).is_err());
    let err = |text: &str| Config::from_toml_str(text, base).err().unwrap_or_default();
    assert!(err("[fortnox]\ntarget = \"prod\"\n").contains("`prod`"));
    assert!(err("[sandbox]\nlisten = \"0.0.0.0:8787\"\n").contains("loopback"));
    assert!(err("[sie]\ndefault_series = \"A B\"\n").contains("series"));
}

#[test]
fn load_errors_read_path_line_message() {
    let dir = std::env::temp_dir().join(format!("fb-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join(FILE_NAME);
    let shown = path.display().to_string();
    let load = |text: &str| {
        std::fs::write(&path, text).expect("write");
        Config::load(&path).expect_err("invalid").to_string()
    };
    // A syntax error, an unknown key and a wrong type are placed on their line.
    let syntax = load("[folders]\ninbox = \"in\"\n\n[sie\ndefault_series = \"A\"\n");
    assert!(syntax.starts_with(&format!("{shown}:4: ")), "{syntax}");
    assert!(syntax.ends_with(": invalid table header; expected `.`, `]`"), "{syntax}");
    let unknown = load("# comment\n[folders]\ninbx = \"a\"\n");
    assert!(unknown.starts_with(&format!("{shown}:3: unknown field `inbx`")), "{unknown}");
    let wrong = load("[upload]\n\nmax_attempts = \"three\"\n");
    assert!(wrong.starts_with(&format!("{shown}:3: ")), "{wrong}");
    // A value that parses but cannot be used is placed on its key's line.
    let invalid = load("[sie]\n\ndefault_series = \"A B\"\n");
    assert!(invalid.starts_with(&format!("{shown}:3: [sie] default_series `A B`")), "{invalid}");

    std::fs::remove_file(&path).expect("remove");
    let missing = Config::load(&path).expect_err("missing").to_string();
    assert!(missing.starts_with(&format!("{shown}: cannot read the configuration: ")));
    assert!(
        missing.ends_with("(hint: `fortnox-bridge init DIR` writes a commented configuration)"),
        "{missing}"
    );
    std::fs::remove_dir(&dir).expect("remove dir");
}

#[test]
fn bad_series_codes_name_the_key_the_user_wrote() {
    let err = |text: &str| Config::from_toml_str(text, Path::new("/x")).unwrap_err();
    let hint = "(hint: the series code as Fortnox shows it, e.g. \"A\" or \"F\")";
    assert_eq!(
        err("[sie]\ndefault_series = \"A B\"\n"),
        format!(
            "line 2: [sie] default_series `A B` is not a Fortnox voucher series: \
             1-10 letters or digits {hint}"
        )
    );
    assert_eq!(
        err("[sie]\nseries = { K = \"KASSA-1\" }\n"),
        format!(
            "line 2: [sie] series.K `KASSA-1` is not a Fortnox voucher series: \
             1-10 letters or digits {hint}"
        )
    );
    assert_eq!(
        err("[sie]\nseries = { \"a b\" = \"\" }\n"),
        format!(
            "line 2: [sie] series.\"a b\" `` is not a Fortnox voucher series: \
             1-10 letters or digits {hint}"
        )
    );
    assert_eq!(
        err("[zreport]\nseries = \"ELEVENCHARS\"\n"),
        format!(
            "line 2: [zreport] series `ELEVENCHARS` is not a Fortnox voucher series: \
             1-10 letters or digits {hint}"
        )
    );
}

/// Every kind of validation problem, placed on the line of the key it is about.
#[test]
fn validation_problems_are_placed_on_their_key() {
    let placed = |text: &str| Config::parse(text, Path::new("/x")).expect_err(text);
    let cases: &[(&str, usize, &str)] = &[
        ("[sandbox]\nlisten = \"0.0.0.0:1\"\n", 2, "[sandbox] listen `0.0.0.0:1`"),
        ("[fortnox]\n\ntarget = \"prod\"\n", 3, "[fortnox] target `prod`"),
        ("[fortnox]\nauth = \"x\"\n", 2, "[fortnox] auth = \"x\""),
        ("[fortnox]\nredirect_uri = \"https://a/\"\n", 2, "[fortnox] redirect_uri"),
        ("[sie]\nseries = { K = \"X\", L = \"A B\" }\n", 2, "[sie] series.L `A B`"),
        ("[sie.series]\nK = \"X\"\n\"a b\" = \"\"\n", 3, "[sie] series.\"a b\" ``"),
        ("[zreport]\nseries = \"F\"\ndiscounts = \"no\"\n", 3, "[zreport] discounts"),
        ("[zreport]\nmax_rounding_remainder = \"-1\"\n", 2, "[zreport] max_rounding"),
        ("[schedule]\nmode = \"nightly\"\nnightly_at = \"3am\"\n", 3, "[schedule] nightly_at"),
        (
            "[[inboxes]]\npath = \"a\"\n\n[[inboxes]]\npath = \"b\"\nschedule = \"hourly\"\n",
            6,
            "[[inboxes]] `b`: schedule = \"hourly\"",
        ),
        (
            "[[inboxes]]\npath = \"a\"\n[[inboxes]]\nkind = \"sie\"\n",
            3,
            "[[inboxes]] entry 2 has no",
        ),
        (
            "[[inboxes]]\npath = \"a\"\n[[inboxes]]\npath = \"./a\"\n",
            4,
            "inbox `/x/./a` is listed twice",
        ),
        ("[notify]\nwebhook = \"ftp://x\"\n", 2, "[notify] webhook `ftp://x`"),
        ("[upload]\nmax_attempts = 0\n", 2, "[upload] max_attempts = 0: it must be 1 or more"),
        ("[upload]\n\nretry_secs = 0\n", 3, "[upload] retry_secs = 0: it must be 1 or more"),
        // An inbox is taken file by file: never where the bridge keeps its own files.
        ("[folders]\ninbox = \".\"\n", 2, "inbox `/x/.` holds the configuration file"),
        ("[folders]\ninbox = \"\"\n", 2, "inbox `/x/` holds the configuration file"),
        (
            "[folders]\ninbox = \"in\"\nstate = \"in/fortnox-bridge.db\"\n",
            2,
            "inbox `/x/in` holds the ledger ([folders] state) `/x/in/fortnox-bridge.db`",
        ),
        (
            "[folders]\ninbox = \"in\"\nstate = \"in/.bridge.db\"\ndone = \"in\"\n",
            2,
            "inbox `/x/in` holds [folders] done `/x/in`",
        ),
        (
            "[log]\nfile = \"kassa/bridge.log\"\n[[inboxes]]\npath = \"kassa\"\n",
            4,
            "inbox `/x/kassa` holds the log ([log] file) `/x/kassa/bridge.log`",
        ),
        (
            "[accounts]\ntips = 2890\nsales.\"25 %\" = 30011\n",
            3,
            "[accounts] sales.\"25 %\" = 30011",
        ),
        ("[accounts]\noutput_vat = { x = 2611 }\n", 2, "[accounts] output_vat key `x`"),
        (
            "[accounts.registers.BAR]\npayments.cash = 19\n",
            2,
            "[accounts.registers.BAR] payments.cash = 19",
        ),
        ("[orders]\nformat = \"csv\"\n", 2, "[orders] format = \"csv\""),
        ("[orders.columns]\nsku = \"SKU\"\n", 1, "[orders] format = \"custom\" needs"),
        ("[orders]\n[orders.columns]\nwhat = \"W\"\n", 3, "[orders.columns] `what`"),
        (
            "[orders]\nmatch_customer_by = [\n\"email\",\n\"phone\"]\n",
            4,
            "[orders] match_customer_by",
        ),
        ("[orders]\ncurrency = \"KRONOR\"\n", 2, "[orders] currency `KRONOR`"),
        ("[orders]\ndefault_unit = \"styck-1\"\n", 2, "[orders] default_unit `styck-1`"),
    ];
    for (text, line, start) in cases {
        let (at, message) = placed(text);
        assert_eq!(at, Some(*line), "{text}: {message}");
        assert!(message.starts_with(start), "{text}: {message}");
        assert!(message.contains("(hint: ") || message.contains(" is not one of "), "{message}");
    }
    // `target = "live"` without the secret in the environment is placed on `target`; with
    // it, `pace = false` on its own line.
    let (at, message) = placed("[fortnox]\ntarget = \"live\"\npace = false\n");
    let expected = if std::env::var_os("FORTNOX_CLIENT_SECRET").is_some() { 3 } else { 2 };
    assert_eq!(at, Some(expected), "{message}");
}

/// The template says what `client_id` and `tenant_id` do and that the environment wins, and
/// how files are told apart without an inbox `kind` (as `detect` does it).
#[test]
fn the_template_says_which_wins_and_how_kinds_are_detected() {
    let lines: Vec<&str> = TEMPLATE.lines().collect();
    // The comment lines between a key and the key above it.
    let is_key = |l: &&str| {
        let key = l.strip_prefix("# ").and_then(|r| r.split_once(" = ")).map(|(k, _)| k);
        key.is_some_and(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
    };
    let above = |key: &str| {
        let at = lines.iter().position(|l| l.starts_with(&format!("# {key} ="))).expect(key);
        let mut text: Vec<&str> =
            lines[..at].iter().rev().take_while(|l| !is_key(l)).copied().collect();
        text.reverse();
        text.iter().map(|l| l.trim_start_matches('#').trim()).collect::<Vec<_>>().join(" ")
    };
    for (key, var) in [("client_id", "FORTNOX_CLIENT_ID"), ("tenant_id", "FORTNOX_TENANT_ID")] {
        let text = above(key);
        assert!(text.contains(&format!("{var} wins over this key")), "{key}: {text}");
    }
    let kind = lines.iter().position(|l| l.starts_with("# kind =")).expect("kind");
    let text = lines[kind..kind + 4].iter().map(|l| l.trim_start_matches('#').trim());
    let text = text.collect::<Vec<_>>().join(" ");
    assert!(!text.contains("detect from name and content"), "{text}");
    assert!(text.contains("extension") && text.contains("needs kind = \"orders\""), "{text}");
    // As the comment says: an order export named .txt is not recognised without the hint.
    let csv = b"order_id;order_date;sku;quantity;unit_price\nW-1;2026-11-20;A;1;10\n";
    assert_eq!(crate::detect::detect("export.txt", csv), None);
    let hint = Some(crate::detect::Kind::Orders);
    assert_eq!(crate::detect::detect_with_hint(hint, "export.txt", csv), hint);
    if std::env::var_os("FORTNOX_TENANT_ID").is_none() {
        let config = Config::from_toml_str("[fortnox]\ntenant_id = \"\"\n", Path::new("/x"));
        assert_eq!(config.expect("parses").fortnox.tenant_id, None, "an empty key is none");
    }
}
