//! Usage against quota: each entry of a quota report beside what the scan found for the same
//! owner in the same fileset, and how fast that grows.
//!
//! The scan's side is usage by uid and fileset, and by gid and fileset, at the chosen scan and the
//! one before it (see [`ScanUsage`]); callers compute those (from the usage summaries, or rows).

pub mod parse;

pub use parse::{BadLine, Limits, QuotaEntry, QuotaFile, QuotaType, parse};

use crate::aggregate::cells::{Cell, Column, ColumnType};
use crate::aggregate::counters::{Counters, Key, Sum};
use crate::aggregate::partial::GroupedPartial;
use crate::aggregate::rows::Rows;
use crate::dataset::ScanDate;
use std::collections::HashMap;

/// Allocated bytes and objects of one scan, per owner (and fileset).
#[derive(Debug, Default)]
struct Scan {
    /// (owner kind, id, fileset) → counters; an owner's total over every fileset under fileset `None`.
    owners: HashMap<(QuotaType, u32, Option<String>), Counters>,
    /// fileset → counters.
    filesets: HashMap<String, Counters>,
}

impl Scan {
    fn add(&mut self, kind: QuotaType, id: Option<u32>, fileset: Option<&str>, c: &Counters) {
        if let Some(id) = id {
            self.owners.entry((kind, id, None)).or_default().add(c);
            if let Some(f) = fileset {
                self.owners.entry((kind, id, Some(f.to_string()))).or_default().add(c);
            }
        }
        // Every object has one owner: summing the uid side gives each fileset once.
        if kind == QuotaType::User
            && let Some(f) = fileset
        {
            self.filesets.entry(f.to_string()).or_default().add(c);
        }
    }

    fn of(&self, e: &QuotaEntry) -> Counters {
        let found = match e.kind {
            QuotaType::Fileset => e.fileset.as_ref().and_then(|f| self.filesets.get(f)),
            kind => self.owners.get(&(kind, e.id, e.fileset.clone())),
        };
        found.copied().unwrap_or_default()
    }
}

/// The scan's usage at a date and (when there is one) the scan before it.
#[derive(Debug)]
pub struct ScanUsage {
    pub acq: ScanDate,
    pub previous: Option<ScanDate>,
    now: Scan,
    before: Scan,
}

impl ScanUsage {
    /// From usage by `[uid, fileset]` and by `[gid, fileset]` over `acq` and `previous` (keys
    /// `[scan date, id, fileset]`).
    pub fn new(
        acq: ScanDate,
        previous: Option<ScanDate>,
        by_uid: &GroupedPartial,
        by_gid: &GroupedPartial,
    ) -> ScanUsage {
        let mut usage = ScanUsage { acq, previous, now: Scan::default(), before: Scan::default() };
        for (kind, partial) in [(QuotaType::User, by_uid), (QuotaType::Group, by_gid)] {
            for (key, c) in &partial.groups {
                let [Key::Int(days), id, fileset] = &key[..] else { continue };
                let id = match id {
                    Key::Int(v) => u32::try_from(*v).ok(),
                    _ => None,
                };
                let fileset = match fileset {
                    Key::Text(f) => Some(f.as_str()),
                    _ => None,
                };
                let scan = if *days == acq.days_since_epoch() {
                    &mut usage.now
                } else if previous.is_some_and(|p| p.days_since_epoch() == *days) {
                    &mut usage.before
                } else {
                    continue;
                };
                scan.add(kind, id, fileset, c);
            }
        }
        usage
    }
}

/// The report's columns.
pub fn columns() -> Vec<Column> {
    use ColumnType::*;
    [
        ("type", Text),
        ("filesystem", Text),
        ("fileset", Text),
        ("id", Int),
        ("name", Text),
        ("bytes_used", Bytes),
        ("bytes_quota", Bytes),
        ("bytes_limit", Bytes),
        ("bytes_pct", Float),
        ("bytes_grace", Text),
        ("files_used", Int),
        ("files_quota", Int),
        ("files_limit", Int),
        ("files_pct", Float),
        ("files_grace", Text),
        ("acq", Date),
        ("scan_allocated", Bytes),
        ("scan_objects", Int),
        ("allocated_difference", Bytes),
        ("objects_difference", Int),
        ("growth_per_week", Bytes),
        ("days_to_limit", Float),
    ]
    .iter()
    .map(|(n, t)| Column::new(n, *t))
    .collect()
}

