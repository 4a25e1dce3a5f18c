//! Z-report numbers a register skipped: warned and notified once, listed by `status` until the
//! missing report arrives, or waived with a reason.

use crate::harness::{Workspace, fixture};

/// The restaurant's Z-report as register KASSA1's number `z`, for the sales day `date`.
fn restaurant_day(z: u64, date: &str) -> Vec<u8> {
    String::from_utf8_lossy(&fixture("zreport/restaurang-2026-10-31.json"))
        .replace("\"z_number\": 1042", &format!("\"z_number\": {z}"))
        .replace("2026-10-31", date)
        .into_bytes()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_z_number_that_never_came_is_warned_notified_once_and_listed_until_it_arrives() {
    let ws = Workspace::start().await;
    let events = ws.path("events.jsonl");
    ws.write_config(&format!(
        "[notify]\ncommand = \"cat >> '{0}'; echo >> '{0}'\"\n",
        events.display()
    ));
    let told = || -> Vec<serde_json::Value> {
        std::fs::read_to_string(&events)
            .unwrap_or_default()
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).expect("event json"))
            .collect()
    };
    let status = || {
        let text = String::from_utf8_lossy(&ws.cli(&["status"]).stdout).into_owned();
        let json: serde_json::Value =
            serde_json::from_slice(&ws.cli(&["status", "--json"]).stdout).expect("status json");
        (text, json["zreport_gaps"].clone())
    };
    let missing = "register KASSA1: Z 1043 has not arrived (between 1042 and 1044)";

    ws.drop_file("z-1042.json", &restaurant_day(1042, "2026-10-31"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    // Z 1044 comes next: posted (the day is real), with a warning, one event and a status line.
    ws.drop_file("z-1044.json", &restaurant_day(1044, "2026-11-02"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("z-1044.json:1: {missing}")), "{stderr}");
    assert_eq!(ws.archived("done").len(), 2);
    let api = ws.api().await;
    let year = api.year_of("2026-11-02").await;
    assert_eq!(api.all_vouchers("F", year).await.len(), 2, "both days are posted");
    let events = told();
    assert_eq!(events.len(), 1, "one event for the file: {events:?}");
    assert_eq!(events[0]["event"], "zreport_gap");
    assert_eq!(events[0]["file"], "z-1044.json");
    assert!(events[0]["summary"].as_str().is_some_and(|s| s.contains(missing)), "{events:?}");
    let (text, gaps) = status();
    assert!(
        text.contains(
            "register KASSA1 (559999-0005): Z 1043 has not arrived (between 1042 and 1044)"
        ),
        "{text}"
    );
    assert_eq!(gaps.as_array().map(Vec::len), Some(1), "{gaps}");
    assert_eq!(
        (&gaps[0]["register"], &gaps[0]["after"], &gaps[0]["before"]),
        (&"KASSA1".into(), &1042.into(), &1044.into())
    );
    assert_eq!(gaps[0]["missing"], 1);

    // Z 1043 is sent late: posted, no new event, and the hole is closed.
    ws.drop_file("z-1043.json", &restaurant_day(1043, "2026-11-01"));
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("has not arrived"), "{out:?}");
    assert_eq!(api.all_vouchers("F", year).await.len(), 3);
    assert_eq!(told().len(), 1, "no event for a day that fills the hole");
    let (text, gaps) = status();
    assert!(!text.contains("has not arrived"), "{text}");
    assert_eq!(gaps, serde_json::json!([]));
}

/// A Z number that will never come (a training day) is waived with its reason: no longer
/// listed, in the audit trail; a number that is not missing cannot be waived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_z_number_that_will_never_come_is_waived_with_its_reason() {
    let ws = Workspace::start().await;
    ws.write_config("");
    for (z, day) in [(1042, "2026-10-31"), (1046, "2026-11-04")] {
        ws.drop_file(&format!("z-{z}.json"), &restaurant_day(z, day));
    }
    let out = ws.cli(&["run", "--once"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let status = || String::from_utf8_lossy(&ws.cli(&["status"]).stdout).into_owned();
    let text = status();
    assert!(text.contains("Z 1043, 1044 and 1045 have not arrived"), "{text}");
    assert!(text.contains("fortnox-bridge zreport waive REGISTER NUMBER"), "{text}");

    let out = ws.cli(&["zreport", "waive", "KASSA1", "1043-1044", "--reason", "övningsdagar"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("2 Z number(s) from 1043 to 1044 waived (övningsdagar)"), "{said}");
    let text = status();
    assert!(text.contains("Z 1045 has not arrived (between 1044 and 1046)"), "{text}");

    // 1046 arrived: nothing to waive, and the error says what is missing.
    let out = ws.cli(&["zreport", "waive", "KASSA1", "1046", "--reason", "x"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("Z 1046 of register KASSA1 is not missing"), "{err}");
    assert!(err.contains("missing now: register KASSA1: Z 1045 has not arrived"), "{err}");

    let out = ws.cli(&["zreport", "waive", "kassa1", "1045", "--reason", "kassan trasig"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(!status().contains("has not arrived"));
    let export = ws.cli(&["audit", "export", "--format", "csv"]);
    let trail = String::from_utf8_lossy(&export.stdout);
    assert!(
        trail.contains(
            "register KASSA1 (559999-0005): Z 1043 to 1044 will not arrive: övningsdagar"
        ),
        "{trail}"
    );
    assert!(ws.cli(&["audit", "verify"]).status.success(), "the chain holds");
}
