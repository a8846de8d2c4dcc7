//! `top files`: the `n` largest files, or the oldest by access or modify time, per scan date
//! (and per owner). Engines hand over candidates ([`FilesPartial`]); partials of any parts merge
//! by keeping each group's best `n`; [`rows`] orders them. Files without the ranked value are not
//! ranked. Ties go to the smaller path (raw bytes), so every engine picks the same files.

use super::cells::{Cell, Column, ColumnType};
use super::pathkey;
use super::rows::Rows;
use super::spec::{FilesMetric, TopFilesReport};
use crate::format::time;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One ranked file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRow {
    /// Days since the epoch.
    pub acq: i64,
    pub uid: Option<u32>,
    pub gid: Option<u32>,
    pub path: Vec<u8>,
    pub size: Option<i64>,
    /// Microseconds since the epoch.
    pub access: Option<i64>,
    pub modify: Option<i64>,
}

impl FileRow {
    /// The ranked value, smaller first (sizes negated), or none when the file lacks it.
    pub fn rank(&self, metric: FilesMetric) -> Option<i64> {
        match metric {
            FilesMetric::Size => self.size.map(i64::saturating_neg),
            FilesMetric::Access => self.access,
            FilesMetric::Modify => self.modify,
        }
    }
}

/// Candidates: at most `n` per group once [`FilesPartial::prune`]d.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct FilesPartial {
    pub rows: Vec<FileRow>,
}

/// A group: scan date, and owner when ranked per owner.
type Group = (i64, Option<Option<u32>>);

fn group(r: &FileRow, report: &TopFilesReport) -> Group {
    (r.acq, report.per_user.then_some(r.uid))
}

impl FilesPartial {
    pub fn merge(&mut self, other: FilesPartial) {
        self.rows.extend(other.rows);
    }

    /// Keeps each group's best `n` (rank, then path), in that order, groups ascending.
    pub fn prune(&mut self, report: &TopFilesReport) {
        let mut groups: BTreeMap<Group, Vec<FileRow>> = BTreeMap::new();
        for r in std::mem::take(&mut self.rows) {
            if r.rank(report.metric).is_some() {
                groups.entry(group(&r, report)).or_default().push(r);
            }
        }
        for (_, mut rows) in groups {
            rows.sort_by(|a, b| a.rank(report.metric).cmp(&b.rank(report.metric)).then_with(|| a.path.cmp(&b.path)));
            rows.truncate(report.n);
            self.rows.extend(rows);
        }
    }
}

/// A bounded set of a group's best rows while an engine reads: cheap to offer a row that loses.
pub struct Best {
    n: usize,
    /// Sorted best first; at most `n`.
    rows: Vec<(i64, FileRow)>,
}

impl Best {
    pub fn new(n: usize) -> Best {
        Best { n, rows: Vec::new() }
    }

    /// Whether a row ranked `rank` with `path` would be kept.
    pub fn wants(&self, rank: i64, path: &[u8]) -> bool {
        self.rows.len() < self.n || self.rows.last().is_some_and(|(r, last)| (rank, path) < (*r, last.path.as_slice()))
    }

    pub fn offer(&mut self, rank: i64, row: FileRow) {
        let at = self.rows.partition_point(|(r, x)| (*r, x.path.as_slice()) <= (rank, row.path.as_slice()));
        self.rows.insert(at, (rank, row));
        self.rows.truncate(self.n);
    }

    /// The ranks of the rows held, best first.
    pub fn ranks(&self) -> impl Iterator<Item = i64> + '_ {
        self.rows.iter().map(|(r, _)| *r)
    }

    pub fn into_rows(self) -> impl Iterator<Item = FileRow> {
        self.rows.into_iter().map(|(_, r)| r)
    }
}

pub fn columns() -> Vec<Column> {
    vec![
        Column::new("acq", ColumnType::Date),
        Column::new("uid", ColumnType::Int),
        Column::new("gid", ColumnType::Int),
        Column::new("path", ColumnType::Text),
        Column::new("size", ColumnType::Bytes),
        Column::new("access", ColumnType::Timestamp),
        Column::new("modify", ColumnType::Timestamp),
    ]
}

/// The report's rows: per scan date (and owner), best first.
pub fn rows(report: &TopFilesReport, mut partial: FilesPartial) -> Rows {
    partial.prune(report);
    let rows = partial.rows.into_iter().map(|r| {
        let (y, m, d) = time::civil_from_days(r.acq);
        Ok(vec![
            Cell::Text(format!("{y:04}-{m:02}-{d:02}")),
            r.uid.map_or(Cell::Null, |v| Cell::Int(v.into())),
            r.gid.map_or(Cell::Null, |v| Cell::Int(v.into())),
            Cell::Text(pathkey::display(&r.path)),
            r.size.map_or(Cell::Null, Cell::Int),
            r.access.map_or(Cell::Null, Cell::Int),
            r.modify.map_or(Cell::Null, Cell::Int),
        ])
    });
    Rows::new(columns(), rows.collect::<Vec<_>>().into_iter())
}
