//! Resources kept in the `documents` table (customers, articles, code registers, orders,
//! invoices), described by a [`Resource`], and the handlers they share: get one or 404, create,
//! update with a lenient envelope, actions on one document, and lists with searches, filters,
//! sorting and paging.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{MethodFilter, MethodRouter, get, on};
use axum::{Json, Router};
use chrono::NaiveDate;
use rusqlite::Connection;
use serde_json::{Map, Value, json};

use super::Shared;
use super::documents;
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};

/// A stored document.
pub type Doc = Map<String, Value>;

/// What a list is sorted on.
pub enum SortKey {
    /// Numbers numerically, before other strings.
    Natural(&'static str),
    /// Case-insensitively.
    Lowercase(&'static str),
}

/// How a list is ordered.
pub enum Sorting {
    /// Insertion order; `sortorder` is ignored.
    Stored,
    /// Always on this key; `sortorder=descending` reverses.
    Fixed(SortKey),
    /// On the key `sortby` names (else insertion order); `sortorder=descending` reverses.
    ByParam(&'static [(&'static str, SortKey)]),
}

/// One resource: where it lives, how it is wrapped and how it is listed.
pub struct Resource {
    /// The `kind` column.
    pub kind: &'static str,
    /// The path under `/3/`.
    pub path: &'static str,
    pub singular: &'static str,
    pub plural: &'static str,
    /// The field holding the key (`CustomerNumber`, `DocumentNumber`, `Code`…).
    pub key: &'static str,
    pub not_found_code: u32,
    pub not_found_message: &'static str,
    /// The fields of a list item; `None`: the whole document.
    pub list_fields: Option<&'static [&'static str]>,
    /// ILIKE searches: query parameter and field.
    pub searches: &'static [(&'static str, &'static str)],
    pub sorting: Sorting,
}

impl Resource {
    pub fn url(&self, base: &str, key: &str) -> String {
        format!("{base}/3/{}/{}", self.path, urlencode(key))
    }

    pub fn not_found(&self) -> ApiError {
        ApiError::not_found(self.not_found_code, self.not_found_message)
    }

    /// One document, or this resource's 404.
    pub fn load(&self, conn: &Connection, key: &str) -> Result<Doc, ApiError> {
        documents::get(conn, self.kind, key)?.ok_or_else(|| self.not_found())
    }

    /// `{"<singular>":{…, "@url"}}`.
    pub fn respond(&self, base: &str, key: &str, doc: Doc) -> Value {
        single(self.singular, documents::with_url(doc, &self.url(base, key)))
    }

    /// Stores a new document under its given key, or the next free number; `taken` is the error
    /// for a key already in use.
    pub fn insert_new(
        &self,
        conn: &Connection,
        mut doc: Doc,
        taken: fn(&str) -> ApiError,
    ) -> Result<Doc, ApiError> {
        let key = match documents::text(&doc, self.key).trim() {
            "" => documents::next_number(conn, self.kind)?,
            given if documents::exists(conn, self.kind, given)? => return Err(taken(given)),
            given => given.to_owned(),
        };
        doc.insert(self.key.to_owned(), json!(key));
        documents::put(conn, self.kind, &key, &doc)?;
        Ok(doc)
    }

    fn sort(&self, params: &Params, docs: &mut [Doc]) {
        let sort_key = match &self.sorting {
            Sorting::Stored => return,
            Sorting::Fixed(sort_key) => Some(sort_key),
            Sorting::ByParam(choices) => params
                .get("sortby")
                .and_then(|by| choices.iter().find(|(name, _)| *name == by))
                .map(|(_, sort_key)| sort_key),
        };
        match sort_key {
            Some(SortKey::Natural(field)) => {
                docs.sort_by_key(|d| natural_key(documents::text(d, field)));
            }
            Some(SortKey::Lowercase(field)) => {
                docs.sort_by_key(|d| documents::text(d, field).to_lowercase());
            }
            None => {}
        }
        if params.get("sortorder") == Some("descending") {
            docs.reverse();
        }
    }

    fn list_item(&self, base: &str, doc: Doc) -> Value {
        let url = self.url(base, documents::text(&doc, self.key));
        match self.list_fields {
            Some(fields) => documents::subset(&doc, &url, fields),
            None => documents::with_url(doc, &url),
        }
    }
}

/// The routes every resource has: `list` and [`create`] on `/<path>`, [`get_one`] and [`update`]
/// on `/<path>/{number}`.
pub fn routes<C, U>(
    res: &'static Resource,
    list: MethodRouter<Shared>,
    make: C,
    change: U,
) -> Router<Shared>
where
    C: Fn(&Connection, &Doc, NaiveDate) -> Result<Doc, ApiError> + Clone + Send + Sync + 'static,
    U: Fn(&Connection, &mut Doc, &Doc, NaiveDate) -> Result<(), ApiError>
        + Clone
        + Send
        + Sync
        + 'static,
{
    let one =
        get(move |State(state): State<Shared>, Path(key): Path<String>| get_one(res, state, key))
            .put(move |State(state): State<Shared>, Path(key): Path<String>, body: Bytes| {
                update(res, state, key, body, change.clone())
            });
    let all = list.post(move |State(state): State<Shared>, body: Bytes| {
        create(res, state, body, make.clone())
    });
    Router::new()
        .route(&format!("/{}", res.path), all)
        .route(&format!("/{}/{{number}}", res.path), one)
}

/// `GET /3/<path>/{key}`.
pub async fn get_one(
    res: &'static Resource,
    state: Shared,
    key: String,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let doc = res.load(conn, &key)?;
            Ok(Json(res.respond(&base, &key, doc)))
        })
        .await
}

