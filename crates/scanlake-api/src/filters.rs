//! Named rules and names in filters: what the configuration file's `[rules.NAME]` tables say,
//! and how a caller's filter becomes the one engines run — rules expanded into conjuncts, user
//! and group names resolved into ids — before a report, `find` or a batch run uses it.
//!
//! ```toml
//! [rules.scratch90]            # UAB's scratch purge rule
//! prefix = "/gpfs/scratch"
//! older = ["access=90d", "create=90d"]
//! kind = "file"
//! ```

use anyhow::Result;
use scanlake::aggregate::filter::{AgeCondition, ByteSize, Filter};
use scanlake::names::{NameSource, Names};
use scanlake::options::OptionError;
use serde::Deserialize;
use std::collections::BTreeMap;

/// One value or a list of them, as TOML users write either.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    One(T),
    Many(Vec<T>),
}

impl<T: Clone> OneOrMany<T> {
    fn list(this: &Option<OneOrMany<T>>) -> Vec<T> {
        match this {
            None => Vec::new(),
            Some(OneOrMany::One(v)) => vec![v.clone()],
            Some(OneOrMany::Many(v)) => v.clone(),
        }
    }
}

/// A `[rules.NAME]` table: the predicates of [`Filter`] as TOML spells them (paths and patterns
/// as text). A rule names no scan date: it applies to whichever scan a command reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RuleConfig {
    pub description: Option<String>,
    pub prefix: Option<OneOrMany<String>>,
    pub uid: Option<OneOrMany<u32>>,
    pub gid: Option<OneOrMany<u32>>,
    pub user: Option<OneOrMany<String>>,
    pub group: Option<OneOrMany<String>>,
    pub fileset: Option<OneOrMany<String>>,
    pub pool: Option<OneOrMany<String>>,
    pub tld: Option<OneOrMany<String>>,
    pub kind: Option<OneOrMany<String>>,
    pub older: Option<OneOrMany<AgeCondition>>,
    pub newer: Option<OneOrMany<AgeCondition>>,
    pub size_min: Option<ByteSize>,
    pub size_max: Option<ByteSize>,
    pub name: Option<OneOrMany<String>>,
    pub path_regex: Option<OneOrMany<String>>,
    pub misc_has: Option<String>,
    pub misc_lacks: Option<String>,
}

impl RuleConfig {
    /// The rule as a filter (names still to resolve).
    pub fn filter(&self) -> Filter {
        let bytes = |v: &Option<OneOrMany<String>>| OneOrMany::list(v).into_iter().map(String::into_bytes).collect();
        Filter {
            prefix: bytes(&self.prefix),
            uid: OneOrMany::list(&self.uid),
            gid: OneOrMany::list(&self.gid),
            user: OneOrMany::list(&self.user),
            group: OneOrMany::list(&self.group),
            fileset: OneOrMany::list(&self.fileset),
            pool: OneOrMany::list(&self.pool),
            tld: OneOrMany::list(&self.tld),
            kind: OneOrMany::list(&self.kind),
            older: OneOrMany::list(&self.older),
            newer: OneOrMany::list(&self.newer),
            size_min: self.size_min,
            size_max: self.size_max,
            name: bytes(&self.name),
            path_regex: bytes(&self.path_regex),
            misc_has: self.misc_has.clone().unwrap_or_default(),
            misc_lacks: self.misc_lacks.clone().unwrap_or_default(),
            ..Filter::default()
        }
    }
}

/// `filter` as engines run it: each named rule becomes a conjunct (`all`), and user and group
/// names become ids (added to `uid`/`gid`: any of them), in the filter and in every rule.
/// Resolving a filter twice changes nothing.
pub fn resolve(filter: &Filter, rules: &BTreeMap<String, RuleConfig>, source: &NameSource) -> Result<Filter> {
    let mut out = filter.clone();
    for name in std::mem::take(&mut out.rule) {
        let Some(rule) = rules.get(&name) else {
            let known: Vec<&str> = rules.keys().map(String::as_str).collect();
            let hint = if known.is_empty() {
                "define it as a [rules.NAME] table in the configuration file (see docs/find.md)".to_string()
            } else {
                format!("the configuration file defines {}", known.join(", "))
            };
            return Err(OptionError::new("rule", format!("unknown rule '{name}'\nhint: {hint}")).into());
        };
        out.all.push(rule.filter());
    }
    let needs_names = out.clauses().any(|c| !c.user.is_empty() || !c.group.is_empty());
    if needs_names {
        let names = Names::open(source)?;
        let ids = |c: &mut Filter| -> Result<()> {
            for u in std::mem::take(&mut c.user) {
                let id = names.uid_of(&u)?;
                if !c.uid.contains(&id) {
                    c.uid.push(id);
                }
            }
            for g in std::mem::take(&mut c.group) {
                let id = names.gid_of(&g)?;
                if !c.gid.contains(&id) {
                    c.gid.push(id);
                }
            }
            Ok(())
        };
        ids(&mut out)?;
        for c in &mut out.all {
            ids(c)?;
        }
    }
    out.check()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_from_toml_becomes_a_conjunct_with_its_names_resolved() {
        let rules: BTreeMap<String, RuleConfig> = toml::from_str(
            "[scratch90]\nprefix = '/gpfs/scratch'\nolder = ['access=90d', 'create=90d']\nkind = 'file'\nuser = 'root'\n",
        )
        .unwrap();
        let asked = Filter { rule: vec!["scratch90".into()], uid: vec![5], ..Filter::default() };
        let f = resolve(&asked, &rules, &NameSource::default()).unwrap();
        assert_eq!(f.uid, vec![5], "the caller's own uids stay");
        assert_eq!(f.all.len(), 1);
        let r = &f.all[0];
        assert_eq!(r.prefix, vec![b"/gpfs/scratch".to_vec()]);
        assert_eq!(r.older.len(), 2);
        assert_eq!(r.uid, vec![0], "root resolves through the system");
        assert!(f.is_resolved());
        assert_eq!(resolve(&f, &rules, &NameSource::default()).unwrap(), f, "resolving twice changes nothing");
        let e = resolve(&Filter { rule: vec!["nope".into()], ..Filter::default() }, &rules, &NameSource::default())
            .unwrap_err();
        assert!(e.to_string().contains("unknown rule 'nope'") && e.to_string().contains("scratch90"), "{e}");
        assert!(toml::from_str::<BTreeMap<String, RuleConfig>>("[x]\nacq = '2026-01-01'\n").is_err(), "no dates");
    }
}
