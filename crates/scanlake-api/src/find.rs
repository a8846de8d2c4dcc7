//! `find`: the rows of one scan date that a filter keeps, as paths (a line or a NUL each), as
//! report rows for every export, as one list per owner, or as counts per scan date. The filter
//! resolves like a report's (rules, names); the order is path order.

use crate::request::NameOptions;
use crate::settings::Settings;
use anyhow::Result;
use scanlake::aggregate::filter::Filter;
use scanlake::aggregate::pathkey;
use scanlake::aggregate::rows::Rows;
use scanlake::aggregate::table::{Cell, Column, ColumnType, Table};
use scanlake::dataset::view::DatasetView;
use scanlake::find::{self as found, Matches, OwnerList};
use scanlake::names::Names;
use scanlake::progress::Progress;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// What to list: the rows a filter keeps (of one scan date: `filter.acq`, else the latest).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FindRequest {
    pub filter: Filter,
    /// Columns of exported rows; empty: path, size, uid, gid, access, modify, create.
    pub columns: Vec<String>,
    pub names: NameOptions,
}

impl FindRequest {
    /// The columns exported rows have.
    pub fn columns(&self) -> Vec<String> {
        if self.columns.is_empty() {
            found::DEFAULT_COLUMNS.iter().map(|c| c.to_string()).collect()
        } else {
            self.columns.clone()
        }
    }
}

/// The filter of `find` (or another listing, named `what`) resolved, and the one scan date it lists.
pub(crate) fn resolve(
    view: &DatasetView,
    filter: &Filter,
    names: &NameOptions,
    settings: &Settings,
    what: &str,
) -> Result<(Filter, scanlake::dataset::ScanDate)> {
    let filter = settings.resolve_filter(filter, &names.source())?;
    let acq = found::scan_date(view, &filter.acq)?;
    for col in filter.required_columns() {
        if !view.columns_seen.contains(col) {
            anyhow::bail!("{}", scanlake::dataset::view::missing_column_message(what, col));
        }
    }
    Ok((filter, acq))
}

/// The matches of `request`, ready to stream, with `columns` read.
fn matches(view: Arc<DatasetView>, request: &FindRequest, settings: &Settings, columns: &[String]) -> Result<Matches> {
    let (filter, acq) = resolve(&view, &request.filter, &request.names, settings, "find")?;
    Matches::new(view, &filter, acq, columns)
}

/// The matches as rows for every export (`user`/`group` beside the ids with `names.show`).
pub fn rows(
    view: Arc<DatasetView>,
    request: &FindRequest,
    settings: &Settings,
    progress: Arc<dyn Progress + Send>,
) -> Result<Rows> {
    let rows = found::rows(matches(view, request, settings, &request.columns())?, progress);
    if request.names.show {
        crate::report::with_names(rows, &settings.name_source(&request.names.source()))
    } else {
        Ok(rows)
    }
}

/// Writes each matching path: escaped on a line of its own, or its raw bytes and a NUL
/// (`nul`, for `xargs -0`). Returns how many.
pub fn paths(
    view: Arc<DatasetView>,
    request: &FindRequest,
    settings: &Settings,
    nul: bool,
    out: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<u64> {
    let mut n = 0u64;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, out);
    found::each(matches(view, request, settings, &[])?, progress, |m| {
        if nul {
            out.write_all(m.path)?;
            out.write_all(b"\0")?;
        } else {
            pathkey::write_line(m.path, &mut out)?;
            out.write_all(b"\n")?;
        }
        n += 1;
        Ok(())
    })?;
    out.flush()?;
    Ok(n)
}

/// One list per owner in `dir` (named after the user, else the uid) and `dir/summary.csv`,
/// replacing `dir` as a whole.
pub fn per_user(
    view: Arc<DatasetView>,
    request: &FindRequest,
    settings: &Settings,
    dir: &Path,
    nul: bool,
    progress: &dyn Progress,
) -> Result<Vec<OwnerList>> {
    let columns: Vec<String> = found::LIST_COLUMNS.iter().map(|c| c.to_string()).collect();
    let matches = matches(view, request, settings, &columns)?;
    let mut names = Names::open(&settings.name_source(&request.names.source()))?;
    found::per_user(matches, dir, nul, |uid| names.user(uid), progress)
}

/// Matches and their bytes per scan date (`filter.acq`, else every scan date).
pub fn count(view: &DatasetView, request: &FindRequest, settings: &Settings, progress: &dyn Progress) -> Result<Table> {
    let filter = settings.resolve_filter(&request.filter, &request.names.source())?;
    let dates = if filter.acq.is_empty() { view.scan_dates() } else { filter.acq.clone() };
    for d in &dates {
        found::scan_date(view, std::slice::from_ref(d))?;
    }
    let counts = found::count(view, &filter, &dates, progress)?;
    let col = Column::new;
    Ok(Table {
        columns: vec![col("acq", ColumnType::Date), col("files", ColumnType::Int), col("bytes", ColumnType::Bytes)],
        rows: counts
            .into_iter()
            .map(|(d, n, bytes)| {
                vec![
                    Cell::Text(d.to_string()),
                    Cell::Int(n as i64),
                    Cell::Int(i64::try_from(bytes).unwrap_or(i64::MAX)),
                ]
            })
            .collect(),
    })
}

/// The owner lists as a table (what `--per-user` prints and Python returns).
pub fn lists_table(lists: &[OwnerList]) -> Table {
    let col = Column::new;
    let opt_text = |v: &Option<String>| v.clone().map_or(Cell::Null, Cell::Text);
    let opt_int = |v: Option<i64>| v.map_or(Cell::Null, Cell::Int);
    Table {
        columns: vec![
            col("owner", ColumnType::Text),
            col("uid", ColumnType::Int),
            col("file", ColumnType::Text),
            col("files", ColumnType::Int),
            col("bytes", ColumnType::Bytes),
            col("oldest_access", ColumnType::Timestamp),
            col("newest_access", ColumnType::Timestamp),
        ],
        rows: lists
            .iter()
            .map(|l| {
                vec![
                    opt_text(&l.owner),
                    opt_int(l.uid.map(i64::from)),
                    Cell::Text(l.file.clone()),
                    Cell::Int(l.files as i64),
                    Cell::Int(i64::try_from(l.bytes).unwrap_or(i64::MAX)),
                    opt_int(l.oldest_access),
                    opt_int(l.newest_access),
                ]
            })
            .collect(),
    }
}
