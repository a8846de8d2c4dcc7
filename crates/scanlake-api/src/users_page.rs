//! `report --per-user DIR`: one small page per owner — their usage by fileset stacked by access
//! age, their largest directories, and for each purge rule their candidates beside the list that
//! `find --per-user` writes — and an index page. The pages share one script file, so each stays
//! small; the directory is replaced as a whole, as `find --per-user`'s is.

use crate::page::{PageRequest, html_id, owner_chart};
use crate::request::{ReportRequest, ReportType};
use crate::settings::Settings;
use anyhow::Result;
use scanlake::aggregate::cells::{Cell, Table};
use scanlake::aggregate::filter::Filter;
use scanlake::aggregate::spec::{Dimension, TimeField};
use scanlake::dataset::ScanDate;
use scanlake::dataset::view::DatasetView;
use scanlake::find::lists::{OwnerList, file_safe, publish, stage};
use scanlake::progress::Progress;
use scanlake_charts::data::{DataTable, cell_text};
use scanlake_charts::define;
use scanlake_charts::page::{Figure, NamedTable, Page, Scripts, Section, bundle, render_with};
use scanlake_charts::{Unit, define::sum_by};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

/// The script file every page of the directory loads.
pub const SCRIPT: &str = "scanlake-report.js";

fn rows_of(table: &Table, column: &str, key: &str) -> Table {
    let i = table.column_index(column).expect("the column is there");
    Table {
        columns: table.columns.clone(),
        rows: table.rows.iter().filter(|r| cell_text(&r[i]) == key).cloned().collect(),
    }
}

fn int(table: &Table, row: &[Cell], column: &str) -> i128 {
    match table.column_index(column).map(|i| &row[i]) {
        Some(Cell::Int(v)) => *v as i128,
        _ => 0,
    }
}

