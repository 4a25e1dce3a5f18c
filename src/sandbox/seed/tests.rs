//! Seeding: the years, chart, registers and objects a new sandbox gets, and a loaded chart.
#![allow(clippy::unwrap_used)]

use super::super::documents::{self, kind};
use super::*;

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn locked_period_default_is_end_of_month_three_months_back() {
    assert_eq!(default_locked_until(date("2025-11-21")), date("2025-08-31"));
    assert_eq!(default_locked_until(date("2025-02-01")), date("2024-11-30"));
    assert_eq!(default_locked_until(date("2025-03-31")), date("2024-12-31"));
}

#[test]
fn seeds_once_and_loads_a_chart() {
    let store = store::Store::open(None).unwrap();
    store.with(|conn| {
        assert!(seed_if_new(conn, date("2025-06-01")).unwrap());
        assert!(!seed_if_new(conn, date("2025-06-01")).unwrap());
        let years = store::financial_years(conn).unwrap();
        assert_eq!(years.len(), 3);
        assert_eq!(years[0].from, date("2024-01-01"));
        assert_eq!(years[2].to, date("2026-12-31"));
        assert!(!store::account(conn, 2, 1630).unwrap().unwrap().active);
        assert!(store::account(conn, 2, 1930).unwrap().unwrap().active);
        // The BAS chart is there besides the seeded accounts, which keep their settings.
        let payroll = store::account(conn, 2, 7210).unwrap().unwrap();
        assert_eq!((payroll.description.as_str(), payroll.active), ("Löner till tjänstemän", true));
        assert_eq!(store::account(conn, 2, 3730).unwrap().unwrap().description, "Lämnade rabatter");
        assert_eq!(
            store::account(conn, 2, 3001).unwrap().unwrap().vat_code.as_deref(),
            Some("MP1")
        );
        assert!(!store::account(conn, 2, 3960).unwrap().unwrap().active);
        assert!(store::account(conn, 2, 3998).unwrap().is_none());
        let pairs = vec![
            ("1630".to_owned(), "Skattekonto".to_owned()),
            ("7690".to_owned(), "Övriga personalkostnader".to_owned()),
            ("12".to_owned(), "too short".to_owned()),
        ];
        assert_eq!(load_chart(conn, &pairs).unwrap(), 2);
        let renamed = store::account(conn, 3, 1630).unwrap().unwrap();
        assert_eq!(renamed.description, "Skattekonto");
        assert!(!renamed.active);
        assert!(store::account(conn, 1, 7690).unwrap().unwrap().active);

        // A database a release before seeded (registers, no objects) gets the objects.
        store::set_setting(conn, REGISTERS_SEEDED, "1").unwrap();
        assert!(documents::get(conn, kind::COST_CENTER, "10").unwrap().is_none());
        seed_registers(conn).unwrap();
        assert!(documents::get(conn, kind::COST_CENTER, "10").unwrap().is_some());
        // Objects of a SIE chart: the new ones added, the seeded ones kept as they are.
        let pair = |a: &str, b: &str| (a.to_owned(), b.to_owned());
        let cost_centers = [pair("0100", "Produktion"), pair("10", "Annat namn")];
        let added = load_objects(conn, &cost_centers, &[pair("P-2026-17", "Villa")]).unwrap();
        assert_eq!(added, (1, 1));
        let cc = documents::get(conn, kind::COST_CENTER, "0100").unwrap().unwrap();
        assert_eq!(cc["Description"], "Produktion");
        let kept = documents::get(conn, kind::COST_CENTER, "10").unwrap().unwrap();
        assert_eq!(kept["Description"], "Administration");
        assert!(documents::get(conn, kind::PROJECT, "P-2026-17").unwrap().is_some());
    });
}
