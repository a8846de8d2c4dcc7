//! `scanlake stats` over a local run with a failed task that `resume` retries: its task counts
//! are `status`'s, its CPU adds up to no more than the CPU the run's processes used (as the
//! kernel counted it for this test process's children), every byte of the input was read, and
//! the failure shows as one retry. One test in its own binary, so that no other test's child
//! processes count in the children's CPU.

mod common;

use common::{ok, run};
use std::path::Path;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// CPU of this process's waited-for children, in clock ticks (`/proc/self/stat` fields 16, 17).
fn children_cpu_ticks() -> i64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let fields: Vec<i64> =
        stat[stat.rfind(')').unwrap() + 2..].split(' ').skip(13).take(2).map(|f| f.parse().unwrap()).collect();
    fields[0] + fields[1]
}

#[test]
fn stats_count_what_status_counts_and_what_the_kernel_measured() {
    let tmp = tempfile::tempdir().unwrap();
    let input = tmp.path().join("scan_2026-11-01.list");
    ok(&["gen", "-o", s(&input), "-n", "60000", "--seed", "3", "--acq", "2026-11-01", "--directories"], tmp.path());
    // Task 2 of convert fails: half the lines of the middle third lose their separator.
    let bad = common::break_lines(&std::fs::read(&input).unwrap(), 40, 60);
    let broken = tmp.path().join("broken/scan_2026-11-01.list");
    std::fs::create_dir_all(broken.parent().unwrap()).unwrap();
    std::fs::write(&broken, &bad).unwrap();

    let run_dir = tmp.path().join("run");
    let (cpu0, t0) = (children_cpu_ticks(), std::time::Instant::now());
    let dataset = tmp.path().join("ds");
    let args = ["run", s(&broken), "-o", s(&dataset), "--chunks", "3", "--tasks", "2", "--run-dir", s(&run_dir)];
    let first = run(&args, tmp.path());
    assert_eq!(first.status.code(), Some(1), "{}", String::from_utf8_lossy(&first.stderr));
    // The admin replaces the broken chunk with the clean one and resumes.
    let fixed = tmp.path().join("fixed");
    ok(&["split", s(&input), "-o", s(&fixed), "--chunks", "3"], tmp.path());
    let chunk = "scan_2026-11-01.list.part-00002";
    std::fs::copy(fixed.join(chunk), run_dir.join("work/chunks/1").join(chunk)).unwrap();
    ok(&["resume", s(&run_dir)], tmp.path());
    let (cpu1, elapsed) = (children_cpu_ticks(), t0.elapsed().as_secs_f64());

    let stats: serde_json::Value = serde_json::from_str(&ok(&["stats", s(&run_dir), "--json"], tmp.path())).unwrap();
    let status: serde_json::Value = serde_json::from_str(&ok(&["status", s(&run_dir), "--json"], tmp.path())).unwrap();
    let stages = stats["stages"].as_array().unwrap();
    let names: Vec<&str> = stages.iter().map(|st| st["stage"].as_str().unwrap()).collect();
    let expected: Vec<&str> =
        status["stages"].as_array().unwrap().iter().map(|st| st["name"].as_str().unwrap()).collect();
    assert_eq!(names, expected);
    for (st, su) in stages.iter().zip(status["stages"].as_array().unwrap()) {
        assert_eq!(st["tasks"], su["tasks"], "{st}");
        assert_eq!(st["completed"], su["states"]["COMPLETED"], "{st}");
        assert_eq!(st["measured"], st["attempts"], "every local attempt measures itself: {st}");
        assert!(st["peak_rss_bytes"].as_i64().unwrap() > 1 << 20, "{st}");
        assert!(st["wall_max_s"].as_f64().unwrap() >= st["wall_min_s"].as_f64().unwrap(), "{st}");
    }
    let stage = |name: &str| stages.iter().find(|st| st["stage"] == name).unwrap();
    let convert = stage("convert");
    assert_eq!((convert["attempts"].as_u64(), convert["retries"].as_u64()), (Some(4), Some(1)), "{convert}");
    assert_eq!(convert["failed_attempts"].as_u64(), Some(1), "{convert}");
    assert_eq!(stage("split")["retries"].as_u64(), Some(0));
    // Split read the whole input; convert read every chunk (the failed attempt's too).
    assert!(stage("split")["read_bytes"].as_i64().unwrap() >= bad.len() as i64, "{stats}");
    assert!(convert["read_bytes"].as_i64().unwrap() >= bad.len() as i64, "{convert}");

    // CPU: within what the kernel counted for the two processes, and most of it.
    let measured: f64 = stages.iter().map(|st| st["cpu_s"].as_f64().unwrap()).sum();
    let kernel = (cpu1 - cpu0) as f64 / 100.0;
    assert!(measured <= kernel + 0.01, "tasks {measured} s of CPU, the processes {kernel} s");
    assert!(measured >= kernel * 0.5, "tasks {measured} s of CPU, the processes {kernel} s");
    let used = stats["core_hours_used"].as_f64().unwrap();
    assert!((used * 3600.0 - measured).abs() < 0.01 * measured.max(1.0), "{stats}");
    assert!(stats["core_hours_allocated"].as_f64().unwrap() >= used);
    assert!(stats["wall_s"].as_f64().unwrap() <= elapsed + 1.0, "{stats}");
    let path: Vec<&str> = stats["critical_path"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(path.first(), Some(&"split"), "{stats}");
    assert!(path.contains(&"convert"), "{stats}");

    // Advice: the retry, with the command that groups failures; options spelled as flags.
    let advice: Vec<&str> = stats["advice"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(
        advice.contains(&"convert retried tasks 1×: `scanlake analyze --all` shows whether the failures recur"),
        "{advice:?}"
    );
    // The run was made outside the dataset: it is listed there all the same.
    let runs: serde_json::Value = serde_json::from_str(&ok(&["runs", s(&dataset), "--json"], tmp.path())).unwrap();
    assert_eq!(runs[0]["run"], stats["run"], "{runs}");
    assert_eq!(runs[0]["status"], "succeeded", "{runs}");
    assert!((runs[0]["core_hours"].as_f64().unwrap() - used).abs() < 1e-9, "{runs}");

    // Exported like every report.
    let csv = ok(&["stats", s(&run_dir), "--format", "csv"], tmp.path());
    let mut lines = csv.lines();
    assert!(lines.next().unwrap().starts_with("stage,tasks,completed,attempts,retries,failed_attempts,wall_min_s"));
    assert_eq!(lines.count(), stages.len());
    let table = ok(&["stats", s(&run_dir), "--format", "table"], tmp.path());
    assert!(table.contains("core-hours used") && table.contains("critical path split → "), "{table}");
}
