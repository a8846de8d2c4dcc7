//! What a task used, measured by the process that does it: wall time, CPU (its own and its
//! waited-for children's), peak resident memory, bytes read and written, the host and the
//! threads it was allowed. Read from `/proc/self`, so it works the same for local runs and Slurm
//! jobs, with no accounting database.
//!
//! CPU times come from `/proc/self/stat` in clock ticks of 1/100 s (`USER_HZ`, fixed at 100 by
//! the kernel's ABI). The peak is `VmHWM` of `/proc/self/status`, reset when a task starts (by
//! writing `5` to `/proc/self/clear_refs`), so one process running many tasks one after another
//! still measures each; where the reset is refused, the peak is the process's since it started.

use serde::{Deserialize, Serialize};
use std::time::Instant;

/// A task attempt's use of the machine.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    pub wall_ms: i64,
    pub user_ms: i64,
    pub system_ms: i64,
    /// CPU of child processes the task waited for.
    pub children_user_ms: i64,
    pub children_system_ms: i64,
    /// Peak resident memory while the task ran (KiB).
    pub peak_rss_kib: Option<i64>,
    /// Bytes the task read and wrote through system calls (`rchar`, `wchar`): cached reads too.
    pub read_bytes: Option<i64>,
    pub written_bytes: Option<i64>,
    /// Bytes that went to or came from storage (`read_bytes`, `write_bytes`).
    pub storage_read_bytes: Option<i64>,
    pub storage_written_bytes: Option<i64>,
    /// Threads the task was allowed (cores of its affinity, cgroup or Slurm allocation).
    pub threads: i64,
    /// Whether the peak is the task's own (`false`: the process's since it started).
    pub peak_is_task: bool,
    /// When the measurement began (milliseconds since the epoch): the store's times are whole
    /// seconds, too coarse to draw short tasks one after another.
    #[serde(default)]
    pub started_ms: Option<i64>,
}

impl Usage {
    /// User and system CPU, the children's included.
    pub fn cpu_ms(&self) -> i64 {
        self.user_ms + self.system_ms + self.children_user_ms + self.children_system_ms
    }
}

/// Measures one task: started before it, read after it.
pub struct Meter {
    started: Instant,
    started_ms: Option<i64>,
    cpu: Option<Cpu>,
    io: Option<Io>,
    peak_is_task: bool,
    threads: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Cpu {
    user: i64,
    system: i64,
    children_user: i64,
    children_system: i64,
}

#[derive(Debug, Clone, Copy, Default)]
struct Io {
    rchar: i64,
    wchar: i64,
    read_bytes: i64,
    write_bytes: i64,
}

/// Milliseconds per clock tick of `/proc/PID/stat`.
const MS_PER_TICK: i64 = 10;

impl Meter {
    pub fn start() -> Meter {
        let peak_is_task = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
        Meter {
            started: Instant::now(),
            started_ms: since_epoch.ok().map(|d| d.as_millis() as i64),
            cpu: cpu(),
            io: io(),
            peak_is_task,
            threads: scanlake::resources::Resources::detect().cpus as i64,
        }
    }

    /// What the task used since [`Meter::start`].
    pub fn read(&self) -> Usage {
        let wall_ms = self.started.elapsed().as_millis() as i64;
        let (c0, c1) = (self.cpu.unwrap_or_default(), cpu().unwrap_or_default());
        let io_delta = match (self.io, io()) {
            (Some(a), Some(b)) => Some(Io {
                rchar: b.rchar - a.rchar,
                wchar: b.wchar - a.wchar,
                read_bytes: b.read_bytes - a.read_bytes,
                write_bytes: b.write_bytes - a.write_bytes,
            }),
            _ => None,
        };
        Usage {
            wall_ms,
            user_ms: (c1.user - c0.user) * MS_PER_TICK,
            system_ms: (c1.system - c0.system) * MS_PER_TICK,
            children_user_ms: (c1.children_user - c0.children_user) * MS_PER_TICK,
            children_system_ms: (c1.children_system - c0.children_system) * MS_PER_TICK,
            peak_rss_kib: peak_rss_kib(),
            read_bytes: io_delta.map(|d| d.rchar),
            written_bytes: io_delta.map(|d| d.wchar),
            storage_read_bytes: io_delta.map(|d| d.read_bytes),
            storage_written_bytes: io_delta.map(|d| d.write_bytes),
            threads: self.threads,
            peak_is_task: self.peak_is_task,
            started_ms: self.started_ms,
        }
    }
}

/// utime, stime, cutime, cstime: fields 14–17 of `/proc/self/stat`, counted after the command
/// name's closing parenthesis (a name may hold spaces and parentheses).
fn cpu() -> Option<Cpu> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    parse_stat(&stat)
}

fn parse_stat(stat: &str) -> Option<Cpu> {
    let fields: Vec<&str> = stat[stat.rfind(')')? + 1..].split_whitespace().collect();
    let field = |n: usize| fields.get(n - 3)?.parse::<i64>().ok();
    Some(Cpu { user: field(14)?, system: field(15)?, children_user: field(16)?, children_system: field(17)? })
}

fn io() -> Option<Io> {
    let text = std::fs::read_to_string("/proc/self/io").ok()?;
    let value =
        |key: &str| text.lines().find_map(|l| l.strip_prefix(key)?.strip_prefix(':')?.trim().parse::<i64>().ok());
    Some(Io {
        rchar: value("rchar")?,
        wchar: value("wchar")?,
        read_bytes: value("read_bytes")?,
        write_bytes: value("write_bytes")?,
    })
}

fn peak_rss_kib() -> Option<i64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    text.lines().find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix("kB")?.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    #[test]
    fn the_stat_line_is_read_after_the_command_name() {
        let line = "4242 (a (b) c) S 1 2 3 4 5 6 7 8 9 10 250 31 7 2 20 0 1 0 100 200 300";
        let cpu = parse_stat(line).unwrap();
        assert_eq!((cpu.user, cpu.system, cpu.children_user, cpu.children_system), (250, 31, 7, 2));
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn a_task_that_computes_allocates_and_reads_is_measured() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data");
        std::fs::File::create(&file).unwrap().write_all(&vec![7u8; 8 << 20]).unwrap();
        let meter = Meter::start();
        // Half a second of CPU, 200 MiB touched, the file read.
        let until = Instant::now() + std::time::Duration::from_millis(500);
        let mut x = 0u64;
        while Instant::now() < until {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        let block = vec![x as u8 | 1; 200 << 20];
        let mut read = Vec::new();
        std::fs::File::open(&file).unwrap().read_to_end(&mut read).unwrap();
        let usage = meter.read();
        assert!(block.iter().step_by(4096).all(|&b| b != 0));
        assert!(usage.wall_ms >= 500, "{usage:?}");
        assert!(usage.user_ms + usage.system_ms >= 300, "half a second of CPU: {usage:?}");
        assert!(usage.peak_rss_kib.unwrap() >= 200 << 10, "{usage:?}");
        assert!(usage.read_bytes.unwrap() >= 8 << 20, "{usage:?}");
        assert!(usage.threads >= 1);
        // A second task in the same process measures its own peak, not the first one's.
        drop(block);
        let second = Meter::start();
        let small = vec![1u8; 1 << 20];
        let usage2 = second.read();
        assert_eq!(small.len(), 1 << 20);
        if usage2.peak_is_task {
            assert!(usage2.peak_rss_kib.unwrap() < 150 << 10, "the peak was reset: {usage2:?}");
        }
    }
}
