//! Chart definitions from report tables: bars (grouped, stacked, horizontal), lines over scan
//! dates, heatmaps and directory trees (treemap, sunburst). Each keeps one table row per mark.

use crate::chart::{CATEGORICAL, Categories, Chart, Kind, Unit, sequential};
use crate::data::{DataColumn, DataTable, cell_number, cell_text, cell_value, column};
use anyhow::Result;
use scanlake::aggregate::cells::{Cell, ColumnType, Table};
use serde_json::{Value, json};
use std::collections::HashMap;

/// The label of the row that holds every group beyond the top N.
pub const OTHER: &str = "(other)";

/// Which columns a chart draws.
#[derive(Debug, Clone, Default)]
pub struct Columns<'a> {
    /// One bar (or line point, or heatmap column) per distinct value.
    pub category: &'a str,
    /// One series (stack part, line) per distinct value.
    pub series: Option<&'a str>,
    /// The value drawn.
    pub value: &'a str,
}

#[derive(Debug, Clone, Default)]
pub struct BarStyle {
    /// Bars grow to the right, categories read top-down (long names such as users and paths).
    pub horizontal: bool,
    /// Series stack on each other instead of standing side by side.
    pub stacked: bool,
    /// Series are ordered (ages, sizes): drawn in viridis steps instead of distinct hues.
    pub ordered_series: bool,
    /// The series in this order (e.g. every age bucket); others follow as they appear.
    pub series_order: Vec<String>,
}

fn distinct(values: impl Iterator<Item = String>, first: &[String]) -> Vec<String> {
    let mut out: Vec<String> = first.to_vec();
    for v in values {
        if !out.contains(&v) {
            out.push(v);
        }
    }
    out
}

fn unit_of_table(table: &DataTable, value: &str) -> Unit {
    table.columns.iter().find(|c| c.name == value).map(|c| c.unit).unwrap_or(Unit::Count)
}

fn grid() -> Value {
    json!({ "left": 12, "right": 28, "top": 64, "bottom": 12, "containLabel": true })
}

fn title(text: &str) -> Value {
    json!({ "text": text, "left": 8, "top": 4, "textStyle": { "fontSize": 15 } })
}

/// Bars: one per category (and series), valued by one column.
pub fn bars(id: &str, name: &str, table: &Table, cols: &Columns, style: &BarStyle) -> Result<Chart> {
    let ci = column(table, cols.category)?;
    let vi = column(table, cols.value)?;
    let si = cols.series.map(|s| column(table, s)).transpose()?;
    let mut categories = distinct(table.rows.iter().map(|r| cell_text(&r[ci])), &[]);
    if style.horizontal {
        // Groups read largest first, with the rest (`(other)`) last.
        let mut totals: HashMap<String, f64> = HashMap::new();
        for row in &table.rows {
            *totals.entry(cell_text(&row[ci])).or_default() += cell_number(&row[vi]).unwrap_or(0.0);
        }
        categories.sort_by(|a, b| {
            (a == OTHER).cmp(&(b == OTHER)).then(totals[b].partial_cmp(&totals[a]).unwrap_or(std::cmp::Ordering::Equal))
        });
    }
    let series = match si {
        Some(si) => {
            let present: Vec<String> = distinct(table.rows.iter().map(|r| cell_text(&r[si])), &[]);
            let order: Vec<String> = style.series_order.iter().filter(|s| present.contains(s)).cloned().collect();
            distinct(present.into_iter(), &order)
        }
        None => vec![cols.value.to_string()],
    };
    let mut values = vec![vec![Value::Null; categories.len()]; series.len()];
    let mut kept = Vec::new();
    let cat_pos: HashMap<&str, usize> = categories.iter().enumerate().map(|(i, c)| (c.as_str(), i)).collect();
    for row in &table.rows {
        let Some(v) = cell_number(&row[vi]) else { continue };
        let c = cat_pos[cell_text(&row[ci]).as_str()];
        let s = match si {
            Some(si) => series.iter().position(|x| *x == cell_text(&row[si])).expect("every series is listed"),
            None => 0,
        };
        values[s][c] = json!(v);
        kept.push(row);
    }
    let mut columns = vec![ci];
    columns.extend(si);
    columns.push(vi);
    let data = DataTable::select(table, &columns, &kept);
    let unit = unit_of_table(&data, cols.value);
    let colors: Vec<String> = if style.ordered_series {
        sequential(series.len())
    } else {
        CATEGORICAL.iter().map(|c| c.to_string()).collect()
    };
    let category_axis = json!({
        "type": "category", "data": categories, "inverse": style.horizontal,
        "axisLabel": { "interval": 0, "rotate": if style.horizontal { 0 } else { 30 }, "width": 180, "overflow": "truncate" },
    });
    let value_axis = json!({ "type": "value" });
    let (x, y) = if style.horizontal { (value_axis, category_axis) } else { (category_axis, value_axis) };
    let series_json: Vec<Value> = series
        .iter()
        .zip(values)
        .map(|(name, data)| {
            let mut s = json!({ "type": "bar", "name": name, "data": data, "emphasis": { "focus": "series" } });
            if style.stacked {
                s["stack"] = json!("total");
            }
            s
        })
        .collect();
    let mut option = json!({
        "title": title(name), "color": colors, "aria": { "enabled": true },
        "tooltip": { "trigger": "item", "confine": true },
        "grid": grid(), "xAxis": x, "yAxis": y, "series": series_json,
    });
    if si.is_some() {
        option["legend"] = json!({ "type": "scroll", "top": 30, "left": 8, "right": 8 });
    } else {
        option["grid"]["top"] = json!(44);
    }
    Ok(Chart {
        id: id.to_string(),
        title: name.to_string(),
        kind: Kind::Bar,
        unit,
        value_axis: (if style.horizontal { "x" } else { "y" }).to_string(),
        categories: None,
        height: if style.horizontal { (120 + 26 * categories_len(&option)).clamp(260, 900) as u32 } else { 400 },
        option,
        table: data,
    })
}

