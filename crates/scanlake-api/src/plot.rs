//! `plot`: any one report as a chart — the definition every output shares (HTML, Jupyter, SVG,
//! PNG). Which chart suits which report is decided here, once, for every interface.

use crate::request::{LimitOptions, ReportRequest, ReportType, TopWhat};
use crate::settings::Settings;
use anyhow::{Result, bail};
use scanlake::aggregate::cells::{Cell, Column, ColumnType, Table};
use scanlake::aggregate::spec::Buckets;
use scanlake::dataset::view::DatasetView;
use scanlake::progress::Progress;
use scanlake_charts::Kind;
use scanlake_charts::define::{self, BarStyle, Columns};
use scanlake_charts::render;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub use scanlake_charts::page::chart_page;
pub use scanlake_charts::render::{DEFAULT_WIDTH, image};
pub use scanlake_charts::{Chart, render::ImageFormat};

/// How a directory report is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TreeStyle {
    #[default]
    Treemap,
    Sunburst,
}

impl std::str::FromStr for TreeStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "treemap" => Ok(TreeStyle::Treemap),
            "sunburst" => Ok(TreeStyle::Sunburst),
            _ => Err(format!("no tree style '{s}' (expected treemap or sunburst)")),
        }
    }
}

/// What a chart looks like beyond its report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PlotOptions {
    /// Groups drawn; the rest is one `(other)` group.
    pub top: usize,
    pub tree: TreeStyle,
    /// A title instead of the report's.
    pub title: Option<String>,
}

impl Default for PlotOptions {
    fn default() -> Self {
        PlotOptions { top: 20, tree: TreeStyle::Treemap, title: None }
    }
}

/// The report's table drawn as the chart that suits it.
pub fn chart(
    view: &DatasetView,
    request: &ReportRequest,
    limits: &LimitOptions,
    settings: &Settings,
    options: &PlotOptions,
    progress: &dyn Progress,
) -> Result<Chart> {
    let request = one_scan(view, request);
    let table = crate::report(view, &request, limits, settings, progress)?;
    chart_of(&request.report, &table, "chart", options)
}

/// Writes the chart as an SVG or PNG (by `path`'s extension), whole or not at all.
pub fn write_image(chart: &Chart, path: &Path, width: u32, height: u32) -> Result<()> {
    let format = ImageFormat::from_path(path)?;
    let bytes = render::image(chart, format, width, height)?;
    scanlake::aggregate::export::write_with(path, |f| Ok(std::io::Write::write_all(f, &bytes)?))
}

/// Reports of one scan are drawn for one scan date: the filter's, else the latest.
pub fn one_scan(view: &DatasetView, request: &ReportRequest) -> ReportRequest {
    let mut request = request.clone();
    let over_scans =
        matches!(request.report, ReportType::History { .. } | ReportType::Growth { .. } | ReportType::Churn { .. });
    if !over_scans && request.filter.acq.is_empty() {
        request.filter.acq.extend(view.scan_dates().last().copied());
    }
    request
}

/// The label columns of a grouped table: those between `acq` and the first counter; with
/// names shown, `user` and `group` stand for `uid` and `gid`.
fn labels(table: &Table) -> Vec<String> {
    let named = |n: &str| table.column_index(n).is_some();
    table
        .columns
        .iter()
        .skip_while(|c| c.name == "acq")
        .take_while(|c| !matches!(c.name.as_str(), "objects" | "files" | "dirs" | "bytes"))
        .filter(|c| !(c.name == "uid" && named("user") || c.name == "gid" && named("group")))
        .map(|c| c.name.clone())
        .collect()
}

fn bucket_labels(
    buckets: Option<&Vec<i64>>,
    default: Buckets,
    unit: scanlake::aggregate::spec::BucketUnit,
) -> Vec<String> {
    let b = match buckets {
        Some(e) => Buckets::new(e.clone(), unit).unwrap_or(default),
        None => default,
    };
    (0..b.len() as u32).map(|i| b.label(i)).collect()
}

