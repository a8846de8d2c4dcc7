//! Parser cases: hostile names, odd but valid lines, and malformed lines with their reasons.

use super::encode::{key_value_show, write_line};
use super::*;

fn default_show() -> Vec<u8> {
    key_value_show(&[
        ("size", "1234"),
        ("kballoc", "8"),
        ("access", "2024-03-01 10:00:00.000000"),
        ("create", "2020-01-01 00:00:00.000000"),
        ("modify", "2023-12-31 23:59:59.999999"),
        ("change", "2023-12-31 23:59:59.999999"),
        ("uid", "1001"),
        ("gid", "100"),
        ("heat", "0.25"),
        ("pool", "system"),
        ("mode", "-rw-r--r--"),
        ("misc", "FAu"),
        ("nlink", "1"),
        ("fileset", "root"),
    ])
}

fn parse_with(layout: &Layout, line: &[u8]) -> Result<(LineKind, Record), LineError> {
    let mut parser = LineParser::new(layout);
    let mut rec = Record::default();
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    parser.parse(line, &mut rec).map(|k| (k, rec))
}

fn parse(line: &[u8]) -> Result<(LineKind, Record), LineError> {
    parse_with(&Layout::default(), line)
}

fn column(name: &str) -> usize {
    Layout::default().columns().iter().position(|c| c.name == name).unwrap()
}

#[test]
fn hostile_paths_round_trip() {
    let names: Vec<&[u8]> = vec![
        b"/gpfs/fs1/a b/with space",
        b"/gpfs/fs1/pipe|and=equals",
        b"/gpfs/fs1/100%25 done %",
        b"/gpfs/fs1/new\nline",
        b"/gpfs/fs1/dash -- dash -- x",
        b"/gpfs/fs1/tab\there",
        b"/gpfs/fs1/\"double\" 'single' `back`",
        "/gpfs/fs1/ünïcødé/日本語/😀".as_bytes(),
        b"/gpfs/fs1/latin1-\xe9t\xe9/\xff\xfe",
        b"/gpfs/fs1/trailing space ",
        b"/gpfs/fs1/cr\rmid",
    ];
    for name in names {
        let mut line = Vec::new();
        write_line(&mut line, 42, 7, 0, &default_show(), name, Escape::Percent);
        let (kind, rec) = parse(&line).unwrap_or_else(|e| panic!("{}: {e}", String::from_utf8_lossy(name)));
        assert_eq!(kind, LineKind::Record);
        assert_eq!(rec.path, name);
        assert_eq!(rec.values[column("size")], Value::Int(1234));
    }
}

#[test]
fn a_path_may_contain_the_separator_unescaped() {
    let layout = Layout { escape: Escape::None, ..Layout::default() };
    let mut line = Vec::new();
    write_line(&mut line, 1, 2, 3, &default_show(), b"/a -- b/c -- d", Escape::None);
    let (_, rec) = parse_with(&layout, &line).unwrap();
    assert_eq!(rec.path, b"/a -- b/c -- d");
    assert_eq!((rec.inode, rec.generation, rec.snapshot), (1, 2, 3));
}

#[test]
fn fields_are_typed() {
    let mut line = Vec::new();
    write_line(&mut line, u64::MAX, u32::MAX, 5, &default_show(), b"/x", Escape::Percent);
    let (_, rec) = parse(&line).unwrap();
    assert_eq!((rec.inode, rec.generation, rec.snapshot), (u64::MAX, u32::MAX, 5));
    assert_eq!(rec.values[column("access")], Value::Int(1_709_287_200_000_000));
    assert_eq!(rec.values[column("heat")], Value::Float(0.25));
    assert_eq!(rec.text_of(rec.values[column("mode")]), Some(&b"-rw-r--r--"[..]));
    assert_eq!(rec.text_of(rec.values[column("pool")]), Some(&b"system"[..]));
}

#[test]
fn empty_show_gives_nulls() {
    for line in [&b"9 1 0   -- /gpfs/x"[..], b"9 1 0  -- /gpfs/x", b"9 1 0 -- /gpfs/x"] {
        let (kind, rec) = parse(line).unwrap();
        assert_eq!(kind, LineKind::Record);
        assert_eq!(rec.path, b"/gpfs/x");
        assert!(rec.values.iter().all(|v| *v == Value::Null));
    }
}

