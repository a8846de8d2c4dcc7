//! `scanlake report`: the HTML report (`page`) and, where asked, the per-user pages
//! (`users_page`), for every interface.

use crate::page::{PageRequest, PageSummary, dates};
use crate::settings::Settings;
use anyhow::Result;
use scanlake::dataset::view::DatasetView;
use scanlake::progress::Progress;
use std::path::Path;

/// Writes the report to `path` and, with `request.per_user`, a page per owner into that directory.
pub fn write(
    view: &DatasetView,
    request: &PageRequest,
    settings: &Settings,
    path: &Path,
    progress: &dyn Progress,
) -> Result<PageSummary> {
    let mut summary = crate::page::write(view, request, settings, path, progress)?;
    if let Some(dir) = &request.per_user {
        let (acq, _) = dates(view, request)?;
        summary.user_pages = crate::users_page::write(view, request, settings, dir, acq, progress)?;
    }
    Ok(summary)
}