/// Wide columns (`created_bytes`, `deleted_bytes`, …) as rows of (key, series, value).
fn melt(table: &Table, key: &str, values: &[(&str, &str)], value_name: &str) -> Result<Table> {
    let ki = scanlake_charts::data::column(table, key)?;
    let idx: Vec<(usize, &str)> = values
        .iter()
        .map(|(c, label)| scanlake_charts::data::column(table, c).map(|i| (i, *label)))
        .collect::<Result<_>>()?;
    let mut rows = Vec::new();
    for row in &table.rows {
        for (i, label) in &idx {
            rows.push(vec![row[ki].clone(), Cell::Text(label.to_string()), row[*i].clone()]);
        }
    }
    Ok(Table {
        columns: vec![
            table.columns[ki].clone(),
            Column::new("change", ColumnType::Text),
            Column::new(value_name, ColumnType::Bytes),
        ],
        rows,
    })
}

/// The chart for a report's table (shared with the HTML report, which runs the reports itself).
pub fn chart_of(report: &ReportType, table: &Table, id: &str, options: &PlotOptions) -> Result<Chart> {
    use scanlake::aggregate::spec::BucketUnit::{Bytes, Days};
    let top = options.top.max(1);
    let name = |default: String| options.title.clone().unwrap_or(default);
    let horizontal = BarStyle { horizontal: true, ..Default::default() };
    let labels = labels(table);
    let first = labels.first().cloned();
    let chart = match report {
        ReportType::Usage { .. } | ReportType::Extensions { .. } => {
            let Some(category) = first else { bail!("the report has no groups to draw") };
            let title = name(format!("Bytes by {}", labels.join(" and ")));
            let folded = define::fold_other(table, &category, "bytes", top)?;
            let series = labels.get(1).map(String::as_str);
            let style = BarStyle { stacked: series.is_some(), ..horizontal };
            define::bars(id, &title, &folded, &Columns { category: &category, series, value: "bytes" }, &style)?
        }
        ReportType::Age { time, edges, size_edges, .. } => {
            let ages = bucket_labels(edges.as_ref(), Buckets::default_age(), Days);
            let time = format!("{time:?}").to_lowercase();
            if let Some(size_edges) = size_edges {
                let sizes = bucket_labels(Some(size_edges), Buckets::default_size(), Bytes);
                let title = name(format!("Bytes by {time} age and size"));
                define::heatmap(id, &title, table, ("size_class", &sizes), ("age", &ages), "bytes")?
            } else {
                age_bars(id, &name, table, &labels, "age", ages, top, &format!("{time} age"))?
            }
        }
        ReportType::Size { edges, age, age_edges, .. } => {
            let sizes = bucket_labels(edges.as_ref(), Buckets::default_size(), Bytes);
            if let Some(time) = age {
                let ages = bucket_labels(age_edges.as_ref(), Buckets::default_age(), Days);
                let title = name(format!("Files by size and {} age", format!("{time:?}").to_lowercase()));
                define::heatmap(id, &title, table, ("size_class", &sizes), ("age", &ages), "files")?
            } else if labels.len() > 1 {
                age_bars(id, &name, table, &labels, "size_class", sizes, top, "size")?
            } else {
                // Rows come in bucket order, and so do the bars.
                let title = name("Files by size".to_string());
                let cols = Columns { category: "size_class", series: None, value: "files" };
                define::bars(id, &title, table, &cols, &BarStyle::default())?
            }
        }
        ReportType::Top { what: TopWhat::Dirs, .. } | ReportType::Du { .. } => {
            let kind = match options.tree {
                TreeStyle::Treemap => Kind::Treemap,
                TreeStyle::Sunburst => Kind::Sunburst,
            };
            let title = name("Largest directories".to_string());
            define::tree(id, &title, table, "dir", metric_column(report), kind)?
        }
        ReportType::Top { what, metric, .. } => {
            let Some(category) = first else { bail!("the report has no groups to draw") };
            let title =
                name(format!("{} by {}", if *what == TopWhat::Users { "Users" } else { "Groups" }, metric.column()));
            define::bars(
                id,
                &title,
                table,
                &Columns { category: &category, series: None, value: metric.column() },
                &horizontal,
            )?
        }
        ReportType::Files { .. } => {
            let title = name("Largest files".to_string());
            define::bars(id, &title, table, &Columns { category: "path", series: None, value: "size" }, &horizontal)?
        }
        ReportType::Duplicates { .. } => {
            let title = name("Candidate duplicates: bytes saved by keeping one copy".to_string());
            define::bars(
                id,
                &title,
                table,
                &Columns { category: "name", series: None, value: "bytes_saved" },
                &horizontal,
            )?
        }
        ReportType::Churn { .. } => {
            let key = shown_key(table);
            let changes = [("created_bytes", "created"), ("deleted_bytes", "deleted"), ("modified_bytes", "modified")];
            let long = melt(table, &key, &changes, "bytes")?;
            let folded = define::fold_other(&long, &key, "bytes", top)?;
            let title = name(format!("Churn by {key}: bytes created, deleted and modified"));
            let style = BarStyle { stacked: false, ..horizontal };
            define::bars(
                id,
                &title,
                &folded,
                &Columns { category: &key, series: Some("change"), value: "bytes" },
                &style,
            )?
        }
        ReportType::History { .. } => {
            let Some(group) = first else { bail!("the report has no groups to draw") };
            // Eight colours tell lines apart: seven groups and the rest.
            let folded = define::fold_other(table, &group, "bytes", top.min(7))?;
            let title = name(format!("Bytes by {group} over every scan"));
            define::lines(id, &title, &folded, &Columns { category: "acq", series: Some(&group), value: "bytes" })?
        }
        ReportType::Growth { .. } => {
            let group = shown_key(table);
            let title = name(format!("Fastest growing by {group}: bytes gained"));
            define::bars(
                id,
                &title,
                table,
                &Columns { category: &group, series: None, value: "bytes_change" },
                &horizontal,
            )?
        }
    };
    Ok(chart)
}

