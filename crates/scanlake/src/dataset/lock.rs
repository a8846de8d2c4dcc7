//! The two locks of a dataset, both `flock`s under `_scanlake/` that the kernel releases when their
//! holder dies:
//! - `lock`: one writer at a time. A writer that has to wait says for whom (the holder writes its
//!   pid, host and start time into the file) and gives up after an optional timeout.
//! - `readers`: readers hold it shared for as long as they read. Files that a commit replaced are
//!   deleted only by a writer that gets it exclusively, that is when no reader can still be using
//!   them (see [`super::Dataset`]).

use anyhow::{Context, Result, bail};
use std::fs::{File, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::Path;
use std::time::{Duration, Instant};

pub const WRITER_LOCK: &str = "lock";
pub const READERS_LOCK: &str = "readers";

/// How a writer waits for the writer lock.
#[derive(Clone, Copy)]
pub struct LockWait<'a> {
    /// Give up after this long; `None` waits as long as it takes.
    pub timeout: Option<Duration>,
    /// Told once, with a sentence naming the holder, when the lock is busy.
    pub notice: &'a dyn Fn(&str),
}

impl Default for LockWait<'_> {
    fn default() -> Self {
        LockWait { timeout: None, notice: &|_| {} }
    }
}

/// Takes the writer lock of the dataset whose metadata directory is `meta`, and makes sure the
/// readers lock exists (readers can only hold what exists, and a writer creates datasets).
pub fn lock_writer(meta: &Path, wait: LockWait<'_>) -> Result<File> {
    let path = meta.join(WRITER_LOCK);
    let mut file = File::options()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .open(&path)
        .with_context(|| format!("cannot open the lock file {}", path.display()))?;
    let started = Instant::now();
    // Read once, when the lock is first found busy.
    let mut holder: Option<String> = None;
    loop {
        match file.try_lock() {
            Ok(()) => break,
            Err(TryLockError::WouldBlock) => {}
            Err(TryLockError::Error(e)) => return Err(e).with_context(|| format!("cannot lock {}", path.display())),
        }
        let holder = holder.get_or_insert_with(|| {
            let holder = holder_of(&mut file);
            (wait.notice)(&format!(
                "waiting for {holder} to finish writing to this dataset{}",
                wait.timeout.map_or(String::new(), |t| format!(" (at most {} s)", t.as_secs_f64()))
            ));
            holder
        });
        if wait.timeout.is_some_and(|t| started.elapsed() >= t) {
            bail!(
                "the dataset is locked by {holder}; gave up after {:.0} s\nhint: wait for that writer to finish (a stopped or suspended process keeps the lock until it ends), or allow a longer lock timeout",
                started.elapsed().as_secs_f64()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let readers = meta.join(READERS_LOCK);
    File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&readers)
        .with_context(|| format!("cannot create {}", readers.display()))?;
    // Say who holds it now, for writers that will wait on us.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let stamp = format!("{} {} {}\n", std::process::id(), if host.is_empty() { "?" } else { &host }, since);
    file.set_len(0).and_then(|_| file.rewind()).and_then(|_| file.write_all(stamp.as_bytes())).ok();
    Ok(file)
}

/// "pid 123 on host n1 since 2026-11-22 10:00:00 UTC", from what the holder wrote.
fn holder_of(file: &mut File) -> String {
    let mut text = String::new();
    file.rewind().and_then(|_| file.read_to_string(&mut text)).ok();
    let mut words = text.split_whitespace();
    match (words.next(), words.next(), words.next().and_then(|s| s.parse::<i64>().ok())) {
        (Some(pid), Some(host), Some(since)) => format!(
            "another writer (pid {pid} on host {host} since {} UTC)",
            &crate::format::time::format_timestamp_micros(since * 1_000_000)[..19]
        ),
        _ => "another writer".to_string(),
    }
}

/// A reader's hold on a dataset: while any exists, no file it may read is deleted. The default
/// holds nothing.
#[derive(Debug, Default)]
pub struct ReadLease {
    _file: Option<File>,
}

impl ReadLease {
    /// Takes the shared readers lock of the dataset at `root` (waiting only while a writer deletes
    /// replaced files). A dataset without the lock file (none written yet, or read-only to us and
    /// made by an older version) gets a lease that holds nothing.
    pub fn take(root: &Path) -> Result<ReadLease> {
        let path = root.join(super::META_DIR).join(READERS_LOCK);
        let file = match File::open(&path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ReadLease { _file: None }),
            Err(e) => return Err(e).with_context(|| format!("cannot open {}", path.display())),
        };
        file.lock_shared().with_context(|| format!("cannot lock {}", path.display()))?;
        Ok(ReadLease { _file: Some(file) })
    }
}

/// Runs `f` only if no reader holds the dataset (never waits); `None` when one does. For writers,
/// which have created the lock file with [`lock_writer`].
pub fn without_readers<T>(meta: &Path, f: impl FnOnce() -> T) -> Result<Option<T>> {
    let path = meta.join(READERS_LOCK);
    let file = File::open(&path).with_context(|| format!("cannot open {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(f())),
        Err(TryLockError::WouldBlock) => Ok(None),
        Err(TryLockError::Error(e)) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}
