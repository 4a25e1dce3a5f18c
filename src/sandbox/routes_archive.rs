//! `/3/inbox` (file upload, folder listing, download) and `/3/voucherfileconnections` (a file
//! attached to a voucher).
//!
//! Uploads are `multipart/form-data` with the file in the part named `file`; the optional
//! `path` query names the inbox folder (`inbox_v` for vouchers; default `inbox`). A file can be
//! connected to one voucher. As in Fortnox, a connection request without `financialyeardate`
//! (or `financialyear`) looks for the voucher in the year *before* the current one, so a client
//! that forgets the parameter fails here as it would there.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use rand::Rng;
use rusqlite::{OptionalExtension, params};
use serde_json::{Value, json};

use super::Shared;
use super::errors::{ApiError, code};
use super::lenient;
use super::paging::{Params, list, single};
use super::store::{self, FinancialYear};
use super::vouchers;

/// The folder uploads land in when no `path` is given.
const ROOT: &str = "inbox";

pub fn router() -> Router<Shared> {
    Router::new()
        .route("/inbox", get(folder).post(upload))
        .route("/inbox/{id}", get(download))
        .route("/voucherfileconnections", get(list_connections).post(connect))
        .route("/voucherfileconnections/{file_id}", get(get_connection))
}

fn file_missing() -> ApiError {
    ApiError::not_found(code::FILE_NOT_FOUND, "Kan inte hitta filen.")
}

/// A new file Id in Fortnox's UUID shape.
fn new_id() -> String {
    let mut rng = rand::rng();
    let time_low: u32 = rng.random();
    let time_mid: u16 = rng.random();
    let version: u16 = rng.random::<u16>() & 0x0fff | 0x4000;
    let variant: u16 = rng.random::<u16>() & 0x3fff | 0x8000;
    let node: u64 = rng.random::<u64>() & 0xffff_ffff_ffff;
    format!("{time_low:08x}-{time_mid:04x}-{version:04x}-{variant:04x}-{node:012x}")
}

/// The part named `file` of a `multipart/form-data` body: (file name, bytes).
fn file_part(headers: &HeaderMap, body: &[u8]) -> Result<(String, Vec<u8>), ApiError> {
    let content_type =
        headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .map(|b| b.trim_matches('"'))
        .filter(|_| content_type.trim().to_ascii_lowercase().starts_with("multipart/form-data"))
        .ok_or_else(|| {
            ApiError::bad(code::INVALID_PARAMETER, "Filen måste skickas som multipart/form-data.")
        })?;
    let delimiter = format!("--{boundary}");
    let finder = memchr::memmem::Finder::new(delimiter.as_bytes());
    let starts: Vec<usize> = finder.find_iter(body).collect();
    for pair in starts.windows(2) {
        let part = &body[pair[0] + delimiter.len()..pair[1]];
        let part = part.strip_prefix(b"\r\n").unwrap_or(part);
        let part = part.strip_suffix(b"\r\n").unwrap_or(part);
        let Some(split) = memchr::memmem::find(part, b"\r\n\r\n") else { continue };
        let head = String::from_utf8_lossy(&part[..split]);
        let disposition = head
            .lines()
            .find(|l| l.to_ascii_lowercase().starts_with("content-disposition:"))
            .unwrap_or_default();
        let param = |name: &str| {
            disposition.split(';').find_map(|p| {
                p.trim().strip_prefix(&format!("{name}=")).map(|v| v.trim_matches('"').to_owned())
            })
        };
        if param("name").as_deref() == Some("file") {
            let name = param("filename").unwrap_or_else(|| "file".to_owned());
            return Ok((name, part[split + 4..].to_vec()));
        }
    }
    Err(ApiError::bad(code::FILE_NOT_FOUND, "Ingen fil skickades (fältet file saknas)."))
}

fn file_json(base: &str, id: &str, name: &str, path: &str, size: i64) -> Value {
    json!({
        "@url": format!("{base}/3/inbox/{id}"),
        "Comments": null,
        "Id": id,
        "Name": name,
        "Path": path,
        "Size": size,
    })
}

