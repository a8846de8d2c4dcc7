//! Reports as SQL over the `files` table. Each query returns the rows of a partial result; the
//! column order is what [`crate::partials`] reads back.

use scanlake::aggregate::spec::{
    Buckets, ChurnBy, ChurnReport, Dimension, DuReport, FilesMetric, Filter, GroupedReport, TopFilesReport,
};
use scanlake::dataset::partition::ScanDate;

const MICROS_PER_DAY: i64 = 86_400_000_000;
/// The raw bytes of a row's path.
const PATH: &str = "coalesce(path_bytes, CAST(path AS BYTEA))";
/// May be one of several links to an object (directories cannot be).
const LINKED: &str = "((kind IS NULL OR kind <> 'dir') AND (nlink IS NULL OR nlink <> 1))";

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::from("X'");
    for b in bytes {
        s.push_str(&format!("{b:02X}"));
    }
    s.push('\'');
    s
}

fn date(d: ScanDate) -> String {
    format!("DATE '{d}'")
}

/// Row conditions of a filter (dates and tlds included: the table may hold more partitions).
/// Each clause is the same condition the streaming engine tests ([`scanlake::aggregate::filter`]).
pub fn where_clause(f: &Filter, extra: &[String]) -> String {
    let mut c: Vec<String> = extra.to_vec();
    let list = |items: Vec<String>| items.join(", ");
    if !f.acq.is_empty() {
        c.push(format!("acq IN ({})", list(f.acq.iter().map(|d| date(*d)).collect())));
    }
    for k in f.clauses() {
        let mut any = |column: &str, items: Vec<String>| {
            if !items.is_empty() {
                c.push(format!("{column} IN ({})", list(items)));
            }
        };
        any("tld", k.tld.iter().map(|t| quote(t)).collect());
        any("uid", k.uid.iter().map(u32::to_string).collect());
        any("gid", k.gid.iter().map(u32::to_string).collect());
        any("fileset", k.fileset.iter().map(|t| quote(t)).collect());
        any("pool", k.pool.iter().map(|t| quote(t)).collect());
        any("kind", k.kind.iter().map(|t| quote(t)).collect());
        let or = |items: Vec<String>| format!("({})", items.join(" OR "));
        if !k.prefix.is_empty() {
            c.push(or(k.prefix.iter().map(|p| format!("scanlake_under({PATH}, {})", hex(p))).collect()));
        }
        // Age in whole days >= N  <=>  the time is before the start of day (scan day - N + 1).
        let day_start = |days: i64| format!("((CAST(acq AS BIGINT) - {}) * {MICROS_PER_DAY})", days - 1);
        for a in &k.older {
            c.push(format!("CAST({} AS BIGINT) < {}", a.time.column(), day_start(a.days)));
        }
        for a in &k.newer {
            c.push(format!("CAST({} AS BIGINT) >= {}", a.time.column(), day_start(a.days)));
        }
        if let Some(s) = k.size_min {
            c.push(format!("size >= {}", s.0));
        }
        if let Some(s) = k.size_max {
            c.push(format!("size <= {}", s.0));
        }
        if !k.name.is_empty() {
            c.push(or(k.name.iter().map(|g| format!("scanlake_name_glob({PATH}, {})", hex(g))).collect()));
        }
        if !k.path_regex.is_empty() {
            c.push(or(k.path_regex.iter().map(|r| format!("scanlake_path_regex({PATH}, {})", hex(r))).collect()));
        }
        for l in k.misc_has.chars() {
            c.push(format!("COALESCE(strpos(misc, {}), 0) > 0", quote(&l.to_string())));
        }
        for l in k.misc_lacks.chars() {
            c.push(format!("COALESCE(strpos(misc, {}), 0) = 0", quote(&l.to_string())));
        }
    }
    if c.is_empty() { String::new() } else { format!("WHERE {}", c.join(" AND ")) }
}

