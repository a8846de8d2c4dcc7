//! The HTML pages: one self-contained file each (scripts, styles and data inline, a
//! Content-Security-Policy that forbids every fetch), readable on a phone and printable. What a
//! page holds is decided by the facade; this module only lays it out.

use crate::chart::{Chart, script_json};
use crate::data::DataTable;
use serde::Serialize;

/// Nothing may be fetched: scripts and styles are inline, images are data URLs.
pub const CSP: &str = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:";

const CSS: &str = include_str!("../assets/report.css");
const REPORT_JS: &str = include_str!("../assets/report.js");

/// A headline figure: a value and its change since the compared scan.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub label: String,
    /// Exact, as text (integers of any size).
    pub value: String,
    pub unit: crate::Unit,
    /// The change since the compared scan, exact, with its sign.
    pub change: Option<String>,
}

/// A table shown as such (sortable, filterable), without a chart.
#[derive(Debug, Clone, Serialize)]
pub struct NamedTable {
    pub id: String,
    pub title: String,
    pub table: DataTable,
    /// A link shown under the table (e.g. the file list beside a per-user page), relative.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<(String, String)>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Section {
    pub id: String,
    pub title: String,
    /// Plain text, escaped when laid out.
    pub notes: Vec<String>,
    pub figures: Vec<Figure>,
    pub charts: Vec<Chart>,
    pub tables: Vec<NamedTable>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Page {
    pub title: String,
    pub subtitle: String,
    /// Key–value lines under the title (inputs, scan dates, rejects, version).
    pub provenance: Vec<(String, String)>,
    pub sections: Vec<Section>,
    /// Links at the top (e.g. back to the index), relative.
    pub links: Vec<(String, String)>,
}

/// Text made safe for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Where a page's scripts are: inline (a self-contained file), or in one file beside a set of
/// small pages (per-user pages), named here; [`bundle`] is its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scripts<'a> {
    Inline,
    Beside(&'a str),
}

/// The scripts a page runs, as one file (for [`Scripts::Beside`]).
pub fn bundle() -> String {
    format!("{}\n{}\n{}", crate::ECHARTS_JS, crate::CHARTS_JS, REPORT_JS)
}

/// The page as one self-contained HTML document.
pub fn render(page: &Page) -> String {
    render_with(page, Scripts::Inline)
}

/// The page as an HTML document with its scripts where `scripts` says.
pub fn render_with(page: &Page, scripts: Scripts) -> String {
    let csp = match scripts {
        Scripts::Inline => CSP.to_string(),
        // The shared script is a file beside the page: 'self', and nothing from elsewhere.
        Scripts::Beside(_) => CSP.replace("script-src 'unsafe-inline'", "script-src 'self' 'unsafe-inline'"),
    };
    let mut h = String::with_capacity(1 << 20);
    h.push_str("<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\n"));
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str("<meta name=\"generator\" content=\"scanlake\">\n");
    h.push_str(&format!("<title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n", escape(&page.title)));
    h.push_str(&format!(
        "<header><h1>{}</h1><p class=\"subtitle\">{}</p>",
        escape(&page.title),
        escape(&page.subtitle)
    ));
    if !page.links.is_empty() {
        h.push_str("<p class=\"links\">");
        for (href, text) in &page.links {
            h.push_str(&format!("<a href=\"{}\">{}</a> ", escape(href), escape(text)));
        }
        h.push_str("</p>");
    }
    if !page.provenance.is_empty() {
        h.push_str("<dl class=\"provenance\">");
        for (k, v) in &page.provenance {
            h.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)));
        }
        h.push_str("</dl>");
    }
    h.push_str("<nav>");
    for s in &page.sections {
        h.push_str(&format!("<a href=\"#{}\">{}</a>", escape(&s.id), escape(&s.title)));
    }
    h.push_str("</nav></header>\n<main>\n");
    for s in &page.sections {
        h.push_str(&format!("<section id=\"{}\"><h2>{}</h2>\n", escape(&s.id), escape(&s.title)));
        for n in &s.notes {
            h.push_str(&format!("<p class=\"note\">{}</p>\n", escape(n)));
        }
        if !s.figures.is_empty() {
            h.push_str("<div class=\"figures\">");
            for f in &s.figures {
                h.push_str(&format!(
                    "<div class=\"figure\" data-unit=\"{}\"><div class=\"label\">{}</div><div class=\"value\" data-exact=\"{}\">{}</div>",
                    serde_json::to_value(f.unit).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default(),
                    escape(&f.label),
                    escape(&f.value),
                    escape(&f.value)
                ));
                if let Some(c) = &f.change {
                    h.push_str(&format!("<div class=\"change\" data-exact=\"{}\">{}</div>", escape(c), escape(c)));
                }
                h.push_str("</div>");
            }
            h.push_str("</div>\n");
        }
        for c in &s.charts {
            h.push_str(&format!(
                "<figure class=\"chart\" id=\"{id}\" data-kind=\"{kind:?}\"><div class=\"breadcrumb\" hidden></div><div class=\"plot\" style=\"height:{height}px\" role=\"img\" aria-label=\"{title}\"></div><details class=\"data\"><summary>Table of this chart's data ({n} rows)</summary><div class=\"table-box\"></div></details></figure>\n",
                id = escape(&c.id),
                kind = c.kind,
                height = c.height,
                title = escape(&c.title),
                n = c.marks(),
            ));
        }
        for t in &s.tables {
            h.push_str(&format!(
                "<div class=\"named-table\" id=\"{}\"><h3>{}</h3><div class=\"table-box\"></div>",
                escape(&t.id),
                escape(&t.title)
            ));
            if let Some((href, text)) = &t.link {
                h.push_str(&format!("<p><a href=\"{}\">{}</a></p>", escape(href), escape(text)));
            }
            h.push_str("</div>\n");
        }
        h.push_str("</section>\n");
    }
    h.push_str("</main>\n<footer>Made by scanlake. Every figure is exact in the tables; charts round.</footer>\n");
    let data = serde_json::json!({
        "charts": page.sections.iter().flat_map(|s| s.charts.iter()).collect::<Vec<_>>(),
        "tables": page.sections.iter().flat_map(|s| s.tables.iter()).collect::<Vec<_>>(),
    });
    h.push_str("<script type=\"application/json\" id=\"scanlake-data\">");
    h.push_str(&script_json(&data.to_string()));
    h.push_str("</script>\n");
    match scripts {
        Scripts::Inline => {
            for script in [crate::ECHARTS_JS, crate::CHARTS_JS, REPORT_JS] {
                h.push_str("<script>");
                h.push_str(script);
                h.push_str("</script>\n");
            }
        }
        Scripts::Beside(name) => h.push_str(&format!("<script src=\"{}\"></script>\n", escape(name))),
    }
    h.push_str("</body>\n</html>\n");
    h
}

/// A page of one chart and its table (what Jupyter shows in an iframe).
pub fn chart_page(chart: &Chart) -> String {
    let page = Page {
        title: chart.title.clone(),
        sections: vec![Section {
            id: "chart".into(),
            title: chart.title.clone(),
            charts: vec![chart.clone()],
            ..Default::default()
        }],
        ..Default::default()
    };
    render(&page)
}
