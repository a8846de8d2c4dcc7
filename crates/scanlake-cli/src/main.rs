//! The `scanlake` binary. The only place that reads the process's command line.

// glibc's malloc spent a third of a conversion into many partitions searching its free lists
// (docs/performance.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

// An arena per CPU, not jemalloc's four: find starts a reader thread per data file, and with
// more arenas than cores freed pages were seldom reused by the next thread (twice the page
// faults; a fifth of find's time in the kernel). Read before `main`.
#[cfg(not(target_env = "msvc"))]
#[unsafe(export_name = "_rjem_malloc_conf")]
static MALLOC_CONF: &[u8; 20] = b"percpu_arena:percpu\0";

fn main() -> std::process::ExitCode {
    scanlake_cli::main(std::env::args_os().collect())
}
