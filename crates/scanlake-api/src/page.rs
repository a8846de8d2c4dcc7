//! `scanlake report`: one self-contained HTML file after each scan — headline figures, usage by
//! user, group and fileset stacked by age, ages and sizes, the largest directories, churn since
//! the compared scan, history over every scan, quota, extensions and purge candidates — and, with
//! `per_user`, a small page per owner. Each section's data is a standard report (so its numbers
//! are the CLI's exports); the charts are `plot`'s (scanlake-charts).

use crate::plot::{PlotOptions, chart_of};
use crate::request::{LimitOptions, NameOptions, ReportRequest, ReportType};
use crate::settings::Settings;
use anyhow::{Result, bail};
use scanlake::aggregate::cells::{Cell, Table};
use scanlake::aggregate::filter::Filter;
use scanlake::aggregate::spec::{ChurnBy, Dimension, TimeField};
use scanlake::dataset::ScanDate;
use scanlake::dataset::view::DatasetView;
use scanlake::progress::Progress;
use scanlake_charts::data::{DataTable, cell_text};
use scanlake_charts::define::{self, BarStyle, Columns};
use scanlake_charts::page::{Figure, NamedTable, Page, Section};
use scanlake_charts::{Chart, Kind, Unit};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What the report covers and holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageRequest {
    /// The scan reported (default: the latest).
    pub acq: Option<ScanDate>,
    /// The scan compared with (default: the one before `acq`, if any).
    pub compare: Option<ScanDate>,
    /// Scopes every section (prefix, owners, filesets, …). Its `rule`s are not applied to the
    /// whole report: each names a purge rule, shown as its candidates per user.
    pub filter: Filter,
    pub names: NameOptions,
    /// Groups per chart and table; the rest is one `(other)` row.
    pub top: usize,
    /// An `mmrepquota -Y` / `mmlsquota -Y` file: adds a quota section.
    pub quota: Option<PathBuf>,
    /// Also write one small page per owner, and an index, into this directory.
    pub per_user: Option<PathBuf>,
    /// Also write every section's full table as CSV beside the report (`NAME.data/`).
    pub with_data: bool,
    pub engine: Option<crate::request::EngineChoice>,
    pub limits: LimitOptions,
}

impl Default for PageRequest {
    fn default() -> Self {
        PageRequest {
            acq: None,
            compare: None,
            filter: Filter::default(),
            names: NameOptions::default(),
            top: 20,
            quota: None,
            per_user: None,
            with_data: false,
            engine: None,
            limits: LimitOptions::default(),
        }
    }
}

/// What was written.
#[derive(Debug, Clone, Serialize)]
pub struct PageSummary {
    pub path: PathBuf,
    pub bytes: u64,
    pub acq: ScanDate,
    pub compare: Option<ScanDate>,
    pub sections: Vec<String>,
    pub charts: usize,
    /// Reports run to gather the data.
    pub reports: usize,
    pub user_pages: usize,
}

/// The reports of the page, planned one by one and then run together (sharing passes over the
/// rows where the engine can); their full tables are kept for `--with-data`.
struct Gather<'a> {
    view: &'a DatasetView,
    request: &'a PageRequest,
    settings: &'a Settings,
    scope: Filter,
    plans: Vec<(String, crate::report::ReportPlan)>,
    tables: Vec<(String, Table)>,
}

