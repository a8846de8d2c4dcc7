//! Static images without a browser: ECharts' server-side SVG renderer in QuickJS, then resvg for
//! PNG with the bundled font.

use crate::chart::Chart;
use anyhow::{Context as _, Result, anyhow};
use resvg::{tiny_skia, usvg};
use rquickjs::{CatchResultExt, Context, Runtime};
use std::sync::Arc;

/// Where the chart has no height of its own.
pub const DEFAULT_WIDTH: u32 = 900;
/// PNGs are drawn at twice the SVG's size, for screens that have the pixels.
pub const PNG_SCALE: f32 = 2.0;

// QuickJS is a bare engine: ECharts looks for these, and animation is off, so timers never fire.
const PRELUDE: &str = "var console = { log() {}, warn() {}, error() {}, info() {} };\n\
    var setTimeout = function () { return 0; }, clearTimeout = function () {};\n";

/// The chart as an SVG document, `width` × `height` pixels (`height` 0: the chart's own).
pub fn svg(chart: &Chart, width: u32, height: u32) -> Result<String> {
    let height = if height == 0 { chart.height } else { height };
    let runtime = Runtime::new().context("starting QuickJS")?;
    runtime.set_memory_limit(1 << 30);
    let context = Context::full(&runtime).context("starting QuickJS")?;
    let script = format!(
        "(function () {{ var chart = echarts.init(null, null, {{ renderer: 'svg', ssr: true, width: {width}, height: {height} }});\n\
         var option = scanlakeCharts.option({});\n option.backgroundColor = '#ffffff';\n\
         option.textStyle = {{ fontFamily: 'DejaVu Sans' }};\n chart.setOption(option);\n\
         var svg = chart.renderToSVGString(); chart.dispose(); return svg; }})()",
        chart.to_json()
    );
    context.with(|ctx| {
        for (name, source) in [("prelude", PRELUDE), ("echarts", crate::ECHARTS_JS), ("charts.js", crate::CHARTS_JS)] {
            ctx.eval::<(), _>(source).catch(&ctx).map_err(|e| anyhow!("loading {name} into QuickJS: {e}"))?;
        }
        ctx.eval::<String, _>(script).catch(&ctx).map_err(|e| anyhow!("drawing chart '{}': {e}", chart.id))
    })
}

fn fonts() -> Arc<usvg::fontdb::Database> {
    let mut db = usvg::fontdb::Database::new();
    db.load_font_data(crate::FONT.to_vec());
    for set in [
        usvg::fontdb::Database::set_sans_serif_family,
        usvg::fontdb::Database::set_serif_family,
        usvg::fontdb::Database::set_monospace_family,
    ] {
        set(&mut db, "DejaVu Sans");
    }
    Arc::new(db)
}

/// An SVG document as PNG bytes, with the bundled font for every family it names.
pub fn png(svg: &str) -> Result<Vec<u8>> {
    let options = usvg::Options { fontdb: fonts(), font_family: "DejaVu Sans".into(), ..Default::default() };
    let tree = usvg::Tree::from_str(svg, &options).context("reading the chart's SVG")?;
    let size = tree.size().to_int_size().scale_by(PNG_SCALE).ok_or_else(|| anyhow!("the chart has no size"))?;
    let mut pixmap =
        tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| anyhow!("the chart is too large to draw"))?;
    pixmap.fill(tiny_skia::Color::WHITE);
    resvg::render(&tree, tiny_skia::Transform::from_scale(PNG_SCALE, PNG_SCALE), &mut pixmap.as_mut());
    pixmap.encode_png().context("encoding the PNG")
}

/// An image format `plot` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageFormat {
    Svg,
    Png,
}

impl ImageFormat {
    /// The format an output path's extension names.
    pub fn from_path(path: &std::path::Path) -> Result<ImageFormat> {
        match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("svg") => Ok(ImageFormat::Svg),
            Some("png") => Ok(ImageFormat::Png),
            _ => Err(anyhow!(
                "cannot tell the image format of '{}'\nhint: name the output chart.svg or chart.png",
                path.display()
            )),
        }
    }
}

/// The chart as an image of that format.
pub fn image(chart: &Chart, format: ImageFormat, width: u32, height: u32) -> Result<Vec<u8>> {
    let svg = svg(chart, width, height)?;
    match format {
        ImageFormat::Svg => Ok(svg.into_bytes()),
        ImageFormat::Png => png(&svg),
    }
}
