//! `export-tree`: one scan date (or a subtree: the filter's one prefix) as the JSON export that
//! `ncdu -f` reads (see [`scanlake::tree`]). The filter resolves as `find`'s does.

use crate::find::resolve;
use crate::request::NameOptions;
use crate::settings::Settings;
use anyhow::Result;
use scanlake::aggregate::filter::Filter;
use scanlake::dataset::view::DatasetView;
use scanlake::progress::Progress;
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub use scanlake::tree::TreeSummary;

/// What to export: the rows a filter keeps, of one scan date (`filter.acq`, else the latest);
/// the top directory is the filter's one prefix, else the directory that holds every tld.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TreeRequest {
    pub filter: Filter,
    pub names: NameOptions,
}

/// Writes the tree to `out` as it is read.
pub fn export_tree(
    view: Arc<DatasetView>,
    request: &TreeRequest,
    settings: &Settings,
    out: &mut dyn Write,
    progress: &dyn Progress,
) -> Result<TreeSummary> {
    let (filter, acq) = resolve(&view, &request.filter, &request.names, settings, "export-tree")?;
    scanlake::tree::export(view, &filter, acq, env!("CARGO_PKG_VERSION"), out, progress)
}

/// Writes the tree to `path`, which appears whole or not at all (a device or FIFO, such as
/// `/dev/null`, is written into as it is, like a report's output).
pub fn export_tree_to(
    view: Arc<DatasetView>,
    request: &TreeRequest,
    settings: &Settings,
    path: &Path,
    progress: &dyn Progress,
) -> Result<TreeSummary> {
    let mut summary = None;
    scanlake::aggregate::export::write_with(path, |f| {
        summary = Some(export_tree(view, request, settings, f, progress)?);
        Ok(())
    })?;
    Ok(summary.expect("a tree written has a summary"))
}
