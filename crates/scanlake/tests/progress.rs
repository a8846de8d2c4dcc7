//! Every long operation reports through the one `Progress` interface: what it announces as its
//! total is what it then advances by.

use scanlake::aggregate::engine::{Limits, run};
use scanlake::aggregate::spec::{ChurnBy, ChurnReport, Dimension, DuReport, Filter, GroupedReport, Report, ReportKind};
use scanlake::aggregate::streaming::StreamingEngine;
use scanlake::convert::{ConvertOptions, convert};
use scanlake::dataset::view::DatasetView;
use scanlake::generate::{GenOptions, generate_to_path};
use scanlake::progress::{Progress, Unit};
use scanlake::split::{ChunkCompression, SplitBy, split};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
struct Recorder {
    begun: Mutex<Vec<(String, Option<u64>, Unit)>>,
    advanced: AtomicU64,
    finished: AtomicU64,
}

impl Progress for Recorder {
    fn begin(&self, label: &str, total: Option<u64>, unit: Unit) {
        self.begun.lock().unwrap().push((label.to_string(), total, unit));
        self.advanced.store(0, Ordering::SeqCst);
    }
    fn advance(&self, done: u64) {
        self.advanced.fetch_add(done, Ordering::SeqCst);
    }
    fn finish(&self) {
        self.finished.fetch_add(1, Ordering::SeqCst);
    }
}

impl Recorder {
    fn last(&self) -> (String, Option<u64>, Unit, u64) {
        let (l, t, u) = self.begun.lock().unwrap().last().cloned().unwrap();
        (l, t, u, self.advanced.load(Ordering::SeqCst))
    }
}

#[test]
fn convert_split_and_reports_advance_to_what_they_announced() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("fs1.2026-11-01.list"), dir.path().join("fs1.2026-11-08.list"));
    for (p, seed) in [(&old, 1), (&new, 2)] {
        let opts = GenOptions { records: 20_000, seed, acq: GenOptions::default().acq, ..GenOptions::default() };
        generate_to_path(&opts, p).unwrap();
    }
    let size = std::fs::metadata(&old).unwrap().len();

    let p = Recorder::default();
    let lake = dir.path().join("lake");
    let opts = ConvertOptions { chunk_bytes: 64 << 10, ..ConvertOptions::default() };
    convert(std::slice::from_ref(&old), &lake, &opts, &p).unwrap();
    assert_eq!(p.last(), ("convert".to_string(), Some(size), Unit::Bytes, size));

    let p = Recorder::default();
    split(&old, &dir.path().join("chunks"), SplitBy::Chunks(3), ChunkCompression::None, &p).unwrap();
    assert_eq!(p.last(), ("split".to_string(), Some(size), Unit::Bytes, size));

    let opts = ConvertOptions { acq: Some("2026-11-08".parse().unwrap()), ..ConvertOptions::default() };
    convert(&[new], &lake, &opts, &scanlake::progress::NoProgress).unwrap();
    let view = DatasetView::open(&lake).unwrap();
    let grouped = ReportKind::Grouped(GroupedReport { by: vec![Dimension::Uid], age: None, size: None });
    let du = ReportKind::Du(DuReport { max_depth: 4, min_depth: 0 });
    let from = "2026-11-01".parse().unwrap();
    let churn = ReportKind::Churn(ChurnReport { from, to: "2026-11-08".parse().unwrap(), by: ChurnBy::Tld });
    for (name, kind) in [("usage", grouped), ("du", du), ("churn", churn)] {
        let p = Recorder::default();
        let report = Report { name: name.into(), kind, filter: Filter::default(), top: None };
        run(&StreamingEngine, &view, &report, &Limits::default(), &p).unwrap();
        let (label, total, unit, done) = p.last();
        assert_eq!(label, format!("{name} on streaming"));
        assert_eq!(unit, Unit::Tasks);
        assert!(total.unwrap() > 1, "{name}: {total:?}");
        assert_eq!(Some(done), total, "{name}");
        assert_eq!(p.finished.load(Ordering::SeqCst), 1);
    }
}
