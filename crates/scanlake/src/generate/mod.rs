//! Synthetic scans: policy LIST files with realistic users, trees, sizes and ages, optionally with
//! hostile names, hard links, directories and malformed lines. Deterministic for a seed.
//!
//! Output is made in blocks of records, each from its own seeded generator, so blocks are built in
//! parallel and the file is the same whatever the thread count.

mod names;

use crate::dataset::ScanDate;
use crate::format::Escape;
use crate::format::encode::write_line;
use crate::format::time::format_timestamp_micros;
use anyhow::{Context, Result};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rayon::prelude::*;
use serde::Serialize;
use std::io::Write;
use std::path::Path;

/// The SHOW layout a generated scan uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum GenLayout {
    /// scanlake's template: `|size=|kballoc=|access=|create=|modify=|change=|uid=|gid=|heat=|pool=|mode=|misc=|nlink=|fileset=|`.
    Default,
    /// The predecessor package's: no change, nlink or fileset, and a `|path=` copy of the path.
    Predecessor,
}

#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GenOptions {
    /// Records to write (hard-link twins and directories included); malformed lines come on top.
    pub records: u64,
    pub seed: u64,
    pub users: u32,
    pub groups: u32,
    /// Directories under the root (the tlds at depth 3).
    pub top_dirs: u32,
    pub root: String,
    pub acq: ScanDate,
    pub layout: GenLayout,
    /// Fraction of file names drawn from the hostile list.
    pub hostile_fraction: f64,
    /// Fraction of extra lines that are malformed.
    pub malformed_fraction: f64,
    pub hard_link_fraction: f64,
    /// Emit directory and symlink entries (as `DIRECTORIES_PLUS` does).
    pub directories: bool,
}

