//! The loader under hostile and unusual input (issue #7, "No crash, no hang, no lost file"): deep
//! nesting, huge files, keys and values, many unknown keys, bytes that are not UTF-8, YAML
//! syntax errors, extra documents, YAML tags, unusual line breaks, and the schema and the loader
//! agreeing on what a value may be. Inputs that crashed or took minutes run through the binary
//! under a deadline, so a regression fails instead of aborting or hanging the suite.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use meshsynth::diagnostic::{Code, Diagnostics};
use meshsynth::spec::limits;
use meshsynth::synth::check;

const HEAD: &str = "name: shop\nmesh: { name: shop }\n";

fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("meshsynth-load-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// What `meshsynth validate` did with `bytes` as a spec file.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    took: Duration,
}

/// Runs `meshsynth validate` on `bytes`, killing it past `deadline` (and failing then).
fn validate(name: &str, bytes: &[u8], deadline: Duration) -> Run {
    let dir = scratch(name);
    let spec = dir.join(format!("{name}.yaml"));
    std::fs::write(&spec, bytes).unwrap();
    let started = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_meshsynth"))
        .arg("validate")
        .arg(&spec)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // Read both pipes while waiting, so a long report cannot block the child.
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = out.read_to_end(&mut s);
        s
    });
    let err = std::thread::spawn(move || {
        let mut s = Vec::new();
        let _ = err.read_to_end(&mut s);
        s
    });
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{name}: `meshsynth validate` still running after {deadline:?}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let took = started.elapsed();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    let run = Run {
        code: status.code(),
        stdout: text(out.join().unwrap()),
        stderr: text(err.join().unwrap()),
        took,
    };
    let _ = std::fs::remove_dir_all(&dir);
    run
}

impl Run {
    /// An invalid spec: exit 1, no panic, and the report names `code`.
    fn refused_with(&self, code: &str) -> &Self {
        assert_eq!(
            self.code,
            Some(1),
            "exit code; stderr: {}",
            self.stderr.chars().take(2000).collect::<String>()
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        assert!(
            self.stdout.contains(&format!("error[{code}]")),
            "no `{code}`: {}",
            self.stdout.chars().take(2000).collect::<String>()
        );
        self
    }
}

/// The diagnostics of checking `text`, as `code message` lines.
fn report(text: &str) -> Diagnostics {
    check(text, &meshsynth::targets::iac()).0
}

fn codes(d: &Diagnostics) -> Vec<&'static str> {
    d.iter().map(|d| d.code.as_str()).collect()
}

fn render(d: &Diagnostics) -> String {
    d.render_human("spec.yaml")
}

/// The one diagnostic of `code` in checking `text`.
fn only(text: &str, code: Code) -> meshsynth::diagnostic::Diagnostic {
    let d = report(text);
    let found: Vec<_> = d.iter().filter(|x| x.code == code).cloned().collect();
    assert_eq!(found.len(), 1, "one `{code}` expected:\n{}", render(&d));
    found.into_iter().next().unwrap()
}

const DEADLINE: Duration = Duration::from_secs(20);

// 1. Deep nesting: refused at the depth limit, never a stack overflow.

