//! Bytes → text: the spec's size and encoding, checked before any YAML is read.
//!
//! A spec is UTF-8, optionally starting with a byte-order mark. What is not (UTF-16, Latin-1, a
//! file over [`MAX_SPEC_BYTES`]) cannot be read at all and is one error at the place it shows. What
//! is text but not YAML text (a control character, a second byte-order mark) is reported and
//! loading goes on, with the character replaced (a control character) or removed (a byte-order
//! mark, whose column is then added back, so later line:columns stay those an editor shows).

use std::borrow::Cow;

use crate::diagnostic::{Code, Diagnostic, FieldPath, Location};
use crate::spec::limits::{self, MAX_SPEC_BYTES};

/// The spec's text as the YAML parser reads it, and how to turn the parser's columns back into
/// the file's.
#[derive(Debug)]
pub struct Source<'a> {
    pub text: Cow<'a, str>,
    /// Byte-order marks removed inside the text: (line, column in `text` where each stood, 0-based).
    removed: Vec<(usize, usize)>,
}

impl Source<'_> {
    /// The file's 0-based column of the parser's `col` on 1-based `line`.
    pub fn column(&self, line: usize, col: usize) -> usize {
        if self.removed.is_empty() {
            return col;
        }
        let first = self.removed.partition_point(|&(l, _)| l < line);
        let before = self.removed[first..]
            .iter()
            .take_while(|&&(l, c)| l == line && c <= col)
            .count();
        col + before
    }

    /// The file's line:column (1-based) of the parser's 1-based line and 0-based column.
    pub fn location(&self, line: usize, col: usize) -> Location {
        Location {
            line,
            column: self.column(line, col) + 1,
        }
    }
}

/// Where in the text a character is: counts lines the way YAML and editors do (`\n`, `\r\n` and
/// a lone `\r` end a line; U+2028, U+2029 and NEL do not).
struct Cursor {
    line: usize,
    col: usize,
    after_cr: bool,
}

impl Cursor {
    fn new() -> Self {
        Self {
            line: 1,
            col: 0,
            after_cr: false,
        }
    }
    fn advance(&mut self, c: char) {
        match c {
            '\n' if self.after_cr => {}
            '\n' | '\r' => {
                self.line += 1;
                self.col = 0;
            }
            _ => self.col += 1,
        }
        self.after_cr = c == '\r';
    }
    fn location(&self) -> Location {
        Location {
            line: self.line,
            column: self.col + 1,
        }
    }
}

/// An error about the whole file, at `location`.
fn file_error(code: Code, location: Location, message: String, help: &str) -> Diagnostic {
    let mut d = Diagnostic::error(code, FieldPath::root(), message).with_help(help);
    d.location = Some(location);
    d
}

const START: Location = Location { line: 1, column: 1 };