/// `POST /3/<path>`: `make` builds and stores the document from the envelope's content.
pub async fn create<F>(
    res: &'static Resource,
    state: Shared,
    body: Bytes,
    make: F,
) -> Result<(StatusCode, Json<Value>), ApiError>
where
    F: FnOnce(&Connection, &Doc, NaiveDate) -> Result<Doc, ApiError> + Send + 'static,
{
    let input = lenient::envelope(&body, res.singular)?;
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let doc = make(&tx, &input, today)?;
            tx.commit()?;
            let key = documents::text(&doc, res.key).to_owned();
            Ok((StatusCode::CREATED, Json(res.respond(&base, &key, doc))))
        })
        .await
}

/// `PUT /3/<path>/{key}`: the envelope's content without the key field goes to `change`.
pub async fn update<F>(
    res: &'static Resource,
    state: Shared,
    key: String,
    body: Bytes,
    change: F,
) -> Result<Json<Value>, ApiError>
where
    F: FnOnce(&Connection, &mut Doc, &Doc, NaiveDate) -> Result<(), ApiError> + Send + 'static,
{
    let mut input = lenient::envelope(&body, res.singular)?;
    input.retain(|k, _| !k.eq_ignore_ascii_case(res.key));
    let today = state.options.today;
    act(res, state, key, move |conn, doc| change(conn, doc, &input, today)).await
}

/// The route of an action on one document (`/<path>/{number}/<action>`): [`act`] with `change`,
/// which also gets the key.
pub fn action(
    res: &'static Resource,
    method: MethodFilter,
    change: fn(&Connection, &mut Doc, &str) -> Result<(), ApiError>,
) -> MethodRouter<Shared> {
    on(method, move |State(state): State<Shared>, Path(key): Path<String>| async move {
        let number = key.clone();
        act(res, state, key, move |conn, doc| change(conn, doc, &number)).await
    })
}

/// Runs `change` on a stored document, stores it and answers it.
pub async fn act<F>(
    res: &'static Resource,
    state: Shared,
    key: String,
    change: F,
) -> Result<Json<Value>, ApiError>
where
    F: FnOnce(&Connection, &mut Doc) -> Result<(), ApiError> + Send + 'static,
{
    let number = key.clone();
    change_one(res, state, key, move |conn, doc, base| {
        change(conn, doc)?;
        Ok(Json(res.respond(base, &number, doc.clone())))
    })
    .await
}

/// Runs `change` (which also gets the base URL) on a stored document in a transaction, stores the
/// document and answers what `change` returned.
pub async fn change_one<T, F>(
    res: &'static Resource,
    state: Shared,
    key: String,
    change: F,
) -> Result<T, ApiError>
where
    F: FnOnce(&Connection, &mut Doc, &str) -> Result<T, ApiError> + Send + 'static,
    T: Send + 'static,
{
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let tx = conn.transaction()?;
            let mut doc = res.load(&tx, &key)?;
            let answer = change(&tx, &mut doc, &base)?;
            documents::put(&tx, res.kind, &key, &doc)?;
            tx.commit()?;
            Ok(answer)
        })
        .await
}

/// `GET /3/<path>`: the documents matching the searches and `keep`, sorted, one page.
pub async fn list_of<F>(
    res: &'static Resource,
    state: Shared,
    params: Params,
    keep: F,
) -> Result<Json<Value>, ApiError>
where
    F: Fn(&Doc) -> bool + Send + 'static,
{
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let mut docs: Vec<Doc> = documents::all(conn, res.kind)?
                .into_iter()
                .filter(|d| {
                    res.searches.iter().all(|(param, field)| {
                        params.matches(param, Some(documents::text(d, field)))
                    })
                })
                .filter(|d| keep(d))
                .collect();
            res.sort(&params, &mut docs);
            let items: Vec<Value> = docs.into_iter().map(|d| res.list_item(&base, d)).collect();
            let (page, meta) = params.page(items)?;
            Ok(Json(list(res.plural, meta, page)))
        })
        .await
}

/// The `filter` parameter, which must be one of `allowed`.
pub fn filter(params: &Params, allowed: &[&str]) -> Result<Option<String>, ApiError> {
    match params.get("filter") {
        Some(f) if !allowed.contains(&f) => {
            Err(ApiError::bad(code::INVALID_FILTER, "Ett ogiltigt filter har använts."))
        }
        f => Ok(f.map(str::to_owned)),
    }
}

/// `filter=active|inactive` on the `Active` field.
pub fn active_filter(params: &Params) -> Result<impl Fn(&Doc) -> bool + Send + 'static, ApiError> {
    let active = filter(params, &["active", "inactive"])?.map(|f| f == "active");
    Ok(move |d: &Doc| active.is_none_or(|a| d.get("Active") == Some(&json!(a))))
}

/// `fromdate`/`todate` on a date field.
pub fn date_filter(
    params: &Params,
    field: &'static str,
) -> Result<impl Fn(&Doc) -> bool + Send + 'static, ApiError> {
    let from = params.date("fromdate")?.map(|d| d.to_string());
    let to = params.date("todate")?.map(|d| d.to_string());
    Ok(move |d: &Doc| {
        let date = documents::text(d, field);
        from.as_deref().is_none_or(|f| date >= f) && to.as_deref().is_none_or(|t| date <= t)
    })
}

/// Percent-encodes a path segment.
pub fn urlencode(segment: &str) -> String {
    let mut out = String::new();
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push_str(&hex::encode_upper([byte]));
        }
    }
    out
}

/// Numbers sort numerically, before other strings.
pub fn natural_key(text: &str) -> (u8, u64, String) {
    match text.parse::<u64>() {
        Ok(n) => (0, n, String::new()),
        Err(_) => (1, 0, text.to_owned()),
    }
}
