//! The `scanlake` binary. The only place that reads the process's command line.

fn main() -> std::process::ExitCode {
    scanlake_cli::main(std::env::args_os().collect())
}