fn categories_len(option: &Value) -> usize {
    option["yAxis"]["data"].as_array().map(|a| a.len()).unwrap_or(10)
}

/// Lines over the scan dates in `cols.category`, one per value of `cols.series`.
pub fn lines(id: &str, name: &str, table: &Table, cols: &Columns) -> Result<Chart> {
    let xi = column(table, cols.category)?;
    let vi = column(table, cols.value)?;
    let si = cols.series.map(|s| column(table, s)).transpose()?;
    let mut dates = distinct(table.rows.iter().map(|r| cell_text(&r[xi])), &[]);
    dates.sort();
    let groups = match si {
        Some(si) => distinct(table.rows.iter().map(|r| cell_text(&r[si])), &[]),
        None => vec![cols.value.to_string()],
    };
    let mut values = vec![vec![Value::Null; dates.len()]; groups.len()];
    let mut kept = Vec::new();
    for row in &table.rows {
        let Some(v) = cell_number(&row[vi]) else { continue };
        let d = dates.binary_search(&cell_text(&row[xi])).expect("every date is listed");
        let g = si.map(|si| groups.iter().position(|x| *x == cell_text(&row[si])).expect("listed")).unwrap_or(0);
        values[g][d] = json!(v);
        kept.push(row);
    }
    let mut columns = vec![xi];
    columns.extend(si);
    columns.push(vi);
    let data = DataTable::select(table, &columns, &kept);
    let unit = unit_of_table(&data, cols.value);
    let series: Vec<Value> = groups
        .iter()
        .zip(values)
        .map(|(g, d)| json!({ "type": "line", "name": g, "data": d, "showSymbol": true, "symbolSize": 6, "connectNulls": false, "emphasis": { "focus": "series" } }))
        .collect();
    let option = json!({
        "title": title(name), "color": CATEGORICAL, "aria": { "enabled": true },
        "tooltip": { "trigger": "item", "confine": true },
        "legend": { "type": "scroll", "top": 30, "left": 8, "right": 8 },
        "grid": grid(),
        "xAxis": { "type": "category", "data": dates, "boundaryGap": false },
        "yAxis": { "type": "value" },
        "dataZoom": [{ "type": "inside" }],
        "series": series,
    });
    Ok(Chart {
        id: id.to_string(),
        title: name.to_string(),
        kind: Kind::Line,
        unit,
        value_axis: "y".into(),
        categories: None,
        height: 400,
        option,
        table: data,
    })
}

