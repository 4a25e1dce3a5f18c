//! Header, chart and balance records: `#FLAGGA #PROGRAM #FORMAT #GEN #SIETYP #FNAMN #ORGNR
//! #RAR #KONTO #DIM #UNDERDIM #OBJEKT #IB #UB #RES #OIB #OUB #PSALDO #PBUDGET` (format doc §7).
//! Records that carry nothing the bridge uses (`#ADRESS #SRU #KTYP …`) are accepted silently.

use crate::diagnostic::Diagnostic;

use super::lexer::Kind;
use super::model::{Account, Balance, Dimension, FiscalYear, Object};
use super::reader::Reader;
use super::values;

impl Reader {
    pub(super) fn header(&mut self, no: usize, line: &[u8], label: &'static str) {
        match label {
            "#FLAGGA" => {
                let flag = self.text(line, 1);
                if flag == "1" {
                    self.warn(
                        Diagnostic::at(no, "`#FLAGGA 1`: the file was already imported once")
                            .hint("a pre-system sets `0`; importing it again may book it twice"),
                    );
                } else if flag != "0" {
                    self.warn(Diagnostic::at(no, format!("unexpected `#FLAGGA` value `{flag}`")));
                }
                self.file.flag = Some(flag);
            }
            "#PROGRAM" => {
                let name = self.text(line, 1);
                let version = self.text(line, 2);
                self.file.program = Some((name, version));
            }
            "#FORMAT" => self.file.format = Some(self.text(line, 1)),
            "#GEN" => {
                self.file.generated =
                    self.field(line, 1).and_then(|(_, raw)| self.date(no, raw).ok().flatten());
            }
            "#SIETYP" => {
                let t = self.text(line, 1);
                match t.parse::<u8>() {
                    Ok(n @ 1..=4) => self.file.sie_type = Some(n),
                    _ => self.error(
                        Diagnostic::at(no, format!("unknown `#SIETYP` `{t}`"))
                            .hint("SIE 4 files say `#SIETYP 4`; types are 1 to 4"),
                    ),
                }
            }
            "#FNAMN" => {
                // Tolerate an unquoted multi-word name: join the surplus tokens.
                let mut name = self.text(line, 1);
                for i in 2..self.toks.len() {
                    name.push(' ');
                    let part = self.text(line, i);
                    name.push_str(&part);
                }
                self.file.company_name = Some(name);
            }
            "#ORGNR" => self.file.org_number = self.opt_text(line, 1),
            "#RAR" => self.rar(no, line),
            "#KONTO" => {
                let number = self.text(line, 1);
                let name = self.text(line, 2);
                if number.is_empty() {
                    self.error(Diagnostic::at(no, "`#KONTO` without an account number"));
                    return;
                }
                self.declared_accounts.insert(&number);
                self.file.accounts.push(Account { number, name });
            }
            "#DIM" | "#UNDERDIM" => {
                let number = self.text(line, 1);
                let name = self.text(line, 2);
                let parent = if label == "#UNDERDIM" { self.opt_text(line, 3) } else { None };
                self.file.dimensions.push(Dimension { number, name, parent });
            }
            "#OBJEKT" => {
                let dimension = self.text(line, 1);
                let object = self.text(line, 2);
                let name = self.text(line, 3);
                self.file.objects.push(Object { dimension, object, name });
            }
            "#IB" | "#UB" | "#RES" | "#OIB" | "#OUB" | "#PSALDO" | "#PBUDGET" => {
                self.file.has_balances = true;
                self.balance(no, line, label);
            }
            "#KSUMMA" => self.ksumma(no, line),
            _ => {}
        }
    }

    fn rar(&mut self, no: usize, line: &[u8]) {
        let index = self.field(line, 1).and_then(|(_, raw)| values::int(raw));
        let start = self.field(line, 2).map(|(_, raw)| self.date(no, raw));
        let end = self.field(line, 3).map(|(_, raw)| self.date(no, raw));
        match (index, start, end) {
            (Some(index), Some(Ok(Some(start))), Some(Ok(Some(end)))) if start <= end => {
                self.file.fiscal_years.push(FiscalYear { index, start, end });
            }
            // A malformed date was reported already.
            (_, Some(Err(())), _) | (_, _, Some(Err(()))) => {}
            (Some(_), Some(Ok(Some(start))), Some(Ok(Some(end)))) => self.error(Diagnostic::at(
                no,
                format!("`#RAR` ends (`{end}`) before it starts (`{start}`)"),
            )),
            _ => self.warn(
                Diagnostic::at(no, "incomplete `#RAR` record ignored")
                    .hint("write `#RAR 0 20240101 20241231` (year index, start, end)"),
            ),
        }
    }

    fn balance(&mut self, no: usize, line: &[u8], label: &'static str) {
        let Some(year) = self.field(line, 1).and_then(|(_, raw)| values::int(raw)) else {
            self.error(Diagnostic::at(no, format!("`{label}` without a year index")));
            return;
        };
        let mut at = 2;
        let period = if matches!(label, "#PSALDO" | "#PBUDGET") {
            at += 1;
            Some(self.text(line, 2))
        } else {
            None
        };
        let account = self.text(line, at);
        at += 1;
        let mut objects = Vec::new();
        if matches!(label, "#OIB" | "#OUB" | "#PSALDO" | "#PBUDGET")
            && let Some((Kind::List, inner)) = self.field(line, at)
        {
            let base = inner.as_ptr() as usize - line.as_ptr() as usize;
            objects = self.objects(no, line, base, inner.len());
            at += 1;
        }
        let Some((_, raw)) = self.field(line, at) else {
            self.error(Diagnostic::at(no, format!("`{label}` without an amount")));
            return;
        };
        let Some(amount) = self.amount(no, raw) else { return };
        let quantity =
            self.field(line, at + 1).and_then(|(_, raw)| values::quantity(raw).ok()).flatten();
        let kind = label.trim_start_matches('#').to_owned();
        self.file.balances.push(Balance {
            line: no,
            kind,
            year,
            period,
            account,
            objects,
            amount,
            quantity,
        });
    }
}
