//! The deliberately simple second reader: Latin-1 view of the bytes, `split('\n')`, a tiny
//! field splitter, amounts in integer cents, every `#TRANS` booked (the other correct policy of
//! format doc §9: `#RTRANS`/`#BTRANS` ignored, the mirror `#TRANS` kept).
//!
//! Part of the `sie_corpus` binary; the tests that use it are in `contents.rs`.

#[derive(Default, Debug)]
pub struct Counts {
    pub ver: usize,
    pub trans: usize,
    pub rtrans: usize,
    pub btrans: usize,
    pub debit_cents: i128,
    /// `(line of #VER, "series number", debit cents, credit cents)`.
    pub unbalanced: Vec<(usize, String, i128, i128)>,
    pub comma_amount_lines: Vec<usize>,
}

/// Splits a record into fields: blanks separate, `"…"` (with `\"`) and `{…}` are one field.
pub fn fields(line: &str) -> Vec<String> {
    let chars: Vec<char> = line.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == ' ' || chars[i] == '\t' {
            i += 1;
            continue;
        }
        let mut field = String::new();
        if chars[i] == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' && chars.get(i + 1) == Some(&'"') {
                    i += 1;
                }
                field.push(chars[i]);
                i += 1;
            }
            i += 1;
        } else if chars[i] == '{' {
            while i < chars.len() && chars[i] != '}' {
                field.push(chars[i]);
                i += 1;
            }
            field.push('}');
            i += 1;
        } else {
            while i < chars.len() && chars[i] != ' ' && chars[i] != '\t' {
                field.push(chars[i]);
                i += 1;
            }
        }
        out.push(field);
    }
    out
}

/// `-123.4`, `5`, `6,50` → cents.
pub fn cents(text: &str) -> i128 {
    let (neg, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let digits = digits.replace(',', ".");
    let (whole, frac) = digits.split_once('.').unwrap_or((&digits, ""));
    let frac = format!("{frac:0<2}");
    let value: i128 = whole.parse::<i128>().unwrap() * 100 + frac[..2].parse::<i128>().unwrap();
    if neg { -value } else { value }
}

pub fn read(bytes: &[u8]) -> Counts {
    let text: String = bytes.iter().map(|&b| char::from(b)).collect();
    let mut counts = Counts::default();
    let mut current: Option<(usize, String, i128, i128)> = None;
    let finish = |current: Option<(usize, String, i128, i128)>, counts: &mut Counts| {
        if let Some((line, name, debit, credit)) = current
            && debit + credit != 0
        {
            counts.unbalanced.push((line, name, debit, credit));
        }
    };
    for (index, raw) in text.split('\n').enumerate() {
        let line = raw.trim_matches(|c| c == ' ' || c == '\t' || c == '\r');
        let f = fields(line);
        match f.first().map(String::as_str) {
            Some("#VER") => {
                counts.ver += 1;
                finish(current.take(), &mut counts);
                let name = format!("{} {}", f[1], f[2]).trim().to_owned();
                current = Some((index + 1, name, 0, 0));
            }
            Some("#TRANS") => {
                counts.trans += 1;
                let amount = if f[2].starts_with('{') { &f[3] } else { &f[2] };
                if amount.contains(',') {
                    counts.comma_amount_lines.push(index + 1);
                }
                let c = cents(amount);
                let v = current.as_mut().unwrap();
                if c > 0 {
                    v.2 += c;
                    counts.debit_cents += c;
                } else {
                    v.3 += c;
                }
            }
            Some("#RTRANS") => counts.rtrans += 1,
            Some("#BTRANS") => counts.btrans += 1,
            _ => {}
        }
    }
    finish(current, &mut counts);
    counts
}

pub fn money(cents: i128) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    format!("{sign}{}.{:02}", cents.abs() / 100, cents.abs() % 100)
}
