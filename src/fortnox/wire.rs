//! What goes over the wire besides JSON: the payload of a request, the `multipart/form-data`
//! body of a file upload, percent-encoded path segments, and Fortnox's error bodies read into
//! an [`Error`].

use reqwest::StatusCode;

use super::error::Error;
use super::model::ErrorInformation;

/// What a request carries.
pub(super) enum Payload<'a, B> {
    Empty,
    Json(&'a B),
    /// One file in the `multipart/form-data` part named `file`.
    File {
        name: &'a str,
        bytes: &'a [u8],
    },
}

impl<B> Clone for Payload<'_, B> {
    fn clone(&self) -> Self {
        match self {
            Payload::Empty => Payload::Empty,
            Payload::Json(b) => Payload::Json(b),
            Payload::File { name, bytes } => Payload::File { name, bytes },
        }
    }
}

/// A `multipart/form-data` body with `bytes` in the part `file`: (content type, body).
pub(super) fn multipart(name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let mut boundary = format!("fortnox-bridge-{:016x}", rand::random::<u64>());
    while memchr::memmem::find(bytes, boundary.as_bytes()).is_some() {
        boundary = format!("fortnox-bridge-{:016x}", rand::random::<u64>());
    }
    let name: String = name
        .chars()
        .map(|c| if c == '"' || c == '\\' || c.is_control() { '_' } else { c })
        .collect();
    let mut body = Vec::with_capacity(bytes.len() + 256);
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
             Content-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// Turns a non-success API response into an [`Error`], reading `ErrorInformation` in either
/// key casing, and the auth layer's `{"message": ...}`. A 429 never gets here: `attempt`
/// pauses the tenant and answers [`Error::RateLimited`] itself.
pub(crate) fn classify(status: StatusCode, body: &str) -> Error {
    let json: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let info: Option<ErrorInformation> =
        json.get("ErrorInformation").and_then(|v| serde_json::from_value(v.clone()).ok());
    let message = info
        .as_ref()
        .and_then(|i| i.message.clone())
        .or_else(|| json.get("message").and_then(|m| m.as_str()).map(str::to_owned))
        .unwrap_or_else(|| body.chars().take(200).collect());
    let code = info.as_ref().and_then(|i| i.code);
    let status_code = status.as_u16();
    match (status_code, code) {
        (401, _) | (403, None) => Error::Unauthorized { status: status_code, message },
        (500.., _) => Error::Server { status: status_code, message },
        (_, code) => Error::Rejected { status: status_code, code: code.unwrap_or(0), message },
    }
}

/// Percent-encodes a path segment (series codes, article numbers).
pub(crate) fn encode(segment: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_both_error_casings_and_auth_shapes() {
        let lower =
            r#"{"ErrorInformation":{"error":1,"message":"Kunde inte hitta konto","code":2001304}}"#;
        match classify(StatusCode::BAD_REQUEST, lower) {
            Error::Rejected { code, message, .. } => {
                assert_eq!(code, 2_001_304);
                assert_eq!(message, "Kunde inte hitta konto");
            }
            other => panic!("{other:?}"),
        }
        let upper = r#"{"ErrorInformation":{"Error":1,"Message":"Kan inte hitta kunden.","Code":"2000433"}}"#;
        assert!(matches!(
            classify(StatusCode::NOT_FOUND, upper),
            Error::Rejected { status: 404, code: 2_000_433, .. }
        ));
        assert!(matches!(
            classify(StatusCode::UNAUTHORIZED, r#"{"message":"unauthorized"}"#),
            Error::Unauthorized { .. }
        ));
        let scope = r#"{"ErrorInformation":{"error":1,"message":"Har inte behörighet för scope.","code":2000663}}"#;
        let e = classify(StatusCode::FORBIDDEN, scope);
        assert_eq!(e.problem(), Some(super::super::Problem::ScopeMissing));
        assert!(e.needs_operator());
        assert!(classify(StatusCode::BAD_GATEWAY, "<html>").is_retriable());
        assert!(!classify(StatusCode::BAD_REQUEST, "{}").is_retriable());
    }

    #[test]
    fn multipart_body_carries_the_file_unchanged() {
        let bytes = b"{\"z\": 1}\r\n--not-a-boundary";
        let (content_type, body) = multipart("z \"1\".json", bytes);
        let boundary = content_type.strip_prefix("multipart/form-data; boundary=").expect("b");
        let text = String::from_utf8_lossy(&body);
        assert!(text.starts_with(&format!("--{boundary}\r\n")));
        assert!(text.contains("name=\"file\"; filename=\"z _1_.json\""));
        assert!(text.ends_with(&format!("\r\n--{boundary}--\r\n")));
        assert!(memchr::memmem::find(&body, bytes).is_some());
    }

    #[test]
    fn encodes_path_segments() {
        assert_eq!(encode("A"), "A");
        assert_eq!(encode("KASSA 1/2"), "KASSA%201%2F2");
    }
}