#[test]
fn deep_block_sequences_are_refused_not_a_crash() {
    // 200 KB: 100,000 nested block sequences.
    let text = format!("{}x\n", "- ".repeat(100_000));
    let run = validate("deep-sequences", text.as_bytes(), DEADLINE);
    run.refused_with("spec-limit");
    assert!(
        run.stdout.contains("nest more than 64 levels"),
        "{}",
        run.stdout
    );
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[test]
fn deep_block_mappings_are_refused_not_a_crash() {
    // 3,000 mappings, each indented one more space (4.5 MB).
    let mut text = String::new();
    for i in 0..3_000 {
        text.push_str(&" ".repeat(i));
        text.push_str("a:\n");
    }
    let run = validate("deep-mappings", text.as_bytes(), DEADLINE);
    run.refused_with("spec-limit");
    assert!(
        run.stdout.contains("nest more than 64 levels"),
        "{}",
        run.stdout
    );
    // The 65th mapping starts on line 65.
    assert!(
        run.stdout.contains("deep-mappings.yaml:65:"),
        "{}",
        run.stdout
    );
}

#[test]
fn deep_flow_nesting_is_refused_at_the_same_depth() {
    let text = format!("{HEAD}tags: {}{}\n", "[".repeat(10_000), "]".repeat(10_000));
    let d = only(&text, Code::SpecLimit);
    assert_eq!(
        d.message,
        "mappings and lists nest more than 64 levels deep here"
    );
}

#[test]
fn nesting_is_limited_exactly_at_the_limit() {
    let nest = |levels: usize| format!("{}{}", "[".repeat(levels), "]".repeat(levels));
    // The top-level mapping is level 1.
    let at = format!("{HEAD}tags: {{ t: {} }}\n", nest(limits::MAX_DEPTH - 2));
    assert!(
        !codes(&report(&at)).contains(&"spec-limit"),
        "{}",
        render(&report(&at))
    );
    let over = format!("{HEAD}tags: {{ t: {} }}\n", nest(limits::MAX_DEPTH - 1));
    only(&over, Code::SpecLimit);
    // What an alias stands for counts where the alias stands.
    let alias = format!(
        "{HEAD}tags: {{ a: &deep {}, b: {{ c: *deep }} }}\n",
        nest(limits::MAX_DEPTH - 2)
    );
    only(&alias, Code::SpecLimit);
}

// 5. Hang-class slowness: "did you mean" is cheap whatever the keys.

#[test]
fn a_huge_unknown_key_is_refused_quickly() {
    let text = format!("{HEAD}? {}\n: 1\n", "a".repeat(1 << 20));
    let run = validate("huge-key", text.as_bytes(), DEADLINE);
    run.refused_with("spec-limit");
    assert!(
        run.stdout.contains(
            "a key here has 1,048,576 bytes (1 MiB); a key has at most 1,024 bytes (1 KiB)"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn many_unknown_keys_are_reported_quickly() {
    // 100,000 unknown keys, half at the top level and half in `mesh` (one mapping may have at
    // most 100,000 entries).
    let mut text = String::from("name: shop\n");
    for i in 0..50_000 {
        text.push_str(&format!("unknown_key_{i:06}: 1\n"));
    }
    text.push_str("mesh:\n  name: shop\n");
    for i in 0..50_000 {
        text.push_str(&format!("  unknown_key_{i:06}: 1\n"));
    }
    let run = validate("unknown-keys", text.as_bytes(), Duration::from_secs(60));
    run.refused_with("unknown-key");
    assert_eq!(run.stdout.matches("error[unknown-key]").count(), 100_000);
}

#[test]
fn long_unknown_keys_near_the_limit_get_no_slow_suggestion() {
    // 1,000 distinct keys of 1,000 bytes each: the length pre-check skips every schema key.
    let mut text = String::from(HEAD);
    for i in 0..1_000 {
        text.push_str(&format!("k{i:04}{}: 1\n", "x".repeat(995)));
    }
    let started = Instant::now();
    let d = report(&text);
    assert_eq!(d.errors(), 1_000, "{}", render(&d));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "{:?}",
        started.elapsed()
    );
}

// Limits: documented, enforced, with the path and the limit.

#[test]
fn a_spec_over_the_size_limit_is_refused_unread() {
    let mut text = String::from(HEAD);
    text.push_str("tags:\n");
    let mut i = 0;
    while text.len() <= limits::MAX_SPEC_BYTES {
        text.push_str(&format!(
            "  k{i:07}: vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv\n"
        ));
        i += 1;
    }
    let run = validate("too-big", text.as_bytes(), DEADLINE);
    run.refused_with("spec-limit");
    assert!(
        run.stdout
            .contains("the spec is larger than 8,388,608 bytes (8 MiB)"),
        "{}",
        run.stdout
    );
    assert!(run.took < Duration::from_secs(5), "{:?}", run.took);
}

#[test]
fn keys_values_and_entries_are_limited_exactly() {
    let key = |n: usize| format!("{HEAD}tags: {{ {}: x }}\n", "k".repeat(n));
    assert!(!codes(&report(&key(limits::MAX_KEY_BYTES))).contains(&"spec-limit"));
    let d = only(&key(limits::MAX_KEY_BYTES + 1), Code::SpecLimit);
    assert_eq!(d.path.to_string(), "tags");
    assert_eq!(
        d.message,
        "a key here has 1,025 bytes; a key has at most 1,024 bytes (1 KiB)"
    );

    let value = |n: usize| format!("{HEAD}tags: {{ k: {} }}\n", "v".repeat(n));
    assert!(!codes(&report(&value(limits::MAX_SCALAR_BYTES))).contains(&"spec-limit"));
    let d = only(&value(limits::MAX_SCALAR_BYTES + 1), Code::SpecLimit);
    assert_eq!(d.path.to_string(), "tags.k");
    assert_eq!(
        d.message,
        "this value has 65,537 bytes; a value has at most 65,536 bytes (64 KiB)"
    );

    let entries = |n: usize| {
        let mut t = format!("{HEAD}tags:\n");
        for i in 0..n {
            t.push_str(&format!("  k{i}: v\n"));
        }
        t
    };
    assert!(!codes(&report(&entries(limits::MAX_ENTRIES))).contains(&"spec-limit"));
    let d = only(&entries(limits::MAX_ENTRIES + 1), Code::SpecLimit);
    assert_eq!(d.path.to_string(), "tags");
    assert_eq!(d.message, "this mapping has more than 100,000 entries");
    let list = format!(
        "{HEAD}tags: {{ k: [{}] }}\n",
        "1,".repeat(limits::MAX_ENTRIES + 1)
    );
    assert_eq!(
        only(&list, Code::SpecLimit).message,
        "this list has more than 100,000 entries"
    );
}

#[test]
fn aliases_cannot_multiply_the_work() {
    // A billion laughs: each level repeats the one before ten times.
    let mut text = format!("{HEAD}tags:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..9 {
        let p = i - 1;
        text.push_str(&format!(
            "  l{i}: &l{i} [*l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}, *l{p}]\n"
        ));
    }
    let started = Instant::now();
    let d = only(&text, Code::SpecLimit);
    assert!(
        d.message
            .starts_with("the spec has more than 1,000,000 values"),
        "{}",
        d.message
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[test]
fn the_readme_lists_every_limit() {
    let readme = std::fs::read_to_string("README.md").unwrap();
    let section = readme
        .split("## Limits")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README.md has a `## Limits` section");
    for value in [
        limits::bytes(limits::MAX_SPEC_BYTES),
        limits::MAX_DEPTH.to_string(),
        limits::bytes(limits::MAX_KEY_BYTES),
        limits::bytes(limits::MAX_SCALAR_BYTES),
        limits::thousands(limits::MAX_ENTRIES),
        limits::thousands(limits::MAX_VALUES),
    ] {
        assert!(
            section.contains(&value),
            "README's Limits do not say {value}"
        );
    }
    // Inside the Validation section, before the next top-level section.
    let validation = readme.find("## Validation").unwrap();
    let limits_at = readme.find("## Limits").unwrap();
    let next = readme[validation + 1..]
        .find("\n## ")
        .map(|i| i + validation + 1);
    assert!(limits_at > validation && next.is_none_or(|n| limits_at < n));
}

// 6. Exit codes and messages.

#[test]
fn bytes_that_are_not_utf8_are_an_invalid_spec_at_their_offset() {
    let run = validate("latin1", b"name: shop\nmesh: { name: caf\xe9 }\n", DEADLINE);
    run.refused_with("invalid-encoding");
    assert!(
        run.stdout.contains("byte 0xE9 at byte offset 28"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("latin1.yaml:2:18"), "{}", run.stdout);
}

#[test]
fn utf16_is_an_invalid_spec_named_as_such() {
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(HEAD.encode_utf16().flat_map(u16::to_le_bytes));
    let run = validate("utf16", &bytes, DEADLINE);
    run.refused_with("invalid-encoding");
    assert!(
        run.stdout
            .contains("the spec is UTF-16 (little-endian, with a byte-order mark)"),
        "{}",
        run.stdout
    );
}

#[test]
fn control_characters_are_reported_where_they_are() {
    let d = only(
        "name: shop\nmesh: { name: shop }\n# \u{0} here\n",
        Code::InvalidEncoding,
    );
    assert_eq!(d.message, "the spec contains the control character U+0000");
    let l = d.location.unwrap();
    assert_eq!((l.line, l.column), (3, 3));
}

#[test]
fn a_syntax_error_has_its_own_code_and_help() {
    let d = only("name: shop\nmesh: { name: shop\n", Code::InvalidYaml);
    assert!(!d.help.unwrap_or_default().contains("type"));
    let tab = only("name: shop\nmesh:\n\tname: shop\n", Code::InvalidYaml);
    assert!(tab.help.unwrap_or_default().contains("tabs"));
}

#[test]
fn an_empty_trailing_document_is_no_second_spec() {
    for end in [
        "---\n",
        "--- # the end\n",
        "...\n",
        "---\n...\n",
        "---\n---\n",
    ] {
        let text = format!("{HEAD}{end}");
        let d = report(&text);
        assert!(d.is_empty(), "{end:?}:\n{}", render(&d));
    }
    let d = only(
        &format!("{HEAD}---\nname: other\nmesh: {{ name: other }}\n"),
        Code::MultipleDocuments,
    );
    assert_eq!(
        d.message,
        "a second YAML document starts at line 3; a spec file holds one"
    );
    assert_eq!(d.location.map(|l| l.line), Some(3));
}

#[test]
fn messages_say_what_the_spec_wants_not_rust_types() {
    let cases = [
        (
            format!("{HEAD}virtual_nodes: {{ n: {{ listeners: [{{ port: eighty, protocol: http }}] }} }}\n"),
            "invalid type: string \"eighty\", expected a whole number from 0 to 4294967295",
        ),
        (
            format!("{HEAD}virtual_nodes: {{ n: {{ listeners: [{{ port: -1, protocol: http }}] }} }}\n"),
            "invalid value: integer `-1`, expected a whole number from 0 to 4294967295",
        ),
        (
            "- name: shop\n".to_owned(),
            "invalid type: sequence, expected a mapping (the spec)",
        ),
        ("name: shop\nmesh: 3\n".to_owned(), "invalid type: integer `3`, expected a mapping"),
        (
            format!("{HEAD}virtual_routers: {{ r: {{ listeners: [{{ port: 80, protocol: http }}], routes: {{ a: {{ http: {{ match: {{ prefix: /, headers: {{ h: {{ range: {{ start: x, end: 2 }} }} }} }}, targets: {{ n: 1 }} }} }} }} }} }}\n"),
            "invalid type: string \"x\", expected a whole number from -9223372036854775808 to 9223372036854775807",
        ),
        (
            format!("{HEAD}virtual_nodes: {{ n: {{ listeners: [{{ port: 80, protocol: htp }}] }} }}\n"),
            "unknown value `htp`, expected one of `http`, `http2`, `grpc`, `tcp`",
        ),
        (
            format!("{HEAD}virtual_nodes: {{ n: {{ listeners: [{{ port: 80, protocol: http, health_check: {{ interval: 5 }} }}] }} }}\n"),
            "invalid type: integer `5`, expected a duration such as `250ms`, `15s` or `5m`",
        ),
    ];
    for (text, message) in cases {
        let d = only(&text, Code::InvalidSpecShape);
        assert_eq!(d.message, message, "{text}");
        for rust in [
            "u32",
            "i64",
            "u64",
            "struct ",
            "unit value",
            "variant",
            "identifier",
        ] {
            assert!(!d.message.contains(rust), "{}", d.message);
        }
        assert!(!d.message.ends_with("a map"), "{}", d.message);
    }
}

#[test]
fn yaml_tags_are_reported_not_dropped() {
    let d = only(
        "name: !Ref ProjectName\nmesh: { name: shop }\n",
        Code::YamlTag,
    );
    assert_eq!(d.path.to_string(), "name");
    assert!(d.message.contains("CloudFormation"), "{}", d.message);
    assert!(d
        .help
        .unwrap_or_default()
        .contains("write the value itself"));
    let core = only(&format!("{HEAD}tags: {{ a: !!str 80 }}\n"), Code::YamlTag);
    assert_eq!(core.message, "the YAML tag `!!str` is not supported");
}

#[test]
fn locations_count_lines_as_an_editor_does() {
    // U+2028, U+2029 and NEL are characters, not line breaks; CRLF is one break; a second
    // byte-order mark is reported and takes its column.
    let bad_port = "virtual_nodes: { n: { listeners: [{ port: x, protocol: http }] } }\n";
    for (prefix, line, column) in [
        (
            "name: shop # a\u{2028}b\u{2029}c\u{85}d\nmesh: { name: shop }\n",
            3,
            43,
        ),
        ("name: \"a\u{2028}b\"\r\nmesh: { name: shop }\r\n", 3, 43),
        ("\u{feff}\u{feff}name: shop\nmesh: { name: shop }\n", 3, 43),
        ("name: shop\nmesh: { name: shop }\n", 3, 43),
    ] {
        let text = format!("{prefix}{bad_port}");
        let d = only(&text, Code::InvalidSpecShape);
        let l = d.location.unwrap();
        assert_eq!((l.line, l.column), (line, column), "{text:?}");
    }
    let text = "name: shop\nmesh: { name: shop }\n\u{feff}virtual_nodes: { n: { listeners: [{ port: x, protocol: http }] } }\n";
    let l = only(text, Code::InvalidSpecShape).location.unwrap();
    assert_eq!((l.line, l.column), (3, 44));
    let mark = only(text, Code::InvalidEncoding).location.unwrap();
    assert_eq!((mark.line, mark.column), (3, 1));
}

#[test]
fn the_schema_bounds_every_integer_the_loader_bounds() {
    let schema = meshsynth::spec::schema::json_schema();
    fn walk(v: &serde_json::Value, found: &mut Vec<serde_json::Value>) {
        match v {
            serde_json::Value::Object(m) => {
                if m.get("format")
                    .and_then(|f| f.as_str())
                    .is_some_and(|f| f.contains("int"))
                {
                    found.push(v.clone());
                }
                m.values().for_each(|x| walk(x, found));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|x| walk(x, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    walk(&schema, &mut found);
    assert!(found.len() > 30);
    for int in &found {
        let (min, max) = match int["format"].as_str().unwrap() {
            "uint32" => (serde_json::json!(0), serde_json::json!(u32::MAX)),
            // Every u64 of the spec is an API `long`: the rules refuse more than i64::MAX.
            "uint64" => (serde_json::json!(0), serde_json::json!(i64::MAX)),
            "int64" => (serde_json::json!(i64::MIN), serde_json::json!(i64::MAX)),
            other => panic!("a format the test does not know: {other}"),
        };
        assert_eq!((&int["minimum"], &int["maximum"]), (&min, &max), "{int}");
    }
    // ... and the loader takes exactly those.
    let port = |p: &str| {
        format!(
            "{HEAD}virtual_nodes: {{ n: {{ listeners: [{{ port: {p}, protocol: http }}] }} }}\n"
        )
    };
    assert!(!codes(&report(&port("4294967295"))).contains(&"invalid-spec-shape"));
    assert!(!codes(&report(&port("80.0"))).contains(&"invalid-spec-shape"));
    for refused in ["4294967296", "-1", "\"80\"", "80.5", "true"] {
        assert!(
            codes(&report(&port(refused))).contains(&"invalid-spec-shape"),
            "port {refused}"
        );
    }
}

#[test]
fn strings_are_only_strings_as_the_schema_says() {
    let schema = meshsynth::spec::schema::json_schema();
    assert_eq!(schema["properties"]["name"]["type"], "string");
    for (value, found) in [
        ("false", "boolean `false`"),
        ("3.1", "number `3.1`"),
        ("2024", "integer `2024`"),
        ("~", "null"),
        ("", "null"),
    ] {
        let d = only(
            &format!("name: {value}\nmesh: {{ name: shop }}\n"),
            Code::InvalidSpecShape,
        );
        assert_eq!(
            d.message,
            format!("invalid type: {found}, expected a string"),
            "name: {value}"
        );
    }
    // Quoted, each of them is a string (and only the name's rules apply).
    let d = report("name: \"false\"\nmesh: { name: shop }\n");
    assert!(!codes(&d).contains(&"invalid-spec-shape"), "{}", render(&d));
}

#[test]
fn every_fixture_and_example_still_loads() {
    for dir in ["examples", "tests/fixtures/valid"] {
        // examples/ also holds the spec generator's source (`gen_spec.rs`).
        for e in std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "yaml"))
        {
            let text = std::fs::read_to_string(e.path()).unwrap();
            let d = meshsynth::spec::load::load(&text).diagnostics;
            assert!(d.is_empty(), "{}:\n{}", e.path().display(), render(&d));
        }
    }
}
