//! Reports over a dataset (usage, age, size, top, du, churn, history, growth, extensions, top files,
//! duplicates) on interchangeable engines.
//!
//! A [`Report`](spec::Report) says what to compute; an [`Engine`](engine::Engine) computes its
//! [`Partial`](partial::Partial) over some partitions; [`finish`](table::finish) turns the merged
//! partials into a [`Table`](table::Table) (fixed row order, labels, `top`), which
//! [`export`] writes. Because everything after the partial is shared, engines cannot disagree on
//! anything but the numbers, and the test suite checks those are equal.
//!
//! ```no_run
//! use scanlake::aggregate::{engine, spec, streaming::StreamingEngine};
//! use scanlake::dataset::view::DatasetView;
//! let view = DatasetView::open("lake".as_ref())?;
//! let report = spec::Report {
//!     name: "usage".into(),
//!     kind: spec::ReportKind::Grouped(spec::GroupedReport { by: vec![spec::Dimension::Uid], age: None, size: None }),
//!     filter: spec::Filter::default(),
//!     top: None,
//! };
//! let table = engine::run(&StreamingEngine, &view, &report, &engine::Limits::default(), &scanlake::progress::NoProgress)?;
//! print!("{}", String::from_utf8(scanlake::aggregate::export::render(&table, scanlake::aggregate::export::Format::Csv)?)?);
//! # Ok::<(), anyhow::Error>(())
//! ```

pub mod cells;
pub mod choose;
pub mod counters;
pub mod duplicates;
pub mod engine;
pub mod export;
pub mod extension;
pub mod filter;
pub mod history;
pub mod partial;
pub mod pathkey;
pub mod rows;
pub mod sortkey;
pub mod spec;
pub mod spill;
pub mod streaming;
pub mod summary;
pub mod table;
pub mod top_files;
