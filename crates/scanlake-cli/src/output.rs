//! Terminal output: errors with their causes and hints, progress bars, option names as flags.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use scanlake::progress::{Progress, Unit};
use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::OnceLock;

/// The library names options `` `like_this` ``; on the command line they are flags.
pub fn flags(text: &str) -> String {
    static FLAGS: OnceLock<HashMap<String, String>> = OnceLock::new();
    let map = FLAGS.get_or_init(|| {
        let mut map = HashMap::new();
        let mut todo = vec![<crate::Cli as clap::CommandFactory>::command()];
        while let Some(cmd) = todo.pop() {
            for a in cmd.get_arguments() {
                let flag = match (a.get_long(), a.get_short()) {
                    (Some(l), _) => format!("--{l}"),
                    (None, Some(s)) => format!("-{s}"),
                    _ => continue,
                };
                map.entry(a.get_id().to_string()).or_insert(flag);
            }
            todo.extend(cmd.get_subcommands().cloned());
        }
        // Names the library uses that differ from the flags' ids.
        map.insert("n".into(), "-n".into());
        map.insert("mem".into(), "--mem".into());
        map
    });
    scanlake::options::render_mentions(text, |name| map.get(name).cloned())
}

/// Prints `error: …`, each cause, and any `hint:` lines the messages carry.
pub fn print_error(e: &anyhow::Error) {
    let mut hints = Vec::new();
    for (i, cause) in e.chain().enumerate() {
        let text = flags(&cause.to_string());
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

/// A progress bar on stderr, drawn only when stderr is a terminal: bytes or tasks with a total,
/// a spinner with the time spent when the amount is unknown. Notices are always said.
pub struct Bar {
    bar: ProgressBar,
    /// What tasks of a local run say is their output, as a job's is its log: stdout.
    notices_to_stdout: bool,
}

impl Bar {
    pub fn new(quiet: bool) -> Bar {
        let target = if quiet || !std::io::stderr().is_terminal() {
            ProgressDrawTarget::hidden()
        } else {
            ProgressDrawTarget::stderr()
        };
        Bar { bar: ProgressBar::with_draw_target(None, target), notices_to_stdout: false }
    }

    /// The bar of a local run: tasks counted on stderr, what each says on stdout.
    pub fn for_run() -> Bar {
        Bar { notices_to_stdout: true, ..Bar::new(false) }
    }
}

impl Progress for Bar {
    fn begin(&self, label: &str, total: Option<u64>, unit: Unit) {
        let template = match (total, unit) {
            (Some(_), Unit::Bytes) => {
                "{spinner} [{bar:25}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {prefix} {wide_msg}"
            }
            (Some(_), Unit::Tasks) => "{spinner} [{bar:25}] {pos}/{len} tasks {prefix} {wide_msg}",
            (None, _) => "{spinner} {prefix} {wide_msg} {elapsed}",
        };
        self.bar.set_style(ProgressStyle::with_template(template).expect("valid template").progress_chars("=> "));
        self.bar.set_prefix(label.to_string());
        self.bar.set_position(0);
        self.bar.set_length(total.unwrap_or(0));
        if total.is_none() {
            self.bar.enable_steady_tick(std::time::Duration::from_millis(120));
        }
    }
    fn advance(&self, done: u64) {
        self.bar.inc(done);
    }
    fn status(&self, text: &str) {
        self.bar.set_message(text.to_string());
    }
    fn notice(&self, message: &str) {
        // Always said, bar or not: a user must know why nothing happens.
        if self.notices_to_stdout {
            self.bar.suspend(|| println!("{}", flags(message)));
        } else {
            self.bar.suspend(|| eprintln!("scanlake: {}", flags(message)));
        }
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// What a batch task says goes to its log (stdout), as lines.
pub struct TaskLog;

impl Progress for TaskLog {
    fn notice(&self, message: &str) {
        println!("{}", flags(message));
    }
}

#[cfg(test)]
mod tests {
    use super::flags;

    /// `` `word` `` left after rendering: an option the command line does not have.
    fn unrendered(text: &str) -> Vec<String> {
        text.split('`')
            .skip(1)
            .step_by(2)
            .filter(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn every_option_the_built_in_rules_mention_is_a_flag() {
        let rules = scanlake_batch::analyze::Rules::load(&[]).unwrap();
        let mut hints = Vec::new();
        for hint in rules.all().iter().filter_map(|r| r.hint.as_deref()) {
            let shown = flags(hint);
            assert!(unrendered(&shown).is_empty(), "{hint:?} names an option scanlake does not have: {shown}");
            hints.push(shown);
        }
        let time = hints.iter().find(|h| h.contains("more time")).unwrap();
        assert!(time.contains("--time-limit") && time.contains("--chunks"), "{time}");
        assert!(!hints.iter().any(|h| h.contains("--time ")), "{hints:?}");
    }

    #[test]
    fn every_option_the_built_in_advice_mentions_is_a_flag() {
        let advisor = scanlake_batch::advice::Advisor::load(&[]).unwrap();
        let mut shown = Vec::new();
        for rule in advisor.all() {
            let text = flags(&rule.text);
            assert!(unrendered(&text).is_empty(), "{:?} names an option scanlake does not have: {text}", rule.text);
            shown.push(text);
        }
        assert!(shown.iter().any(|t| t.contains("--mem {suggested_memory}")), "{shown:?}");
        assert!(shown.iter().any(|t| t.contains("more --chunks")), "{shown:?}");
        assert!(shown.iter().any(|t| t.contains("more --tasks")), "{shown:?}");
        assert!(shown.iter().any(|t| t.contains("--cpus-per-task") && !t.contains("--time-limit")), "{shown:?}");
        assert!(shown.iter().any(|t| t.contains("--time-limit") && t.contains("--partition")), "{shown:?}");
    }

    #[test]
    fn library_option_names_become_flags() {
        assert_eq!(
            flags("`max_depth` 0 is too small; `n`; `scanlake resume X`"),
            "--max-depth 0 is too small; -n; `scanlake resume X`"
        );
        assert_eq!(flags("give it with `acq`"), "give it with --acq");
        assert_eq!(flags("raise `max_reject_fraction`"), "raise --max-reject-fraction");
    }
}
