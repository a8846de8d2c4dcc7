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
}

/// Reports nothing.
pub struct NoProgress;
impl Progress for NoProgress {}
