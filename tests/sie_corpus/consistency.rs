//! The same corpus read other ways gives the same result: streamed a few bytes at a time,
//! vouchers lent by `next_voucher`, and each file written back with `write_4i` and read again
//! (part of the `sie_corpus` binary).

use fortnox_bridge::parse::sie::{ParseOptions, SieFile, parse};

use super::{CORPUS, read};

#[test]
fn streaming_gives_the_same_result_as_parse() {
    use fortnox_bridge::parse::sie::read_file;
    for e in CORPUS {
        let bytes = read(e.name);
        let whole = parse(&bytes, &ParseOptions::default());
        // A reader that hands out few bytes at a time, to cross buffer boundaries.
        let streamed = read_file(Chunked(&bytes[..]), &ParseOptions::default()).unwrap();
        assert_eq!(streamed.vouchers, whole.vouchers, "{}", e.name);
        assert_eq!(streamed.errors, whole.errors, "{}", e.name);
        assert_eq!(streamed.warnings, whole.warnings, "{}", e.name);
        assert_eq!(streamed.encoding, whole.encoding, "{}", e.name);
        assert_eq!(streamed.accounts, whole.accounts, "{}", e.name);
        assert_eq!(streamed.balances, whole.balances, "{}", e.name);
        assert_eq!(streamed.checksum, whole.checksum, "{}", e.name);
    }
}

#[test]
fn lent_vouchers_equal_owned_ones() {
    use fortnox_bridge::parse::sie::VoucherReader;
    for e in CORPUS {
        let bytes = read(e.name);
        let whole = parse(&bytes, &ParseOptions::default());
        // `next_voucher` reuses one voucher's rows and strings for the next.
        let mut stream = VoucherReader::new(Chunked(&bytes[..]), &ParseOptions::default());
        let mut lent = Vec::new();
        while let Some(ver) = stream.next_voucher().unwrap() {
            lent.push(ver.clone());
        }
        assert_eq!(lent, whole.vouchers, "{}", e.name);
        let file = stream.into_file().unwrap();
        assert_eq!(file.errors, whole.errors, "{}", e.name);
        assert_eq!(file.warnings, whole.warnings, "{}", e.name);
    }
}

/// Reads at most 1000 bytes per call.
struct Chunked<'a>(&'a [u8]);

impl std::io::Read for Chunked<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(1000).min(self.0.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

/// Vouchers with line numbers cleared, for comparing a file with its rewritten copy.
fn without_lines(file: &SieFile) -> Vec<fortnox_bridge::parse::sie::Ver> {
    let mut vouchers = file.vouchers.clone();
    for v in &mut vouchers {
        v.line = 0;
        for t in v.rows.iter_mut().chain(v.removed.iter_mut()) {
            t.line = 0;
        }
    }
    vouchers
}

#[test]
fn read_write_read_keeps_every_voucher() {
    use fortnox_bridge::parse::sie::write_4i;
    let generated = chrono::NaiveDate::from_ymd_opt(2024, 1, 31).unwrap();
    for e in CORPUS {
        let first = parse(&read(e.name), &ParseOptions::default());
        let written = write_4i(&first, generated);
        assert!(written.ends_with(b"\r\n") && !written.contains(&0));
        let second = parse(&written, &ParseOptions::default());
        assert_eq!(without_lines(&second), without_lines(&first), "{}", e.name);
        assert_eq!(second.checksum.map(|c| c.ok()), Some(true), "{}", e.name);
        assert_eq!(second.accounts, first.accounts, "{}", e.name);
        assert_eq!(second.objects, first.objects, "{}", e.name);
        assert!(!second.has_balances);
        // Only the vouchers that were already unbalanced are errors in the copy.
        let unbalanced = |f: &SieFile| {
            f.errors.iter().filter(|d| d.message.contains("does not balance")).count()
        };
        assert_eq!(second.errors.len(), unbalanced(&first), "{}: {:?}", e.name, second.errors);
    }
}
