//! Terminal output: errors with their causes and hints, progress bars, sizes.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scanlake::convert::Progress;
use std::io::IsTerminal;
use std::path::Path;

/// Prints `error: …`, each cause, and any `hint:` lines the messages carry.
pub fn print_error(e: &anyhow::Error) {
    let mut hints = Vec::new();
    for (i, cause) in e.chain().enumerate() {
        let text = cause.to_string();
        let mut lines = text.lines();
        let first = lines.next().unwrap_or_default();
        if i == 0 {
            eprintln!("error: {first}");
        } else {
            eprintln!("  caused by: {first}");
        }
        for line in lines {
            match line.strip_prefix("hint: ") {
                Some(h) => hints.push(h.to_string()),
                None => eprintln!("  {line}"),
            }
        }
    }
    for h in hints {
        eprintln!("hint: {h}");
    }
}

/// A byte progress bar on stderr, drawn only when stderr is a terminal.
pub struct Bar(ProgressBar);

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        let bar = ProgressBar::with_draw_target(Some(0), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{bar:25}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg}",
            )
            .expect("valid template")
            .progress_chars("=> "),
        );
        Bar(bar)
    }
}

impl Progress for Bar {
    fn begin(&self, total: u64) {
        self.0.set_length(total);
    }
    fn advance(&self, bytes: u64) {
        self.0.inc(bytes);
    }
    fn input(&self, path: &Path) {
        self.0.set_message(path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    }
    fn notice(&self, message: &str) {
        // Always said, bar or not: a user must know why nothing happens.
        self.0.suspend(|| eprintln!("scanlake: {message}"));
    }
    fn finish(&self) {
        self.0.finish_and_clear();
    }
}

/// A spinner with a message on stderr while work runs, drawn only when stderr is a terminal.
pub fn spinner(message: &str) -> ProgressBar {
    let target =
        if std::io::stderr().is_terminal() { ProgressDrawTarget::stderr() } else { ProgressDrawTarget::hidden() };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(ProgressStyle::with_template("{spinner} {msg} {elapsed}").expect("valid template"));
    bar.set_message(message.to_string());
    bar.enable_steady_tick(std::time::Duration::from_millis(120));
    bar
}

/// `1.5 GiB`-style sizes for humans.
pub fn human_bytes(n: i64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v.abs() >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 { format!("{n} B") } else { format!("{v:.1} {}", UNITS[u]) }
}
