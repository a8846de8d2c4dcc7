//! Flag groups several subcommands share, each turned into the library's typed values. Nothing
//! here decides what a value means: defaults and checks live in `scanlake-api`.

use anyhow::Result;
use clap::{Args as ClapArgs, ValueEnum};
use scanlake::aggregate::export::{self, Format};
use scanlake::aggregate::filter::{AgeCondition, ByteSize, Filter};
use scanlake::aggregate::rows::Rows;
use scanlake::dataset::ScanDate;
use scanlake::format::{Escape, Layout};
use scanlake_api::request::NameOptions;
use scanlake_api::runs::{Executor, RunOptions};
use scanlake_api::{ConvertRequest, EngineChoice, LimitOptions};
use scanlake_batch::SlurmSettings;
use std::ffi::OsString;
use std::io::IsTerminal;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, ValueEnum)]
pub enum EscapeArg {
    Percent,
    None,
}

/// Options that describe the input format.
#[derive(ClapArgs, Clone)]
pub struct LayoutArgs {
    /// Positional SHOW layout: field names in order (e.g. `uid,size,kballoc`); `_` skips a field.
    /// Without it the SHOW text is read as `|key=value|…`.
    #[arg(long, value_delimiter = ',')]
    pub fields: Vec<String>,
    /// Separator of a positional layout (one byte; `\t` for tab).
    #[arg(long, default_value = "|", requires = "fields")]
    pub separator: String,
    /// How the LIST rule escaped SHOW text and paths.
    #[arg(long, value_enum, default_value = "percent")]
    pub escape: EscapeArg,
    /// A TOML file with a `[layout]` table (fields, separator, escape); overrides the flags above.
    #[arg(long, conflicts_with = "fields")]
    pub layout_file: Option<PathBuf>,
}

impl LayoutArgs {
    /// The layout itself (a layout file is read now, relative to this directory).
    pub fn layout(&self) -> Result<Layout> {
        let escape = match self.escape {
            EscapeArg::Percent => Escape::Percent,
            EscapeArg::None => Escape::None,
        };
        Ok(match (&self.layout_file, self.fields.is_empty()) {
            (Some(file), _) => Layout::from_file(file)?,
            (None, true) => Layout { escape, ..Layout::default() },
            (None, false) => Layout::positional(&self.fields, &self.separator, escape)?,
        })
    }
}

/// How to convert: everything but the inputs and the dataset.
#[derive(ClapArgs, Clone)]
pub struct ConvertFlags {
    /// Scan date (YYYY-MM-DD); by default taken from each input's name.
    #[arg(long)]
    pub acq: Option<ScanDate>,
    #[command(flatten)]
    pub layout: LayoutArgs,
    /// Directory depth of the `tld` partition (`/gpfs/fs1/home` is depth 3).
    #[arg(long, default_value_t = ConvertRequest::default().tld_depth)]
    pub tld_depth: usize,
    /// Worker threads (default: the cores available, e.g. in a Slurm allocation).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Fail an input when more than this fraction of its lines is rejected.
    #[arg(long, default_value_t = ConvertRequest::default().max_reject_fraction)]
    pub max_reject_fraction: f64,
    /// Skip inputs whose content the dataset already holds.
    #[arg(long)]
    pub skip_existing: bool,
    /// Memory for buffered rows, in MiB (rows wait per partition to make large files).
    #[arg(long, default_value_t = ConvertRequest::default().memory_mib)]
    pub memory_mib: usize,
    /// In-memory size of a partition's rows that makes one file, in MiB.
    #[arg(long, default_value_t = ConvertRequest::default().target_file_mib)]
    pub target_file_mib: usize,
    /// Seconds to wait for another writer of the dataset before giving up (default: wait).
    #[arg(long, value_name = "SECONDS")]
    pub lock_timeout: Option<f64>,
}

