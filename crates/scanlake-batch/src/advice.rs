//! Advice from a run's figures: rules in a file like `analyze`'s (built-in ones in
//! `advice.toml`), each testing one stage's [`StageStats`] and giving a sentence with the
//! figures filled in. Options are named `like_this`; each interface spells them its own way.

use crate::stats::{RunStats, StageStats};
use anyhow::{Context, Result, bail};
use scanlake::aggregate::export::human_bytes;
use serde::Deserialize;
use std::path::PathBuf;

pub const BUILT_IN_ADVICE: &str = include_str!("advice.toml");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AdviceFile {
    #[serde(default)]
    advice: Vec<AdviceRule>,
}

/// One rule: the tests a stage must pass, and what to say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdviceRule {
    pub stage: Option<String>,
    pub min_tasks: Option<u32>,
    pub min_wall_s: Option<f64>,
    pub memory_used_below: Option<f64>,
    pub wall_share_above: Option<f64>,
    pub cpu_efficiency_above: Option<f64>,
    pub cpu_efficiency_below: Option<f64>,
    pub min_threads: Option<i64>,
    pub retries_above: Option<u32>,
    pub queue_wait_share_above: Option<f64>,
    pub text: String,
}

/// Rules in the order they are tried.
pub struct Advisor(Vec<AdviceRule>);

impl Advisor {
    /// The user's files first (in the order given), then the built-in rules.
    pub fn load(user_files: &[PathBuf]) -> Result<Advisor> {
        let mut rules = Vec::new();
        for f in user_files {
            let text =
                std::fs::read_to_string(f).with_context(|| format!("cannot read advice file {}", f.display()))?;
            rules.extend(parse(&text).with_context(|| format!("bad advice file {}", f.display()))?);
        }
        rules.extend(parse(BUILT_IN_ADVICE).context("the built-in advice")?);
        Ok(Advisor(rules))
    }

    pub fn all(&self) -> &[AdviceRule] {
        &self.0
    }

    /// Every rule's text for every stage it holds for, stage by stage.
    pub fn advise(&self, stats: &RunStats) -> Vec<String> {
        let mut out = Vec::new();
        for stage in &stats.stages {
            for rule in &self.0 {
                if let Some(text) = rule.apply(stats, stage) {
                    out.push(text);
                }
            }
        }
        out
    }
}

fn parse(text: &str) -> Result<Vec<AdviceRule>> {
    let file: AdviceFile = toml::from_str(text)?;
    for r in &file.advice {
        let tests_a_figure = r.memory_used_below.is_some()
            || r.wall_share_above.is_some()
            || r.cpu_efficiency_above.is_some()
            || r.cpu_efficiency_below.is_some()
            || r.retries_above.is_some()
            || r.queue_wait_share_above.is_some();
        if !tests_a_figure {
            bail!(
                "advice '{}' tests no figure (give memory_used_below, wall_share_above, cpu_efficiency_above, \
                 cpu_efficiency_below, retries_above or queue_wait_share_above)",
                r.text
            );
        }
        if let Some(name) = placeholders(&r.text).find(|p| !PLACEHOLDERS.contains(p)) {
            bail!("advice '{}': no figure named {{{name}}}\nhint: use one of {}", r.text, PLACEHOLDERS.join(", "));
        }
    }
    Ok(file.advice)
}

const PLACEHOLDERS: [&str; 11] = [
    "stage",
    "tasks",
    "peak",
    "requested",
    "suggested_memory",
    "wall_share",
    "cpu_efficiency",
    "threads",
    "retries",
    "queue_wait",
    "wall",
];

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name))
}

/// Whether `figure` exists and passes `test` (a rule without the test passes).
fn holds<T: Copy, L>(limit: Option<L>, figure: Option<T>, test: impl Fn(T, L) -> bool) -> bool {
    match limit {
        None => true,
        Some(limit) => figure.is_some_and(|f| test(f, limit)),
    }
}

impl AdviceRule {
    fn apply(&self, run: &RunStats, s: &StageStats) -> Option<String> {
        let memory_used = match (s.peak_rss_bytes, s.memory_requested_bytes) {
            (Some(p), Some(r)) if r > 0 => Some(p as f64 / r as f64),
            _ => None,
        };
        let wall_share = match (s.span_s, run.wall_s) {
            (Some(span), Some(wall)) if wall > 0.0 => Some(span / wall),
            _ => None,
        };
        let queue_share = match (s.queue_wait_median_s, s.wall_median_s) {
            (Some(q), Some(w)) if w > 0.0 => Some(q / w),
            _ => None,
        };
        let suggested = s.peak_rss_bytes.map(suggest_memory);
        let fits = self.stage.as_ref().is_none_or(|n| *n == s.stage)
            && holds(self.min_tasks, Some(s.tasks), |f, l| f >= l)
            && holds(self.min_wall_s, s.wall_max_s, |f, l| f >= l)
            && holds(self.memory_used_below, memory_used, |f, l| f < l)
            && holds(self.wall_share_above, wall_share, |f, l| f > l)
            && holds(self.cpu_efficiency_above, s.cpu_efficiency, |f, l| f > l)
            && holds(self.cpu_efficiency_below, s.cpu_efficiency, |f, l| f < l)
            && holds(self.min_threads, s.threads, |f, l| f >= l)
            && holds(self.retries_above, Some(s.retries), |f, l| f > l)
            && holds(self.queue_wait_share_above, queue_share, |f, l| f > l);
        // Advice to ask for less memory must ask for less than was asked.
        let useful = self.memory_used_below.is_none()
            || matches!((&suggested, s.memory_requested_bytes), (Some((b, _)), Some(r)) if *b < r);
        if !(fits && useful) {
            return None;
        }
        let percent = |v: Option<f64>| v.map_or("-".into(), |v| format!("{:.0} %", v * 100.0));
        let seconds = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0} s"));
        let bytes = |v: Option<i64>| v.map_or("-".into(), human_bytes);
        let mut text = self.text.clone();
        for (name, value) in [
            ("stage", s.stage.clone()),
            ("tasks", s.tasks.to_string()),
            ("peak", bytes(s.peak_rss_bytes)),
            ("requested", bytes(s.memory_requested_bytes)),
            ("suggested_memory", suggested.map_or("-".into(), |(_, t)| t)),
            ("wall_share", percent(wall_share)),
            ("cpu_efficiency", percent(s.cpu_efficiency)),
            ("threads", s.threads.map_or("-".into(), |t| t.to_string())),
            ("retries", s.retries.to_string()),
            ("queue_wait", seconds(s.queue_wait_median_s)),
            ("wall", seconds(s.wall_median_s)),
        ] {
            text = text.replace(&format!("{{{name}}}"), &value);
        }
        Some(text)
    }
}