#[test]
fn keys_in_any_order_and_the_predecessors_layout() {
    let show = key_value_show(&[("uid", "5"), ("path", "/x%20y"), ("size", "10"), ("project", "astro")]);
    let mut line = Vec::new();
    write_line(&mut line, 1, 1, 0, &show, b"/x y", Escape::Percent);
    let (_, rec) = parse(&line).unwrap();
    assert_eq!(rec.values[column("uid")], Value::Int(5));
    assert_eq!(rec.values[column("size")], Value::Int(10));
    assert_eq!(rec.values[column("modify")], Value::Null);
    let extras: Vec<_> = rec.extras.iter().map(|(k, v)| (&rec.text[k.clone()], &rec.text[v.clone()])).collect();
    assert_eq!(extras, [(&b"path"[..], &b"/x%20y"[..]), (&b"project"[..], &b"astro"[..])]);
}

#[test]
fn parser_survives_a_change_of_key_order_between_lines() {
    let mut parser = LineParser::new(&Layout::default());
    let mut rec = Record::default();
    parser.parse(b"1 1 0  |size=1|uid=2| -- /a", &mut rec).unwrap();
    parser.parse(b"1 1 0  |uid=3|size=4| -- /a", &mut rec).unwrap();
    assert_eq!(rec.values[column("uid")], Value::Int(3));
    assert_eq!(rec.values[column("size")], Value::Int(4));
    parser.parse(b"1 1 0  |mtime=2024-01-01 00:00:00| -- /a", &mut rec).unwrap();
    assert_eq!(rec.values[column("modify")], Value::Int(1_704_067_200_000_000));
}

#[test]
fn comments_and_blank_lines_are_skipped() {
    for line in [&b"# written by post-processing"[..], b"", b"   ", b"\r"] {
        assert_eq!(parse(line).unwrap().0, LineKind::Skipped);
    }
}

#[test]
fn hard_links_are_separate_records_with_one_identity() {
    let mut parser = LineParser::new(&Layout::default());
    let (mut a, mut b) = (Record::default(), Record::default());
    parser.parse(b"77 3 0  |nlink=2| -- /gpfs/one", &mut a).unwrap();
    parser.parse(b"77 3 0  |nlink=2| -- /gpfs/two", &mut b).unwrap();
    assert_eq!((a.inode, a.generation, a.snapshot), (b.inode, b.generation, b.snapshot));
    assert_ne!(a.path, b.path);
}

#[test]
fn malformed_lines_are_rejected_with_reasons() {
    let cases: &[(&[u8], &str)] = &[
        (b"x12 1 0  |size=1| -- /a", "inode is not a number"),
        (b"12 1 0  |size=1| /a", "no ' -- ' between the SHOW text and the path"),
        (b"12 99999999999 0  |size=1| -- /a", "generation is not a number"),
        (b"12 1 0  |size=12x| -- /a", "SHOW key 'size': '12x' is not a number"),
        (b"12 1 0  |uid=4294967296| -- /a", "SHOW key 'uid': '4294967296' is not a number"),
        (b"12 1 0  |access=2024-13-01%2000:00:00| -- /a", "SHOW key 'access': '2024-13-01 00:00:00' is not a time"),
        (b"12 1 0  |size=1|kballoc=2|acc -- /a", "SHOW text does not end with '|'"),
        (b"12 1 0  |size=1|kballoc| -- /a", "SHOW field 'kballoc' has no '='"),
        (b"12 1 0  |size=1|size=2| -- /a", "SHOW key 'size' appears twice"),
        (b"12 1 0  |project=a|project=b| -- /a", "SHOW key 'project' appears twice"),
        (b"12 1 0  |size=1| -- /a%2", "bad percent escape in the path"),
        (b"12 1 0  |size=1| -- ", "empty path"),
        (b"12 1 0  |size=1| -- /a%00b", "path contains a NUL byte"),
        (b"12 1", "snapshot id is not a number"),
        (b"12", "generation is not a number"),
        (b"12 1 0|size=1| -- /a", "no space after the snapshot id"),
    ];
    for (line, reason) in cases {
        let err = parse(line).expect_err(&String::from_utf8_lossy(line));
        assert!(err.to_string().starts_with(reason), "{}: got '{err}'", String::from_utf8_lossy(line));
    }
}

