//! Small code registers: `/3/units`, `/3/termsofpayments`, `/3/modesofpayments` and
//! `/3/costcenters` (list, get, create, update), keyed by `Code`, and `/3/projects`, keyed by
//! `ProjectNumber`.

use axum::Router;
use axum::extract::State;
use axum::routing::get;
use serde_json::json;

use super::Shared;
use super::documents::{self, Field, Kind, kind};
use super::errors::{ApiError, code};
use super::paging::Params;
use super::resource::{self, Doc, Resource, Sorting};

/// One code register: the resource and its writable fields.
pub struct Register {
    pub resource: Resource,
    pub fields: &'static [Field],
}

/// A code register's resource, keyed by `key`.
const fn register(
    kind: &'static str,
    key: &'static str,
    path: &'static str,
    singular: &'static str,
    plural: &'static str,
    not_found_code: u32,
    not_found_message: &'static str,
) -> Resource {
    Resource {
        kind,
        path,
        singular,
        plural,
        key,
        not_found_code,
        not_found_message,
        list_fields: None,
        searches: &[("code", "Code")],
        sorting: Sorting::Stored,
    }
}

pub const UNITS: Register = Register {
    resource: register(
        kind::UNIT,
        "Code",
        "units",
        "Unit",
        "Units",
        code::UNIT_NOT_FOUND,
        "Kan inte hitta enheten.",
    ),
    fields: &[
        ("Code", Kind::Text(6)),
        ("CodeEnglish", Kind::Text(6)),
        ("Description", Kind::Text(100)),
    ],
};

pub const TERMS_OF_PAYMENT: Register = Register {
    resource: register(
        kind::TERMS_OF_PAYMENT,
        "Code",
        "termsofpayments",
        "TermsOfPayment",
        "TermsOfPayments",
        code::TERMS_OF_PAYMENT_NOT_FOUND,
        "Kan inte hitta betalningsvillkoret.",
    ),
    fields: &[("Code", Kind::Text(10)), ("Description", Kind::Text(50))],
};

pub const MODES_OF_PAYMENT: Register = Register {
    resource: register(
        kind::MODE_OF_PAYMENT,
        "Code",
        "modesofpayments",
        "ModeOfPayment",
        "ModesOfPayments",
        code::MODE_OF_PAYMENT_NOT_FOUND,
        "Kan inte hitta betalningssättet.",
    ),
    fields: &[
        ("AccountNumber", Kind::Integer),
        ("Code", Kind::Text(10)),
        ("Description", Kind::Text(50)),
    ],
};

/// Cost centres (dimension 1 of SIE objects): a voucher row may only name one that exists.
pub const COST_CENTERS: Register = Register {
    resource: register(
        kind::COST_CENTER,
        "Code",
        "costcenters",
        "CostCenter",
        "CostCenters",
        code::COST_CENTER_NOT_FOUND,
        "Kan inte hitta kostnadsstället.",
    ),
    fields: &[
        ("Active", Kind::Bool),
        ("Code", Kind::Text(6)),
        ("Description", Kind::Text(40)),
        ("Note", Kind::Text(1000)),
    ],
};

/// Projects (dimension 6): a voucher row may only name one that exists.
pub const PROJECTS: Register = Register {
    resource: register(
        kind::PROJECT,
        "ProjectNumber",
        "projects",
        "Project",
        "Projects",
        code::PROJECT_NOT_FOUND,
        "Kan inte hitta projektet.",
    ),
    fields: &[
        ("Description", Kind::Text(50)),
        ("ProjectNumber", Kind::Text(20)),
        ("Status", Kind::Text(20)),
    ],
};

pub fn router() -> Router<Shared> {
    let mut router = Router::new();
    for register in [&UNITS, &TERMS_OF_PAYMENT, &MODES_OF_PAYMENT, &COST_CENTERS, &PROJECTS] {
        let list = get(move |State(state): State<Shared>, params: Params| {
            resource::list_of(&register.resource, state, params, |_| true)
        });
        router = router.merge(resource::routes(
            &register.resource,
            list,
            move |conn, input, _| new_code(register, conn, input),
            move |_, doc, input, _| documents::apply(doc, input, register.fields),
        ));
    }
    router
}

fn new_code(
    register: &Register,
    conn: &rusqlite::Connection,
    input: &Doc,
) -> Result<Doc, ApiError> {
    let (kind, key) = (register.resource.kind, register.resource.key);
    let mut doc = Doc::new();
    documents::apply(&mut doc, input, register.fields)?;
    let code = documents::text(&doc, key).trim().to_owned();
    if code.is_empty() {
        return Err(ApiError::field(key, "saknas"));
    }
    if documents::exists(conn, kind, &code)? {
        return Err(ApiError::field(key, &format!("{code} används redan")));
    }
    doc.insert(key.to_owned(), json!(code));
    doc.entry("Description").or_insert_with(|| json!(""));
    documents::put(conn, kind, &code, &doc)?;
    Ok(doc)
}
