//! "Did you mean" help: the closest known name to a misspelt one.
//!
//! A typo is a few edits away, so the search never computes more than it must: a word longer than
//! [`MAX_WORD_CHARS`] gets no suggestion, a candidate whose length differs from the word's by more
//! than the edits allowed is skipped unread, the edit distance is computed only in the band of
//! cells that can stay within the allowance (and stops once every cell of a row is past it), and
//! all the suggestions of one spec's check share [`BUDGET_CELLS`]; past it, no more are made.

use std::cell::Cell;

/// Words longer than this (in characters) get no suggestion: names that long are pasted, not typed.
pub const MAX_WORD_CHARS: usize = 64;

/// The edit-distance cells all the suggestions of one check may compute (a few tens of
/// milliseconds); [`reset_budget`] starts a new check's.
pub const BUDGET_CELLS: usize = 20_000_000;

thread_local! {
    static BUDGET: Cell<usize> = const { Cell::new(BUDGET_CELLS) };
}

/// Gives the suggestions of the check that starts now a whole budget.
pub fn reset_budget() {
    BUDGET.with(|b| b.set(BUDGET_CELLS));
}

/// Takes `cells` from the budget; `false` when it does not have them.
fn spend(cells: usize) -> bool {
    BUDGET.with(|b| match b.get().checked_sub(cells) {
        Some(left) => {
            b.set(left);
            true
        }
        None => false,
    })
}

/// Edit distance, for "did you mean" help.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    within(&a, &b, a.len().max(b.len())).unwrap_or(usize::MAX)
}

/// The edit distance of `a` and `b` if it is at most `k`, computing only the cells of the DP table
/// within `k` of its diagonal: at most `(2k + 1) · len(b)` of them.
fn within(a: &[char], b: &[char], k: usize) -> Option<usize> {
    let (n, m) = (a.len(), b.len());
    if n.abs_diff(m) > k {
        return None;
    }
    // A cell outside the band is "more than k".
    let far = k + 1;
    let mut prev: Vec<usize> = (0..=n).map(|j| j.min(far)).collect();
    let mut cur = vec![far; n + 1];
    for i in 1..=m {
        let lo = i.saturating_sub(k);
        let hi = (i + k).min(n);
        cur[0] = i.min(far);
        if lo > 1 {
            cur[lo - 1] = far;
        }
        let mut row_min = if lo == 0 { cur[0] } else { far };
        for j in lo.max(1)..=hi {
            let cost = usize::from(a[j - 1] != b[i - 1]);
            let up = if j <= (i - 1) + k { prev[j] } else { far };
            let v = (prev[j - 1] + cost)
                .min(up + 1)
                .min(cur[j - 1] + 1)
                .min(far);
            cur[j] = v;
            row_min = row_min.min(v);
        }
        if hi < n {
            cur[hi + 1] = far;
        }
        if row_min > k {
            return None;
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    Some(prev[n]).filter(|&d| d <= k)
}

/// The closest candidate to `word`, if one is close enough to be a likely typo (ties go to the
/// smallest name).
pub fn suggest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let n = word.chars().take(MAX_WORD_CHARS + 1).count();
    if n > MAX_WORD_CHARS {
        return None;
    }
    let w: Vec<char> = word.chars().collect();
    let mut limit = (n / 3).max(2);
    let mut best: Option<(usize, &str)> = None;
    let mut chars = Vec::new();
    for c in candidates {
        // A candidate longer than the word by more than the limit cannot be close: count no
        // further than that.
        let m = c.chars().take(n + limit + 1).count();
        if m.abs_diff(n) > limit {
            continue;
        }
        if !spend((2 * limit + 1) * m.max(1)) {
            return None;
        }
        chars.clear();
        chars.extend(c.chars());
        if let Some(d) = within(&w, &chars, limit) {
            if best.is_none_or(|b| (d, c) < b) {
                best = Some((d, c));
                // Nothing farther can win now.
                limit = d;
            }
        }
    }
    best.map(|(_, c)| c)
}

/// `did you mean `x`?` when a candidate is close.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<String> {
    suggest(word, candidates).map(|c| format!("did you mean `{c}`?"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions_pick_close_names_only() {
        assert_eq!(
            suggest("orders-v3", ["orders-v1", "inventory-v1"]),
            Some("orders-v1")
        );
        assert_eq!(suggest("zzz", ["orders-v1"]), None);
        // Ties go to the smallest name, whatever the order.
        assert_eq!(suggest("ab", ["ac", "aa"]), Some("aa"));
        assert_eq!(
            suggest("listners", ["listener", "listeners"]),
            Some("listeners")
        );
    }

    /// The banded distance agrees with the full one wherever it answers.
    #[test]
    fn banded_distance_is_exact_within_the_band() {
        fn full(a: &str, b: &str) -> usize {
            let b: Vec<char> = b.chars().collect();
            let mut prev: Vec<usize> = (0..=b.len()).collect();
            for (i, ca) in a.chars().enumerate() {
                let mut cur = vec![i + 1];
                for (j, cb) in b.iter().enumerate() {
                    let cost = usize::from(ca != *cb);
                    cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
                }
                prev = cur;
            }
            prev[b.len()]
        }
        let words = [
            "",
            "a",
            "ab",
            "ba",
            "abc",
            "listeners",
            "listener",
            "lsiteners",
            "protocol",
            "port",
            "virtual_nodes",
            "virtual_node",
            "vritual_ndoes",
            "héllo",
            "hello",
            "xxxxxxxxxx",
            "kitten",
            "sitting",
        ];
        for a in words {
            for b in words {
                let d = full(a, b);
                let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
                for k in 0..12 {
                    let expected = (d <= k).then_some(d);
                    assert_eq!(within(&ca, &cb, k), expected, "{a:?} {b:?} k={k}");
                }
                assert_eq!(levenshtein(a, b), d);
            }
        }
    }

    #[test]
    fn long_words_and_far_lengths_cost_nothing() {
        reset_budget();
        let long = "a".repeat(1 << 20);
        let before = BUDGET.with(Cell::get);
        assert_eq!(suggest(&long, ["a", "aa"]), None);
        let many: Vec<String> = (0..100_000)
            .map(|i| format!("key-{i}-{}", "x".repeat(40)))
            .collect();
        assert_eq!(suggest("name", many.iter().map(String::as_str)), None);
        assert_eq!(BUDGET.with(Cell::get), before);
    }

    #[test]
    fn the_budget_ends_suggestions() {
        reset_budget();
        let names: Vec<String> = (0..1000).map(|i| format!("name-{i:04}")).collect();
        let mut made = 0;
        for _ in 0..100_000 {
            if suggest("name-00x0", names.iter().map(String::as_str)).is_some() {
                made += 1;
            }
        }
        assert!(made > 0 && made < 100_000, "{made}");
        reset_budget();
        assert!(suggest("name-00x0", names.iter().map(String::as_str)).is_some());
    }
}
