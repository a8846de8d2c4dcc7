//! docs/architecture.md promises that no module imports in a circle. This test reads every
//! crate's sources, takes each `crate::…` and `super::…` path outside comments and tests as an
//! edge from the module that writes it to the module it names (a module and its own ancestors or
//! descendants excepted: `mod.rs` and its children belong together), and fails on any cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Module = Vec<String>;

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Module path of a source file (`a/mod.rs` and `a.rs` are both `a`).
fn module_of(src: &Path, file: &Path) -> Module {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Module = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib" | "main")) {
        parts.pop();
    }
    parts
}

fn related(a: &Module, b: &Module) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

fn edges_of(src: &Path) -> BTreeMap<Module, BTreeSet<Module>> {
    let mut files = Vec::new();
    sources(src, &mut files);
    let texts: BTreeMap<Module, String> = files
        .iter()
        .map(|f| {
            let m = module_of(src, f);
            let text = std::fs::read_to_string(f).unwrap();
            let code = text.split("#[cfg(test)]").next().unwrap_or_default().to_string();
            let code: String =
                code.lines().map(|l| l.split("//").next().unwrap_or_default()).collect::<Vec<_>>().join("\n");
            (m, code)
        })
        .collect();
    let path = regex::Regex::new(r"\b(crate|super)((?:::[a-z_][a-z0-9_]*)+)").unwrap();
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (m, code) in &texts {
        let entry = edges.entry(m.clone()).or_default();
        for c in path.captures_iter(code) {
            // `super` of `a::c` is `a`, whether `c` is a file or a directory.
            let mut full: Module = if &c[1] == "crate" { Vec::new() } else { m[..m.len().saturating_sub(1)].to_vec() };
            full.extend(c[2].split("::").skip(1).map(str::to_string));
            let target = (0..=full.len()).rev().map(|k| full[..k].to_vec()).find(|t| texts.contains_key(t));
            if let Some(t) = target
                && !related(m, &t)
            {
                entry.insert(t);
            }
        }
    }
    edges
}

/// A cycle through `start`, if there is one.
fn cycle_from(edges: &BTreeMap<Module, BTreeSet<Module>>, start: &Module) -> Option<Vec<Module>> {
    let mut stack = vec![(start.clone(), vec![start.clone()])];
    let mut seen = BTreeSet::new();
    while let Some((m, trail)) = stack.pop() {
        for next in edges.get(&m).into_iter().flatten() {
            if next == start {
                return Some(trail.clone());
            }
            if seen.insert(next.clone()) {
                let mut t = trail.clone();
                t.push(next.clone());
                stack.push((next.clone(), t));
            }
        }
    }
    None
}

#[test]
fn no_module_imports_in_a_circle() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut found = Vec::new();
    let mut checked = 0;
    for entry in std::fs::read_dir(crates).unwrap() {
        let src = entry.unwrap().path().join("src");
        if !src.is_dir() {
            continue;
        }
        let edges = edges_of(&src);
        checked += edges.len();
        for m in edges.keys() {
            if let Some(cycle) = cycle_from(&edges, m) {
                let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
                found.push(format!("{}: {}", src.display(), names.join(" -> ")));
            }
        }
    }
    assert!(checked > 50, "read only {checked} modules: the test looked in the wrong place");
    assert!(found.is_empty(), "modules that import in a circle:\n{}", found.join("\n"));
}

#[test]
fn the_check_finds_a_circle_when_there_is_one() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("src");
    std::fs::create_dir_all(src.join("a")).unwrap();
    std::fs::write(src.join("lib.rs"), "pub mod a;\npub mod b;\n").unwrap();
    std::fs::write(src.join("a/mod.rs"), "pub mod c;\nuse c::Q; // use crate::b::X\n").unwrap();
    std::fs::write(src.join("a/c.rs"), "use super::Y;\nuse crate::b::W;\n").unwrap();
    std::fs::write(src.join("b.rs"), "fn f() { crate::a::c::z(); }\n").unwrap();
    let edges = edges_of(&src);
    let (a, b, c): (Module, Module, Module) = (vec!["a".into()], vec!["b".into()], vec!["a".into(), "c".into()]);
    assert!(edges[&a].is_empty(), "a comment is no import, nor a child: {:?}", edges[&a]);
    assert_eq!(edges[&c], BTreeSet::from([b.clone()]), "a child using its parent is no edge");
    assert_eq!(cycle_from(&edges, &b), Some(vec![b.clone(), c.clone()]));
}
