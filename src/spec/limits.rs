//! The limits of what the loader reads, in one place. Each is far above any real spec (the spec's
//! own shape nests about a dozen levels, App Mesh names stop at 255 characters, quotas at a few
//! hundred resources) and each keeps the work linear in the input: a spec over a limit is refused
//! with a `spec-limit` error that names the limit, at the place it was crossed, before anything
//! grows with it. README.md's `### Limits` lists them; `tests/load.rs` checks that it does.

/// The most bytes a spec file may have: 8 MiB. Read no further; a larger file is refused whole.
pub const MAX_SPEC_BYTES: usize = 8 * 1024 * 1024;

/// The deepest a value may be nested in mappings and lists, counting the top-level mapping as 1
/// and what an alias stands for as if written out. serde_yaml's own recursion limit is 128; the
/// spec needs about 12.
pub const MAX_DEPTH: usize = 64;

/// The most bytes a mapping key may have (names in App Mesh stop at 255 characters).
pub const MAX_KEY_BYTES: usize = 1024;

/// The most bytes a scalar value may have (the longest App Mesh string, a log format, is 1,000
/// characters).
pub const MAX_SCALAR_BYTES: usize = 64 * 1024;

/// The most entries one mapping or one list may have.
pub const MAX_ENTRIES: usize = 100_000;

/// The most values (keys, scalars, mappings and lists) the spec may have in all, counting what
/// each alias stands for as if written out, so that `*alias` cannot multiply the work.
pub const MAX_VALUES: usize = 1_000_000;

/// A byte count as the limits' messages write it: `8,388,608 bytes (8 MiB)`, `1,024 bytes`.
pub fn bytes(n: usize) -> String {
    let exact = format!("{} bytes", thousands(n));
    if n >= 1024 && n % 1024 == 0 {
        if n % (1024 * 1024) == 0 {
            format!("{exact} ({} MiB)", n / (1024 * 1024))
        } else {
            format!("{exact} ({} KiB)", n / 1024)
        }
    } else {
        exact
    }
}

/// `1234567` → `1,234,567`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_like_the_readme() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(bytes(MAX_SPEC_BYTES), "8,388,608 bytes (8 MiB)");
        assert_eq!(bytes(MAX_SCALAR_BYTES), "65,536 bytes (64 KiB)");
        assert_eq!(bytes(MAX_KEY_BYTES), "1,024 bytes (1 KiB)");
        assert_eq!(bytes(10), "10 bytes");
    }
}
