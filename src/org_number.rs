//! Swedish organisation numbers as files, configuration and Fortnox write them: `556677-8899`,
//! `5566778899`, the 12-digit forms `16556677-8899` and, for a sole trader's personnummer,
//! `19770216-7508`. Two numbers name the same company when their last ten digits are equal.
//!
//! Owns normalising and comparing them; pure.

/// The ten digits that identify the company: the digits of a number of 10 or 12 digits (other
/// characters ignored), the last ten of a 12-digit one. `None` when there are not 10 or 12.
pub fn key(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    match digits.len() {
        10 => Some(digits),
        12 => Some(digits[2..].to_owned()),
        _ => None,
    }
}

/// True for a number written as a person would: digits and dashes only, 10 or 12 digits.
pub fn is_well_formed(text: &str) -> bool {
    text.chars().all(|c| c.is_ascii_digit() || c == '-') && key(text).is_some()
}

/// True for digits that are all zeros (`000000-0000`, a placeholder some programs export).
pub fn is_placeholder(text: &str) -> bool {
    let mut digits = text.chars().filter(char::is_ascii_digit).peekable();
    digits.peek().is_some() && digits.all(|c| c == '0')
}

/// True when `a` and `b` are well formed and name the same company.
pub fn same(a: &str, b: &str) -> bool {
    key(a).is_some_and(|a| key(b).is_some_and(|b| a == b))
}

/// The one form fortnox-bridge writes a number in, as Fortnox shows it: its ten digits with a
/// dash before the last four (`559900-0037` for `5599000037` or `16559900-0037`). `None` when
/// it is not 10 or 12 digits.
pub fn canonical(text: &str) -> Option<String> {
    key(text).map(|k| show(&k))
}

/// The digit strings a document's reference may have named the company of ten digits `ten`
/// by: the ten, and the 12-digit forms with a century (`16` for a company, `19`/`20` for a
/// sole trader's personnummer).
pub fn digit_forms(ten: &str) -> [String; 4] {
    ["", "16", "19", "20"].map(|century| format!("{century}{ten}"))
}

/// A register id as a copy of a report (or a release before) may have written it into a
/// reference: as given, trimmed, trimmed with one space after or before (the spellings seen in
/// exports), and trimmed in capitals, in small letters and capitalised (a register renamed
/// `KASSA2` → `kassa2` in the till is the same register: its reports are not posted twice).
pub fn register_forms(id: &str) -> Vec<String> {
    let trimmed = id.trim();
    let lower = trimmed.to_lowercase();
    let mut chars = lower.chars();
    let capitalised: String =
        chars.next().map_or_else(String::new, |first| first.to_uppercase().chain(chars).collect());
    let mut forms = vec![id.to_owned()];
    for form in [
        trimmed.to_owned(),
        format!("{trimmed} "),
        format!(" {trimmed}"),
        trimmed.to_uppercase(),
        lower.clone(),
        capitalised,
    ] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// The ways an export may spell the number `text`: each digit form (10 and 12 digits) with and
/// without its dash. Empty when `text` is not a well-formed number.
pub fn spellings(text: &str) -> Vec<String> {
    let Some(ten) = key(text) else { return Vec::new() };
    digit_forms(&ten).iter().flat_map(|digits| [show(digits), digits.clone()]).collect()
}

/// What to search Fortnox's `organisationnumber` filter with to find every customer holding
/// the number in any of its forms. The filter is a substring match (`ILIKE '%v%'`), so one
/// spelling does not meet another: the dashed ten digits find `559900-0037` and
/// `16559900-0037`, the plain ten find `5599000037` and `165599000037`. A number that is not
/// 10 or 12 digits is searched as written.
pub fn search_forms(text: &str) -> Vec<String> {
    match key(text) {
        Some(k) => vec![show(&k), k],
        None => vec![text.trim().to_owned()],
    }
}

/// The number as messages show it: its digits with a dash before the last four
/// (`556677-8899`, `19770216-7508`); other text unchanged.
pub fn show(text: &str) -> String {
    let digits: String = text.chars().filter(char::is_ascii_digit).collect();
    if key(text).is_none() {
        return text.to_owned();
    }
    let (head, tail) = digits.split_at(digits.len() - 4);
    format!("{head}-{tail}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_and_twelve_digit_forms_of_one_company_are_the_same() {
        assert!(same("556677-8899", "5566778899"));
        assert!(same("556677-8899", "16556677-8899"));
        assert!(same("165566778899", "556677-8899"));
        // A sole trader: personnummer with and without the century.
        assert!(same("19770216-7508", "770216-7508"));
        assert!(same(" 770216-7508 ", "197702167508"));
        assert!(!same("556677-8899", "559999-0005"));
        assert!(!same("556677-8899", "16559999-0005"));
        // The last ten digits, not any ten: another prefix is another number only when the
        // ten differ.
        assert!(!same("556677-889", "556677-8899"), "nine digits are not a number");
        assert!(!same("5566778899-1", "5566778899"), "eleven digits are not a number");
        assert!(!same("", ""));
    }

    #[test]
    fn keys_well_formedness_placeholders_and_display() {
        assert_eq!(key("16556677-8899").as_deref(), Some("5566778899"));
        assert_eq!(key("5566778899").as_deref(), Some("5566778899"));
        assert_eq!(key("55667788"), None);
        assert!(is_well_formed("556677-8899") && is_well_formed("197702167508"));
        assert!(!is_well_formed("556677 8899"), "spaces are not written in the config");
        assert!(!is_well_formed("SE556677889901"));
        assert!(!is_well_formed("556677-889"));
        assert!(is_placeholder("000000-0000") && !is_placeholder("") && !is_placeholder("-"));
        assert!(!is_placeholder("000000-0001"));
        assert_eq!(show("5566778899"), "556677-8899");
        assert_eq!(show("16 556677 8899"), "16556677-8899");
        assert_eq!(show("12345"), "12345");
        for written in ["5599000037", "559900-0037", "16559900-0037", "165599000037"] {
            assert_eq!(canonical(written).as_deref(), Some("559900-0037"), "{written}");
            assert_eq!(search_forms(written), ["559900-0037", "5599000037"], "{written}");
        }
        assert_eq!(canonical("19800101-1234").as_deref(), Some("800101-1234"));
        assert_eq!(canonical("55990"), None);
        assert_eq!(search_forms(" 55990 "), ["55990"]);
    }
}