impl ConvertFlags {
    pub fn request(&self) -> Result<ConvertRequest> {
        Ok(ConvertRequest {
            acq: self.acq,
            layout: self.layout.layout()?,
            tld_depth: self.tld_depth,
            threads: self.threads,
            max_reject_fraction: self.max_reject_fraction,
            skip_existing: self.skip_existing,
            memory_mib: self.memory_mib,
            target_file_mib: self.target_file_mib,
            lock_timeout: self.lock_timeout,
        })
    }
}

/// Rows a report or `find` looks at: every flag must hold; a repeated flag means any of its values.
#[derive(ClapArgs, Clone, Default)]
#[command(next_help_heading = "Filters (all must hold; a repeated flag means any of its values)")]
pub struct FilterArgs {
    /// Only these scan dates (YYYY-MM-DD; repeat or comma-separate).
    #[arg(long, value_delimiter = ',')]
    pub acq: Vec<ScanDate>,
    /// Only objects at or under this path (repeatable: any of them).
    #[arg(long)]
    pub prefix: Vec<PathBuf>,
    /// Only these owners (numeric uids).
    #[arg(long, value_delimiter = ',')]
    pub uid: Vec<u32>,
    /// Only these groups (numeric gids).
    #[arg(long, value_delimiter = ',')]
    pub gid: Vec<u32>,
    /// Only these owners, by user name (from the name service, or --passwd).
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub user: Vec<String>,
    /// Only these groups, by group name (from the name service, or --group-file).
    #[arg(long, value_delimiter = ',', value_name = "NAME")]
    pub group: Vec<String>,
    /// Only these filesets.
    #[arg(long, value_delimiter = ',')]
    pub fileset: Vec<String>,
    /// Only these storage pools.
    #[arg(long, value_delimiter = ',')]
    pub pool: Vec<String>,
    /// Only these top-level directories (as reports show them).
    #[arg(long, value_delimiter = ',')]
    pub tld: Vec<String>,
    /// Only these kinds: file, dir, link, other.
    #[arg(long, value_delimiter = ',')]
    pub kind: Vec<String>,
    /// TIME=AGE: the time's age in whole days at the scan date is at least AGE (e.g. access=90d,
    /// create=12w, modify=1y); TIME is access, modify, change or create. A missing time never matches.
    #[arg(long, value_name = "TIME=AGE")]
    pub older: Vec<AgeCondition>,
    /// TIME=AGE: the time's age is less than AGE.
    #[arg(long, value_name = "TIME=AGE")]
    pub newer: Vec<AgeCondition>,
    /// At least this many bytes (suffixes K, M, G, T: binary).
    #[arg(long, value_name = "SIZE")]
    pub size_min: Option<ByteSize>,
    /// At most this many bytes.
    #[arg(long, value_name = "SIZE")]
    pub size_max: Option<ByteSize>,
    /// The base name matches this shell glob (*, ?, [a-z], [!a-z]), on raw bytes.
    #[arg(long, value_name = "GLOB")]
    pub name: Vec<OsString>,
    /// The whole path matches this regular expression (unanchored), on raw bytes.
    #[arg(long, value_name = "RE")]
    pub path_regex: Vec<OsString>,
    /// `misc` has every one of these attribute letters (e.g. M: premigrated).
    #[arg(long, value_name = "LETTERS")]
    pub misc_has: Option<String>,
    /// `misc` has none of these letters (e.g. --misc-lacks MV leaves migrated files out).
    #[arg(long, value_name = "LETTERS")]
    pub misc_lacks: Option<String>,
    /// A named rule of the configuration file (`[rules.NAME]`), combined with the other flags.
    #[arg(long, value_name = "NAME")]
    pub rule: Vec<String>,
    #[command(flatten)]
    pub names: NameArgs,
}

/// User and group names.
#[derive(ClapArgs, Clone, Default)]
pub struct NameArgs {
    /// Add `user` beside `uid` and `group` beside `gid`.
    #[arg(long)]
    pub names: bool,
    /// Names of users from this file (passwd format) instead of the name service.
    #[arg(long, value_name = "FILE")]
    pub passwd: Option<PathBuf>,
    /// Names of groups from this file (group format) instead of the name service.
    #[arg(long, value_name = "FILE")]
    pub group_file: Option<PathBuf>,
}

