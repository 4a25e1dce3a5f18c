//! The states a file, a document and a document's attachment move through, as the ledger
//! stores them (text).

/// Where a document is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocState {
    Queued,
    Posting,
    Posted,
    Rejected,
    Waiting,
}

impl DocState {
    pub fn as_str(self) -> &'static str {
        match self {
            DocState::Queued => "queued",
            DocState::Posting => "posting",
            DocState::Posted => "posted",
            DocState::Rejected => "rejected",
            DocState::Waiting => "waiting",
        }
    }

    /// A state this version does not know (written by a newer one) reads as `Posting`: a
    /// request may have gone out, so the document is looked for before anything is sent.
    pub(super) fn parse(s: &str) -> DocState {
        match s {
            "queued" => DocState::Queued,
            "posted" => DocState::Posted,
            "rejected" => DocState::Rejected,
            "waiting" => DocState::Waiting,
            _ => DocState::Posting,
        }
    }
}

/// Where a claimed file is: in processing/ while its documents are worked on, then archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    Processing,
    Done,
    Failed,
}

impl FileState {
    /// As stored, and as the audit trail names the event that archived the file.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Processing => "processing",
            FileState::Done => "done",
            FileState::Failed => "failed",
        }
    }

    /// A state this version does not know (written by a newer one) reads as `Processing`: the
    /// file is resumed, and its documents are looked for in Fortnox before anything is sent.
    pub(super) fn parse(s: &str) -> FileState {
        match s {
            "done" => FileState::Done,
            "failed" => FileState::Failed,
            _ => FileState::Processing,
        }
    }
}

/// Where the attachment of a posted document (its original file) is; none before it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachState {
    /// The upload to Fortnox's inbox was sent; it may have arrived.
    Uploading,
    Uploaded,
    /// Connected to the voucher: done.
    Attached,
    Failed,
}

impl AttachState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttachState::Uploading => "uploading",
            AttachState::Uploaded => "uploaded",
            AttachState::Attached => "attached",
            AttachState::Failed => "failed",
        }
    }

    /// A state this version does not know reads as `Uploading`: the file is looked for in
    /// Fortnox's inbox before it is uploaded again.
    pub(super) fn parse(s: &str) -> AttachState {
        match s {
            "uploaded" => AttachState::Uploaded,
            "attached" => AttachState::Attached,
            "failed" => AttachState::Failed,
            _ => AttachState::Uploading,
        }
    }
}