/// Which columns a timeline draws.
#[derive(Debug, Clone)]
pub struct Spans<'a> {
    /// One row of the chart per distinct value, in the table's order.
    pub lane: &'a str,
    /// One colour (and legend entry) per distinct value.
    pub series: &'a str,
    /// Where each bar starts and ends on the value axis (seconds).
    pub start: &'a str,
    pub end: &'a str,
    /// A column whose value `failed` draws the bar faded with a red edge.
    pub outcome: Option<&'a str>,
}

/// A timeline (Gantt): a bar per row from `start` to `end` on its lane, coloured by series.
pub fn gantt(id: &str, name: &str, table: &Table, cols: &Spans) -> Result<Chart> {
    let (li, si, ai, bi) =
        (column(table, cols.lane)?, column(table, cols.series)?, column(table, cols.start)?, column(table, cols.end)?);
    let oi = cols.outcome.map(|o| column(table, o)).transpose()?;
    let lanes = distinct(table.rows.iter().map(|r| cell_text(&r[li])), &[]);
    let series = distinct(table.rows.iter().map(|r| cell_text(&r[si])), &[]);
    let mut data: Vec<Vec<Value>> = vec![Vec::new(); series.len()];
    let mut kept = Vec::new();
    for row in &table.rows {
        let (Some(a), Some(b)) = (cell_number(&row[ai]), cell_number(&row[bi])) else { continue };
        let lane = lanes.iter().position(|l| *l == cell_text(&row[li])).expect("listed");
        let s = series.iter().position(|x| *x == cell_text(&row[si])).expect("listed");
        let mut item = json!({ "name": cell_text(&row[li]), "value": [lane, a, b] });
        if let Some(oi) = oi {
            let outcome = cell_text(&row[oi]);
            item["outcome"] = json!(outcome);
            if outcome == "failed" {
                item["itemStyle"] = json!({ "opacity": 0.45, "borderColor": "#D55E00", "borderWidth": 2 });
            }
        }
        data[s].push(item);
        kept.push(row);
    }
    let mut columns = vec![li, si, ai, bi];
    columns.extend(oi);
    let shown = DataTable::select(table, &columns, &kept);
    let series_json: Vec<Value> = series
        .iter()
        .zip(data)
        .map(|(name, data)| {
            json!({ "type": "custom", "name": name, "data": data, "encode": { "x": [1, 2], "y": 0 }, "emphasis": { "focus": "series" } })
        })
        .collect();
    let height = (120 + 22 * lanes.len()).clamp(260, 1200) as u32;
    let option = json!({
        "title": title(name), "color": CATEGORICAL, "aria": { "enabled": true },
        "tooltip": { "trigger": "item", "confine": true },
        "legend": { "type": "scroll", "top": 30, "left": 8, "right": 8 },
        "grid": grid(),
        "xAxis": { "type": "value", "name": "s", "min": 0 },
        "yAxis": { "type": "category", "data": lanes, "inverse": true, "axisLabel": { "interval": 0 } },
        "series": series_json,
    });
    Ok(Chart {
        id: id.to_string(),
        title: name.to_string(),
        kind: Kind::Gantt,
        unit: Unit::Count,
        value_axis: "x".into(),
        categories: None,
        height,
        option,
        table: shown,
    })
}

/// A heatmap: a cell per (x, y) pair with its value, in the given orders where known.
pub fn heatmap(
    id: &str,
    name: &str,
    table: &Table,
    x: (&str, &[String]),
    y: (&str, &[String]),
    value: &str,
) -> Result<Chart> {
    let (xi, yi, vi) = (column(table, x.0)?, column(table, y.0)?, column(table, value)?);
    let xs = distinct(table.rows.iter().map(|r| cell_text(&r[xi])), x.1);
    let ys = distinct(table.rows.iter().map(|r| cell_text(&r[yi])), y.1);
    let mut cells = Vec::new();
    let mut kept = Vec::new();
    let mut max = 0f64;
    for row in &table.rows {
        let Some(v) = cell_number(&row[vi]) else { continue };
        let a = xs.iter().position(|s| *s == cell_text(&row[xi])).expect("listed");
        let b = ys.iter().position(|s| *s == cell_text(&row[yi])).expect("listed");
        max = max.max(v);
        cells.push(json!([a, b, v]));
        kept.push(row);
    }
    let data = DataTable::select(table, &[xi, yi, vi], &kept);
    let unit = unit_of_table(&data, value);
    let option = json!({
        "title": title(name), "aria": { "enabled": true },
        "tooltip": { "trigger": "item", "confine": true },
        "grid": { "left": 12, "right": 28, "top": 44, "bottom": 64, "containLabel": true },
        "xAxis": { "type": "category", "data": xs, "axisLabel": { "interval": 0, "rotate": 30 } },
        "yAxis": { "type": "category", "data": ys, "axisLabel": { "interval": 0 } },
        "visualMap": { "min": 0, "max": max, "calculable": true, "orient": "horizontal", "left": "center", "bottom": 4, "inRange": { "color": sequential(7) } },
        "series": [{ "type": "heatmap", "name": name, "data": cells, "emphasis": { "itemStyle": { "borderColor": "#000", "borderWidth": 1 } } }],
    });
    Ok(Chart {
        id: id.to_string(),
        title: name.to_string(),
        kind: Kind::Heatmap,
        unit,
        value_axis: "none".into(),
        categories: Some(Categories { x: xs, y: ys }),
        height: 460,
        option,
        table: data,
    })
}

