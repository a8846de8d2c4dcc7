//! A chart's definition: an ECharts option as plain JSON with its data, the unit of its values,
//! and the table of what it shows (one row per mark), which every output can show as a table.

use crate::data::DataTable;
pub use crate::data::Unit;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bar,
    Line,
    Heatmap,
    Treemap,
    Sunburst,
    /// A timeline: a bar per row from its start to its end on its lane (`pegasus-plots`' Gantt).
    Gantt,
}

/// A heatmap's axes: the labels its cells' indices point at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Categories {
    pub x: Vec<String>,
    pub y: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Chart {
    /// Unique within a page; a valid HTML id.
    pub id: String,
    pub title: String,
    pub kind: Kind,
    pub unit: Unit,
    /// Which axis carries the values: "x" for horizontal bars, else "y".
    #[serde(rename = "valueAxis")]
    pub value_axis: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categories: Option<Categories>,
    /// Pixels a page gives the chart (horizontal bars grow with their categories).
    pub height: u32,
    pub option: Value,
    /// What the chart shows, one row per mark.
    pub table: DataTable,
}

/// Okabe and Ito's palette: told apart by people with any common colour-vision deficiency.
pub const CATEGORICAL: [&str; 8] =
    ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442", "#000000"];

/// Viridis at even steps: ordered (young to old, small to large), readable without hue.
pub fn sequential(n: usize) -> Vec<String> {
    const VIRIDIS: [(f64, f64, f64); 5] =
        [(68.0, 1.0, 84.0), (59.0, 82.0, 139.0), (33.0, 145.0, 140.0), (94.0, 201.0, 98.0), (253.0, 231.0, 37.0)];
    (0..n)
        .map(|i| {
            let t = if n <= 1 { 0.0 } else { i as f64 / (n - 1) as f64 } * (VIRIDIS.len() - 1) as f64;
            let lo = (t.floor() as usize).min(VIRIDIS.len() - 2);
            let f = t - lo as f64;
            let mix = |a: f64, b: f64| (a + (b - a) * f).round() as u8;
            let (a, b) = (VIRIDIS[lo], VIRIDIS[lo + 1]);
            format!("#{:02x}{:02x}{:02x}", mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
        })
        .collect()
}

impl Chart {
    /// How many marks the chart draws: one per row of its table.
    pub fn marks(&self) -> usize {
        self.table.rows.len()
    }

    /// The definition as JSON for a page or a script; `<` is escaped so that it can sit inside
    /// a `<script>` element whatever the data holds.
    pub fn to_json(&self) -> String {
        script_json(&serde_json::to_string(self).expect("a chart serialises"))
    }
}

/// JSON made safe to embed in a `<script>` element.
pub fn script_json(json: &str) -> String {
    json.replace('<', "\\u003c").replace('\u{2028}', "\\u2028").replace('\u{2029}', "\\u2029")
}