/// The text of `bytes` and what is wrong with its characters; `Err` when it cannot be read as
/// text at all.
pub fn decode(bytes: &[u8]) -> Result<(Source<'_>, Vec<Diagnostic>), Diagnostic> {
    if bytes.len() > MAX_SPEC_BYTES {
        return Err(file_error(
            Code::SpecLimit,
            START,
            format!(
                "the spec is larger than {}, the most meshsynth reads",
                limits::bytes(MAX_SPEC_BYTES)
            ),
            "a spec describes one mesh in a few kilobytes: split it, or remove what was pasted into it",
        ));
    }
    if let Some(encoding) = utf16_or_32(bytes) {
        return Err(file_error(
            Code::InvalidEncoding,
            START,
            format!("the spec is {encoding}; meshsynth reads UTF-8"),
            "save the file as UTF-8 (e.g. `iconv -f UTF-16 -t UTF-8 spec.yaml > spec.utf8.yaml`)",
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(text) => text,
        Err(e) => return Err(not_utf8(bytes, &e)),
    };
    Ok(clean(text))
}

/// The name of a UTF-16 or UTF-32 encoding `bytes` is in, by its byte-order mark or, without
/// one, by the zero bytes an ASCII first character leaves.
fn utf16_or_32(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32 (little-endian, with a byte-order mark)"),
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32 (big-endian, with a byte-order mark)"),
        [0xFF, 0xFE, ..] => Some("UTF-16 (little-endian, with a byte-order mark)"),
        [0xFE, 0xFF, ..] => Some("UTF-16 (big-endian, with a byte-order mark)"),
        [a, 0, 0, 0, ..] if a.is_ascii() && *a != 0 => Some("UTF-32 (little-endian)"),
        [0, 0, 0, a, ..] if a.is_ascii() && *a != 0 => Some("UTF-32 (big-endian)"),
        [a, 0, ..] if a.is_ascii() && *a != 0 => Some("UTF-16 (little-endian)"),
        [0, a, ..] if a.is_ascii() && *a != 0 => Some("UTF-16 (big-endian)"),
        _ => None,
    }
}

/// Invalid UTF-8: the first bad byte, where it is, and how many more bad sequences follow.
fn not_utf8(bytes: &[u8], e: &std::str::Utf8Error) -> Diagnostic {
    let at = e.valid_up_to();
    let mut cursor = Cursor::new();
    // The valid prefix is text; a leading byte-order mark is no column.
    let prefix = std::str::from_utf8(&bytes[..at]).unwrap_or_default();
    prefix
        .strip_prefix('\u{feff}')
        .unwrap_or(prefix)
        .chars()
        .for_each(|c| cursor.advance(c));
    let more = bytes[at..]
        .utf8_chunks()
        .filter(|c| !c.invalid().is_empty())
        .count()
        .saturating_sub(1);
    let what = match (e.error_len(), bytes.get(at)) {
        (Some(_), Some(b)) => format!(
            "byte 0x{b:02X} at byte offset {} is not part of a UTF-8 character",
            limits::thousands(at)
        ),
        _ => format!(
            "the file ends inside a UTF-8 character (at byte offset {})",
            limits::thousands(at)
        ),
    };
    let more = match more {
        0 => String::new(),
        1 => " (and 1 more place)".to_owned(),
        n => format!(" (and {} more places)", limits::thousands(n)),
    };
    file_error(
        Code::InvalidEncoding,
        cursor.location(),
        format!("the spec is not UTF-8: {what}{more}"),
        "save the file as UTF-8; it may be Latin-1 or Windows-1252 (`iconv -f WINDOWS-1252 -t UTF-8`)",
    )
}

/// Whether YAML refuses `c` in its text: C0 and C1 control characters other than tab, line
/// breaks and NEL, DEL, and the non-characters U+FFFE and U+FFFF.
fn refused(c: char) -> bool {
    match c {
        '\t' | '\n' | '\r' | '\u{85}' => false,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' => true,
        '\u{fffe}' | '\u{ffff}' => true,
        _ => false,
    }
}

/// The first place and number of one kind of problem.
#[derive(Default)]
struct Found {
    first: Option<(Location, char)>,
    count: usize,
}

impl Found {
    fn add(&mut self, at: Location, c: char) {
        self.first.get_or_insert((at, c));
        self.count += 1;
    }
    fn more(&self) -> String {
        match self.count {
            0 | 1 => String::new(),
            2 => " (and 1 more)".to_owned(),
            n => format!(" (and {} more)", limits::thousands(n - 1)),
        }
    }
}

/// The text without its leading byte-order mark, with refused characters replaced by U+FFFD and
/// byte-order marks inside it removed, and a diagnostic for each kind found.
fn clean(text: &str) -> (Source<'_>, Vec<Diagnostic>) {
    // Editors on Windows may save a byte-order mark; it is no part of the text.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let plain = |c: char| !refused(c) && c != '\u{feff}';
    if text.chars().all(plain) {
        return (
            Source {
                text: Cow::Borrowed(text),
                removed: Vec::new(),
            },
            Vec::new(),
        );
    }
    let mut out = String::with_capacity(text.len());
    let mut removed = Vec::new();
    let (mut controls, mut marks) = (Found::default(), Found::default());
    let mut cursor = Cursor::new();
    // The parser's column of a character: the file's, less the marks removed before it.
    let mut removed_on_line = 0;
    let mut line = 1;
    for c in text.chars() {
        if cursor.line != line {
            line = cursor.line;
            removed_on_line = 0;
        }
        if c == '\u{feff}' {
            marks.add(cursor.location(), c);
            removed.push((cursor.line, cursor.col - removed_on_line));
            removed_on_line += 1;
        } else if refused(c) {
            controls.add(cursor.location(), c);
            out.push('\u{fffd}');
        } else {
            out.push(c);
        }
        cursor.advance(c);
    }
    let mut diagnostics = Vec::new();
    if let Some((at, c)) = controls.first {
        diagnostics.push(file_error(
            Code::InvalidEncoding,
            at,
            format!(
                "the spec contains the control character U+{:04X}{}",
                u32::from(c),
                controls.more()
            ),
            "remove it: YAML allows no control characters but tab and line breaks (is the file text, and UTF-8?)",
        ));
    }
    if let Some((at, _)) = marks.first {
        diagnostics.push(file_error(
            Code::InvalidEncoding,
            at,
            format!("a byte-order mark (U+FEFF) inside the spec{}", marks.more()),
            "remove it: a byte-order mark may only start the file (were two files joined?)",
        ));
    }
    (
        Source {
            text: Cow::Owned(out),
            removed,
        },
        diagnostics,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(bytes: &[u8]) -> Diagnostic {
        match decode(bytes) {
            Ok(_) => panic!("{bytes:?} decoded"),
            Err(d) => d,
        }
    }

    #[test]
    fn utf16_is_named() {
        let le: Vec<u8> = "\u{feff}name: x"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        let d = error(&le);
        assert_eq!(d.code, Code::InvalidEncoding);
        assert_eq!(
            d.message,
            "the spec is UTF-16 (little-endian, with a byte-order mark); meshsynth reads UTF-8"
        );
        let be: Vec<u8> = "name: x"
            .encode_utf16()
            .flat_map(u16::to_be_bytes)
            .collect();
        assert_eq!(
            error(&be).message,
            "the spec is UTF-16 (big-endian); meshsynth reads UTF-8"
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let d = error(b"name: x\nmesh: { name: caf\xe9 }\n# \xff\n");
        assert_eq!(d.code, Code::InvalidEncoding);
        assert_eq!(
            d.message,
            "the spec is not UTF-8: byte 0xE9 at byte offset 25 is not part of a UTF-8 character (and 1 more place)"
        );
        assert_eq!(
            d.location,
            Some(Location {
                line: 2,
                column: 18
            })
        );
        let cut = error("name: \u{e9}".as_bytes().split_last().unwrap().1);
        assert!(
            cut.message.contains("ends inside a UTF-8 character"),
            "{}",
            cut.message
        );
    }

    #[test]
    fn lines_end_as_in_an_editor() {
        // CRLF is one break, a lone CR is one, U+2028 and NEL are characters.
        let (_, diags) = clean("a\r\nb\rc\u{2028}d\u{85}e\u{1}");
        assert_eq!(diags[0].location, Some(Location { line: 3, column: 6 }));
    }

    #[test]
    fn controls_are_replaced_and_marks_removed() {
        let (source, diags) = clean("\u{feff}a: \u{0}\n\u{feff}b: 1 \u{feff}\u{feff}x\n");
        assert_eq!(source.text, "a: \u{fffd}\nb: 1 x\n");
        let messages: Vec<&str> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "the spec contains the control character U+0000",
                "a byte-order mark (U+FEFF) inside the spec (and 2 more)"
            ]
        );
        assert_eq!(diags[1].location, Some(Location { line: 2, column: 1 }));
        // Columns after a removed mark are the file's again: `b` is at 0 in the text, 1 in the
        // file; `x` at 5 in the text, 8 in the file.
        assert_eq!(source.column(2, 0), 1);
        assert_eq!(source.column(2, 5), 8);
        assert_eq!(source.column(1, 3), 3);
    }

    #[test]
    fn only_a_size_over_the_limit_is_refused() {
        let big = vec![b' '; MAX_SPEC_BYTES + 1];
        assert_eq!(error(&big).code, Code::SpecLimit);
        assert!(decode(&big[1..]).is_ok());
    }
}
