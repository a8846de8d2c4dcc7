//! Batch execution on a real one-node Slurm cluster (munge, slurmctld, slurmd), which
//! `./scripts/test.sh` starts with `scripts/local-slurm/start.sh` and which `SLURM_CONF` points at.
//! The pipeline through Slurm against the same pipeline here and plain commands; a task that fails
//! (too many bad lines), what `status` and `analyze` say, dependents cancelled rather than left
//! pending, `resume` finishing with the clean result; hostile paths in the generated scripts; the
//! slurm engine against the local ones; notifications; cancel; dry runs.

use std::path::Path;
use std::process::{Command, Output};

fn slurm_conf() -> String {
    match std::env::var("SLURM_CONF") {
        Ok(c) if Path::new(&c).exists() => c,
        _ => panic!(
            "these tests need the local Slurm cluster: run ./scripts/test.sh, or `eval \"$(scripts/local-slurm/start.sh)\"` first"
        ),
    }
}

mod common;

/// `scanlake ARGS` against the local cluster.
fn scanlake(args: &[&str], cwd: &Path) -> Output {
    common::scanlake(args, cwd).env("SLURM_CONF", slurm_conf()).output().unwrap()
}

fn ok(args: &[&str], cwd: &Path) -> String {
    common::succeeded(args, scanlake(args, cwd))
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A generated scan of `records` records at `path` (its name holds the scan date).
fn generate(path: &Path, records: u64, seed: u64, acq: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let n = records.to_string();
    let seed = seed.to_string();
    ok(
        &["gen", "-o", s(path), "-n", &n, "--seed", &seed, "--acq", acq, "--hostile", "0.02", "--directories"],
        path.parent().unwrap(),
    );
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Rows per state of each task's newest attempt, read from `state.db` with Python's sqlite3.
fn attempts(run: &Path, stage: &str, task: u32) -> Vec<(String, Option<i64>)> {
    let script = "import sqlite3,sys,json\n\
        db=sqlite3.connect(sys.argv[1])\n\
        print(json.dumps(db.execute('select state, exit_code from attempt where stage=? and task=? order by id',(sys.argv[2],int(sys.argv[3]))).fetchall()))";
    let out = Command::new("python3")
        .args(["-c", script, s(&run.join("state.db")), stage, &task.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

const REPORTS: [&str; 4] = ["usage --by uid,tld", "age --by uid", "du --max-depth 4", "churn"];

fn run_args<'a>(inputs: &'a [&'a str], dataset: &'a str, run_dir: &'a str) -> Vec<&'a str> {
    let mut a = vec!["run"];
    a.extend(inputs);
    a.extend(["-o", dataset, "--chunks", "3", "--tasks", "2", "--run-dir", run_dir]);
    for r in REPORTS {
        a.extend(["--report", r]);
    }
    a
}

fn report_files(run_dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut files: Vec<_> = std::fs::read_dir(run_dir.join("reports"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), read(&p)))
        .collect();
    files.sort();
    files
}

#[test]
fn the_pipeline_on_slurm_equals_the_pipeline_here_and_survives_hostile_paths() {
    let tmp = tempfile::tempdir().unwrap();
    // Spaces, quotes, `$(…)`, backticks and a newline in every path the scripts hold.
    let hostile = tmp.path().join("it's a $(touch PWNED) `touch PWNED2` dir\nwith a newline");
    let old = hostile.join("in/scan_2026-11-01.list");
    let new = hostile.join("in/scan_2026-11-08.list");
    generate(&old, 12_000, 1, "2026-11-01");
    generate(&new, 12_000, 2, "2026-11-08");
    let inputs = [s(&old), s(&new)];

    let notified = hostile.join("notified.env");
    let notify = format!("env | grep ^SCANLAKE_ > '{}'", s(&notified).replace('\'', "'\\''"));
    let (ds_slurm, run_slurm) = (hostile.join("ds slurm"), hostile.join("run slurm"));
    let mut args = run_args(&inputs, s(&ds_slurm), s(&run_slurm));
    args.extend(["--executor", "slurm", "--wait", "--array-limit", "2", "--notify", &notify]);
    ok(&args, tmp.path());

    let (ds_local, run_local) = (tmp.path().join("ds-local"), tmp.path().join("run-local"));
    ok(&run_args(&inputs, s(&ds_local), s(&run_local)), tmp.path());

    // Same reports, byte for byte, and the same as the plain commands give.
    let slurm_reports = report_files(&run_slurm);
    assert_eq!(slurm_reports.len(), REPORTS.len());
    assert_eq!(slurm_reports, report_files(&run_local));
    let plain = tmp.path().join("plain");
    ok(&["convert", inputs[0], inputs[1], "-o", s(&plain), "-q"], tmp.path());
    let usage = ok(&["aggregate", s(&plain), "usage", "--by", "uid,tld", "--format", "csv"], tmp.path());
    let (_, from_run) = slurm_reports.iter().find(|(n, _)| n == "usage-by-uid-tld.csv").unwrap();
    assert_eq!(&usage.into_bytes(), from_run);
    let churn = ok(&["aggregate", s(&plain), "churn", "--format", "csv"], tmp.path());
    assert_eq!(&churn.into_bytes(), &slurm_reports.iter().find(|(n, _)| n == "churn.csv").unwrap().1);

    // Every line of both inputs is a row or a reject of the published dataset.
    let manifest: serde_json::Value = serde_json::from_slice(&read(&ds_slurm.join("_scanlake/manifest.json"))).unwrap();
    let inputs_published = manifest["inputs"].as_object().unwrap();
    assert_eq!(inputs_published.len(), 6, "one input per chunk");
    let lines: u64 = inputs_published.values().map(|e| e["lines"].as_u64().unwrap()).sum();
    let counted: u64 = inputs_published
        .values()
        .map(|e| e["rows"].as_u64().unwrap() + e["rejects"].as_u64().unwrap() + e["skipped"].as_u64().unwrap())
        .sum();
    let input_lines = [&old, &new].iter().map(|p| read(p).iter().filter(|&&b| b == b'\n').count() as u64).sum();
    assert_eq!((lines, counted), (input_lines, input_lines));

    let status: serde_json::Value =
        serde_json::from_str(&ok(&["status", s(&run_slurm), "--json"], tmp.path())).unwrap();
    assert_eq!(status["status"], "succeeded");
    assert_eq!(status["tasks"], 2 + 6 + 1 + 2 + 1);
    assert_eq!(status["percent_done"], 100.0);
    for t in status["task_list"].as_array().unwrap() {
        assert_eq!(t["state"], "COMPLETED", "{t}");
        assert!(t["job_id"].as_str().unwrap().contains('_'), "a Slurm array task: {t}");
        assert_eq!(t["exit_code"], 0);
    }
    let script = String::from_utf8(read(&run_slurm.join("scripts/convert.sh"))).unwrap();
    assert!(script.contains("#SBATCH --job-name=scanlake-convert"), "{script}");

    // The notification ran once the run ended (by `--wait` or the finish job), told the outcome.
    for _ in 0..100 {
        if notified.exists() && read(&notified).ends_with(b"\n") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let env = String::from_utf8(read(&notified)).unwrap();
    assert!(env.contains("SCANLAKE_RUN_STATUS=succeeded"), "{env}");
    assert!(env.contains("SCANLAKE_TASKS=12") && env.contains("SCANLAKE_TASKS_FAILED=0"), "{env}");
    // Nothing in a path ran as a command.
    assert!(!tmp.path().join("PWNED").exists() && !Path::new("PWNED2").exists());
    assert!(!run_slurm.join("PWNED").exists() && !run_slurm.join("PWNED2").exists());
}

/// `bad` is `clean` with every second line in the middle tenth of the file broken (its ` -- `
/// separator overwritten by as many bytes), so a split into 3 chunks cuts both files at the same
/// places and only the second chunk is bad.
/// The job ids (`ARRAYJOB_TASK`) of a stage's attempts, from `state.db` with Python's sqlite3.
fn attempt_jobs(run: &Path, stage: &str) -> Vec<String> {
    let script = "import sqlite3,sys,json\n\
        db=sqlite3.connect(sys.argv[1])\n\
        print(json.dumps([r[0] for r in db.execute('select job_id from attempt where stage=? order by id',(sys.argv[2],))]))";
    let out = Command::new("python3").args(["-c", script, s(&run.join("state.db")), stage]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Attempts that started, counted in `state.db` with Python's sqlite3.
fn started_attempts(run: &Path) -> u64 {
    let script = "import sqlite3,sys\n\
        print(sqlite3.connect(sys.argv[1]).execute('select count(*) from attempt where started is not null').fetchone()[0])";
    let out = Command::new("python3").args(["-c", script, s(&run.join("state.db"))]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap().trim().parse().unwrap()
}

/// (TotalCPU seconds, largest MaxRSS in bytes) of each job, asked of `sacct` here, by position
/// of the fields this test names.
fn scanlake_sacct(jobs: &[String]) -> Vec<(f64, i64)> {
    let out = Command::new("sacct")
        .env("SLURM_CONF", slurm_conf())
        .args(["-n", "-P", "-S", "2000-01-01", "--units=K", "-o", "JobID,TotalCPU,MaxRSS", "-j", &jobs.join(",")])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut per_job: std::collections::BTreeMap<String, (f64, i64)> = Default::default();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let f: Vec<&str> = line.split('|').collect();
        let (job, step) = f[0].split_once('.').map_or((f[0], false), |(j, _)| (j, true));
        let e = per_job.entry(job.to_string()).or_default();
        if !step {
            // TotalCPU: [D-][H:]M:S(.ms)
            let secs: f64 =
                f[1].rsplit(':').enumerate().map(|(i, p)| p.parse::<f64>().unwrap() * 60f64.powi(i as i32)).sum();
            e.0 = secs;
        }
        let rss = f[2].trim_end_matches('K').parse::<f64>().map_or(0, |k| (k * 1024.0) as i64);
        e.1 = e.1.max(rss);
    }
    assert_eq!(per_job.len(), jobs.len(), "sacct knows every job: {per_job:?}");
    per_job.into_values().collect()
}

fn break_middle(clean: &Path, bad: &Path) {
    let bytes = read(clean);
    let out = common::break_lines(&bytes, 45, 55);
    assert_eq!(out.len(), bytes.len());
    std::fs::create_dir_all(bad.parent().unwrap()).unwrap();
    std::fs::write(bad, out).unwrap();
}

#[test]
fn a_failed_task_is_diagnosed_its_dependents_cancelled_and_resume_finishes_like_a_clean_run() {
    let tmp = tempfile::tempdir().unwrap();
    let clean = tmp.path().join("clean/scan_2026-11-01.list");
    let bad = tmp.path().join("bad/scan_2026-11-01.list");
    generate(&clean, 15_000, 7, "2026-11-01");
    break_middle(&clean, &bad);

    let run_dir = tmp.path().join("run");
    let dataset = tmp.path().join("ds");
    let args = [
        "run",
        s(&bad),
        "-o",
        s(&dataset),
        "--chunks",
        "3",
        "--tasks",
        "2",
        "--run-dir",
        s(&run_dir),
        "--executor",
        "slurm",
        "--wait",
    ];
    let out = scanlake(&args, tmp.path());
    // `--wait` returns: the jobs after the failed one ended (cancelled), none is left pending.
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("failed") && err.contains("scanlake analyze"), "{err}");

    let status = ok(&["status", s(&run_dir)], tmp.path());
    assert!(status.contains("failed, 3/8 tasks done (38%)"), "{status}");
    let json: serde_json::Value = serde_json::from_str(&ok(&["status", s(&run_dir), "--json"], tmp.path())).unwrap();
    let state = |stage: &str, task: u64| -> (String, String) {
        let t =
            json["task_list"].as_array().unwrap().iter().find(|t| t["stage"] == stage && t["task"] == task).unwrap();
        (t["state"].as_str().unwrap().to_string(), t["reason"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(state("convert", 1).0, "COMPLETED");
    assert_eq!(state("convert", 2).0, "FAILED");
    assert_eq!(state("convert", 3).0, "COMPLETED");
    for (stage, task) in [("publish", 1), ("aggregate", 1), ("aggregate", 2), ("merge", 1)] {
        assert_eq!(state(stage, task), ("CANCELLED".into(), "DependencyNeverSatisfied".into()), "{stage} {task}");
    }
    // Nothing was published: the dataset has no data yet.
    assert!(!dataset.join("_scanlake/manifest.json").exists());

    let analysis = ok(&["analyze", s(&run_dir)], tmp.path());
    assert!(analysis.contains("convert task 2"), "{analysis}");
    assert!(analysis.contains("category: too many rejected lines"), "{analysis}");
    assert!(analysis.contains("lines rejected"), "the stderr tail: {analysis}");
    assert!(analysis.contains("category: cancelled: a prerequisite failed"), "{analysis}");
    assert!(analysis.contains(&format!("stderr:   {}", s(&run_dir.join("logs/convert-")))), "{analysis}");
    let findings: serde_json::Value =
        serde_json::from_str(&ok(&["analyze", s(&run_dir), "--json"], tmp.path())).unwrap();
    let first = &findings[0];
    assert_eq!((first["stage"].as_str(), first["exit_code"].as_i64()), (Some("convert"), Some(1)));
    assert!(first["rerun"].as_str().unwrap().ends_with("convert 2"), "{first}");

    // The admin fixes the input (here: the chunk from the clean file) and resumes.
    let fixed = tmp.path().join("fixed");
    ok(&["split", s(&clean), "-o", s(&fixed), "--chunks", "3"], tmp.path());
    let chunk = "scan_2026-11-01.list.part-00002";
    std::fs::copy(fixed.join(chunk), run_dir.join("work/chunks/1").join(chunk)).unwrap();
    let resumed = scanlake(&["resume", s(&run_dir), "--wait"], tmp.path());
    assert!(resumed.status.success(), "{}", String::from_utf8_lossy(&resumed.stderr));
    let said = String::from_utf8_lossy(&resumed.stderr);
    assert!(said.contains("resuming 5 task(s)"), "only the failed and cancelled tasks: {said}");
    assert!(!said.contains("submitted split"), "{said}");
    assert_eq!(
        attempts(&run_dir, "convert", 2),
        vec![("FAILED".to_string(), Some(1)), ("COMPLETED".to_string(), Some(0))]
    );
    assert_eq!(attempts(&run_dir, "convert", 1).len(), 1, "a task that succeeded is not run again");
    assert!(ok(&["status", s(&run_dir)], tmp.path()).contains("succeeded, 8/8 tasks done (100%)"));

    // What it cost: every attempt that ran measured itself inside its job; the failed convert
    // task is one retry, and the cancelled dependents are attempts that never ran.
    // slurmctld hands finished jobs to slurmdbd asynchronously: wait (a while at most) until
    // accounting knows every attempt of the run before comparing with it.
    let stats_json =
        || -> serde_json::Value { serde_json::from_str(&ok(&["stats", s(&run_dir), "--json"], tmp.path())).unwrap() };
    let mut stats = stats_json();
    let known =
        |st: &serde_json::Value| st["stages"].as_array().unwrap().iter().all(|x| x["accounted"] == x["attempts"]);
    for _ in 0..60 {
        if known(&stats) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(500));
        stats = stats_json();
    }
    assert_eq!(stats["executor"], "slurm");
    let stage = |name: &str| stats["stages"].as_array().unwrap().iter().find(|st| st["stage"] == name).unwrap().clone();
    let convert = stage("convert");
    let counts = |st: &serde_json::Value| {
        ["attempts", "retries", "failed_attempts", "measured", "completed"].map(|k| st[k].as_u64().unwrap())
    };
    assert_eq!(counts(&convert), [4, 1, 1, 4, 3], "{convert}");
    assert_eq!(counts(&stage("publish")), [2, 1, 1, 1, 1]);
    assert_eq!(counts(&stage("split")), [1, 0, 0, 1, 1]);
    assert!(convert["queue_wait_median_s"].as_f64().is_some(), "submitted, then started: {convert}");
    assert!(convert["cpu_s"].as_f64().unwrap() > 0.0 && convert["peak_rss_bytes"].as_i64().unwrap() > 1 << 20);
    // Slurm's accounting knows every attempt (the never-started ones too), and its figures for
    // the same jobs, asked here directly, agree with the tasks' own: CPU within what a job adds
    // around the task (its shell, the program's start), memory within its sampling.
    assert_eq!(stats["accounting"], "on", "{stats}");
    assert_eq!(convert["accounted"].as_u64(), Some(4), "{convert}");
    let job_ids: Vec<String> = attempt_jobs(&run_dir, "convert");
    let sacct = scanlake_sacct(&job_ids);
    let sacct_cpu: f64 = sacct.iter().map(|(cpu, _)| cpu).sum();
    let own_cpu = convert["cpu_s"].as_f64().unwrap();
    assert!(own_cpu <= sacct_cpu + 0.05, "tasks {own_cpu} s, sacct {sacct_cpu} s");
    assert!(sacct_cpu <= own_cpu + 1.0 * job_ids.len() as f64, "tasks {own_cpu} s, sacct {sacct_cpu} s");
    let sacct_rss = sacct.iter().map(|(_, rss)| *rss).max().unwrap();
    let own_rss = convert["peak_rss_bytes"].as_i64().unwrap();
    assert!(sacct_rss <= own_rss + (64 << 20), "sacct {sacct_rss}, tasks {own_rss}");

    // Accounting's ReqMem (the whole node: the run asked for no --mem) dwarfs the peak, so the
    // advice is a --mem the tasks would fit in; and the retry points at analyze --all.
    let advice: Vec<&str> = stats["advice"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(advice.iter().any(|a| a.starts_with("convert tasks peaked at") && a.contains("--mem ")), "{advice:?}");
    assert!(advice.iter().any(|a| a.starts_with("convert retried tasks 1×")), "{advice:?}");
    // The run's page draws every attempt the store holds that started.
    let page = tmp.path().join("run.html");
    let said: serde_json::Value =
        serde_json::from_str(&ok(&["report", s(&run_dir), "-o", s(&page), "--json"], tmp.path())).unwrap();
    let started = started_attempts(&run_dir);
    assert_eq!(said["attempts"].as_u64(), Some(started), "{said}");
    assert!(std::fs::read_to_string(&page).unwrap().contains("\"kind\":\"gantt\""));

    // With accounting off, the same run still has the tasks' own figures.
    let conf = tmp.path().join("no-accounting/slurm.conf");
    std::fs::create_dir_all(conf.parent().unwrap()).unwrap();
    let text = std::fs::read_to_string(slurm_conf()).unwrap();
    std::fs::write(&conf, text.replace("accounting_storage/slurmdbd", "accounting_storage/none")).unwrap();
    let off =
        common::scanlake(&["stats", s(&run_dir), "--json"], tmp.path()).env("SLURM_CONF", &conf).output().unwrap();
    let off: serde_json::Value = serde_json::from_str(&common::succeeded(&["stats"], off)).unwrap();
    assert!(off["accounting"].as_str().unwrap().starts_with("off: "), "{off}");
    let off_convert = off["stages"].as_array().unwrap().iter().find(|st| st["stage"] == "convert").unwrap();
    assert_eq!(off_convert["accounted"].as_u64(), Some(0));
    assert_eq!(off_convert["cpu_s"], convert["cpu_s"]);
    assert_eq!(off_convert["measured"].as_u64(), Some(4));

    // The same reports as a clean run of the clean input.
    let clean_run = tmp.path().join("clean-run");
    ok(
        &["run", s(&clean), "-o", s(&tmp.path().join("ds-clean")), "--chunks", "3", "--run-dir", s(&clean_run)],
        tmp.path(),
    );
    let resumed_reports = report_files(&run_dir);
    assert_eq!(resumed_reports.len(), 2);
    assert_eq!(resumed_reports, report_files(&clean_run));
    // Resuming a finished run does nothing.
    let again = scanlake(&["resume", s(&run_dir)], tmp.path());
    assert!(String::from_utf8_lossy(&again.stderr).contains("nothing to resume"));
}

#[test]
fn the_slurm_engine_gives_what_the_local_engines_give() {
    let tmp = tempfile::tempdir().unwrap();
    let (old, new) = (tmp.path().join("scan_2026-11-01.list"), tmp.path().join("scan_2026-11-08.list"));
    generate(&old, 10_000, 3, "2026-11-01");
    generate(&new, 10_000, 4, "2026-11-08");
    let ds = tmp.path().join("ds");
    ok(&["convert", s(&old), s(&new), "-o", s(&ds), "-q"], tmp.path());
    for report in [
        vec!["usage", "--by", "uid,tld"],
        vec!["age", "--by", "gid", "--time", "modify"],
        vec!["size"],
        vec!["top", "dirs", "-n", "5"],
        vec!["du", "--max-depth", "5"],
        vec!["churn", "--by", "uid"],
    ] {
        let mut local = vec!["aggregate", s(&ds)];
        local.extend(&report);
        local.extend(["--format", "csv"]);
        let expected = ok(&local, tmp.path());
        let mut slurm = local.clone();
        slurm.extend(["--engine", "slurm", "--tasks", "3", "--wait"]);
        assert_eq!(ok(&slurm, tmp.path()), expected, "{report:?}");
    }
}

#[test]
fn cancel_stops_a_waiting_run_and_dry_runs_submit_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let scan = tmp.path().join("scan_2026-11-01.list");
    generate(&scan, 2_000, 5, "2026-11-01");
    let ds = tmp.path().join("ds");
    ok(&["convert", s(&scan), "-o", s(&ds), "-q"], tmp.path());

    let dry = tmp.path().join("dry");
    let printed = ok(
        &[
            "aggregate",
            s(&ds),
            "usage",
            "--engine",
            "slurm",
            "--dry-run",
            "--run-dir",
            s(&dry),
            "--partition",
            "debug",
            "--time-limit",
            "0:10:00",
        ],
        tmp.path(),
    );
    assert!(printed.contains("#SBATCH --partition=debug") && printed.contains("#SBATCH --time=0:10:00"), "{printed}");
    assert!(printed.contains("batch task"), "{printed}");
    assert!(ok(&["status", s(&dry)], tmp.path()).contains("not-submitted"));

    // Held back an hour: still pending when cancelled.
    let held = tmp.path().join("held");
    ok(
        &["aggregate", s(&ds), "usage", "--engine", "slurm", "--run-dir", s(&held), "--sbatch-arg=--begin=now+3600"],
        tmp.path(),
    );
    assert!(ok(&["status", s(&held)], tmp.path()).contains("running, 0/5 tasks done"));
    ok(&["cancel", s(&held)], tmp.path());
    let waited = scanlake(&["wait", s(&held), "--timeout", "60"], tmp.path());
    assert_eq!(waited.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&waited.stderr).contains("cancelled"));
    let status = ok(&["status", s(&held)], tmp.path());
    assert!(status.contains("cancelled, 0/5 tasks done") && status.contains("CANCELLED 4"), "{status}");

    // A value that would end an #SBATCH line is refused before anything is written.
    let out =
        scanlake(&["aggregate", s(&ds), "usage", "--engine", "slurm", "--partition", "a\n#SBATCH --x"], tmp.path());
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot go into an sbatch script"));
}

#[test]
fn tasks_get_typed_requests_so_relative_paths_and_attached_values_work() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let scan = cwd.join("in/scan_2026-11-01.list");
    generate(&scan, 4_000, 9, "2026-11-01");
    // Relative to where the user is, not to the run directory a Slurm task starts in.
    std::fs::write(cwd.join("layout.toml"), "[layout]\nescape = \"percent\"\n").unwrap();
    let args = [
        "run",
        "in/scan_2026-11-01.list",
        "-o",
        "ds",
        "--layout-file",
        "layout.toml",
        "--chunks",
        "2",
        "--tasks",
        "2",
        "--run-dir",
        "run",
        "--report",
        "usage --by tld -oby-tld.csv",
        "--executor",
        "slurm",
        "--wait",
    ];
    ok(&args, cwd);
    let expected = ok(&["aggregate", "ds", "usage", "--by", "tld", "--format", "csv"], cwd);
    assert_eq!(String::from_utf8(read(&cwd.join("by-tld.csv"))).unwrap(), expected);

    // `--engine slurm` with an attached -o: the result where asked, and tasks that choose an engine.
    ok(
        &["aggregate", "ds", "usage", "--by", "tld", "--engine", "slurm", "-oagg.csv", "--run-dir", "agg", "--wait"],
        cwd,
    );
    assert_eq!(String::from_utf8(read(&cwd.join("agg.csv"))).unwrap(), expected);
    let spec: serde_json::Value = serde_json::from_slice(&read(&cwd.join("agg/run.json"))).unwrap();
    assert_eq!(spec["executor"], "slurm");
    for stage in spec["stages"].as_array().unwrap() {
        let job = &stage["work"]["work"]["reports"][0];
        assert_eq!(job["request"]["engine"], "auto", "{stage}");
        assert!(Path::new(job["output"].as_str().unwrap()).is_absolute());
    }
}

#[test]
fn a_rule_of_the_configuration_file_runs_on_slurm_stored_expanded() {
    let tmp = tempfile::tempdir().unwrap();
    let cwd = tmp.path();
    let scan = cwd.join("scan_2026-11-01.list");
    generate(&scan, 6_000, 12, "2026-11-01");
    ok(&["convert", s(&scan), "-o", "ds", "-q"], cwd);
    let config = cwd.join("config.toml");
    std::fs::write(&config, "[rules.stale]\nolder = [\"access=180d\", \"create=1y\"]\nkind = \"file\"\n").unwrap();
    std::fs::write(cwd.join("passwd"), "ann:x:1003:1003::/:/bin/sh\n").unwrap();
    let with_rule = |args: &[&str]| {
        let out = common::scanlake(args, cwd).env("SLURM_CONF", slurm_conf()).env("SCANLAKE_CONFIG", &config).output();
        common::succeeded(args, out.unwrap())
    };
    let local = ["aggregate", "ds", "usage", "--by", "uid", "--rule", "stale", "--names", "--passwd", "passwd"];
    let expected = with_rule(&[&local[..], &["--format", "csv"]].concat());
    assert!(expected.contains(",1003,ann,"), "the rule selects ann's files and names them: {expected}");
    let everything = ok(&["aggregate", "ds", "usage", "--by", "uid", "--format", "csv"], cwd);
    assert_ne!(expected, everything, "the rule must select fewer rows than there are");
    let slurm =
        [&local[..], &["--format", "csv", "--engine", "slurm", "--tasks", "2", "--run-dir", "run", "--wait"]].concat();
    assert_eq!(with_rule(&slurm), expected);
    let spec: serde_json::Value = serde_json::from_slice(&read(&cwd.join("run/run.json"))).unwrap();
    let filter = &spec["stages"][0]["work"]["work"]["reports"][0]["request"]["filter"];
    assert_eq!(filter["rule"], serde_json::json!([]), "stored expanded: {filter}");
    assert_eq!(filter["all"][0]["older"], serde_json::json!(["access=180d", "create=365d"]), "{filter}");
}
