//! Static images: every chart kind drawn by ECharts in QuickJS, checked for the labels and
//! values it must show, and as PNG for its size and that text was drawn.

use scanlake::aggregate::cells::{Cell, Column, ColumnType, Table};
use scanlake_charts::define::{self, BarStyle, Columns};
use scanlake_charts::render::{self, ImageFormat};
use scanlake_charts::{Chart, Kind};

fn usage_by_age() -> Table {
    let mut rows = Vec::new();
    for (user, base) in [("alice", 5i64 << 40), ("bob", 3 << 40), ("carol<&>", 1 << 30)] {
        for (i, age) in ["<30d", "30d-90d", ">=2555d"].iter().enumerate() {
            rows.push(vec![Cell::Text(user.into()), Cell::Text(age.to_string()), Cell::Int(base / (i as i64 + 1))]);
        }
    }
    Table {
        columns: vec![
            Column::new("user", ColumnType::Text),
            Column::new("age", ColumnType::Text),
            Column::new("bytes", ColumnType::Bytes),
        ],
        rows,
    }
}

fn dirs() -> Table {
    let rows = [("/gpfs/fs1", 100i64), ("/gpfs/fs1/home", 60), ("/gpfs/fs1/home/alice", 40), ("/gpfs/fs1/proj", 30)];
    Table {
        columns: vec![Column::new("dir", ColumnType::Text), Column::new("bytes", ColumnType::Bytes)],
        rows: rows.iter().map(|(p, b)| vec![Cell::Text(p.to_string()), Cell::Int(b << 30)]).collect(),
    }
}

fn attempts() -> Table {
    let rows = [
        ("split 1", "split", 0.0, 4.5, "completed"),
        ("convert 1", "convert", 4.5, 9.0, "completed"),
        ("convert 2", "convert", 4.5, 6.0, "failed"),
        ("convert 2", "convert", 7.0, 10.0, "completed"),
    ];
    Table {
        columns: vec![
            Column::new("task", ColumnType::Text),
            Column::new("stage", ColumnType::Text),
            Column::new("start_s", ColumnType::Float),
            Column::new("end_s", ColumnType::Float),
            Column::new("outcome", ColumnType::Text),
        ],
        rows: rows
            .iter()
            .map(|(t, s, a, b, o)| {
                [t.to_string(), s.to_string(), a.to_string(), b.to_string(), o.to_string()].map(Cell::Text).to_vec()
            })
            .collect(),
    }
}

fn charts() -> Vec<Chart> {
    let t = usage_by_age();
    let cols = Columns { category: "user", series: Some("age"), value: "bytes" };
    let stacked = BarStyle { horizontal: true, stacked: true, ordered_series: true, ..Default::default() };
    vec![
        define::bars("bars", "Usage by user and access age", &t, &cols, &stacked).unwrap(),
        define::bars("plain", "Usage by user", &t, &Columns { series: None, ..cols.clone() }, &BarStyle::default())
            .unwrap(),
        define::lines("lines", "History", &t, &Columns { category: "age", series: Some("user"), value: "bytes" })
            .unwrap(),
        define::heatmap("heat", "Age by user", &t, ("age", &[]), ("user", &[]), "bytes").unwrap(),
        define::tree("tree", "Largest directories", &dirs(), "dir", "bytes", Kind::Treemap).unwrap(),
        define::tree("sun", "Largest directories", &dirs(), "dir", "bytes", Kind::Sunburst).unwrap(),
        define::gantt(
            "timeline",
            "Tasks over time",
            &attempts(),
            &define::Spans { lane: "task", series: "stage", start: "start_s", end: "end_s", outcome: Some("outcome") },
        )
        .unwrap(),
    ]
}

#[test]
fn every_kind_draws_its_labels_as_svg() {
    for chart in charts() {
        let svg = String::from_utf8(render::image(&chart, ImageFormat::Svg, 800, 0).unwrap()).unwrap();
        assert!(svg.starts_with("<svg"), "{}: {}", chart.id, &svg[..80.min(svg.len())]);
        assert!(svg.contains(&chart.title), "{} lacks its title", chart.id);
        match chart.kind {
            Kind::Bar | Kind::Heatmap => {
                // Category labels are drawn, escaped.
                assert!(svg.contains("alice") && svg.contains("carol&lt;&amp;&gt;"), "{}", chart.id);
            }
            Kind::Treemap => assert!(svg.contains("home") && svg.contains("60.0 GiB"), "{}", chart.id),
            Kind::Sunburst => assert!(svg.contains("alice"), "{}", chart.id),
            Kind::Line => assert!(svg.contains("30d-90d")),
            Kind::Gantt => {
                // A lane per task (the retried one once), a bar per attempt.
                assert!(svg.contains("convert 2") && svg.contains("split 1"), "{svg}");
                assert_eq!(svg.matches(">convert 2<").count(), 1, "{svg}");
                assert_eq!(chart.marks(), 4);
            }
        }
        if chart.id == "bars" {
            // The value axis is labelled in binary units; 9 bars stand for the 9 rows.
            assert!(svg.contains(" TiB"), "{svg}");
            assert_eq!(chart.marks(), 9);
            assert!(svg.contains("&gt;=2555d"), "the legend names the oldest bucket");
        }
    }
}

#[test]
fn png_is_drawn_at_twice_the_size_with_text() {
    let chart = &charts()[0];
    let png = render::image(chart, ImageFormat::Png, 640, 300).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    let height = u32::from_be_bytes(png[20..24].try_into().unwrap());
    assert_eq!((width, height), (1280, 600));
    // Without a font the same chart has no text: the PNG with text must be larger.
    let svg = render::svg(chart, 640, 300).unwrap();
    let blank = render::png(&svg.replace("<text", "<desc").replace("</text>", "</desc>")).unwrap();
    assert!(png.len() > blank.len() + 2000, "text adds {} bytes", png.len() as i64 - blank.len() as i64);
}

#[test]
fn the_format_follows_the_extension() {
    assert_eq!(ImageFormat::from_path("a/x.SVG".as_ref()).unwrap(), ImageFormat::Svg);
    assert_eq!(ImageFormat::from_path("x.png".as_ref()).unwrap(), ImageFormat::Png);
    let e = ImageFormat::from_path("x.jpg".as_ref()).unwrap_err().to_string();
    assert!(e.contains("hint: name the output chart.svg or chart.png"), "{e}");
}

#[test]
fn other_folds_the_smallest_groups_and_keeps_totals() {
    let t = usage_by_age();
    let folded = define::fold_other(&t, "user", "bytes", 1).unwrap();
    let total = |t: &Table| t.rows.iter().map(|r| if let Cell::Int(v) = r[2] { v } else { 0 }).sum::<i64>();
    assert_eq!(total(&folded), total(&t));
    let users: std::collections::BTreeSet<String> =
        folded.rows.iter().map(|r| if let Cell::Text(u) = &r[0] { u.clone() } else { String::new() }).collect();
    assert_eq!(users.into_iter().collect::<Vec<_>>(), vec!["(other)".to_string(), "alice".to_string()]);
    assert_eq!(folded.rows.len(), 6);
}

/// Writes every chart to $SCANLAKE_CHARTS_OUT (when set) for a person to look at.
#[test]
fn pictures_for_people() {
    let Some(dir) = std::env::var_os("SCANLAKE_CHARTS_OUT") else { return };
    for chart in charts() {
        let png = render::image(&chart, ImageFormat::Png, 800, 0).unwrap();
        std::fs::write(std::path::Path::new(&dir).join(format!("{}.png", chart.id)), png).unwrap();
    }
}
