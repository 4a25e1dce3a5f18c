//! Source files attached to vouchers: upload to the Fortnox inbox (scope `inbox`) and the
//! voucher file connection (scope `bookkeeping`). Writes are sent once, like every write: after
//! an unknown outcome the caller looks ([`Client::inbox_file_named`],
//! [`Client::voucher_file_connection`]) before sending again.

use chrono::NaiveDate;
use reqwest::Method;
use serde::{Deserialize, Deserializer};

use super::client::{Client, encode};
use super::error::Error;

/// The inbox folder for voucher source documents ("Verifikationer").
pub const VOUCHER_INBOX: &str = "inbox_v";

/// A file in the Fortnox inbox.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InboxFile {
    pub id: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub size: Option<u64>,
}

/// A file connected to a voucher.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct VoucherFileConnection {
    pub file_id: String,
    #[serde(default, deserialize_with = "text")]
    pub voucher_number: String,
    #[serde(default)]
    pub voucher_series: String,
}

/// A string or a number, as text (Fortnox answers `VoucherNumber` as either).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::String(s) => s,
        serde_json::Value::Null => String::new(),
        other => other.to_string(),
    })
}

#[derive(Deserialize)]
struct FileEnvelope {
    #[serde(rename = "File")]
    file: InboxFile,
}

#[derive(Deserialize)]
struct FolderEnvelope {
    #[serde(rename = "Folder")]
    folder: Folder,
}

#[derive(Deserialize)]
struct Folder {
    #[serde(rename = "Files", default)]
    files: Vec<InboxFile>,
}

#[derive(Deserialize)]
struct ConnectionEnvelope {
    #[serde(rename = "VoucherFileConnection")]
    connection: VoucherFileConnection,
}

impl Client {
    /// Uploads `bytes` as `name` into the inbox folder `folder`. Sent once.
    pub async fn upload_to_inbox(
        &self,
        folder: &str,
        name: &str,
        bytes: &[u8],
    ) -> Result<InboxFile, Error> {
        let path = format!("/inbox?path={}", encode(folder));
        let answer: FileEnvelope = self.write_file(&path, name, bytes).await?;
        Ok(answer.file)
    }

    /// The first file called exactly `name` in the inbox folder `folder`.
    pub async fn inbox_file_named(
        &self,
        folder: &str,
        name: &str,
    ) -> Result<Option<InboxFile>, Error> {
        let path = format!("/inbox?path={}", encode(folder));
        let found: Option<FolderEnvelope> = self.read_optional(&path).await?;
        Ok(found.and_then(|f| f.folder.files.into_iter().find(|x| x.name == name)))
    }

    /// The voucher a file is connected to; `None` when it is connected to none.
    pub async fn voucher_file_connection(
        &self,
        file_id: &str,
    ) -> Result<Option<VoucherFileConnection>, Error> {
        let path = format!("/voucherfileconnections/{}", encode(file_id));
        Ok(self.read_optional::<ConnectionEnvelope>(&path).await?.map(|c| c.connection))
    }

    /// Connects an uploaded file to voucher `series number` of the financial year containing
    /// `voucher_date` (without that date Fortnox looks in the wrong year). Sent once.
    pub async fn connect_file_to_voucher(
        &self,
        file_id: &str,
        series: &str,
        number: u64,
        voucher_date: NaiveDate,
    ) -> Result<VoucherFileConnection, Error> {
        let path = format!("/voucherfileconnections?financialyeardate={voucher_date}");
        let body = serde_json::json!({ "VoucherFileConnection": {
            "FileId": file_id,
            "VoucherNumber": number.to_string(),
            "VoucherSeries": series,
        }});
        let answer: ConnectionEnvelope = self.write(Method::POST, &path, &body).await?;
        Ok(answer.connection)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_connections_with_either_number_type() {
        let a: ConnectionEnvelope = serde_json::from_str(
            r#"{"VoucherFileConnection":{"FileId":"x","VoucherNumber":"12","VoucherSeries":"F"}}"#,
        )
        .expect("string number");
        let b: ConnectionEnvelope = serde_json::from_str(
            r#"{"VoucherFileConnection":{"FileId":"x","VoucherNumber":12,"VoucherSeries":"F"}}"#,
        )
        .expect("numeric number");
        assert_eq!(a.connection, b.connection);
        assert_eq!(a.connection.voucher_number, "12");
    }
}
