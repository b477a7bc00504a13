//! The source tree keeps the shape the project chose: no file over 1,000 lines, and no import
//! cycle between modules (sibling modules of one parent never depend on each other both ways).
//!
//! Dependencies are read off the source text: every `crate::a::b` path and every `super::` path
//! (including `use` groups) outside `#[cfg(test)]`, attributed to the deepest module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const MAX_LINES: usize = 1000;

type Module = Vec<String>;

fn sources(dir: &Path, root: &Path, out: &mut BTreeMap<Module, String>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            sources(&p, root, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            let rel = p.strip_prefix(root).unwrap().with_extension("");
            let mut module: Module = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                module.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                module.pop();
            }
            out.insert(module, std::fs::read_to_string(&p).unwrap());
        }
    }
}

fn ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `a::b::{c, d::e}` after a `crate::` or `super::` prefix → the paths it names.
fn paths_after(text: &str) -> Vec<Vec<String>> {
    let mut head = Vec::new();
    let mut rest = text;
    loop {
        let end = rest.find(|c: char| !ident_char(c)).unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        head.push(rest[..end].to_owned());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(r) => rest = r,
            None => return vec![head],
        }
    }
    let Some(group) = rest.strip_prefix('{') else {
        return vec![head];
    };
    let close = group.find('}').unwrap_or(group.len());
    group[..close]
        .split(',')
        .filter_map(|item| {
            let item = item.trim().split(" as ").next()?.trim();
            let mut p = head.clone();
            p.extend(
                item.split("::")
                    .filter(|s| !s.is_empty() && s.chars().all(ident_char))
                    .map(str::to_owned),
            );
            (!item.is_empty()).then_some(p)
        })
        .collect()
}

fn dependencies(module: &Module, text: &str) -> Vec<Vec<String>> {
    let text = text.split("#[cfg(test)]").next().unwrap_or(text);
    let code: String = text
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    for (i, _) in code.match_indices("crate::") {
        if i > 0 && ident_char(bytes[i - 1] as char) {
            continue;
        }
        out.extend(paths_after(&code[i + "crate::".len()..]));
    }
    let mut i = 0;
    while let Some(found) = code[i..].find("super::") {
        let start = i + found;
        if start > 0 && (ident_char(bytes[start - 1] as char) || bytes[start - 1] == b':') {
            i = start + 1;
            continue;
        }
        let mut ups = 0;
        let mut rest = &code[start..];
        while let Some(r) = rest.strip_prefix("super::") {
            ups += 1;
            rest = r;
        }
        let base: Module = module[..module.len().saturating_sub(ups)].to_vec();
        for p in paths_after(rest) {
            let mut full = base.clone();
            full.extend(p);
            out.push(full);
        }
        i = start + "super::".len() * ups;
    }
    out
}

#[test]
fn no_file_is_over_1000_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter(|(_, t)| t.lines().count() > MAX_LINES)
        .map(|(m, t)| format!("{} ({} lines)", m.join("/"), t.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by concern: {long:?}");
}

#[test]
fn modules_have_no_import_cycle() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = BTreeMap::new();
    sources(&root, &root, &mut files);
    let modules: BTreeSet<Module> = files.keys().cloned().collect();
    assert!(modules.len() > 20, "the walk found the modules");
    let owner = |path: &[String]| -> Module {
        (0..=path.len())
            .rev()
            .map(|n| path[..n].to_vec())
            .find(|m| modules.contains(m))
            .unwrap_or_default()
    };
    // Edges between the children of one parent, lifted from any file below them.
    let mut edges: BTreeSet<(Module, Module)> = BTreeSet::new();
    for (module, text) in &files {
        for dep in dependencies(module, text) {
            let target = owner(&dep);
            let common = module
                .iter()
                .zip(&target)
                .take_while(|(a, b)| a == b)
                .count();
            if common < module.len() && common < target.len() {
                edges.insert((module[..=common].to_vec(), target[..=common].to_vec()));
            }
        }
    }
    let mut graph: BTreeMap<&Module, Vec<&Module>> = BTreeMap::new();
    for (a, b) in &edges {
        graph.entry(a).or_default().push(b);
    }
    // A cycle is a pair of siblings each reachable from the other.
    let reach = |from: &Module| -> BTreeSet<Module> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from];
        while let Some(m) = todo.pop() {
            for n in graph.get(m).into_iter().flatten() {
                if seen.insert((*n).clone()) {
                    todo.push(n);
                }
            }
        }
        seen
    };
    let cycles: Vec<String> = graph
        .keys()
        .filter(|m| reach(m).contains(**m))
        .map(|m| m.join("::"))
        .collect();
    assert!(
        cycles.is_empty(),
        "modules in an import cycle with a sibling: {cycles:?}"
    );
    // The check sees real edges, e.g. lowering depends on checking.
    assert!(edges.contains(&(vec!["lower".into()], vec!["check".into()])));
}

#[test]
fn the_cycle_check_finds_a_cycle() {
    let a: Module = vec!["a".into()];
    let deps = dependencies(&a, "use crate::b::{X, y::Z};\nfn f() { super::c::g(); }\n");
    assert!(deps.contains(&vec!["b".into(), "X".into()]));
    assert!(deps.contains(&vec!["b".into(), "y".into(), "Z".into()]));
    assert!(deps.contains(&vec!["c".into(), "g".into()]));
}