impl NameArgs {
    pub fn options(&self) -> NameOptions {
        NameOptions { show: self.names, passwd: self.passwd.clone(), group_file: self.group_file.clone() }
    }
}

impl FilterArgs {
    pub fn filter(&self) -> Filter {
        let bytes = |v: &[OsString]| v.iter().map(|p| p.as_bytes().to_vec()).collect();
        Filter {
            acq: self.acq.clone(),
            prefix: self.prefix.iter().map(|p| p.as_os_str().as_bytes().to_vec()).collect(),
            uid: self.uid.clone(),
            gid: self.gid.clone(),
            user: self.user.clone(),
            group: self.group.clone(),
            fileset: self.fileset.clone(),
            pool: self.pool.clone(),
            tld: self.tld.clone(),
            kind: self.kind.clone(),
            older: self.older.clone(),
            newer: self.newer.clone(),
            size_min: self.size_min,
            size_max: self.size_max,
            name: bytes(&self.name),
            path_regex: bytes(&self.path_regex),
            misc_has: self.misc_has.clone().unwrap_or_default(),
            misc_lacks: self.misc_lacks.clone().unwrap_or_default(),
            rule: self.rule.clone(),
            all: Vec::new(),
        }
    }

    pub fn names(&self) -> NameOptions {
        self.names.options()
    }
}

#[derive(ClapArgs, Clone)]
#[command(next_help_heading = "Engine")]
pub struct EngineArgs {
    /// auto, streaming, datafusion or slurm (else $SCANLAKE_ENGINE, else the configuration file, else auto).
    #[arg(long)]
    pub engine: Option<String>,
    /// Print on stderr which engine runs and why.
    #[arg(long)]
    pub explain: bool,
    #[command(flatten)]
    pub limits: LimitArgs,
}

#[derive(ClapArgs, Clone)]
pub struct LimitArgs {
    /// Working memory of the engine in MiB (default: half the memory available, at most 8 GiB).
    #[arg(long)]
    pub memory_mib: Option<u64>,
    /// Threads (default: the cores available, e.g. in a Slurm allocation).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Where to spill temporary files (default: the system's temporary directory).
    #[arg(long)]
    pub spill_dir: Option<PathBuf>,
}

impl EngineArgs {
    pub fn choice(&self) -> Result<Option<EngineChoice>> {
        self.engine.as_deref().map(|e| EngineChoice::parse_from(e, "`engine`")).transpose()
    }
}

impl LimitArgs {
    pub fn options(&self) -> LimitOptions {
        LimitOptions { threads: self.threads, memory_mib: self.memory_mib, spill_dir: self.spill_dir.clone() }
    }
}

#[derive(ClapArgs, Clone)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// table, csv, tsv, json or parquet (default: from -o's extension; else table on a terminal, csv otherwise).
    #[arg(long)]
    pub format: Option<Format>,
    /// Write here (atomically) instead of to stdout.
    #[arg(short, long)]
    pub output: Option<PathBuf>,
}

impl OutputArgs {
    /// --format, else -o's extension, else table on a terminal and CSV otherwise.
    pub fn format(&self) -> Format {
        let from_ext = self.output.as_deref().and_then(Format::of_path);
        let fallback =
            if self.output.is_none() && !std::io::stdout().is_terminal() { Format::Csv } else { Format::Table };
        self.format.or(from_ext).unwrap_or(fallback)
    }