/// Directories (rows of `du` or `top dirs`) as a treemap or sunburst: each directory a node under
/// the deepest listed directory above it; drill-down by clicking, with a breadcrumb.
pub fn tree(id: &str, name: &str, table: &Table, path: &str, value: &str, kind: Kind) -> Result<Chart> {
    let (pi, vi) = (column(table, path)?, column(table, value)?);
    let mut rows: Vec<&Vec<Cell>> = table.rows.iter().filter(|r| cell_number(&r[vi]).is_some()).collect();
    rows.sort_by(|a, b| cell_text(&a[pi]).cmp(&cell_text(&b[pi])));
    rows.dedup_by(|a, b| cell_text(&a[pi]) == cell_text(&b[pi]));
    // Nodes in path order: a node's parent is the nearest listed directory above it.
    let paths: Vec<String> = rows.iter().map(|r| cell_text(&r[pi])).collect();
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); rows.len()];
    let mut roots = Vec::new();
    for (i, parent) in parents(&paths).into_iter().enumerate() {
        match parent {
            Some(parent) => children[parent].push(i),
            None => roots.push(i),
        }
    }
    fn node(
        i: usize,
        rows: &[&Vec<Cell>],
        paths: &[String],
        children: &[Vec<usize>],
        vi: usize,
        parent: Option<&str>,
    ) -> Value {
        let path = &paths[i];
        let label = match parent {
            Some(p) => path[p.len()..].trim_start_matches('/').to_string(),
            None => path.clone(),
        };
        let mut kids: Vec<Value> =
            children[i].iter().map(|&c| node(c, rows, paths, children, vi, Some(path))).collect();
        kids.sort_by(|a, b| b["value"].as_f64().partial_cmp(&a["value"].as_f64()).unwrap_or(std::cmp::Ordering::Equal));
        let mut n = json!({ "name": label, "path": path, "value": cell_number(&rows[i][vi]) });
        if !kids.is_empty() {
            n["children"] = Value::Array(kids);
        }
        n
    }
    // A chain of directories that each hold only the next (`/`, `/gpfs`, `/gpfs/fs1`) is one
    // root, named by its deepest path: drawing each as a frame would waste the picture.
    let roots: Vec<usize> = roots
        .into_iter()
        .map(|mut r| {
            while children[r].len() == 1 {
                r = children[r][0];
            }
            r
        })
        .collect();
    let nodes: Vec<Value> = roots.iter().map(|&r| node(r, &rows, &paths, &children, vi, None)).collect();
    // The table lists what is drawn: the roots and everything under them, in path order.
    let mut drawn = Vec::new();
    let mut todo = roots.clone();
    while let Some(i) = todo.pop() {
        drawn.push(i);
        todo.extend(&children[i]);
    }
    drawn.sort_unstable();
    let drawn_rows: Vec<&Vec<Cell>> = drawn.iter().map(|&i| rows[i]).collect();
    let data = DataTable::select(table, &[pi, vi], &drawn_rows);
    let unit = unit_of_table(&data, value);
    let series = match kind {
        Kind::Sunburst => json!({
            "type": "sunburst", "name": name, "data": nodes, "radius": ["8%", "92%"], "nodeClick": "rootToNode",
            "sort": null, "label": { "rotate": "radial", "minAngle": 8 }, "itemStyle": { "borderColor": "#fff", "borderWidth": 1 },
        }),
        _ => json!({
            "type": "treemap", "name": name, "data": nodes, "nodeClick": "zoomToNode", "roam": false,
            "leafDepth": 2, "top": 40, "bottom": 36, "left": 8, "right": 8,
            "breadcrumb": { "show": true, "bottom": 4 },
            "upperLabel": { "show": true, "height": 22 },
            "levels": [
                { "itemStyle": { "borderColor": "#555", "borderWidth": 2, "gapWidth": 2 }, "upperLabel": { "show": false } },
                { "itemStyle": { "borderColor": "#888", "borderWidth": 4, "gapWidth": 1 }, "colorSaturation": [0.35, 0.6] },
                { "itemStyle": { "borderWidth": 3, "gapWidth": 1, "borderColorSaturation": 0.6 }, "colorSaturation": [0.35, 0.5] },
            ],
        }),
    };
    let option = json!({
        "title": title(name), "color": CATEGORICAL, "aria": { "enabled": true },
        "tooltip": { "trigger": "item", "confine": true },
        "series": [series],
    });
    Ok(Chart {
        id: id.to_string(),
        title: name.to_string(),
        kind,
        unit,
        value_axis: "none".into(),
        categories: None,
        height: 520,
        option,
        table: data,
    })
}