fn bucket_case(value: &str, b: &Buckets) -> String {
    let mut s = format!("CASE WHEN {value} IS NULL THEN NULL");
    for (i, e) in b.edges().iter().enumerate() {
        s.push_str(&format!(" WHEN {value} < {e} THEN {i}"));
    }
    s.push_str(&format!(" ELSE {} END", b.edges().len()));
    s
}

/// Key expressions of a grouped report: `acq` days, dimensions, buckets.
fn grouped_keys(r: &GroupedReport) -> Vec<String> {
    let mut keys = vec!["CAST(acq AS INT)".to_string()];
    for d in &r.by {
        keys.push(match (d, d.column()) {
            (Dimension::Dir(depth), _) => format!("scanlake_dir({PATH}, {depth})"),
            (Dimension::Ext, _) => format!("scanlake_extension({PATH})"),
            (Dimension::Name, _) => format!("scanlake_name({PATH})"),
            (_, Some(column)) => column.to_string(),
            (_, None) => "tld".into(),
        });
    }
    if let Some((t, b)) = &r.age {
        let col = t.column();
        // Whole days between the scan date and the time's UTC date (floor division).
        let micros = format!("CAST({col} AS BIGINT)");
        let day = format!(
            "(({micros} - ((({micros} % {MICROS_PER_DAY}) + {MICROS_PER_DAY}) % {MICROS_PER_DAY})) / {MICROS_PER_DAY})"
        );
        keys.push(bucket_case(&format!("(CAST(acq AS INT) - {day})"), b));
    }
    if let Some(b) = &r.size {
        keys.push(bucket_case("size", b));
    }
    keys
}

fn select_keys(keys: &[String]) -> String {
    keys.iter().enumerate().map(|(i, k)| format!("{k} AS k{i}")).collect::<Vec<_>>().join(", ")
}

fn group_by(n: usize) -> String {
    (0..n).map(|i| format!("k{i}")).collect::<Vec<_>>().join(", ")
}

/// Counters per group: `k0…, objects, files, dirs, bytes, allocated, unique_part`. Bytes are
/// summed as DECIMAL(38, 0): exact where BIGINT sums would wrap around (see `partial::Sum`).
pub fn grouped(r: &GroupedReport, f: &Filter) -> String {
    let keys = grouped_keys(r);
    format!(
        "SELECT {}, COUNT(*) AS objects, \
         SUM(CASE WHEN kind = 'file' THEN 1 ELSE 0 END) AS files, \
         SUM(CASE WHEN kind = 'dir' THEN 1 ELSE 0 END) AS dirs, \
         COALESCE(SUM(CAST(size AS DECIMAL(38, 0))), 0) AS bytes, \
         COALESCE(SUM(CAST(kballoc AS DECIMAL(38, 0))), 0) * 1024 AS allocated, \
         COALESCE(SUM(CAST(CASE WHEN {LINKED} THEN 0 ELSE size END AS DECIMAL(38, 0))), 0) AS unique_part \
         FROM files {} GROUP BY {}",
        select_keys(&keys),
        where_clause(f, &[]),
        group_by(keys.len())
    )
}

/// Objects that may be linked, per group and identity: `k0…, inode, gen, snapshot, size`.
pub fn linked(r: &GroupedReport, f: &Filter) -> String {
    let keys = grouped_keys(r);
    format!(
        "SELECT {}, inode, gen, snapshot, MAX(COALESCE(size, 0)) AS size FROM files {} GROUP BY {}, inode, gen, snapshot",
        select_keys(&keys),
        where_clause(f, &[LINKED.to_string()]),
        group_by(keys.len())
    )
}

