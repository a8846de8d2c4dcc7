//! scanlake's pictures: chart definitions made from report tables, the HTML report and per-user
//! pages, and static SVG and PNG images of any one chart.
//!
//! One definition serves every output: a [`Chart`] holds an Apache ECharts option as plain JSON
//! (its data included) and the table of what it shows, one row per mark. The browser, Jupyter and
//! QuickJS (for static images) all turn it into the live option with the same script
//! (`assets/charts.js`), which attaches the formatters JSON cannot carry. The core library knows
//! nothing of this crate: JavaScript, fonts and page templates stay here.

pub mod chart;
pub mod data;
pub mod define;
pub mod page;
pub mod render;

pub use chart::{Chart, Kind, Unit};
pub use data::DataTable;

/// The vendored Apache ECharts bundle (see `vendor/echarts/build.sh`).
pub const ECHARTS_JS: &str = include_str!("../vendor/echarts/echarts.min.js");
/// What turns a definition into a live option, in the browser and in QuickJS alike.
pub const CHARTS_JS: &str = include_str!("../assets/charts.js");
/// The font static images are drawn with (DejaVu Sans), so text never depends on the machine.
pub const FONT: &[u8] = include_bytes!("../vendor/fonts/DejaVuSans.ttf");