/// Usage as a percentage of the soft quota, else of the hard limit; none without either.
pub fn percent(l: &Limits) -> Option<f64> {
    l.quota.or(l.limit).map(|q| l.usage as f64 / q as f64 * 100.0)
}

fn float(v: Option<f64>) -> Cell {
    v.filter(|v| v.is_finite()).map_or(Cell::Null, |v| Cell::Text(format!("{}", (v * 100.0).round() / 100.0)))
}

fn int(v: Option<i64>) -> Cell {
    v.map_or(Cell::Null, Cell::Int)
}

fn clamp(v: Sum) -> i64 {
    i64::try_from(v).unwrap_or(if v < 0 { i64::MIN } else { i64::MAX })
}

/// One row per entry at or over `over` percent (of bytes or files), the fullest first (then in
/// the quota file's order). `name` gives a name where the quota file has none.
pub fn rows(
    entries: &[QuotaEntry],
    usage: &ScanUsage,
    over: Option<f64>,
    name: &dyn Fn(&QuotaEntry) -> Option<String>,
) -> Rows {
    let fullest = |e: &QuotaEntry| {
        let p = [percent(&e.blocks), percent(&e.files)];
        p.into_iter().flatten().fold(None, |m: Option<f64>, v| Some(m.map_or(v, |m| m.max(v))))
    };
    let mut kept: Vec<(&QuotaEntry, Option<f64>)> = entries
        .iter()
        .map(|e| (e, fullest(e)))
        .filter(|(_, full)| over.is_none_or(|o| full.is_some_and(|f| f >= o)))
        .collect();
    kept.sort_by(|a, b| b.1.unwrap_or(-1.0).total_cmp(&a.1.unwrap_or(-1.0)).then(a.0.line.cmp(&b.0.line)));
    let days = usage.previous.map(|p| usage.acq.days_since_epoch() - p.days_since_epoch());
    let rows: Vec<anyhow::Result<Vec<Cell>>> = kept
        .into_iter()
        .map(|(e, _)| {
            let now = usage.now.of(e);
            let allocated = clamp(now.allocated);
            let growth_per_day = days.map(|d| (now.allocated - usage.before.of(e).allocated) as f64 / d as f64);
            let limit = e.blocks.limit.or(e.blocks.quota);
            let days_to_limit = match (growth_per_day, limit) {
                // Already at the limit: no growth needed, with or without an earlier scan.
                (_, Some(l)) if e.blocks.usage >= l => Some(0.0),
                (Some(g), Some(l)) if g > 0.0 => Some((l - e.blocks.usage) as f64 / g),
                _ => None,
            };
            Ok(vec![
                Cell::Text(e.kind.name().into()),
                Cell::Text(e.filesystem.clone()),
                e.fileset.clone().map_or(Cell::Null, Cell::Text),
                Cell::Int(e.id.into()),
                e.name.clone().or_else(|| name(e)).map_or(Cell::Null, Cell::Text),
                Cell::Int(e.blocks.usage),
                int(e.blocks.quota),
                int(e.blocks.limit),
                float(percent(&e.blocks)),
                e.blocks.grace.clone().map_or(Cell::Null, Cell::Text),
                Cell::Int(e.files.usage),
                int(e.files.quota),
                int(e.files.limit),
                float(percent(&e.files)),
                e.files.grace.clone().map_or(Cell::Null, Cell::Text),
                Cell::Text(usage.acq.to_string()),
                Cell::Int(allocated),
                Cell::Int(clamp(now.objects)),
                Cell::Int(e.blocks.usage.saturating_sub(allocated)),
                Cell::Int(e.files.usage.saturating_sub(clamp(now.objects))),
                growth_per_day.map_or(Cell::Null, |g| Cell::Int((g * 7.0).round() as i64)),
                float(days_to_limit),
            ])
        })
        .collect();
    Rows::new(columns(), rows.into_iter())
}
