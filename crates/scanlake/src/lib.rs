//! scanlake turns the LIST output of IBM Storage Scale (GPFS) `mmapplypolicy` into a partitioned
//! Parquet dataset.
//!
//! The stages are modules that can be used alone:
//! - [`format`]: policy lines (bytes) into records; knows nothing of Parquet.
//! - [`dataset`]: the on-disk layout, manifest, rejects and atomic commits; knows nothing of the
//!   log format.
//! - [`convert`]: the parallel pipeline from input files to a dataset.
//! - [`split`]: cuts an input into line-aligned chunks for batch arrays.
//! - [`generate`]: synthetic scans for demos, tests and benchmarks.
//! - [`aggregate`]: the reports — usage, age, size, top, du, churn, extensions, duplicates,
//!   history — on interchangeable engines, and the usage summaries history reads instead of rows.
//! - [`find`]: the rows a filter keeps, in path order; per-owner lists.
//! - [`quota`]: `mmrepquota -Y` beside the scan's usage.
//! - [`tree`]: a scan as ncdu's JSON export.
//!
//! ```no_run
//! use scanlake::convert::{convert, ConvertOptions, NoProgress};
//! let summary = convert(&["fs1.2024-03-01.list.allfiles".into()], "lake".as_ref(),
//!                       &ConvertOptions::default(), &NoProgress)?;
//! assert_eq!(summary.rows + summary.rejects + summary.skipped, summary.lines);
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod aggregate;
pub mod convert;
pub mod dataset;
pub mod find;
pub mod format;
pub mod generate;
pub mod names;
pub mod options;
pub mod progress;
pub mod quota;
pub mod resources;
pub mod split;
pub mod tree;
