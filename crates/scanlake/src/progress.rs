//! How long work tells its caller how far it has come. Every long operation (convert, split,
//! reports, queries, local runs) takes a `&dyn Progress`; the CLI draws bars on a terminal, the
//! Python module notebook bars, and [`NoProgress`] stays silent.

/// What [`Progress::advance`] counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Bytes,
    Tasks,
}

pub trait Progress: Sync {
    /// Work named `label` starts: `total` units in all, or an unknown amount (`None`).
    fn begin(&self, _label: &str, _total: Option<u64>, _unit: Unit) {}
    /// This many more units are done.
    fn advance(&self, _done: u64) {}
    /// What is being worked on now (an input's name, a task).
    fn status(&self, _text: &str) {}
    /// Something the user should know that is not an error (e.g. waiting for another writer).
    fn notice(&self, _message: &str) {}
    /// The work is over (successfully or not).
    fn finish(&self) {}
    /// Whether the caller wants the work to stop (Ctrl-C in Python). Long work looks often and
    /// then fails with [`Interrupted`], leaving what a killed process would leave.
    fn cancelled(&self) -> bool {
        false
    }
}

/// The error of work stopped because its caller asked ([`Progress::cancelled`]).
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// `Err(Interrupted)` once the caller has asked to stop.
pub fn check(progress: &dyn Progress) -> Result<(), Interrupted> {
    if progress.cancelled() { Err(Interrupted) } else { Ok(()) }
}

/// Reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}