impl Gather<'_> {
    fn add(&mut self, name: &str, report: ReportType, acq: &[ScanDate], extra: Option<&Filter>) -> Result<()> {
        let mut filter = self.scope.clone();
        filter.acq = acq.to_vec();
        if let Some(extra) = extra {
            filter.all.push(extra.clone());
        }
        let request = ReportRequest { report, filter, engine: self.request.engine, names: self.request.names.clone() };
        let plan = crate::report::plan(self.view, &request, &self.request.limits, self.settings)?;
        self.plans.push((name.to_string(), plan));
        Ok(())
    }

    fn run(&mut self, progress: &dyn Progress) -> Result<()> {
        let plans: Vec<_> = std::mem::take(&mut self.plans);
        let (names, plans): (Vec<String>, Vec<_>) = plans.into_iter().unzip();
        let tables = crate::report::run_together(self.view, &plans, progress)?;
        self.tables.extend(names.into_iter().zip(tables));
        Ok(())
    }

    fn table(&self, name: &str) -> &Table {
        &self.tables.iter().find(|(n, _)| n == name).expect("every report of the page was run").1
    }
}

fn total(table: &Table, column: &str, acq: Option<ScanDate>) -> i128 {
    let (Some(ci), ai) = (table.column_index(column), table.column_index("acq")) else { return 0 };
    let date = acq.map(|d| d.to_string());
    table
        .rows
        .iter()
        .filter(|r| match (&date, ai) {
            (Some(d), Some(ai)) => cell_text(&r[ai]) == *d,
            _ => true,
        })
        .map(|r| if let Cell::Int(v) = r[ci] { v as i128 } else { 0 })
        .sum()
}

fn groups(table: &Table, acq: ScanDate) -> i128 {
    let Some(ai) = table.column_index("acq") else { return table.rows.len() as i128 };
    table.rows.iter().filter(|r| cell_text(&r[ai]) == acq.to_string()).count() as i128
}

fn figure(label: &str, unit: Unit, now: i128, before: Option<i128>) -> Figure {
    Figure { label: label.to_string(), value: now.to_string(), unit, change: before.map(|b| (now - b).to_string()) }
}

fn named(id: &str, title: &str, table: &Table) -> NamedTable {
    NamedTable { id: id.to_string(), title: title.to_string(), table: DataTable::from_table(table), link: None }
}