/// The group column of a churn or growth table: the first, or the names beside the ids.
fn shown_key(table: &Table) -> String {
    let first = table.columns[0].name.as_str();
    let named = match first {
        "uid" => "user",
        "gid" => "group",
        other => other,
    };
    if table.column_index(named).is_some() { named } else { first }.to_string()
}

fn metric_column(report: &ReportType) -> &'static str {
    match report {
        ReportType::Top { metric, .. } => metric.column(),
        _ => "bytes",
    }
}

/// Bars per group stacked by bucket (or bars per bucket without groups).
#[allow(clippy::too_many_arguments)]
fn age_bars(
    id: &str,
    name: &dyn Fn(String) -> String,
    table: &Table,
    labels: &[String],
    bucket: &str,
    order: Vec<String>,
    top: usize,
    what: &str,
) -> Result<Chart> {
    let groups: Vec<&String> = labels.iter().filter(|l| *l != bucket).collect();
    match groups.first() {
        Some(group) => {
            let folded = define::fold_other(table, group, "bytes", top)?;
            let title = name(format!("Bytes by {group}, stacked by {what}"));
            let style = BarStyle { horizontal: true, stacked: true, ordered_series: true, series_order: order };
            define::bars(
                id,
                &title,
                &folded,
                &Columns { category: group, series: Some(bucket), value: "bytes" },
                &style,
            )
        }
        None => {
            let title = name(format!("Bytes by {what}"));
            let style = BarStyle { series_order: order, ..Default::default() };
            define::bars(id, &title, table, &Columns { category: bucket, series: None, value: "bytes" }, &style)
        }
    }
}
