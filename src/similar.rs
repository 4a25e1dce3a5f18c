//! Which known name a misspelt one was meant to be: for "did you mean" in messages about
//! configuration keys and order export columns.

/// The one of `known` within two edits of `word` (four letters or more), the closest first.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.chars().count() < 4 {
        return None;
    }
    known
        .into_iter()
        .map(|k| (edits(word, k), k))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

/// The edit (Levenshtein) distance between two short texts.
pub fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let next = (row[j + 1] + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_near_name_is_found_and_a_far_or_short_one_is_not() {
        assert_eq!(edits("inbx", "inbox"), 1);
        assert_eq!(closest("inbx", ["inbox", "done", "failed"]), Some("inbox"));
        assert_eq!(closest("retry_sec", ["retry_secs", "max_attempts"]), Some("retry_secs"));
        assert_eq!(closest("colour", ["inbox", "done"]), None);
        assert_eq!(closest("dne", ["done"]), None, "too short to guess");
    }
}