    /// Writes `rows` to `-o FILE` (atomically) or stdout, as they stream.
    pub fn write(&self, rows: Rows) -> Result<()> {
        let format = self.format();
        match &self.output {
            Some(path) => export::export(rows, format, path)?,
            None => {
                if format == Format::Parquet && std::io::stdout().is_terminal() {
                    anyhow::bail!("not writing Parquet to a terminal\nhint: add -o FILE.parquet, or redirect stdout");
                }
                let written = export::write(rows, format, std::io::stdout());
                // A closed pipe (`| head`) ends the output, not the command.
                if let Err(e) = written
                    && !e.chain().any(|c| {
                        c.downcast_ref::<std::io::Error>().is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
                    })
                {
                    return Err(e);
                }
            }
        }
        Ok(())
    }
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecutorArg {
    Local,
    Slurm,
}

#[derive(ClapArgs, Clone, Default)]
#[command(next_help_heading = "Batch execution")]
pub struct BatchArgs {
    /// Run here (local) or as Slurm batch jobs (slurm). Default: local.
    #[arg(long, value_enum)]
    pub executor: Option<ExecutorArg>,
    /// Same as --executor slurm.
    #[arg(long, conflicts_with = "executor")]
    pub submit: bool,
    /// The run directory (state, scripts, logs). Default: DATASET/_scanlake/runs/ID.
    #[arg(long)]
    pub run_dir: Option<PathBuf>,
    /// Write and print the sbatch scripts without submitting them.
    #[arg(long)]
    pub dry_run: bool,
    /// After submitting, wait for the run to end (and print its result, where there is one).
    #[arg(long)]
    pub wait: bool,
    /// A shell command to run when the run ends; it gets SCANLAKE_RUN_ID, SCANLAKE_RUN_STATUS, … .
    #[arg(long)]
    pub notify: Option<String>,
    /// The scanlake program the jobs run (default: this one).
    #[arg(long)]
    pub program: Option<PathBuf>,
    #[command(flatten)]
    pub slurm: SlurmArgs,
}

/// Resources for every job; each overrides the `[slurm]` table of the configuration file.
#[derive(ClapArgs, Clone, Default)]
pub struct SlurmArgs {
    #[arg(long)]
    pub partition: Option<String>,
    #[arg(long)]
    pub account: Option<String>,
    #[arg(long)]
    pub qos: Option<String>,
    /// Time limit of each job (sbatch --time, e.g. 2:00:00).
    #[arg(long)]
    pub time_limit: Option<String>,
    /// CPUs per task of the heavy stages (convert, aggregate).
    #[arg(long)]
    pub cpus_per_task: Option<u32>,
    /// Memory per job (e.g. 16G).
    #[arg(long)]
    pub mem: Option<String>,
    /// At most this many tasks of an array at once.
    #[arg(long)]
    pub array_limit: Option<u32>,
    /// Passed to Slurm: who gets mail.
    #[arg(long)]
    pub mail_user: Option<String>,
    /// Passed to Slurm: when (e.g. END,FAIL).
    #[arg(long)]
    pub mail_type: Option<String>,
    /// Another sbatch option, as one word (`--constraint=bigmem`); repeatable.
    #[arg(long = "sbatch-arg", allow_hyphen_values = true)]
    pub extra: Vec<String>,
}

impl BatchArgs {
    /// Whether this command runs as a tracked run rather than straight through.
    pub fn is_batch(&self) -> bool {
        self.executor() == Executor::Slurm || self.run_dir.is_some() || self.notify.is_some()
    }

    pub fn executor(&self) -> Executor {
        match (self.submit, self.executor) {
            (true, _) | (_, Some(ExecutorArg::Slurm)) => Executor::Slurm,
            _ => Executor::Local,
        }
    }

    pub fn options(&self, description: &str) -> RunOptions {
        let s = &self.slurm;
        RunOptions {
            executor: self.executor(),
            run_dir: self.run_dir.clone(),
            notify: self.notify.clone(),
            slurm: SlurmSettings {
                partition: s.partition.clone(),
                account: s.account.clone(),
                qos: s.qos.clone(),
                time: s.time_limit.clone(),
                cpus_per_task: s.cpus_per_task,
                memory: s.mem.clone(),
                array_limit: s.array_limit,
                mail_user: s.mail_user.clone(),
                mail_type: s.mail_type.clone(),
                extra: s.extra.clone(),
            },
            program: self.program.clone(),
            own_program: std::env::current_exe().ok(),
            description: description.to_string(),
        }
    }
}

/// `p` as the user gave it, made absolute against this directory (runs store absolute paths).
pub fn absolute(p: &Path) -> Result<PathBuf> {
    scanlake_api::pipeline::absolute(p)
}