/// For paths in sorted order, the index of each one's nearest listed ancestor directory.
fn parents(paths: &[String]) -> Vec<Option<usize>> {
    let mut stack: Vec<usize> = Vec::new();
    paths
        .iter()
        .enumerate()
        .map(|(i, p)| {
            while stack.last().is_some_and(|&top| !is_under(p, &paths[top])) {
                stack.pop();
            }
            let parent = stack.last().copied();
            stack.push(i);
            parent
        })
        .collect()
}

fn is_under(path: &str, dir: &str) -> bool {
    dir == "/" && path != "/" || path.len() > dir.len() && path.starts_with(dir) && path.as_bytes()[dir.len()] == b'/'
}

/// The table with every group of `key` beyond the `n` largest by `rank` (summed over the other
/// keys) folded into one `(other)` group: integer columns add up, other text columns stay apart.
pub fn fold_other(table: &Table, key: &str, rank: &str, n: usize) -> Result<Table> {
    let (ki, ri) = (column(table, key)?, column(table, rank)?);
    let mut totals: HashMap<String, f64> = HashMap::new();
    for row in &table.rows {
        *totals.entry(cell_text(&row[ki])).or_default() += cell_number(&row[ri]).unwrap_or(0.0);
    }
    if totals.len() <= n {
        return Ok(table.clone());
    }
    let mut ranked: Vec<(String, f64)> = totals.into_iter().collect();
    ranked.sort_by(|a, b| b.1.partial_cmp(&a.1).unwrap_or(std::cmp::Ordering::Equal).then(a.0.cmp(&b.0)));
    let keep: std::collections::HashSet<String> = ranked.into_iter().take(n).map(|(k, _)| k).collect();
    // Rows of the other groups merge where their labels (text and date columns) agree: integers
    // add up; a value that cannot (a percentage, a missing change) is left empty.
    let label = |i: usize| matches!(table.columns[i].ty, ColumnType::Text | ColumnType::Date) && i != ki;
    let mut rows: Vec<Vec<Cell>> = Vec::new();
    let mut other: Vec<Vec<Cell>> = Vec::new();
    let mut at: HashMap<Vec<Cell>, usize> = HashMap::new();
    for row in &table.rows {
        if keep.contains(&cell_text(&row[ki])) {
            rows.push(row.clone());
            continue;
        }
        let key: Vec<Cell> = (0..row.len()).filter(|&i| label(i)).map(|i| row[i].clone()).collect();
        match at.get(&key) {
            Some(&o) => {
                for (i, (a, b)) in other[o].iter_mut().zip(row).enumerate() {
                    match (&*a, b) {
                        (Cell::Null, _) if !label(i) && i != ki => {}
                        (Cell::Int(x), Cell::Int(y)) => *a = Cell::Int(x.saturating_add(*y)),
                        _ if label(i) || i == ki => {}
                        _ => *a = Cell::Null,
                    }
                }
            }
            None => {
                let mut folded = row.clone();
                folded[ki] = Cell::Text(OTHER.to_string());
                // Identifiers of many groups add up to nothing meaningful.
                for (i, c) in table.columns.iter().enumerate() {
                    if i != ki && matches!(c.name.as_str(), "uid" | "gid" | "user" | "group") {
                        folded[i] = Cell::Null;
                    }
                }
                at.insert(key, other.len());
                other.push(folded);
            }
        }
    }
    rows.extend(other);
    Ok(Table { columns: table.columns.clone(), rows })
}

