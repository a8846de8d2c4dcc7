//! The shipped policy templates and the parser's default layout agree: same keys, same attributes,
//! same order, escaped as the parser expects. And `docs/schema.md` shows the registry as it is.

use scanlake::format::FIELDS;
use std::path::PathBuf;

fn repo_file(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..").join(rel)
}

/// (key, attribute) pairs of a SHOW clause written as `'|key=' || varchar(ATTRIBUTE)`.
fn show_pairs(policy: &str) -> Vec<(String, String)> {
    let mut code = String::new();
    let mut rest = policy;
    while let Some(open) = rest.find("/*") {
        code.push_str(&rest[..open]);
        rest = rest[open..].split_once("*/").map_or("", |(_, after)| after);
    }
    code.push_str(rest);
    let mut out = Vec::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("'|") {
        rest = &rest[i + 2..];
        let Some(eq) = rest.find("='") else { break };
        let key = rest[..eq].to_string();
        let after = &rest[eq + 2..];
        let Some(open) = after.find("varchar(") else { break };
        let close = after[open..].find(')').expect("closing parenthesis") + open;
        out.push((key, after[open + 8..close].trim().to_string()));
        rest = &after[close..];
    }
    out
}

#[test]
fn templates_match_the_field_registry() {
    let want: Vec<(String, String)> = FIELDS.iter().map(|f| (f.key.to_string(), f.attribute.to_string())).collect();
    for name in ["list-files.pol", "list-objects.pol"] {
        let text = std::fs::read_to_string(repo_file(&format!("policy/policies/{name}"))).unwrap();
        assert_eq!(show_pairs(&text), want, "{name}");
        assert!(text.contains("ESCAPE '%/'"), "{name} must percent-escape SHOW and path");
        assert!(text.contains("EXEC ''"), "{name} must be a deferred LIST");
    }
    let objects = std::fs::read_to_string(repo_file("policy/policies/list-objects.pol")).unwrap();
    assert!(objects.contains("DIRECTORIES_PLUS"));
}

#[test]
fn docs_show_the_registry() {
    let docs = std::fs::read_to_string(repo_file("docs/schema.md")).unwrap();
    assert!(
        docs.contains(&scanlake::format::fields::markdown_table()),
        "docs/schema.md is out of date: paste in the output of `scanlake fields`"
    );
}