#[test]
fn positional_layouts() {
    let layout = Layout::positional(&["uid".into(), "size".into(), "kballoc".into()], ":", Escape::Percent).unwrap();
    let (_, rec) = parse_with(&layout, b"5 1 0  1001%3A4096%3A4 -- /gpfs/p").unwrap();
    assert_eq!(rec.values, [Value::Int(1001), Value::Int(4096), Value::Int(4)]);
    let err = parse_with(&layout, b"5 1 0  1001%3A4096 -- /gpfs/p").unwrap_err();
    assert_eq!(err, LineError::FieldCount { expected: 3, found: 2 });

    let fields: Vec<String> =
        "size|mtime|atime|ctime|uid|gid|mode|fileset|pool|nlink".split('|').map(String::from).collect();
    let layout = Layout::positional(&fields, "|", Escape::None).unwrap();
    let line = b"5 1 0  10|2024-01-01 00:00:00|2024-01-02 00:00:00||7|8|drwxr-xr-x|proj|data|2 -- /gpfs/d";
    let (_, rec) = parse_with(&layout, line).unwrap();
    assert_eq!(rec.values[0], Value::Int(10));
    assert_eq!(rec.values[3], Value::Null);
    assert_eq!(rec.text_of(rec.values[6]), Some(&b"drwxr-xr-x"[..]));
}

/// What a parse produced, comparable across parsers: values (text resolved) and extra key=value pairs.
type Outcome = (Vec<Option<Vec<u8>>>, Vec<(Vec<u8>, Vec<u8>)>);

fn outcome(parser: &mut LineParser, line: &[u8]) -> Result<Outcome, LineError> {
    let mut rec = Record::default();
    parser.parse(line, &mut rec)?;
    let values = rec
        .values
        .iter()
        .map(|v| match v {
            Value::Null => None,
            Value::Int(i) => Some(i.to_string().into_bytes()),
            Value::Float(f) => Some(f.to_string().into_bytes()),
            Value::Text(..) => rec.text_of(*v).map(<[u8]>::to_vec),
        })
        .collect();
    let extras = rec.extras.iter().map(|(k, v)| (rec.text[k.clone()].to_vec(), rec.text[v.clone()].to_vec())).collect();
    Ok((values, extras))
}

fn field() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::sample::select;
    use proptest::strategy::Strategy;
    let key = select(vec!["size", "uid", "access", "pool", "mtime", "project", "path", "heat", "mode", "si%20ze", ""]);
    let eq = select(vec!["%3D", "%3D", "%3D", "%3D", "%3d", "=", ""]);
    let value = proptest::collection::vec(
        select(vec![
            "12",
            "x",
            "0.5",
            "-rw-r--r--",
            "2024-01-01%2010%3A00%3A00.000000",
            "2024-02-30%2010%3A00%3A00",
            "%20",
            "%3A",
            "%25",
            "%7c",
            "%3D",
            "|",
            "%G1",
            "%",
            "%2",
            "%7C",
        ]),
        0..3,
    );
    (key, eq, value).prop_map(|(k, e, v)| format!("{k}{e}{}", v.concat()))
}

fn show_text() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::sample::select;
    use proptest::strategy::Strategy;
    let seps = proptest::collection::vec(select(vec!["%7C", "%7C", "%7C", "%7C", "%7C", "%7c", "|", ""]), 16);
    (proptest::collection::vec(field(), 0..8), seps, proptest::bool::weighted(0.9)).prop_map(
        |(fields, seps, closed)| {
            let mut s = String::from("%7C");
            for (i, f) in fields.iter().enumerate() {
                s.push_str(f);
                if i + 1 < fields.len() || closed {
                    s.push_str(seps[i]);
                }
            }
            s
        },
    )
}

#[test]
fn a_typical_line_takes_the_fast_path() {
    let mut line = Vec::new();
    write_line(&mut line, 1, 2, 0, &default_show(), b"/gpfs/x", Escape::Percent);
    let show = &line[7..line.windows(4).position(|w| w == b" -- ").unwrap()];
    let mut parser = LineParser::new(&Layout::default());
    let mut rec = Record::default();
    rec.values.resize(Layout::default().columns().len(), Value::Null);
    assert!(parser.parse_escaped_key_value(show, &mut rec));
    assert_eq!(rec.values[column("access")], Value::Int(1_709_287_200_000_000));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 3000, ..Default::default() })]

    /// The fast path for escaped key=value text decides exactly as the general path does.
    #[test]
    fn fast_path_agrees_with_the_general_path(show in show_text()) {
        let line = format!("1 2 0  {show} -- /gpfs/x");
        let mut fast = LineParser::new(&Layout::default());
        let mut general = LineParser::new(&Layout::default()).without_fast_path();
        proptest::prop_assert_eq!(outcome(&mut fast, line.as_bytes()), outcome(&mut general, line.as_bytes()), "{}", show);
    }
}
