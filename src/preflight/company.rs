//! The company check: a document whose source file names an organisation number (SIE `#ORGNR`,
//! a Z-report's `company.org_number`) goes only into the Fortnox company with that number, or
//! one listed under `[fortnox] allowed_org_numbers`. Another company's books posted here cannot
//! easily be undone (Fortnox deletes only the last voucher of a series); Fortnox's own SIE
//! import checks the number too.
//!
//! Pure: the lookup of the connected company and its cache are in [`super::Preflight`].

use crate::convert::SourceOrg;
use crate::org_number::{is_placeholder, key, same, show};

/// The connected company, as `GET /3/companyinformation` names it.
#[derive(Debug, Clone)]
pub(super) struct Company {
    pub name: String,
    /// `OrganizationNumber`; `None` when Fortnox gives none.
    pub number: Option<String>,
}

/// Why a document from a file naming `source` must not be posted into `company`, or `None`
/// when it may: the file's number is a placeholder of zeros, the numbers are the same (10- and
/// 12-digit forms alike), the file's number is in `allowed`, or the company's own number is
/// unknown (nothing to compare with). A file naming no number is not checked at all.
pub(super) fn refusal(
    source: SourceOrg<'_>,
    company: &Company,
    allowed: &[String],
) -> Option<String> {
    let SourceOrg { field, number } = source;
    if is_placeholder(number) {
        return None;
    }
    let ours = company.number.as_deref().filter(|n| key(n).is_some())?;
    if same(number, ours) || allowed.iter().any(|a| same(a, number)) {
        return None;
    }
    let connected = format!("{} ({})", company.name, show(ours));
    Some(if key(number).is_none() {
        format!(
            "the file's organisation number `{number}` ({field}) does not have 10 or 12 \
             digits, so it cannot be checked against the connected Fortnox company {connected} \
             (hint: correct {field} in the program that wrote the file, or leave it out, then \
             put the file back in the inbox)"
        )
    } else {
        let theirs = show(number);
        format!(
            "the file is for organisation number {theirs} ({field}), but the connected Fortnox \
             company is {connected} (hint: this file belongs to another company; put it in \
             that company's inbox, or list \"{theirs}\" under [fortnox] allowed_org_numbers if \
             it is the same company under another number)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sandbox_company() -> Company {
        Company {
            name: "Sandlådan Café & Butik AB".to_owned(),
            number: Some("559999-0005".to_owned()),
        }
    }

    fn sie(number: &str) -> SourceOrg<'_> {
        SourceOrg { field: "#ORGNR", number }
    }

    #[test]
    fn another_companys_number_is_refused_naming_both() {
        let refused = refusal(sie("5566778899"), &sandbox_company(), &[]);
        assert_eq!(
            refused.as_deref(),
            Some(
                "the file is for organisation number 556677-8899 (#ORGNR), but the connected \
                 Fortnox company is Sandlådan Café & Butik AB (559999-0005) (hint: this file \
                 belongs to another company; put it in that company's inbox, or list \
                 \"556677-8899\" under [fortnox] allowed_org_numbers if it is the same company \
                 under another number)"
            )
        );
        let z = SourceOrg { field: "company.org_number", number: "165566778899" };
        let refused = refusal(z, &sandbox_company(), &[]).unwrap_or_default();
        assert!(refused.contains("number 16556677-8899 (company.org_number)"), "{refused}");
        // Not a number: refused too (it is not the company's), saying why it cannot be compared.
        let refused = refusal(sie("55999900"), &sandbox_company(), &[]).unwrap_or_default();
        assert!(
            refused.starts_with(
                "the file's organisation number `55999900` (#ORGNR) does not have 10 or 12 digits"
            ),
            "{refused}"
        );
    }

    #[test]
    fn the_same_company_in_any_form_or_an_allowed_number_passes() {
        let company = sandbox_company();
        assert_eq!(refusal(sie("5599990005"), &company, &[]), None);
        assert_eq!(refusal(sie("165599990005"), &company, &[]), None);
        let allowed = ["556677-8899".to_owned()];
        assert_eq!(refusal(sie("165566778899"), &company, &allowed), None);
        assert!(refusal(sie("5566778800"), &company, &allowed).is_some());
        // A sole trader's personnummer, with or without the century.
        let person =
            Company { name: "Anna Svensson".to_owned(), number: Some("770216-7508".into()) };
        assert_eq!(refusal(sie("197702167508"), &person, &[]), None);
    }

    #[test]
    fn a_placeholder_or_an_unknown_company_number_passes() {
        assert_eq!(refusal(sie("0000000000"), &sandbox_company(), &[]), None);
        let unknown = Company { name: "X AB".to_owned(), number: None };
        assert_eq!(refusal(sie("5566778899"), &unknown, &[]), None);
        let empty = Company { name: "X AB".to_owned(), number: Some(String::new()) };
        assert_eq!(refusal(sie("5566778899"), &empty, &[]), None);
    }
}
