//! User and group names for numeric ids: from the system's name service (NSS through libc, so
//! LDAP and SSSD sites work) or from files in `passwd`/`group` format, for nodes that do not know
//! the users. Each distinct id is looked up once per [`Names`].

use crate::options::OptionError;
use anyhow::{Context, Result};
use rustc_hash::FxHashMap;
use std::path::{Path, PathBuf};

/// Where names come from: a file for each of users and groups, else the system.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NameSource {
    /// A file in `/etc/passwd` format (`name:x:uid:…`).
    pub passwd: Option<PathBuf>,
    /// A file in `/etc/group` format (`name:x:gid:…`).
    pub group: Option<PathBuf>,
}

impl NameSource {
    pub fn describe(&self) -> String {
        let one = |file: &Option<PathBuf>| {
            file.as_ref().map_or("the system's name service".to_string(), |p| p.display().to_string())
        };
        format!("users from {}, groups from {}", one(&self.passwd), one(&self.group))
    }
}

/// One table of names: read from a file, or asked of the system as needed.
enum Table {
    File { by_id: FxHashMap<u32, String>, by_name: FxHashMap<String, u32> },
    System { cache: FxHashMap<u32, Option<String>> },
}

pub struct Names {
    users: Table,
    groups: Table,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    User,
    Group,
}

impl Names {
    /// Reads the files of `source` now (a missing or malformed file is an error naming it).
    pub fn open(source: &NameSource) -> Result<Names> {
        let table = |file: &Option<PathBuf>, option: &'static str| match file {
            Some(p) => read_file(p, option),
            None => Ok(Table::System { cache: FxHashMap::default() }),
        };
        Ok(Names { users: table(&source.passwd, "passwd")?, groups: table(&source.group, "group")? })
    }

    /// The name of a user id, `None` when the source does not know it.
    pub fn user(&mut self, uid: u32) -> Option<String> {
        lookup(&mut self.users, uid, Kind::User)
    }

    pub fn group(&mut self, gid: u32) -> Option<String> {
        lookup(&mut self.groups, gid, Kind::Group)
    }

    /// The id of a user name; an unknown name is an error with a hint.
    pub fn uid_of(&self, name: &str) -> Result<u32> {
        id_of(&self.users, name, Kind::User)
    }

    pub fn gid_of(&self, name: &str) -> Result<u32> {
        id_of(&self.groups, name, Kind::Group)
    }
}

fn lookup(table: &mut Table, id: u32, kind: Kind) -> Option<String> {
    match table {
        Table::File { by_id, .. } => by_id.get(&id).cloned(),
        Table::System { cache } => cache
            .entry(id)
            .or_insert_with(|| {
                let name = match kind {
                    Kind::User => uzers::get_user_by_uid(id).map(|u| u.name().to_owned()),
                    Kind::Group => uzers::get_group_by_gid(id).map(|g| g.name().to_owned()),
                };
                name.map(|n| n.to_string_lossy().into_owned())
            })
            .clone(),
    }
}

fn id_of(table: &Table, name: &str, kind: Kind) -> Result<u32> {
    let (option, file_option) = match kind {
        Kind::User => ("user", "passwd"),
        Kind::Group => ("group", "group_file"),
    };
    let what = option;
    let found = match table {
        Table::File { by_name, .. } => by_name.get(name).copied(),
        Table::System { .. } => match kind {
            Kind::User => uzers::get_user_by_name(name).map(|u| u.uid()),
            Kind::Group => uzers::get_group_by_name(name).map(|g| g.gid()),
        },
    };
    let source = match table {
        Table::File { .. } => "the given file",
        Table::System { .. } => "this machine's name service",
    };
    found.ok_or_else(|| {
        OptionError::new(
            option,
            format!(
                "unknown {what} '{name}' (not in {source})\nhint: give the numeric id instead, or a `{file_option}` file from a node that knows the {what}s"
            ),
        )
        .into()
    })
}

/// `name:password:id:…` lines; comments (`#`) and blank lines skipped. The first entry of an id
/// or a name wins, as with NSS.
fn read_file(path: &Path, option: &'static str) -> Result<Table> {
    let text = std::fs::read(path).with_context(|| format!("cannot read the {option} file {}", path.display()))?;
    let mut by_id = FxHashMap::default();
    let mut by_name = FxHashMap::default();
    for (n, line) in text.split(|&b| b == b'\n').enumerate() {
        let line = String::from_utf8_lossy(line);
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut fields = line.split(':');
        let (Some(name), Some(_), Some(id)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(OptionError::new(
                option,
                format!("{}:{}: not a line of a {option} file (name:password:id:…): {line:?}", path.display(), n + 1),
            )
            .into());
        };
        let id: u32 = id.parse().map_err(|_| {
            OptionError::new(option, format!("{}:{}: id '{id}' is not a number", path.display(), n + 1))
        })?;
        by_id.entry(id).or_insert_with(|| name.to_string());
        by_name.entry(name.to_string()).or_insert(id);
    }
    Ok(Table::File { by_id, by_name })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_name_ids_and_ids_names() {
        let dir = tempfile::tempdir().unwrap();
        let passwd = dir.path().join("passwd");
        std::fs::write(
            &passwd,
            "# site users\nann:x:1001:1001::/home/ann:/bin/bash\n\nbob:*:1002:100:Bob:/:/bin/sh\nann2:x:1001:1\n",
        )
        .unwrap();
        let mut names = Names::open(&NameSource { passwd: Some(passwd.clone()), group: None }).unwrap();
        assert_eq!(names.user(1001).as_deref(), Some("ann"), "the first entry of an id wins");
        assert_eq!(names.user(4242), None);
        assert_eq!(names.uid_of("bob").unwrap(), 1002);
        let e = names.uid_of("carol").unwrap_err();
        assert_eq!(e.downcast_ref::<OptionError>().unwrap().option, "user");
        assert!(e.to_string().contains("unknown user 'carol'") && e.to_string().contains("hint:"), "{e}");
        assert_eq!(names.group(0).as_deref(), Some("root"), "groups come from the system without a file");
        std::fs::write(&passwd, "ann:x:notanumber\n").unwrap();
        let e = Names::open(&NameSource { passwd: Some(passwd), group: None }).err().unwrap();
        assert!(e.to_string().contains(":1: id 'notanumber'"), "{e}");
    }
}