/// Per scan date and directory: `acq_days, dir, objects, files, bytes, allocated, newest_access`.
pub fn du(r: &DuReport, f: &Filter) -> String {
    let from = f.prefix_depth();
    format!(
        "SELECT acq_days, dir, COUNT(*) AS objects, \
         SUM(CASE WHEN kind = 'file' THEN 1 ELSE 0 END) AS files, \
         COALESCE(SUM(CAST(size AS DECIMAL(38, 0))), 0) AS bytes, COALESCE(SUM(CAST(kballoc AS DECIMAL(38, 0))), 0) * 1024 AS allocated, \
         CAST(MAX(access) AS BIGINT) AS newest_access \
         FROM (SELECT CAST(acq AS INT) AS acq_days, unnest(scanlake_ancestors({PATH}, {from}, {})) AS dir, \
               kind, size, kballoc, access FROM files {}) \
         GROUP BY acq_days, dir",
        r.max_depth,
        where_clause(f, &[])
    )
}

/// Per group: `k, created, created_bytes, deleted, deleted_bytes, modified, modified_bytes,
/// unchanged, unchanged_bytes`.
pub fn churn(r: &ChurnReport, f: &Filter) -> String {
    let side = |d: ScanDate| {
        format!(
            "SELECT tld, {PATH} AS p, size, CAST(modify AS BIGINT) AS modify, uid FROM files {}",
            where_clause(f, &[format!("acq = {}", date(d))])
        )
    };
    let key = match r.by {
        ChurnBy::Tld => "COALESCE(b.tld, a.tld)",
        ChurnBy::Uid => "CASE WHEN b.p IS NULL THEN a.uid ELSE b.uid END",
    };
    let both = "a.p IS NOT NULL AND b.p IS NOT NULL";
    let changed = "((a.modify IS DISTINCT FROM b.modify) OR (a.size IS DISTINCT FROM b.size))";
    format!(
        "WITH a AS ({}), b AS ({}) \
         SELECT {key} AS k, \
         SUM(CASE WHEN a.p IS NULL THEN 1 ELSE 0 END) AS created, \
         SUM(CAST(CASE WHEN a.p IS NULL THEN COALESCE(b.size, 0) ELSE 0 END AS DECIMAL(38, 0))) AS created_bytes, \
         SUM(CASE WHEN b.p IS NULL THEN 1 ELSE 0 END) AS deleted, \
         SUM(CAST(CASE WHEN b.p IS NULL THEN COALESCE(a.size, 0) ELSE 0 END AS DECIMAL(38, 0))) AS deleted_bytes, \
         SUM(CASE WHEN {both} AND {changed} THEN 1 ELSE 0 END) AS modified, \
         SUM(CAST(CASE WHEN {both} AND {changed} THEN COALESCE(b.size, 0) ELSE 0 END AS DECIMAL(38, 0))) AS modified_bytes, \
         SUM(CASE WHEN {both} AND NOT {changed} THEN 1 ELSE 0 END) AS unchanged, \
         SUM(CAST(CASE WHEN {both} AND NOT {changed} THEN COALESCE(b.size, 0) ELSE 0 END AS DECIMAL(38, 0))) AS unchanged_bytes \
         FROM a FULL OUTER JOIN b ON a.tld = b.tld AND a.p = b.p GROUP BY 1",
        side(r.from),
        side(r.to)
    )
}

/// top files: each group's best `n` by the metric, then the path (raw bytes), as
/// `acq_days, uid, gid, p, size, access, modify`.
pub fn top_files(r: &TopFilesReport, f: &Filter) -> String {
    let order = match r.metric {
        FilesMetric::Size => "size DESC",
        FilesMetric::Access => "access ASC",
        FilesMetric::Modify => "modify ASC",
    };
    let partition = if r.per_user { "acq, uid" } else { "acq" };
    format!(
        "SELECT acq_days, uid, gid, p, size, access, modify FROM (\
         SELECT CAST(acq AS INT) AS acq_days, uid, gid, {PATH} AS p, size, \
         CAST(access AS BIGINT) AS access, CAST(modify AS BIGINT) AS modify, \
         ROW_NUMBER() OVER (PARTITION BY {partition} ORDER BY {order}, {PATH}) AS rn FROM files {}) \
         WHERE rn <= {}",
        where_clause(f, &[format!("{} IS NOT NULL", r.metric.column())]),
        r.n
    )
}
