//! The states a file and a document move through, as the ledger stores them (text).

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