async fn upload(
    State(state): State<Shared>,
    params: Params,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let (name, content) = file_part(&headers, &body)?;
    let path = params.get("path").or(params.get("folderid")).unwrap_or(ROOT).to_owned();
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let id = new_id();
            let seq = store::next_counter(conn, "inbox", 1)?;
            let size = i64::try_from(content.len()).unwrap_or(i64::MAX);
            conn.execute(
                "INSERT INTO inbox_files (id, seq, name, path, size, content)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![id, i64::try_from(seq).unwrap_or(i64::MAX), name, path, size, content],
            )?;
            let file = file_json(&base, &id, &name, &path, size);
            Ok((StatusCode::CREATED, Json(single("File", file))))
        })
        .await
}

/// A folder with its files (`path` or `folderid`; default the root inbox).
async fn folder(State(state): State<Shared>, params: Params) -> Result<Json<Value>, ApiError> {
    let path = params.get("path").or(params.get("folderid")).unwrap_or(ROOT).to_owned();
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, path, size FROM inbox_files WHERE path = ?1 ORDER BY seq",
            )?;
            let files: Vec<Value> = stmt
                .query_map([&path], |r| {
                    Ok(file_json(
                        &base,
                        &r.get::<_, String>(0)?,
                        &r.get::<_, String>(1)?,
                        &r.get::<_, String>(2)?,
                        r.get(3)?,
                    ))
                })?
                .collect::<rusqlite::Result<_>>()?;
            let folder = json!({
                "@url": format!("{base}/3/inbox?path={path}"),
                "Email": null,
                "Files": files,
                "Folders": [],
                "Id": path,
                "Name": path,
            });
            Ok(Json(single("Folder", folder)))
        })
        .await
}

/// The file's bytes.
async fn download(
    State(state): State<Shared>,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    state
        .store
        .call(move |conn| {
            let content: Vec<u8> = conn
                .query_row("SELECT content FROM inbox_files WHERE id = ?1", [&id], |r| r.get(0))
                .optional()?
                .ok_or_else(file_missing)?;
            Ok(([(header::CONTENT_TYPE, "application/octet-stream")], content).into_response())
        })
        .await
}

struct Connection {
    file_id: String,
    name: String,
    year: i64,
    series: String,
    number: i64,
    description: String,
}

fn connection_json(base: &str, c: &Connection) -> Value {
    json!({
        "@url": format!("{base}/3/voucherfileconnections/{}", c.file_id),
        "FileId": c.file_id,
        "Name": c.name,
        "VoucherDescription": c.description,
        "VoucherNumber": c.number.to_string(),
        "VoucherSeries": c.series,
        "VoucherYear": c.year,
    })
}

