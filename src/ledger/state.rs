//! The states a file, a document and a document's attachment move through, as the ledger
//! stores them (text), and the SQL that selects rows by them.
//!
//! `as_str` is the one place a state's text is spelled: `parse` reads text back by it, writes
//! bind it, and queries select by [`sql_in`] / [`sql_not_in`], which render it. Text this
//! version does not know (a newer version wrote it) reads as [`Stored::UNKNOWN`], and the SQL
//! selects it the same way, so a query never disagrees with `parse` about a row.

/// Where a document is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocState {
    Queued,
    Posting,
    Posted,
    Rejected,
    Waiting,
    /// Never sent, and never to be: a later file cancelled the shop order it books
    /// (`pipeline::withdrawn`) or carried a changed copy of it (`pipeline::superseded`). Not a
    /// refusal: its file is done, with a warning. Stored as `rejected` with the `withdrawn`
    /// column set, so that a release before this one reads it as final too (a state it did not
    /// know would read as `posting`, and the document would be posted after all).
    Withdrawn,
}

impl DocState {
    /// Never sent again: the queue is done with the document.
    pub(super) const FINAL: [DocState; 3] =
        [DocState::Posted, DocState::Rejected, DocState::Withdrawn];

    pub fn as_str(self) -> &'static str {
        match self {
            DocState::Queued => "queued",
            DocState::Posting => "posting",
            DocState::Posted => "posted",
            // Withdrawn: stored as rejected, with the `withdrawn` column set (see above).
            DocState::Rejected | DocState::Withdrawn => "rejected",
            DocState::Waiting => "waiting",
        }
    }

    /// A state this version does not know (written by a newer one) reads as `Posting`: a
    /// request may have gone out, so the document is looked for before anything is sent.
    pub(super) fn parse(s: &str) -> DocState {
        Self::read(s)
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
    /// Moved out of processing/ for good.
    pub(super) const ARCHIVED: [FileState; 2] = [FileState::Done, FileState::Failed];

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
        Self::read(s)
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
    /// Not tried again: connected, or refused for good.
    pub(super) const FINAL: [AttachState; 2] = [AttachState::Attached, AttachState::Failed];

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
        Self::read(s)
    }
}

/// What the state enums share: their stored text, and how text reads back.
pub(super) trait Stored: Copy + PartialEq + 'static {
    /// Every state this version knows.
    const ALL: &'static [Self];
    /// What a state this version does not know reads as (see each `parse`).
    const UNKNOWN: Self;

    /// As stored (the enum's `as_str`).
    fn text(self) -> &'static str;

    /// Whether `text` is the stored text of a state this version knows.
    fn knows(text: &str) -> bool {
        Self::ALL.iter().any(|s| s.text() == text)
    }

    /// Stored text read back; text no state has reads as [`Self::UNKNOWN`].
    fn read(text: &str) -> Self {
        Self::ALL.iter().copied().find(|s| s.text() == text).unwrap_or(Self::UNKNOWN)
    }
}

impl Stored for DocState {
    const ALL: &'static [Self] = &[
        DocState::Queued,
        DocState::Posting,
        DocState::Posted,
        DocState::Rejected,
        DocState::Waiting,
    ];
    const UNKNOWN: Self = DocState::Posting;

    fn text(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for FileState {
    const ALL: &'static [Self] = &[FileState::Processing, FileState::Done, FileState::Failed];
    const UNKNOWN: Self = FileState::Processing;

    fn text(self) -> &'static str {
        self.as_str()
    }
}

impl Stored for AttachState {
    const ALL: &'static [Self] = &[
        AttachState::Uploading,
        AttachState::Uploaded,
        AttachState::Attached,
        AttachState::Failed,
    ];
    const UNKNOWN: Self = AttachState::Uploading;

    fn text(self) -> &'static str {
        self.as_str()
    }
}

/// The SQL condition that holds for exactly the rows whose `column` reads (as `parse` reads
/// it) as one of `states`. Without [`Stored::UNKNOWN`] in `states` it is `column IN (...)`;
/// with it, `column NOT IN (every other state)`, so text a newer version wrote is selected
/// wherever `parse` puts it. A NULL `column` matches neither this nor [`sql_not_in`]: say
/// `IS NULL` where the column may be NULL.
pub(super) fn sql_in<S: Stored>(column: &str, states: &[S]) -> String {
    let unknown = states.contains(&S::UNKNOWN);
    let listed: Vec<String> = S::ALL
        .iter()
        .filter(|s| states.contains(s) != unknown)
        .map(|s| format!("'{}'", s.text().replace('\'', "''")))
        .collect();
    let op = if unknown { "NOT IN" } else { "IN" };
    format!("{column} {op} ({})", listed.join(", "))
}

/// The SQL condition for the rows whose `column` reads as none of `states` (see [`sql_in`]).
pub(super) fn sql_not_in<S: Stored>(column: &str, states: &[S]) -> String {
    let others: Vec<S> = S::ALL.iter().copied().filter(|s| !states.contains(s)).collect();
    sql_in(column, &others)
}
