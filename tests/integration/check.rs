//! `check` as a person reads it: one clean line per file (no empty fields, counts in the right
//! number), errors in line order, and a folder checked file by file as the watcher takes them,
//! as the kind its `[[inboxes]]` entry gives.

use super::harness::{Workspace, fixture};

fn check(ws: &Workspace, args: &[&str]) -> (Option<i32>, String) {
    let out = ws.cli(&[&["check"], args].concat());
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned())
}

fn write(ws: &Workspace, name: &str, bytes: &[u8]) {
    std::fs::write(ws.path(name), bytes).expect("write");
}

/// A file of no kind or no format we read gets a clean line, not `unknown , -,` or `orders ,`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_of_no_known_kind_or_format_get_a_clean_line_and_counts_their_number() {
    let ws = Workspace::start().await;
    write(&ws, "notes.txt", b"hello\n");
    write(&ws, "unknown.csv", b"a;b;c\n1;2;3\n");
    write(&ws, "saldon.si", &fixture("sie/invalid/saldon.si"));
    let (code, text) = check(&ws, &["notes.txt", "unknown.csv", "saldon.si"]);
    assert_eq!(code, Some(1), "{text}");
    let summaries: Vec<&str> = text.lines().filter(|l| !l.starts_with("  ")).collect();
    assert_eq!(
        summaries,
        [
            "notes.txt: ERROR: not a file fortnox-bridge reads",
            "unknown.csv: ERROR: orders file of no format fortnox-bridge knows, utf-8, \
             0 warnings, 1 error",
            "saldon.si: ERROR: sie SIE 4I, cp437, 1 voucher, 3 booked rows, 0 documents, \
             debit 6250.00, 0 warnings, 1 error",
        ],
        "{text}"
    );
    assert!(text.contains("  error: notes.txt: not a SIE file, Z-report or order CSV (hint: "));
}

/// Errors found while converting (an account, line 11) and while reading (a date, line 14)
/// are printed in the file's order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_are_printed_in_line_order() {
    let ws = Workspace::start().await;
    let mut sie = fixture("sie/invalid/konto-fel.si");
    sie.extend_from_slice(
        b"#VER K 1102 20261131 \"Dag\"\r\n{\r\n#TRANS 1910 {} 10.00\r\n#TRANS 3001 {} -10.00\r\n}\r\n",
    );
    write(&ws, "order.si", &sie);
    let (code, text) = check(&ws, &["order.si"]);
    assert_eq!(code, Some(1), "{text}");
    let lines: Vec<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("  error: order.si:"))
        .filter_map(|l| l.split(':').next())
        .collect();
    assert_eq!(lines, ["11", "12", "14"], "{text}");
}

/// `check DIR` checks the files in it the way the watcher would take them: not subfolders,
/// dot-files, temporary names or done-markers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_folder_is_checked_file_by_file() {
    let ws = Workspace::start().await;
    let inbox = ws.path("inbox");
    let kassa = fixture("sie/kassa-2026-10.si");
    for name in ["kassa.si", ".kassa.si", "~kassa.si", "halv.si.part", "z.json.tmp"] {
        std::fs::write(inbox.join(name), &kassa).expect("write");
    }
    std::fs::write(inbox.join("kassa.si.done"), b"").expect("marker");
    std::fs::create_dir(inbox.join("old")).expect("subfolder");
    std::fs::write(inbox.join("old/notes.txt"), b"hello\n").expect("write");
    let (code, text) = check(&ws, &["inbox"]);
    assert_eq!(code, Some(0), "{text}");
    let shown = std::path::Path::new("inbox").join("kassa.si").display().to_string();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.starts_with(&format!("{shown}: ok: sie SIE 4I, cp437, 2 vouchers, ")), "{text}");
    std::fs::create_dir(ws.path("empty")).expect("empty folder");
    let (code, text) = check(&ws, &["empty"]);
    assert_eq!(
        (code, text.trim()),
        (
            Some(0),
            "empty: no files to check (dot-files and \
        temporary names are skipped)"
        )
    );
}

/// The files of an inbox configured with a `kind` are checked as that kind, as the service
/// reads them (an order export named `.txt` is an order export there), given by folder or
/// one by one; the same file elsewhere is of no kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_inbox_of_one_kind_is_checked_as_that_kind() {
    let ws = Workspace::start().await;
    ws.write_config("[[inboxes]]\npath = \"shop\"\nkind = \"orders\"\n");
    std::fs::create_dir(ws.path("shop")).expect("inbox");
    let orders = fixture("orders/webbshop-2026-11-20.csv");
    std::fs::write(ws.path("shop/export.txt"), &orders).expect("write");
    write(&ws, "export.txt", &orders);
    for arg in ["shop", "shop/export.txt"] {
        let (code, text) = check(&ws, &[arg]);
        assert_eq!(code, Some(0), "{arg}: {text}");
        assert!(text.contains("export.txt: ok: orders "), "{arg}: {text}");
    }
    let (code, text) = check(&ws, &["export.txt"]);
    assert_eq!(code, Some(1), "{text}");
    assert!(text.starts_with("export.txt: ERROR: not a file fortnox-bridge reads"), "{text}");
}

/// An export of many bad rows: refused with every problem in the report up to a thousand (then
/// how many more), and a few in the log, not a log line per row.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_export_of_many_bad_rows_does_not_flood_the_log() {
    let ws = Workspace::start().await;
    let header = "order_id;order_date;email;description;quantity;unit_price;vat_rate\n";
    let rows = (0..1200).map(|i| format!("W-{i};2026-11-18;a@example.org;Kaffe;1;100,00;abc\n"));
    let csv: String = std::iter::once(header.to_owned()).chain(rows).collect();
    ws.drop_file("webb.csv", csv.as_bytes());
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(log.matches("is not a percentage").count() <= 21, "{log}");
    assert!(log.contains("... and 1180 more errors"), "{log}");
    let report = crate::documents::error_report(&ws, "webb.csv");
    assert_eq!(report.matches("is not a percentage").count(), 1000);
    assert!(report.contains("... and 200 more errors (the first 1000 are listed"), "{report}");
}