fn read_connection(
    conn: &rusqlite::Connection,
    file_id: &str,
) -> Result<Option<Connection>, ApiError> {
    let row = conn
        .query_row(
            "SELECT c.file_id, f.name, c.year, c.series, c.number FROM voucher_file_connections c
             JOIN inbox_files f ON f.id = c.file_id WHERE c.file_id = ?1",
            [file_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
        )
        .optional()?;
    let Some((file_id, name, year, series, number)): Option<(String, String, i64, String, i64)> =
        row
    else {
        return Ok(None);
    };
    let description =
        vouchers::get(conn, year, &series, number)?.map(|v| v.description).unwrap_or_default();
    Ok(Some(Connection { file_id, name, year, series, number, description }))
}

/// The year a connection request addresses: as given, else the year before the current one
/// (Fortnox's pitfall), else the current one.
fn connection_year(
    conn: &rusqlite::Connection,
    params: &Params,
    today: chrono::NaiveDate,
) -> Result<FinancialYear, ApiError> {
    if params.get("financialyear").is_some() || params.get("financialyeardate").is_some() {
        return store::resolve_year(
            conn,
            params.get("financialyear"),
            params.get("financialyeardate"),
            today,
        );
    }
    let current = store::resolve_year(conn, None, None, today)?;
    match current.from.pred_opt() {
        Some(before) => Ok(store::financial_year_for(conn, before)?.unwrap_or(current)),
        None => Ok(current),
    }
}

async fn connect(
    State(state): State<Shared>,
    params: Params,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let obj = lenient::envelope(&body, "VoucherFileConnection")?;
    let text = |key: &str| -> Result<String, ApiError> {
        match obj.get(key) {
            Some(Value::String(s)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
            Some(Value::Number(n)) => Ok(n.to_string()),
            _ => Err(ApiError::field(key, "saknas")),
        }
    };
    let file_id = text("FileId")?;
    let series = text("VoucherSeries")?.to_uppercase();
    let number: i64 =
        text("VoucherNumber")?.parse().map_err(|_| ApiError::field("VoucherNumber", "ogiltigt"))?;
    let base = state.base_url.clone();
    let today = state.options.today;
    state
        .store
        .call(move |conn| {
            let year = connection_year(conn, &params, today)?;
            let known: Option<i64> = conn
                .query_row("SELECT size FROM inbox_files WHERE id = ?1", [&file_id], |r| r.get(0))
                .optional()?;
            if known.is_none() {
                return Err(file_missing());
            }
            if vouchers::get(conn, year.id, &series, number)?.is_none() {
                return Err(ApiError::not_found(
                    code::VOUCHER_NOT_FOUND,
                    "Kan inte hitta verifikationen.",
                ));
            }
            if read_connection(conn, &file_id)?.is_some() {
                return Err(ApiError::bad(
                    code::FILE_ALREADY_CONNECTED,
                    "Filen är redan kopplad till en verifikation.",
                ));
            }
            conn.execute(
                "INSERT INTO voucher_file_connections (file_id, year, series, number)
                 VALUES (?1, ?2, ?3, ?4)",
                params![file_id, year.id, series, number],
            )?;
            let created = read_connection(conn, &file_id)?.ok_or_else(file_missing)?;
            Ok((
                StatusCode::CREATED,
                Json(single("VoucherFileConnection", connection_json(&base, &created))),
            ))
        })
        .await
}

async fn get_connection(
    State(state): State<Shared>,
    Path(file_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let found = read_connection(conn, &file_id)?.ok_or_else(|| {
                ApiError::not_found(code::FILE_NOT_FOUND, "Kan inte hitta filkopplingen.")
            })?;
            Ok(Json(single("VoucherFileConnection", connection_json(&base, &found))))
        })
        .await
}

async fn list_connections(
    State(state): State<Shared>,
    params: Params,
) -> Result<Json<Value>, ApiError> {
    let base = state.base_url.clone();
    state
        .store
        .call(move |conn| {
            let ids: Vec<String> = {
                let mut stmt = conn.prepare(
                    "SELECT c.file_id FROM voucher_file_connections c
                     JOIN inbox_files f ON f.id = c.file_id ORDER BY f.seq",
                )?;
                stmt.query_map([], |r| r.get(0))?.collect::<rusqlite::Result<_>>()?
            };
            let mut items = Vec::new();
            for id in ids {
                if let Some(c) = read_connection(conn, &id)? {
                    items.push(connection_json(&base, &c));
                }
            }
            let (page, meta) = params.page(items)?;
            Ok(Json(list("VoucherFileConnections", meta, page)))
        })
        .await
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_file_part_of_a_multipart_body() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, "multipart/form-data; boundary=XyZ".parse().unwrap());
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n\
                     --XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"z.json\"\r\n\
                     Content-Type: application/json\r\n\r\n{\"a\":\r\n1}\r\n--XyZ--\r\n";
        let (name, bytes) = file_part(&headers, body).unwrap();
        assert_eq!(name, "z.json");
        assert_eq!(bytes, b"{\"a\":\r\n1}");
        assert!(file_part(&HeaderMap::new(), body).is_err());
    }

    #[test]
    fn file_ids_have_the_uuid_shape() {
        let id = new_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }
}