/// The dates the report covers: `acq` (else the latest) and `compare` (else the scan before).
pub fn dates(view: &DatasetView, request: &PageRequest) -> Result<(ScanDate, Option<ScanDate>)> {
    let all = view.scan_dates();
    let Some(&latest) = all.last() else {
        bail!("the dataset holds no scans yet\nhint: convert a LIST file into it first")
    };
    let acq = request.acq.unwrap_or(latest);
    if !all.contains(&acq) {
        bail!(
            "the dataset has no scan of {acq}\nhint: it has {}",
            all.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let compare = match request.compare {
        Some(c) if !all.contains(&c) => bail!("the dataset has no scan of {c} to compare with"),
        Some(c) => Some(c),
        None => all.iter().rev().find(|d| **d < acq).copied(),
    };
    Ok((acq, compare))
}

/// The report page, and every report's full table by name (for `with_data`).
pub struct Built {
    pub page: Page,
    pub tables: Vec<(String, Table)>,
}

/// The report page's sections, gathered.
pub fn build(view: &DatasetView, request: &PageRequest, settings: &Settings, progress: &dyn Progress) -> Result<Built> {
    let (acq, compare) = dates(view, request)?;
    let mut scope = request.filter.clone();
    let rules = std::mem::take(&mut scope.rule);
    scope.acq.clear();
    let mut g = Gather { view, request, settings, scope, plans: Vec::new(), tables: Vec::new() };
    let top = request.top.max(1);
    let plot = PlotOptions { top, ..Default::default() };
    let history = |by| ReportType::History { by: Some(by), since: None, from_rows: false };
    let age_size = ReportType::Age {
        by: vec![Dimension::Uid, Dimension::Gid, Dimension::Fileset],
        time: TimeField::Access,
        edges: None,
        size_edges: Some(scanlake::aggregate::spec::Buckets::default_size().edges().to_vec()),
    };
    let depth =
        request.filter.prefix.first().map(|p| depth_of(p)).unwrap_or(view.manifest.tld_depth.saturating_sub(1)) + 3;

    // Every report first, then all of them at once: the engine reads the rows of the scan once
    // for churn, usage, ages, sizes, directories and extensions (history and growth come from the
    // usage summaries where they can).
    g.add("history_fileset", history(Dimension::Fileset), &[], None)?;
    g.add("history_uid", history(Dimension::Uid), &[], None)?;
    // Usage by user, group and fileset, stacked by access age, and access age × size: one
    // report, summed four ways.
    g.add("age_access_by_uid_gid_fileset_size", age_size, &[acq], None)?;
    let modify = ReportType::Age { by: vec![], time: TimeField::Modify, edges: None, size_edges: None };
    g.add("age_modify", modify, &[acq], None)?;
    g.add("du", ReportType::Du { max_depth: Some(depth) }, &[acq], None)?;
    if let Some(c) = compare {
        g.add("churn_uid", ReportType::Churn { from: Some(c), to: Some(acq), by: ChurnBy::Uid }, &[], None)?;
        let growth =
            ReportType::Growth { by: Some(Dimension::Uid), from: Some(c), to: Some(acq), n: top, from_rows: false };
        g.add("growth_uid", growth, &[], None)?;
    }
    g.add("extensions", ReportType::Extensions { by: vec![], n: Some(top) }, &[acq], None)?;
    for rule in &rules {
        let extra = Filter { rule: vec![rule.clone()], ..Default::default() };
        let extra = settings.resolve_filter(&extra, &request.names.source())?;
        g.add(&format!("purge_{rule}"), ReportType::Usage { by: vec![Dimension::Uid] }, &[acq], Some(&extra))?;
    }
    g.run(progress)?;

    let by_fileset = g.table("history_fileset");
    let by_user = g.table("history_uid");
    let mut overview = Section { id: "overview".into(), title: "Overview".into(), ..Default::default() };
    let before = |col: &str| compare.map(|c| total(by_fileset, col, Some(c)));
    for (label, col, unit) in [
        ("Objects", "objects", Unit::Count),
        ("Files", "files", Unit::Count),
        ("Directories", "dirs", Unit::Count),
        ("Bytes", "bytes", Unit::Bytes),
        ("Allocated", "allocated", Unit::Bytes),
    ] {
        overview.figures.push(figure(label, unit, total(by_fileset, col, Some(acq)), before(col)));
    }
    overview.figures.push(figure("Users", Unit::Count, groups(by_user, acq), compare.map(|c| groups(by_user, c))));
    overview.figures.push(figure(
        "Filesets",
        Unit::Count,
        groups(by_fileset, acq),
        compare.map(|c| groups(by_fileset, c)),
    ));
    overview.notes.push(match compare {
        Some(c) => format!("Scan of {acq}; changes are since the scan of {c}."),
        None => format!("Scan of {acq}; the dataset has no earlier scan to compare with."),
    });

    let by_owner = g.table("age_access_by_uid_gid_fileset_size");
    let user_col = if by_owner.column_index("user").is_some() { "user" } else { "uid" };
    let group_col = if by_owner.column_index("group").is_some() { "group" } else { "gid" };
    let counters = ["objects", "files", "bytes", "allocated"];
    let mut usage =
        Section { id: "usage".into(), title: "Usage by user, group and fileset".into(), ..Default::default() };
    usage.notes.push(
        "Bars are stacked by the age of the last access; the table under each chart has its exact figures.".into(),
    );
    let age_report =
        ReportType::Age { by: vec![Dimension::Uid], time: TimeField::Access, edges: None, size_edges: None };
    for (key, what) in [(user_col, "user"), (group_col, "group"), ("fileset", "fileset")] {
        let table = define::sum_by(by_owner, &[key, "age"], &counters)?;
        let mut chart = chart_of(&age_report, &with_acq(&table, acq), &format!("usage-{what}"), &plot)?;
        chart.title = format!("Bytes by {what}, stacked by access age");
        chart.option["title"]["text"] = serde_json::json!(chart.title);
        usage.charts.push(chart);
        let per_group = define::sum_by(by_owner, &[key], &counters)?;
        usage.tables.push(named(
            &format!("usage-{what}-totals"),
            &format!("Totals by {what}"),
            &sorted_desc(&per_group, "bytes"),
        ));
    }

    // Ages and sizes.
    let mut ages = Section { id: "age".into(), title: "Age and size".into(), ..Default::default() };
    let access = define::sum_by(by_owner, &["age"], &counters)?;
    let modify = g.table("age_modify");
    let age_sizes = define::sum_by(by_owner, &["age", "size_class"], &counters)?;
    let mut access_modify = with_column(&access, "time", "access");
    access_modify.rows.extend(with_column(&define::sum_by(modify, &["age"], &counters)?, "time", "modify").rows);
    let style = BarStyle { series_order: vec![], ..Default::default() };
    let mut chart = define::bars(
        "age-bars",
        "Bytes by age of last access and last modification",
        &access_modify,
        &Columns { category: "age", series: Some("time"), value: "bytes" },
        &style,
    )?;
    chart.height = 380;
    ages.charts.push(chart);
    let heat_report = ReportType::Age {
        by: vec![],
        time: TimeField::Access,
        edges: None,
        size_edges: Some(scanlake::aggregate::spec::Buckets::default_size().edges().to_vec()),
    };
    let mut heat = chart_of(&heat_report, &age_sizes, "age-size", &plot)?;
    heat.title = "Bytes by access age and file size".into();
    ages.charts.push(heat);
    let sizes = define::sum_by(&age_sizes, &["size_class"], &counters)?;
    ages.charts.push(define::bars(
        "size-histogram",
        "Files by size",
        &sizes,
        &Columns { category: "size_class", series: None, value: "files" },
        &BarStyle::default(),
    )?);

    // The largest directories.
    let pruned = define::prune_tree(g.table("du"), "dir", "bytes", top)?;
    let mut dirs = Section { id: "directories".into(), title: "Largest directories".into(), ..Default::default() };
    dirs.notes.push(format!("Directories down to depth {depth}, the {top} largest under each; click to drill down, double-click to go back to the top."));
    dirs.charts.push(define::tree("dirs-treemap", "Largest directories", &pruned, "dir", "bytes", Kind::Treemap)?);

    // Churn since the compared scan.
    let mut sections = vec![overview, usage, ages, dirs];
    if let Some(c) = compare {
        let churn = g.table("churn_uid");
        let mut s = Section { id: "churn".into(), title: format!("What changed since {c}"), ..Default::default() };
        s.charts.push(chart_of(
            &ReportType::Churn { from: None, to: None, by: ChurnBy::Uid },
            churn,
            "churn-user",
            &plot,
        )?);
        s.tables.push(named("churn-table", "Churn by owner (objects and bytes)", churn));
        sections.push(s);
    }

    // History over every scan, and the fastest growers.
    let mut hist = Section { id: "history".into(), title: "History over every scan".into(), ..Default::default() };
    hist.charts.push(chart_of(
        &history(Dimension::Fileset),
        by_fileset,
        "history-fileset",
        &PlotOptions { top: top.min(7), ..plot.clone() },
    )?);
    hist.charts.push(chart_of(
        &history(Dimension::Uid),
        by_user,
        "history-user",
        &PlotOptions { top: top.min(7), ..plot.clone() },
    )?);
    if compare.is_some() {
        let growth = g.table("growth_uid");
        hist.charts.push(chart_of(
            &ReportType::Growth { by: None, from: None, to: None, n: top, from_rows: false },
            growth,
            "growth-user",
            &plot,
        )?);
        hist.tables.push(named("growth-table", "Fastest growers", growth));
    }
    sections.push(hist);

    // Quota, extensions, purge candidates.
    if let Some(path) = &request.quota {
        let text =
            std::fs::read(path).map_err(|e| anyhow::anyhow!("reading the quota file {}: {e}", path.display()))?;
        let q = crate::quota::QuotaRequest {
            acq: Some(acq),
            names: request.names.clone(),
            engine: request.engine,
            ..Default::default()
        };
        let report = crate::quota::quota(view, &text, &q, &request.limits, settings, progress)?;
        let table = report.rows.into_table()?;
        g.tables.push(("quota".into(), table.clone()));
        let mut s = Section { id: "quota".into(), title: "Quota use".into(), ..Default::default() };
        if !report.bad.is_empty() {
            s.notes.push(format!(
                "{} lines of the quota file could not be read (see `scanlake quota`).",
                report.bad.len()
            ));
        }
        s.tables.push(named("quota-table", "Quota entries beside the scan's usage", &table));
        sections.push(s);
    }
    let ext = g.table("extensions");
    let mut s = Section { id: "extensions".into(), title: "Extensions".into(), ..Default::default() };
    s.charts.push(chart_of(&ReportType::Extensions { by: vec![], n: None }, ext, "extensions-chart", &plot)?);
    sections.push(s);
    for rule in &rules {
        let table = g.table(&format!("purge_{rule}"));
        let mut s = Section {
            id: format!("purge-{}", html_id(rule)),
            title: format!("Purge candidates: rule {rule}"),
            ..Default::default()
        };
        s.notes.push(format!(
            "Files the rule `{rule}` selects, per owner (`scanlake find --rule {rule} --per-user DIR` lists them)."
        ));
        let cols = Columns {
            category: if table.column_index("user").is_some() { "user" } else { "uid" },
            series: None,
            value: "bytes",
        };
        let folded = define::fold_other(table, cols.category, "bytes", top)?;
        s.charts.push(define::bars(
            &format!("purge-{}-chart", html_id(rule)),
            &format!("Bytes the rule {rule} would purge, by owner"),
            &folded,
            &cols,
            &BarStyle { horizontal: true, ..Default::default() },
        )?);
        s.tables.push(named(&format!("purge-{}-table", html_id(rule)), "Candidates per owner", table));
        sections.push(s);
    }

    if let Some(s) = recent_runs(&view.root) {
        sections.push(s);
    }

    let mut provenance = vec![("Dataset".to_string(), view.root.display().to_string())];
    for (name, input) in view.manifest.inputs.iter().filter(|(_, i)| i.acq == acq.to_string()) {
        provenance.push((
            "Input".to_string(),
            format!(
                "{name}: {} lines, {} rows, {} rejects, {} skipped",
                input.lines, input.rows, input.rejects, input.skipped
            ),
        ));
    }
    provenance.push(("Scan date".into(), acq.to_string()));
    if let Some(c) = compare {
        provenance.push(("Compared with".into(), c.to_string()));
    }
    if scope_is_narrowed(&g.scope) {
        provenance.push(("Scope".into(), format!("{:?}", g.scope).chars().take(300).collect()));
    }
    provenance.push(("Made by".into(), format!("scanlake {}", env!("CARGO_PKG_VERSION"))));
    let root = request
        .filter
        .prefix
        .first()
        .map(|p| String::from_utf8_lossy(p).into_owned())
        .unwrap_or_else(|| view.root.display().to_string());
    let page = Page {
        title: format!("Storage report: {root}"),
        subtitle: format!("Scan of {acq}"),
        provenance,
        sections,
        links: Vec::new(),
    };
    Ok(Built { page, tables: g.tables })
}

/// The newest runs of the dataset, as their stores say (Slurm is not asked); none without runs.
fn recent_runs(dataset: &Path) -> Option<Section> {
    const SHOWN: usize = 10;
    let mut runs = crate::ledger::list(dataset, None, false).ok()?;
    if runs.is_empty() {
        return None;
    }
    let all = runs.len();
    runs = runs.split_off(all.saturating_sub(SHOWN));
    runs.reverse();
    let mut s = Section { id: "runs".into(), title: "Recent runs".into(), ..Default::default() };
    s.notes.push(format!(
        "The newest {} of the dataset's {all} run(s), newest first: `scanlake runs DATASET` lists them all, \
         `scanlake stats RUN` and `scanlake report RUN -o run.html` tell more about one.",
        runs.len()
    ));
    s.tables.push(named("runs-table", "Runs", &crate::ledger::list_table(&runs)));
    Some(s)
}

fn scope_is_narrowed(f: &Filter) -> bool {
    *f != Filter::default()
}

fn depth_of(path: &[u8]) -> usize {
    path.split(|&b| b == b'/').filter(|c| !c.is_empty()).count()
}

/// A string as an HTML id's tail: letters, digits and `-`.
pub fn html_id(text: &str) -> String {
    text.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect()
}

fn with_column(table: &Table, name: &str, value: &str) -> Table {
    let mut t = table.clone();
    t.columns.push(scanlake::aggregate::cells::Column::new(name, scanlake::aggregate::cells::ColumnType::Text));
    for r in &mut t.rows {
        r.push(Cell::Text(value.to_string()));
    }
    t
}

fn with_acq(table: &Table, acq: ScanDate) -> Table {
    let mut t = table.clone();
    t.columns.insert(0, scanlake::aggregate::cells::Column::new("acq", scanlake::aggregate::cells::ColumnType::Date));
    for r in &mut t.rows {
        r.insert(0, Cell::Text(acq.to_string()));
    }
    t
}

fn sorted_desc(table: &Table, column: &str) -> Table {
    let mut t = table.clone();
    if let Some(i) = t.column_index(column) {
        t.rows.sort_by(|a, b| match (&b[i], &a[i]) {
            (Cell::Int(x), Cell::Int(y)) => x.cmp(y),
            _ => std::cmp::Ordering::Equal,
        });
    }
    t
}

/// Writes the report to `path` (whole or not at all) and its tables beside it with `with_data`;
/// per-user pages are `users_page`'s (both: `report_files::write`).
pub fn write(
    view: &DatasetView,
    request: &PageRequest,
    settings: &Settings,
    path: &Path,
    progress: &dyn Progress,
) -> Result<PageSummary> {
    let Built { page, tables } = build(view, request, settings, progress)?;
    let (acq, compare) = dates(view, request)?;
    let html = scanlake_charts::page::render(&page);
    scanlake::aggregate::export::write_with(path, |f| Ok(std::io::Write::write_all(f, html.as_bytes())?))?;
    if request.with_data {
        let dir = data_dir(path);
        std::fs::create_dir_all(&dir)?;
        for (name, table) in &tables {
            crate::export(table, scanlake::aggregate::export::Format::Csv, &dir.join(format!("{name}.csv")))?;
        }
    }
    Ok(PageSummary {
        path: path.to_path_buf(),
        bytes: html.len() as u64,
        acq,
        compare,
        sections: page.sections.iter().map(|s| s.id.clone()).collect(),
        charts: page.sections.iter().map(|s| s.charts.len()).sum(),
        reports: tables.len(),
        user_pages: 0,
    })
}

/// Where `with_data` writes the tables: `report.data/` beside `report.html`.
pub fn data_dir(path: &Path) -> PathBuf {
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    path.with_file_name(format!("{stem}.data"))
}

/// The chart a report page draws for `what` (used by per-user pages).
pub fn owner_chart(
    id: &str,
    title: &str,
    table: &Table,
    category: &str,
    series: Option<&str>,
    ordered: bool,
) -> Result<Chart> {
    let style = BarStyle { horizontal: true, stacked: series.is_some(), ordered_series: ordered, ..Default::default() };
    define::bars(id, title, table, &Columns { category, series, value: "bytes" }, &style)
}
