//! Z numbers that never arrived: the gaps a file's Z-reports revealed when they were registered
//! (`ledger::zseries` finds them) become warnings of the file, logged and notified once (event
//! `zreport_gap`, one per file however many numbers are missing). The file still posts: the
//! day that arrived is real.

use super::{Fatal, Pipeline};
use crate::diagnostic::Diagnostic;
use crate::ledger::{FileRecord, ZGap};
use crate::notify;

/// What to do about a missing Z number.
const HINT: &str = "a register's Z numbers (löpnummer) run unbroken, so a day of sales may be \
                    missing from the books: export the missing Z-report(s) from the register into \
                    the inbox; `fortnox-bridge status` lists them until they arrive";

impl Pipeline {
    /// The warnings for the gaps file `file` revealed (logged and kept beside the posted file
    /// with its other warnings). Gaps nobody was told about yet are sent as one `zreport_gap`
    /// event (which logs it too), then recorded as notified.
    pub(super) async fn zreport_gaps(&self, file: &FileRecord) -> Result<Vec<Diagnostic>, Fatal> {
        let found = self.ledger.zreport_gaps_found(file.id)?;
        if found.is_empty() {
            // Nearly every file (and every pass over a waiting one): nothing more to read.
            return Ok(Vec::new());
        }
        // Only gaps still open: a missing report that came meanwhile (files dropped together are
        // taken in name order, `Z-1000` before `Z-999`) is no news.
        let open = self.ledger.zreport_gaps_open()?;
        let still_open = |g: &ZGap| {
            open.iter().any(|o| {
                o.org == g.org
                    && o.register == g.register
                    && o.after < g.before
                    && g.after < o.before
            })
        };
        let found: Vec<_> = found.into_iter().filter(|f| still_open(&f.gap)).collect();
        let warnings: Vec<Diagnostic> =
            found.iter().map(|f| Diagnostic::at(f.line, f.gap.describe()).hint(HINT)).collect();
        let untold: Vec<&Diagnostic> =
            found.iter().zip(&warnings).filter(|(f, _)| !f.notified).map(|(_, w)| w).collect();
        if untold.is_empty() {
            return Ok(warnings);
        }
        let missing: Vec<String> = untold.iter().map(|w| w.message.clone()).collect();
        let event = notify::Event {
            event: "zreport_gap".to_owned(),
            summary: format!(
                "{}: {}: a day of sales may be missing from the books; export the missing \
                 Z-report(s) from the register into the inbox",
                file.name,
                missing.join("; ")
            ),
            file: Some(file.name.clone()),
            ..notify::Event::default()
        };
        notify::send(&self.config.notify, &event).await;
        self.ledger.mark_zreport_gaps_notified(file.id)?;
        Ok(warnings)
    }
}
