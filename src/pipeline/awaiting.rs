//! Documents that Fortnox has not taken after the configured attempts: told to a person once
//! per file (event `awaiting_sync`), however many documents and however many passes it takes
//! them to get there.

use super::{Fatal, Pipeline};
use crate::ledger::{DocRecord, DocState, FileRecord};
use crate::notify;

impl Pipeline {
    /// Tells a person, once, about the documents of a file that still wait after the
    /// configured attempts: one event for the file, however many documents (an outage during
    /// a 2,000-voucher file is one message, not 2,000).
    pub(super) async fn notify_awaiting(&self, file: &FileRecord) -> Result<(), Fatal> {
        let max = self.config.upload.max_attempts;
        let due = self.ledger.awaiting_sync_unnotified(file.id, max)?;
        let Some(first) = due.first() else { return Ok(()) };
        // Told once for the file: every document of it that waits is covered by this event,
        // also those that reach `max_attempts` on a later pass (the service tries documents
        // when each is due, so they get there one by one).
        let docs: Vec<DocRecord> = self
            .ledger
            .documents_of(file.id)?
            .into_iter()
            .filter(|d| d.state == DocState::Waiting)
            .collect();
        let (name, n) = (&file.name, first.attempts);
        let attempts = format!("{n} attempt{}", if n == 1 { "" } else { "s" });
        // Why it waits: Fortnox down, or the shop's own doing (an order held for an article
        // that does not exist yet), in the words the upload recorded.
        let why = first.error.as_deref().map_or_else(
            || "Fortnox has not taken it".to_owned(),
            |e| format!("the last attempt: {e}"),
        );
        let summary = match docs.len() {
            1 => format!(
                "{} from {name} is awaiting sync after {attempts} ({why}); it is \
                 retried automatically",
                first.label
            ),
            n => format!(
                "{n} documents from {name} are awaiting sync (the first: {}) after {attempts} \
                 ({why}); they are retried automatically",
                first.label
            ),
        };
        let event = notify::Event {
            event: "awaiting_sync".to_owned(),
            summary,
            file: Some(file.name.clone()),
            document: Some(first.label.clone()),
            documents: Some(docs.len()),
            attempts: Some(first.attempts),
            error: first.error.clone(),
            next_try: first.next_try.clone(),
            ..notify::Event::default()
        };
        notify::send(&self.config.notify, &event).await;
        for doc in &docs {
            self.ledger.mark_notified(doc)?;
        }
        Ok(())
    }
}
