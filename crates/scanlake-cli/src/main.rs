//! The `scanlake` binary. The only place that reads the process's command line.

// glibc's malloc spent a third of a conversion into many partitions searching its free lists
// (docs/performance.md).
#[cfg(not(target_env = "msvc"))]
#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

fn main() -> std::process::ExitCode {
    scanlake_cli::main(std::env::args_os().collect())
}