/// Writes the pages; returns how many owners got one.
pub fn write(
    view: &DatasetView,
    request: &PageRequest,
    settings: &Settings,
    dir: &Path,
    acq: ScanDate,
    progress: &dyn Progress,
) -> Result<usize> {
    let mut scope = request.filter.clone();
    let rules = std::mem::take(&mut scope.rule);
    scope.acq = vec![acq];
    let run = |report: ReportType, extra: Option<Filter>| -> Result<Table> {
        let mut filter = scope.clone();
        filter.all.extend(extra);
        let r = ReportRequest { report, filter, engine: request.engine, names: request.names.clone() };
        crate::report(view, &r, &request.limits, settings, progress)
    };
    let ages = run(
        ReportType::Age {
            by: vec![Dimension::Uid, Dimension::Fileset],
            time: TimeField::Access,
            edges: None,
            size_edges: None,
        },
        None,
    )?;
    let depth = view.manifest.tld_depth + 2;
    let dirs = run(ReportType::Usage { by: vec![Dimension::Uid, Dimension::Dir(depth)] }, None)?;
    let stage = stage(dir)?;
    // Purge candidates: `find --per-user`'s own lists, one directory per rule.
    let mut purge: Vec<(String, BTreeMap<String, OwnerList>)> = Vec::new();
    for rule in &rules {
        let mut filter = scope.clone();
        filter.rule = vec![rule.clone()];
        let find = crate::find::FindRequest { filter, columns: vec![], names: request.names.clone() };
        let sub = stage.path().join(format!("purge-{}", html_id(rule)));
        let lists = crate::find::per_user(Arc::new(view.clone()), &find, settings, &sub, false, progress)?;
        purge.push((rule.clone(), lists.into_iter().filter_map(|l| l.uid.map(|u| (u.to_string(), l))).collect()));
    }
    let owner_col = if ages.column_index("user").is_some() { "user" } else { "uid" };
    let totals = sum_by(&ages, &["uid", owner_col], &["objects", "files", "bytes", "allocated"])?;
    let mut index_rows = Vec::new();
    for row in &totals.rows {
        let uid = cell_text(&row[0]);
        let owner = cell_text(&row[1]);
        let file = format!("{}.html", file_safe(&owner));
        let mine = rows_of(&ages, "uid", &uid);
        let mut usage = Section { id: "usage".into(), title: "Your usage".into(), ..Default::default() };
        for (label, col, unit) in [
            ("Objects", "objects", Unit::Count),
            ("Bytes", "bytes", Unit::Bytes),
            ("Allocated", "allocated", Unit::Bytes),
        ] {
            usage.figures.push(Figure {
                label: label.into(),
                value: int(&totals, row, col).to_string(),
                unit,
                change: None,
            });
        }
        let by_fileset = sum_by(&mine, &["fileset", "age"], &["objects", "files", "bytes"])?;
        usage.charts.push(owner_chart(
            "fileset-age",
            "Bytes by fileset, stacked by access age",
            &by_fileset,
            "fileset",
            Some("age"),
            true,
        )?);
        let my_dirs = rows_of(&dirs, "uid", &uid);
        let dir_col = format!("dir{depth}");
        let top_dirs = define::fold_other(
            &sum_by(&my_dirs, &[&dir_col], &["objects", "files", "bytes"])?,
            &dir_col,
            "bytes",
            request.top,
        )?;
        let mut places =
            Section { id: "directories".into(), title: "Your largest directories".into(), ..Default::default() };
        places.charts.push(owner_chart(
            "dirs",
            &format!("Bytes by directory at depth {depth}"),
            &top_dirs,
            &dir_col,
            None,
            false,
        )?);
        let mut sections = vec![usage, places];
        for (rule, lists) in &purge {
            let mut s = Section {
                id: format!("purge-{}", html_id(rule)),
                title: format!("Files the rule {rule} would purge"),
                ..Default::default()
            };
            match lists.get(&uid) {
                Some(list) => {
                    s.figures.push(Figure {
                        label: "Files".into(),
                        value: list.files.to_string(),
                        unit: Unit::Count,
                        change: None,
                    });
                    s.figures.push(Figure {
                        label: "Bytes".into(),
                        value: list.bytes.to_string(),
                        unit: Unit::Bytes,
                        change: None,
                    });
                    s.tables.push(NamedTable {
                        id: format!("purge-{}-list", html_id(rule)),
                        title: "The list".into(),
                        table: DataTable::default(),
                        link: Some((
                            format!("purge-{}/{}", html_id(rule), list.file),
                            format!("The {} files, one path per line", list.files),
                        )),
                    });
                }
                None => s.notes.push("None of your files.".into()),
            }
            sections.push(s);
        }
        let page = Page {
            title: format!("Storage used by {owner}"),
            subtitle: format!("uid {uid}, scan of {acq}"),
            provenance: vec![("Made by".into(), format!("scanlake {}", env!("CARGO_PKG_VERSION")))],
            sections,
            links: vec![("index.html".into(), "All owners".into())],
        };
        std::fs::write(stage.path().join(&file), render_with(&page, Scripts::Beside(SCRIPT)))?;
        index_rows.push(vec![
            Cell::Text(owner.clone()),
            row[0].clone(),
            row[2].clone(),
            row[4].clone(),
            Cell::Text(file),
        ]);
    }
    let index_table = Table {
        columns: vec![
            scanlake::aggregate::cells::Column::new("owner", scanlake::aggregate::cells::ColumnType::Text),
            totals.columns[0].clone(),
            totals.columns[2].clone(),
            totals.columns[4].clone(),
            scanlake::aggregate::cells::Column::new("page", scanlake::aggregate::cells::ColumnType::Text),
        ],
        rows: index_rows,
    };
    let index = Page {
        title: "Storage by owner".into(),
        subtitle: format!("Scan of {acq}: one page per owner"),
        provenance: vec![("Made by".into(), format!("scanlake {}", env!("CARGO_PKG_VERSION")))],
        sections: vec![Section {
            id: "owners".into(),
            title: "Owners".into(),
            tables: vec![NamedTable {
                id: "owners-table".into(),
                title: "Owners, their usage and page".into(),
                table: DataTable::from_table(&index_table),
                link: None,
            }],
            ..Default::default()
        }],
        links: Vec::new(),
    };
    std::fs::write(stage.path().join("index.html"), render_with(&index, Scripts::Beside(SCRIPT)))?;
    std::fs::write(stage.path().join(SCRIPT), bundle())?;
    let n = index_table.rows.len();
    publish(stage, dir)?;
    Ok(n)
}
