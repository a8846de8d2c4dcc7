//! `scanlake._native`: the Rust side of the Python module. Every call starts a [`Job`] on a
//! thread of its own, so that Python keeps the GIL free, can draw progress and can cancel it
//! (Ctrl-C) while it runs. Arguments come as JSON: the same typed requests the CLI builds
//! (`scanlake_api::request`), built by the Python layer from keyword arguments. Tables come back
//! as Arrow IPC streams, which pyarrow maps without copying.

mod ops;

// The same allocator as the binary (see its `main.rs`), so that a conversion or a report is as
// fast from Python as from the command line.
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// jemalloc's options as the binary's (see its `main.rs`).
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 20] = b"percpu_arena:percpu\0";

use ops::{Failure, Output};
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use scanlake::progress::{Progress, Unit};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

pyo3::create_exception!(_native, NativeError, PyException, "An error of scanlake's library: (kind, message, option).");

/// What a job has done so far, read by Python while it runs.
#[derive(Default)]
struct Tracker {
    label: Mutex<String>,
    status: Mutex<String>,
    /// `u64::MAX` while the amount is unknown.
    total: AtomicU64,
    done: AtomicU64,
    tasks: AtomicBool,
    notices: Mutex<Vec<String>>,
    cancelled: AtomicBool,
}

impl Progress for Tracker {
    fn begin(&self, label: &str, total: Option<u64>, unit: Unit) {
        *self.label.lock().expect("label") = label.to_string();
        self.total.store(total.unwrap_or(u64::MAX), Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
        self.tasks.store(unit == Unit::Tasks, Ordering::Relaxed);
    }
    fn advance(&self, done: u64) {
        self.done.fetch_add(done, Ordering::Relaxed);
    }
    fn status(&self, text: &str) {
        *self.status.lock().expect("status") = text.to_string();
    }
    fn notice(&self, message: &str) {
        self.notices.lock().expect("notices").push(message.to_string());
    }
    fn cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

type Outcome = Result<Output, Failure>;

struct Shared {
    tracker: Tracker,
    outcome: Mutex<Option<Outcome>>,
    ended: Condvar,
}

/// A call into the library running on its own thread.
#[pyclass(module = "scanlake._native")]
struct Job {
    shared: Arc<Shared>,
}

#[pymethods]
impl Job {
    /// Waits up to `timeout` seconds (without the GIL); whether the job has ended.
    fn wait(&self, py: Python<'_>, timeout: f64) -> bool {
        let shared = self.shared.clone();
        py.detach(move || {
            let guard = shared.outcome.lock().expect("outcome");
            let (guard, _) = shared
                .ended
                .wait_timeout_while(guard, Duration::from_secs_f64(timeout.max(0.0)), |o| o.is_none())
                .expect("outcome");
            guard.is_some()
        })
    }

    /// `(label, total or None, done, unit, status)` of the work in progress.
    fn progress(&self) -> (String, Option<u64>, u64, &'static str, String) {
        let t = &self.shared.tracker;
        let total = t.total.load(Ordering::Relaxed);
        (
            t.label.lock().expect("label").clone(),
            (total != u64::MAX).then_some(total),
            t.done.load(Ordering::Relaxed),
            if t.tasks.load(Ordering::Relaxed) { "tasks" } else { "bytes" },
            t.status.lock().expect("status").clone(),
        )
    }

    /// Messages for the user since the last call (e.g. waiting for another writer).
    fn notices(&self) -> Vec<String> {
        std::mem::take(&mut *self.shared.tracker.notices.lock().expect("notices"))
    }

    /// Asks the job to stop; it ends soon after with an `interrupted` error.
    fn cancel(&self) {
        self.shared.tracker.cancelled.store(true, Ordering::Relaxed);
    }

    /// The job's result (JSON text, Arrow IPC bytes, or a `Stream` of a report's rows, which
    /// only the first call gets); raises `NativeError` if it failed.
    fn result<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let mut guard = self.shared.outcome.lock().expect("outcome");
        if let Some(Ok(Output::Rows(_))) = guard.as_ref() {
            let Some(Ok(Output::Rows(rows))) = guard.take() else { unreachable!() };
            return Ok(stream(move |tx| ops::send_rows(rows, tx))?.into_pyobject(py)?.into_any());
        }
        match guard.as_ref() {
            None => Err(PyException::new_err("the job has not ended (or its rows were taken)")),
            Some(Ok(Output::Rows(_))) => unreachable!(),
            Some(Ok(Output::Json(text))) => Ok(text.clone().into_pyobject(py)?.into_any()),
            Some(Ok(Output::Bytes(bytes))) => Ok(PyBytes::new(py, bytes).into_any()),
            Some(Err(f)) => Err(NativeError::new_err((f.kind, f.message.clone(), f.option.clone()))),
        }
    }
}

/// Starts `op` with its JSON arguments on a thread of its own.
#[pyfunction]
fn start(op: String, args: String) -> PyResult<Job> {
    let shared = Arc::new(Shared { tracker: Tracker::default(), outcome: Mutex::new(None), ended: Condvar::new() });
    shared.tracker.total.store(u64::MAX, Ordering::Relaxed);
    let worker = shared.clone();
    std::thread::Builder::new()
        .name(format!("scanlake-{op}"))
        .spawn(move || {
            let outcome = guarded(|| ops::run(&op, &args, &worker.tracker));
            *worker.outcome.lock().expect("outcome") = Some(outcome);
            worker.ended.notify_all();
        })
        .map_err(|e| PyException::new_err(format!("cannot start a thread: {e}")))?;
    Ok(Job { shared })
}

/// `work`, with a panic turned into an `internal` failure.
fn guarded<T>(work: impl FnOnce() -> Result<T, Failure>) -> Result<T, Failure> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown".into());
        Err(Failure { kind: "internal", message: format!("scanlake failed unexpectedly: {what}"), option: None })
    })
}

