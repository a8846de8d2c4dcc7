//! Names for generated scans: ordinary ones, hostile ones, and malformed lines.

use rand::Rng;
use rand::rngs::StdRng;

const TOPS: &[&str] = &["home", "projects", "scratch", "apps", "archive", "shared"];
const WORDS: &[&str] = &[
    "data",
    "results",
    "src",
    "run",
    "output",
    "input",
    "analysis",
    "figures",
    "raw",
    "processed",
    "logs",
    "tmp",
    "checkpoints",
    "models",
    "notebooks",
    "sim",
    "config",
    "docs",
    ".cache",
    "build",
];
const EXTENSIONS: &[&str] =
    &["dat", "h5", "nc", "txt", "log", "csv", "py", "c", "o", "tar", "gz", "png", "json", "bin"];

/// Names that break naive parsers: every one must survive a round trip.
pub const HOSTILE: &[&[u8]] = &[
    b"with space",
    b"pipe|in|name",
    b"equals=sign",
    b"100% done",
    b"%41 not an escape",
    b"new\nline",
    b"dash -- dash",
    b"tab\there",
    b"\"double\" and 'single' quotes",
    b"back`tick` $dollar",
    "ünïcødé-名前-😀".as_bytes(),
    b"latin1-\xe9t\xe9",
    b"bad-utf8-\xff\xfe\xc0",
    b"#not-a-comment",
    b"-leading-dash",
    b"trailing space ",
    b"cr\rinside",
    b"semi;colon&amp",
    b"back\\slash",
    b"  ",
];

pub fn top_name(top: u32) -> String {
    match TOPS.get(top as usize) {
        Some(t) => (*t).to_string(),
        None => format!("proj{top:04}"),
    }
}

pub fn fileset(uid: u32) -> String {
    format!("fs{:02}", uid % 16)
}

/// A directory below `root/<top>`: a user's directory and up to four more levels.
pub fn directory(rng: &mut StdRng, root: &str, top: u32, user: u32) -> Vec<u8> {
    let mut d = format!("{root}/{}/user{user:04}", top_name(top));
    for _ in 0..rng.random_range(0..5) {
        let w = WORDS[rng.random_range(0..WORDS.len())];
        if rng.random_bool(0.5) {
            d.push_str(&format!("/{w}"));
        } else {
            d.push_str(&format!("/{w}_{:03}", rng.random_range(0..200)));
        }
    }
    d.into_bytes()
}

pub fn ordinary(rng: &mut StdRng) -> Vec<u8> {
    let w = WORDS[rng.random_range(0..WORDS.len())];
    let e = EXTENSIONS[rng.random_range(0..EXTENSIONS.len())];
    format!("{w}_{:06}.{e}", rng.random_range(0..1_000_000)).into_bytes()
}

pub fn hostile(rng: &mut StdRng) -> Vec<u8> {
    let mut n = HOSTILE[rng.random_range(0..HOSTILE.len())].to_vec();
    n.extend_from_slice(format!("-{}", rng.random_range(0..1_000_000)).as_bytes());
    n
}

/// Appends one malformed line, of one of the kinds the parser must reject.
pub fn malformed(rng: &mut StdRng, out: &mut Vec<u8>) {
    let line: &[u8] = match rng.random_range(0..6) {
        0 => b"12x34 1 0  %7Csize%3D1%7C -- /gpfs/fs1/bad/inode",
        1 => b"1234 1 0  %7Csize%3D1%7C /gpfs/fs1/bad/no-separator",
        2 => b"1234 1 0  %7Csize%3D1k%7C -- /gpfs/fs1/bad/number",
        3 => b"1234 1 0  %7Caccess%3D2024-02-30%2000%3A00%3A00%7C -- /gpfs/fs1/bad/time",
        4 => b"1234 1 0  %7Csize%3D1%7Ckballoc%3D",
        _ => b"1234 1 0  %7Csize%3D1%7C -- /gpfs/fs1/bad/escape%G1",
    };
    out.extend_from_slice(line);
    out.push(b'\n');
}
