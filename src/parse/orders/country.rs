//! Countries as order exports write them: an ISO 3166 alpha-2 code (`SE`, `de`) or a name in
//! Swedish, English or the country's own language (`Tyskland`, `Germany`, `Deutschland`), read
//! as the code Fortnox's `CountryCode` takes; and which codes are in the EU's VAT area. A
//! name this table does not hold is not guessed: the caller reports it.

/// Every ISO 3166-1 alpha-2 code, and `XK` (Kosovo, in common use).
const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ \
    BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
    DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP \
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI \
    KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP \
    MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM \
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX \
    SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU \
    WF WS XK YE YT ZA ZM ZW";

/// Member states of the EU, whose sales are EU sales for VAT. Not Åland (`AX`), which is
/// outside the EU's VAT area though part of Finland.
const EU: &[&str] = &[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
    "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
];

/// Names (folded: lower case, without accents, see [`fold`]) → code: the EU and EEA, the UK,
/// the US and Switzerland in Swedish, English and their own languages, and a few more.
const NAMES: &[(&str, &str)] = &[
    ("osterrike", "AT"),
    ("austria", "AT"),
    ("osterreich", "AT"),
    ("belgien", "BE"),
    ("belgium", "BE"),
    ("belgie", "BE"),
    ("belgique", "BE"),
    ("bulgarien", "BG"),
    ("bulgaria", "BG"),
    ("balgariya", "BG"),
    ("kroatien", "HR"),
    ("croatia", "HR"),
    ("hrvatska", "HR"),
    ("cypern", "CY"),
    ("cyprus", "CY"),
    ("kypros", "CY"),
    ("tjeckien", "CZ"),
    ("czechia", "CZ"),
    ("czech republic", "CZ"),
    ("cesko", "CZ"),
    ("ceska republika", "CZ"),
    ("danmark", "DK"),
    ("denmark", "DK"),
    ("estland", "EE"),
    ("estonia", "EE"),
    ("eesti", "EE"),
    ("finland", "FI"),
    ("suomi", "FI"),
    ("frankrike", "FR"),
    ("france", "FR"),
    ("tyskland", "DE"),
    ("germany", "DE"),
    ("deutschland", "DE"),
    ("grekland", "GR"),
    ("greece", "GR"),
    ("ellada", "GR"),
    ("hellas", "GR"),
    ("ungern", "HU"),
    ("hungary", "HU"),
    ("magyarorszag", "HU"),
    ("irland", "IE"),
    ("ireland", "IE"),
    ("eire", "IE"),
    ("italien", "IT"),
    ("italy", "IT"),
    ("italia", "IT"),
    ("lettland", "LV"),
    ("latvia", "LV"),
    ("latvija", "LV"),
    ("litauen", "LT"),
    ("lithuania", "LT"),
    ("lietuva", "LT"),
    ("luxemburg", "LU"),
    ("luxembourg", "LU"),
    ("letzebuerg", "LU"),
    ("malta", "MT"),
    ("nederlanderna", "NL"),
    ("netherlands", "NL"),
    ("the netherlands", "NL"),
    ("nederland", "NL"),
    ("holland", "NL"),
    ("polen", "PL"),
    ("poland", "PL"),
    ("polska", "PL"),
    ("portugal", "PT"),
    ("rumanien", "RO"),
    ("romania", "RO"),
    ("slovakien", "SK"),
    ("slovakia", "SK"),
    ("slovensko", "SK"),
    ("slovenien", "SI"),
    ("slovenia", "SI"),
    ("slovenija", "SI"),
    ("spanien", "ES"),
    ("spain", "ES"),
    ("espana", "ES"),
    ("sverige", "SE"),
    ("sweden", "SE"),
    ("island", "IS"),
    ("iceland", "IS"),
    ("liechtenstein", "LI"),
    ("norge", "NO"),
    ("norway", "NO"),
    ("noreg", "NO"),
    ("storbritannien", "GB"),
    ("forenade kungariket", "GB"),
    ("united kingdom", "GB"),
    ("great britain", "GB"),
    ("uk", "GB"),
    ("england", "GB"),
    ("skottland", "GB"),
    ("scotland", "GB"),
    ("wales", "GB"),
    ("nordirland", "GB"),
    ("northern ireland", "GB"),
    ("usa", "US"),
    ("united states", "US"),
    ("united states of america", "US"),
    ("forenta staterna", "US"),
    ("amerika", "US"),
    ("schweiz", "CH"),
    ("switzerland", "CH"),
    ("suisse", "CH"),
    ("svizzera", "CH"),
    ("svizra", "CH"),
    ("aland", "AX"),
    ("faroarna", "FO"),
    ("faroe islands", "FO"),
    ("foroyar", "FO"),
    ("gronland", "GL"),
    ("greenland", "GL"),
    ("kanada", "CA"),
    ("canada", "CA"),
    ("australien", "AU"),
    ("australia", "AU"),
];

/// The code of a country as an export writes it: a code of [`CODES`] in any case, or a name
/// of [`NAMES`] in any case, with or without accents. `None` for anything else.
pub fn code(text: &str) -> Option<&'static str> {
    let text = text.trim().trim_end_matches('.');
    if text.len() == 2 {
        let upper = text.to_ascii_uppercase();
        if let Some(code) = CODES.split_whitespace().find(|c| *c == upper) {
            return Some(code);
        }
    }
    let name = fold(text);
    NAMES.iter().find(|(n, _)| *n == name).map(|(_, code)| *code)
}

/// Whether a country code is in the EU's VAT area.
pub fn in_eu(code: &str) -> bool {
    EU.contains(&code)
}

/// A name as [`NAMES`] holds it: lower case, accents and `ø` dropped, words one space apart.
fn fold(text: &str) -> String {
    let lower: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' | 'â' | 'ã' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'é' | 'è' | 'ê' | 'ë' | 'ě' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ú' | 'ù' | 'û' | 'ü' | 'ů' => 'u',
            'ñ' => 'n',
            'č' => 'c',
            'š' => 's',
            'ž' => 'z',
            'ř' => 'r',
            'ý' => 'y',
            '-' => ' ',
            other => other,
        })
        .collect();
    lower.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_in_swedish_english_and_their_own_language() {
        let cases = [
            ("SE", Some("SE")),
            ("de", Some("DE")),
            ("Deutschland", Some("DE")),
            ("Tyskland", Some("DE")),
            ("GERMANY", Some("DE")),
            ("Österrike", Some("AT")),
            ("Osterreich", Some("AT")),
            ("Nederländerna", Some("NL")),
            ("the  Netherlands", Some("NL")),
            ("Česká republika", Some("CZ")),
            ("España", Some("ES")),
            ("Storbritannien", Some("GB")),
            ("UK", Some("GB")),
            ("USA", Some("US")),
            ("Schweiz", Some("CH")),
            ("Norge", Some("NO")),
            ("Ísland", Some("IS")),
            ("Åland", Some("AX")),
            ("Sverige.", Some("SE")),
            ("XX", None),
            ("Atlantis", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(code(text), expected, "{text}");
        }
        for (name, c) in NAMES {
            assert_eq!(fold(name), *name, "{name} is written folded");
            assert!(CODES.split_whitespace().any(|x| x == *c), "{name}: {c}");
        }
        assert_eq!(CODES.split_whitespace().count(), 250);
        assert!(in_eu("DE") && in_eu("SE") && !in_eu("NO") && !in_eu("GB") && !in_eu("AX"));
    }
}