/// Rows arriving batch by batch (each an Arrow IPC stream of one batch); the producer waits
/// while Python has not taken the last ones, so memory stays flat, and stops when the stream
/// is dropped. It ends with an explicit end mark: a producer gone without one is an error, not
/// a short result.
#[pyclass(module = "scanlake._native")]
struct Stream {
    batches: Mutex<std::sync::mpsc::Receiver<Outcome>>,
}

/// The end mark a producer sends after its last batch.
fn end_mark() -> Outcome {
    Ok(Output::Json(String::new()))
}

#[pymethods]
impl Stream {
    /// The next batch as IPC bytes, or `None` at the end (waits without the GIL, and lets
    /// Ctrl-C through every 100 ms).
    fn next<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyBytes>>> {
        use std::sync::mpsc::RecvTimeoutError;
        loop {
            let received = py.detach(|| self.batches.lock().expect("stream").recv_timeout(Duration::from_millis(100)));
            return match received {
                Err(RecvTimeoutError::Timeout) => {
                    py.check_signals()?;
                    continue;
                }
                Err(RecvTimeoutError::Disconnected) => Err(NativeError::new_err((
                    "internal",
                    "scanlake's stream of rows ended before its last batch".to_string(),
                    None::<String>,
                ))),
                Ok(Ok(Output::Bytes(b))) => Ok(Some(PyBytes::new(py, &b))),
                Ok(Ok(_)) => Ok(None),
                Ok(Err(f)) => Err(NativeError::new_err((f.kind, f.message, f.option))),
            };
        }
    }
}

/// A [`Stream`] fed by `produce` on a thread of its own.
fn stream(
    produce: impl FnOnce(&std::sync::mpsc::SyncSender<Outcome>) -> Result<(), Failure> + Send + 'static,
) -> PyResult<Stream> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<Outcome>(4);
    std::thread::Builder::new()
        .name("scanlake-stream".into())
        .spawn(move || {
            let _ = tx.send(guarded(|| produce(&tx)).and_then(|()| end_mark()));
        })
        .map_err(|e| PyException::new_err(format!("cannot start a thread: {e}")))?;
    Ok(Stream { batches: Mutex::new(rx) })
}

/// Starts a scan (`{dataset, filter, columns, limits}`) on a thread of its own.
#[pyfunction]
fn scan(args: String) -> PyResult<Stream> {
    stream(move |tx| ops::scan(&args, tx))
}

/// The `scanlake` command, run with `argv` (program name first); returns its exit status.
#[pyfunction]
fn cli(py: Python<'_>, argv: Vec<String>) -> i32 {
    let argv: Vec<std::ffi::OsString> = argv.into_iter().map(Into::into).collect();
    py.detach(move || if scanlake_cli::main(argv) == std::process::ExitCode::SUCCESS { 0 } else { 1 })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Job>()?;
    m.add_class::<Stream>()?;
    m.add_function(wrap_pyfunction!(start, m)?)?;
    m.add_function(wrap_pyfunction!(scan, m)?)?;
    m.add_function(wrap_pyfunction!(cli, m)?)?;
    m.add("NativeError", m.py().get_type::<NativeError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