/// A one-column-per-name table of values (for headline figures and such).
pub fn key_values(pairs: &[(&str, Cell)]) -> DataTable {
    DataTable {
        columns: vec![
            DataColumn { name: "figure".into(), unit: Unit::Text },
            DataColumn { name: "value".into(), unit: Unit::Count },
        ],
        rows: pairs.iter().map(|(k, v)| vec![json!(k), cell_value(v)]).collect(),
    }
}

/// The table summed over every column but `keys` (whose values identify a row) and `values`
/// (integers, added exactly): e.g. usage by uid, gid and fileset → usage by fileset. Rows keep
/// the order in which their keys first appear.
pub fn sum_by(table: &Table, keys: &[&str], values: &[&str]) -> Result<Table> {
    let ki: Vec<usize> = keys.iter().map(|k| column(table, k)).collect::<Result<_>>()?;
    let vi: Vec<usize> = values.iter().map(|v| column(table, v)).collect::<Result<_>>()?;
    let mut index: HashMap<Vec<Cell>, usize> = HashMap::new();
    let mut rows: Vec<(Vec<Cell>, Vec<i128>)> = Vec::new();
    for row in &table.rows {
        let key: Vec<Cell> = ki.iter().map(|&i| row[i].clone()).collect();
        let at = *index.entry(key.clone()).or_insert_with(|| {
            rows.push((key, vec![0; vi.len()]));
            rows.len() - 1
        });
        for (sum, &i) in rows[at].1.iter_mut().zip(&vi) {
            if let Cell::Int(v) = row[i] {
                *sum += v as i128;
            }
        }
    }
    let mut columns: Vec<_> = ki.iter().map(|&i| table.columns[i].clone()).collect();
    columns.extend(vi.iter().map(|&i| table.columns[i].clone()));
    let rows = rows
        .into_iter()
        .map(|(mut key, sums)| {
            key.extend(sums.into_iter().map(|s| Cell::Int(i64::try_from(s).unwrap_or(i64::MAX))));
            key
        })
        .collect();
    Ok(Table { columns, rows })
}

/// Directory rows pruned for drawing: under each directory only its `n` largest children by
/// `value` (and what lies under those) are kept; top-level rows always stay.
pub fn prune_tree(table: &Table, path: &str, value: &str, n: usize) -> Result<Table> {
    let (pi, vi) = (column(table, path)?, column(table, value)?);
    let mut order: Vec<usize> = (0..table.rows.len()).collect();
    order.sort_by_key(|&i| cell_text(&table.rows[i][pi]));
    // Parent of each row: the nearest listed directory above it.
    let paths: Vec<String> = order.iter().map(|&i| cell_text(&table.rows[i][pi])).collect();
    let mut parent: Vec<Option<usize>> = vec![None; table.rows.len()];
    for (k, up) in parents(&paths).into_iter().enumerate() {
        parent[order[k]] = up.map(|j| order[j]);
    }
    let mut children: HashMap<Option<usize>, Vec<usize>> = HashMap::new();
    for &i in &order {
        children.entry(parent[i]).or_default().push(i);
    }
    let mut keep = vec![false; table.rows.len()];
    let mut todo: Vec<usize> = children.get(&None).cloned().unwrap_or_default();
    while let Some(i) = todo.pop() {
        keep[i] = true;
        if let Some(kids) = children.get(&Some(i)) {
            let mut kids = kids.clone();
            kids.sort_by(|&a, &b| {
                let (x, y) = (cell_number(&table.rows[a][vi]), cell_number(&table.rows[b][vi]));
                y.partial_cmp(&x).unwrap_or(std::cmp::Ordering::Equal)
            });
            todo.extend(kids.into_iter().take(n));
        }
    }
    let rows = order.into_iter().filter(|&i| keep[i]).map(|i| table.rows[i].clone()).collect();
    Ok(Table { columns: table.columns.clone(), rows })
}