/// Half again the peak, rounded up to what `sbatch --mem` reads: whole GiB from 1 GiB, steps of
/// 256 MiB below, never under 256 MiB.
pub fn suggest_memory(peak: i64) -> (i64, String) {
    const MIB: i64 = 1 << 20;
    let want = peak.saturating_add(peak / 2).max(256 * MIB);
    if want > 1024 * MIB {
        let gib = (want + 1024 * MIB - 1) / (1024 * MIB);
        (gib * 1024 * MIB, format!("{gib}G"))
    } else {
        let mib = (want + 256 * MIB - 1) / (256 * MIB) * 256;
        (mib * MIB, format!("{mib}M"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &str) -> StageStats {
        StageStats { stage: name.into(), tasks: 4, completed: 4, attempts: 4, ..Default::default() }
    }

    fn run(stages: Vec<StageStats>) -> RunStats {
        RunStats { run: "r".into(), wall_s: Some(100.0), stages, ..Default::default() }
    }

    #[test]
    fn memory_asked_for_and_not_used_gets_a_smaller_request() {
        let mut s = stage("convert");
        s.peak_rss_bytes = Some(1126 << 20); // 1.1 GiB
        s.memory_requested_bytes = Some(8 << 30);
        let advice = Advisor::load(&[]).unwrap().advise(&run(vec![s.clone()]));
        assert_eq!(advice, ["convert tasks peaked at 1.10 GiB of the 8.00 GiB asked for: `mem` 2G would do"]);
        // Half the request used: nothing to say; and no advice without a request (local runs).
        s.peak_rss_bytes = Some(5 << 30);
        assert!(Advisor::load(&[]).unwrap().advise(&run(vec![s.clone()])).is_empty());
        s.memory_requested_bytes = None;
        s.peak_rss_bytes = Some(1 << 20);
        assert!(Advisor::load(&[]).unwrap().advise(&run(vec![s])).is_empty());
    }

    #[test]
    fn long_stages_busy_cpus_and_retries_get_their_advice() {
        let mut split = stage("split");
        split.span_s = Some(60.0);
        split.wall_max_s = Some(60.0);
        let mut aggregate = stage("aggregate");
        aggregate.cpu_efficiency = Some(0.98);
        aggregate.wall_max_s = Some(35.0);
        aggregate.span_s = Some(35.0);
        aggregate.retries = 2;
        let advice = Advisor::load(&[]).unwrap().advise(&run(vec![split, aggregate.clone()]));
        assert_eq!(
            advice,
            [
                "split took 60 % of the wall time: more `chunks`, or a compressed input split in parallel",
                "aggregate tasks were CPU-bound at 98 %: more `tasks` share the work",
                "aggregate retried tasks 2×: `scanlake analyze --all` shows whether the failures recur",
            ]
        );
        // Short tasks are not worth splitting further.
        aggregate.wall_max_s = Some(2.0);
        aggregate.retries = 0;
        assert!(Advisor::load(&[]).unwrap().advise(&run(vec![aggregate])).is_empty());
    }

    #[test]
    fn user_rules_come_first_and_bad_ones_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("advice.toml");
        std::fs::write(&file, "[[advice]]\nstage = \"merge\"\nretries_above = 0\ntext = \"{stage}: {retries}\"\n")
            .unwrap();
        let mut merge = stage("merge");
        merge.retries = 1;
        let advice = Advisor::load(std::slice::from_ref(&file)).unwrap().advise(&run(vec![merge]));
        assert_eq!(advice[0], "merge: 1");
        std::fs::write(&file, "[[advice]]\nstage = \"merge\"\ntext = \"x\"\n").unwrap();
        assert!(format!("{:#}", Advisor::load(std::slice::from_ref(&file)).err().unwrap()).contains("tests no figure"));
        std::fs::write(&file, "[[advice]]\nretries_above = 0\ntext = \"{nope}\"\n").unwrap();
        assert!(format!("{:#}", Advisor::load(&[file]).err().unwrap()).contains("no figure named {nope}"));
    }

    #[test]
    fn suggestions_are_what_sbatch_reads() {
        assert_eq!(suggest_memory(10 << 20).1, "256M");
        assert_eq!(suggest_memory(300 << 20).1, "512M");
        assert_eq!(suggest_memory(1126 << 20).1, "2G");
        assert_eq!(suggest_memory(3 << 30).1, "5G");
    }
}
