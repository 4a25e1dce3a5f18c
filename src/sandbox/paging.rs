//! Query parameters and list envelopes: `limit`/`page`/`offset`, `MetaInformation`, and the
//! case-insensitive substring match Fortnox uses for field searches (`ILIKE '%v%'`).

use std::collections::HashMap;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde_json::{Value, json};

use super::errors::ApiError;

/// Default page size (Fortnox: 100).
pub const DEFAULT_LIMIT: usize = 100;
/// Largest page size accepted (our choice, as in the C# SDK's `MaxLimit`).
pub const MAX_LIMIT: usize = 500;

/// Query parameters with lower-cased names.
#[derive(Debug, Default, Clone)]
pub struct Params(pub HashMap<String, String>);

impl Params {
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0.get(name).map(String::as_str).filter(|v| !v.trim().is_empty())
    }

    /// A date parameter (`YYYY-MM-DD`).
    pub fn date(&self, name: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        self.get(name)
            .map(|v| v.trim().parse().map_err(|_| ApiError::invalid_parameter(name)))
            .transpose()
    }

    fn number(&self, name: &str) -> Result<Option<usize>, ApiError> {
        self.get(name)
            .map(|v| v.trim().parse().map_err(|_| ApiError::invalid_parameter(name)))
            .transpose()
    }

    /// Case-insensitive substring filter: true if the parameter is absent or `value` contains it.
    pub fn matches(&self, name: &str, value: Option<&str>) -> bool {
        match self.get(name) {
            None => true,
            Some(needle) => value.is_some_and(|v| ilike(v, needle)),
        }
    }

    /// Cuts one page out of `items` and returns it with its `MetaInformation`.
    pub fn page<T>(&self, items: Vec<T>) -> Result<(Vec<T>, Value), ApiError> {
        let limit = self.number("limit")?.unwrap_or(DEFAULT_LIMIT);
        if limit == 0 || limit > MAX_LIMIT {
            return Err(ApiError::invalid_parameter("limit"));
        }
        let page = self.number("page")?.unwrap_or(1);
        if page == 0 {
            return Err(ApiError::invalid_parameter("page"));
        }
        let offset = self.number("offset")?.unwrap_or(0);
        let total = items.len();
        let pages = total.div_ceil(limit);
        let start = offset.saturating_add((page - 1).saturating_mul(limit));
        let slice: Vec<T> = items.into_iter().skip(start).take(limit).collect();
        let meta = json!({
            "@TotalResources": total,
            "@TotalPages": pages,
            "@CurrentPage": page,
        });
        Ok((slice, meta))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(raw) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::invalid_parameter("query"))?;
        Ok(Params(raw.into_iter().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect()))
    }
}

/// `ILIKE '%needle%'`.
pub fn ilike(haystack: &str, needle: &str) -> bool {
    haystack.to_lowercase().contains(&needle.trim().to_lowercase())
}

/// A list envelope: `{"MetaInformation":…, "<plural>":[…]}`.
pub fn list(plural: &str, meta: Value, items: Vec<Value>) -> Value {
    let mut map = serde_json::Map::new();
    map.insert("MetaInformation".to_owned(), meta);
    map.insert(plural.to_owned(), Value::Array(items));
    Value::Object(map)
}

/// A single-object envelope: `{"<singular>":{…}}`.
pub fn single(singular: &str, item: Value) -> Value {
    let mut map = serde_json::Map::new();
    map.insert(singular.to_owned(), item);
    Value::Object(map)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn params(pairs: &[(&str, &str)]) -> Params {
        Params(pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect())
    }

    #[test]
    fn pages_and_meta() {
        let (items, meta) =
            params(&[("limit", "2"), ("page", "2")]).page(vec![1, 2, 3, 4, 5]).unwrap();
        assert_eq!(items, vec![3, 4]);
        assert_eq!(meta, json!({"@TotalResources": 5, "@TotalPages": 3, "@CurrentPage": 2}));
        let (items, meta) = params(&[]).page(Vec::<i32>::new()).unwrap();
        assert!(items.is_empty());
        assert_eq!(meta, json!({"@TotalResources": 0, "@TotalPages": 0, "@CurrentPage": 1}));
        assert!(params(&[("limit", "0")]).page(vec![1]).is_err());
    }

    #[test]
    fn ilike_is_case_insensitive_substring() {
        assert!(params(&[("name", "kAF")]).matches("name", Some("Kafé Åsa")));
        assert!(params(&[("name", "åsa")]).matches("name", Some("Kafé Åsa")));
        assert!(!params(&[("name", "x")]).matches("name", None));
        assert!(params(&[]).matches("name", None));
    }
}