impl Default for GenOptions {
    fn default() -> Self {
        GenOptions {
            records: 100_000,
            seed: 1,
            users: 200,
            groups: 30,
            top_dirs: 40,
            root: "/gpfs/fs1".into(),
            acq: ScanDate { year: 2026, month: 11, day: 1 },
            layout: GenLayout::Default,
            hostile_fraction: 0.0,
            malformed_fraction: 0.0,
            hard_link_fraction: 0.01,
            directories: false,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct GenSummary {
    pub lines: u64,
    pub records: u64,
    pub malformed: u64,
    pub comments: u64,
    pub bytes: u64,
}

/// One object as a policy run would list it. Times are microseconds since the epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct GenRecord {
    pub inode: u64,
    pub generation: u32,
    pub snapshot: u64,
    pub path: Vec<u8>,
    pub size: i64,
    pub kballoc: i64,
    pub access: i64,
    pub create: i64,
    pub modify: i64,
    pub change: i64,
    pub uid: u32,
    pub gid: u32,
    pub heat: f64,
    pub pool: String,
    pub mode: String,
    pub misc: String,
    pub nlink: i64,
    pub fileset: String,
}

impl GenRecord {
    /// Appends this record as one policy line.
    pub fn write(&self, layout: GenLayout, out: &mut Vec<u8>) {
        let mut show = Vec::with_capacity(256);
        let mut kv = |k: &str, v: &dyn std::fmt::Display| {
            let _ = write!(show, "|{k}={v}");
        };
        kv("size", &self.size);
        kv("kballoc", &self.kballoc);
        kv("access", &format_timestamp_micros(self.access));
        kv("create", &format_timestamp_micros(self.create));
        kv("modify", &format_timestamp_micros(self.modify));
        if layout == GenLayout::Default {
            kv("change", &format_timestamp_micros(self.change));
        }
        kv("uid", &self.uid);
        kv("gid", &self.gid);
        kv("heat", &self.heat);
        kv("pool", &self.pool);
        kv("mode", &self.mode);
        kv("misc", &self.misc);
        if layout == GenLayout::Default {
            kv("nlink", &self.nlink);
            kv("fileset", &self.fileset);
        } else {
            show.extend_from_slice(b"|path=");
            show.extend_from_slice(&self.path);
        }
        show.push(b'|');
        write_line(out, self.inode, self.generation, self.snapshot, &show, &self.path, Escape::Percent);
    }
}

const BLOCK: u64 = 16 * 1024;
const DAY_MICROS: i64 = 86_400 * 1_000_000;

/// Writes a synthetic scan to `out`.
pub fn generate(opts: &GenOptions, out: &mut dyn Write) -> Result<GenSummary> {
    let mut summary = GenSummary::default();
    let header = format!("# scanlake gen: {} records, seed {}, acq {}\n", opts.records, opts.seed, opts.acq);
    out.write_all(header.as_bytes())?;
    summary.lines += 1;
    summary.comments += 1;
    summary.bytes += header.len() as u64;
    let blocks = opts.records.div_ceil(BLOCK);
    let wave = (rayon::current_num_threads() * 4) as u64;
    for first in (0..blocks).step_by(wave as usize) {
        let parts: Vec<(Vec<u8>, GenSummary)> =
            (first..(first + wave).min(blocks)).into_par_iter().map(|b| block(opts, b)).collect();
        for (bytes, s) in parts {
            out.write_all(&bytes)?;
            summary.lines += s.lines;
            summary.records += s.records;
            summary.malformed += s.malformed;
            summary.comments += s.comments;
            summary.bytes += bytes.len() as u64;
        }
    }
    Ok(summary)
}

/// Writes a synthetic scan to `path` (gzip for `.gz`, zstd for `.zst`), appearing only when complete.
pub fn generate_to_path(opts: &GenOptions, path: &Path) -> Result<GenSummary> {
    let tmp = path.with_file_name(format!(
        ".{}.tmp-{}",
        path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        std::process::id()
    ));
    let file = std::fs::File::create(&tmp).with_context(|| format!("cannot create {}", tmp.display()))?;
    let buffered = std::io::BufWriter::with_capacity(1 << 20, file);
    let name = path.to_string_lossy();
    let summary = if name.ends_with(".gz") {
        let mut enc = flate2::write::GzEncoder::new(buffered, flate2::Compression::fast());
        let s = generate(opts, &mut enc)?;
        enc.finish()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        s
    } else if name.ends_with(".zst") {
        let mut enc = zstd::Encoder::new(buffered, 3)?;
        let s = generate(opts, &mut enc)?;
        enc.finish()?.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        s
    } else {
        let mut w = buffered;
        let s = generate(opts, &mut w)?;
        w.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        s
    };
    std::fs::rename(&tmp, path).with_context(|| format!("cannot rename to {}", path.display()))?;
    Ok(summary)
}

/// Skewed pick in `0..n`: low indices are much more likely (a few users own most files).
fn skewed(rng: &mut StdRng, n: u32) -> u32 {
    let u: f64 = rng.random();
    ((u * u * u) * f64::from(n)) as u32 % n.max(1)
}

fn block(opts: &GenOptions, b: u64) -> (Vec<u8>, GenSummary) {
    let mut rng = StdRng::seed_from_u64(opts.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b);
    let mut out = Vec::with_capacity(BLOCK as usize * 320);
    let mut s = GenSummary::default();
    let acq_micros = opts.acq.days_since_epoch() * 86_400 * 1_000_000;
    let first = b * BLOCK;
    let end = (first + BLOCK).min(opts.records);
    let mut index = first;
    while index < end {
        // One directory and some of its files.
        let user = skewed(&mut rng, opts.users);
        let top = skewed(&mut rng, opts.top_dirs);
        let dir = names::directory(&mut rng, &opts.root, top, user);
        let owner = (1000 + user, 100 + user % opts.groups.max(1));
        let files = 1 + (-(rng.random::<f64>().max(1e-12)).ln() * 24.0) as u64;
        if opts.directories {
            let rec = object(&mut rng, acq_micros, index, dir.clone(), owner, 'd');
            rec.write(opts.layout, &mut out);
            index += 1;
            s.records += 1;
        }
        for _ in 0..files {
            if index >= end {
                break;
            }
            let name = if rng.random_bool(opts.hostile_fraction.clamp(0.0, 1.0)) {
                names::hostile(&mut rng)
            } else {
                names::ordinary(&mut rng)
            };
            let mut path = dir.clone();
            path.push(b'/');
            path.extend_from_slice(&name);
            let kind = if opts.directories && rng.random_bool(0.01) { 'l' } else { '-' };
            let mut rec = object(&mut rng, acq_micros, index, path, owner, kind);
            index += 1;
            s.records += 1;
            if kind == '-' && index < end && rng.random_bool(opts.hard_link_fraction.clamp(0.0, 1.0)) {
                rec.nlink = 2;
                rec.write(opts.layout, &mut out);
                rec.path.extend_from_slice(b".link");
                index += 1;
                s.records += 1;
            }
            rec.write(opts.layout, &mut out);
            if rng.random_bool(opts.malformed_fraction.clamp(0.0, 1.0)) {
                names::malformed(&mut rng, &mut out);
                s.malformed += 1;
            }
        }
    }
    if opts.malformed_fraction > 0.0 && b % 4 == 1 {
        out.extend_from_slice(b"# a comment added by post-processing\n\n");
        s.comments += 2;
    }
    s.lines = s.records + s.malformed + s.comments;
    (out, s)
}

fn object(rng: &mut StdRng, acq: i64, index: u64, path: Vec<u8>, (uid, gid): (u32, u32), kind: char) -> GenRecord {
    let size: i64 = match kind {
        'd' => 4096 * (1 + rng.random_range(0..4)),
        'l' => path.len() as i64 / 2 + 1,
        _ if rng.random_bool(0.03) => 0,
        // Log-normal around 100 KiB: mostly small files, a long tail of large ones.
        _ => {
            let z: f64 = (0..12).map(|_| rng.random::<f64>()).sum::<f64>() - 6.0;
            (11.5 + 3.0 * z).exp().min(4e12) as i64
        }
    };
    let kballoc = if kind == '-' && size < 3800 && rng.random_bool(0.7) { 0 } else { (size + 16383) / 16384 * 16 };
    // Ages: each user has a typical age; modify ≥ create, access and change ≥ modify.
    let typical = 20.0 + f64::from(uid % 97) * 25.0;
    let age =
        |rng: &mut StdRng, scale: f64| (-(rng.random::<f64>().max(1e-12)).ln() * scale * DAY_MICROS as f64) as i64;
    let modify = acq - age(rng, typical) - rng.random_range(0..DAY_MICROS);
    let create = modify - age(rng, typical / 4.0);
    let access = (modify + age(rng, typical / 2.0)).min(acq);
    let change = (modify + age(rng, 10.0)).min(acq);
    let pool = match rng.random_range(0..100) {
        0..70 => "system",
        70..95 => "data",
        _ => "archive",
    };
    let misc = match (kind, pool) {
        ('-', "archive") if rng.random_bool(0.5) => "FAuV",
        ('-', "archive") => "FAuM",
        ('d', _) => "DAu",
        ('l', _) => "LAu",
        _ => "FAu",
    };
    let mode = match kind {
        'd' => "drwxr-xr-x",
        'l' => "lrwxrwxrwx",
        _ if rng.random_bool(0.1) => "-rwxr-xr-x",
        _ => "-rw-r--r--",
    };
    GenRecord {
        inode: 4096 + index,
        generation: (index.wrapping_mul(2_654_435_761) % 65_521) as u32,
        snapshot: 0,
        path,
        size,
        kballoc,
        access,
        create,
        modify,
        change,
        uid,
        gid,
        heat: if rng.random_bool(0.2) { f64::from(rng.random_range(1..1000u32)) / 8.0 } else { 0.0 },
        pool: pool.to_string(),
        mode: mode.to_string(),
        misc: misc.to_string(),
        nlink: if kind == 'd' { 2 } else { 1 },
        fileset: names::fileset(uid),
    }
}
