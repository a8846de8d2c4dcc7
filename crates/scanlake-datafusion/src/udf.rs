//! SQL functions that apply scanlake's own path rules ([`scanlake::aggregate::pathkey`]), so that
//! SQL reports cut, match and show paths byte for byte as the streaming engine does.
//!
//! - `scanlake_dir(path BYTEA, depth BIGINT) -> BYTEA`: the directory an object is in, at depth.
//! - `scanlake_ancestors(path BYTEA, from BIGINT, to BIGINT) -> LIST<BYTEA>`: its directories at
//!   depths `from..=to` (no deeper than its parent).
//! - `scanlake_under(path BYTEA, prefix BYTEA) -> BOOLEAN`: at or under a directory.
//! - `scanlake_display(path BYTEA) -> VARCHAR`: path text as reports show it.
//! - `scanlake_extension(path BYTEA) -> VARCHAR`: the base name's extension group, shown as paths are.
//! - `scanlake_name_glob(path BYTEA, glob BYTEA) -> BOOLEAN`: the base name matches a glob.
//! - `scanlake_path_regex(path BYTEA, regex BYTEA) -> BOOLEAN`: the path matches a regex.

use arrow::array::{Array, ArrayRef, BinaryArray, BinaryBuilder, BooleanArray, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs, ScalarUDF, ScalarUDFImpl, Signature, Volatility};
use scanlake::aggregate::{extension, filter, pathkey};
use std::sync::Arc;

pub fn all() -> Vec<ScalarUDF> {
    vec![
        ScalarUDF::from(PathFn::new(PathOp::Dir)),
        ScalarUDF::from(PathFn::new(PathOp::Ancestors)),
        ScalarUDF::from(PathFn::new(PathOp::Under)),
        ScalarUDF::from(PathFn::new(PathOp::Display)),
        ScalarUDF::from(PathFn::new(PathOp::Extension)),
        ScalarUDF::from(PathFn::new(PathOp::Name)),
        ScalarUDF::from(PathFn::new(PathOp::NameGlob)),
        ScalarUDF::from(PathFn::new(PathOp::PathRegex)),
    ]
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum PathOp {
    Dir,
    Ancestors,
    Under,
    Display,
    Extension,
    Name,
    NameGlob,
    PathRegex,
}

#[derive(Debug, PartialEq, Eq, Hash)]
struct PathFn {
    op: PathOp,
    signature: Signature,
}

impl PathFn {
    fn new(op: PathOp) -> PathFn {
        let args = match op {
            PathOp::Dir => vec![DataType::Binary, DataType::Int64],
            PathOp::Ancestors => vec![DataType::Binary, DataType::Int64, DataType::Int64],
            PathOp::Under | PathOp::NameGlob | PathOp::PathRegex => vec![DataType::Binary, DataType::Binary],
            PathOp::Display | PathOp::Extension | PathOp::Name => vec![DataType::Binary],
        };
        PathFn { op, signature: Signature::exact(args, Volatility::Immutable) }
    }
}

fn binary(v: &ColumnarValue, rows: usize) -> Result<BinaryArray> {
    let a = v.to_array(rows)?;
    let a = arrow::compute::cast(&a, &DataType::Binary)?;
    Ok(a.as_any().downcast_ref::<BinaryArray>().expect("cast to binary").clone())
}

fn int_scalar(v: &ColumnarValue, what: &str) -> Result<usize> {
    match v {
        ColumnarValue::Scalar(ScalarValue::Int64(Some(n))) if *n >= 0 => Ok(*n as usize),
        _ => exec_err!("{what} must be a non-negative constant"),
    }
}

impl ScalarUDFImpl for PathFn {
    fn name(&self) -> &str {
        match self.op {
            PathOp::Dir => "scanlake_dir",
            PathOp::Ancestors => "scanlake_ancestors",
            PathOp::Under => "scanlake_under",
            PathOp::Display => "scanlake_display",
            PathOp::Extension => "scanlake_extension",
            PathOp::Name => "scanlake_name",
            PathOp::NameGlob => "scanlake_name_glob",
            PathOp::PathRegex => "scanlake_path_regex",
        }
    }

    fn signature(&self) -> &Signature {
        &self.signature
    }

    fn return_type(&self, _args: &[DataType]) -> Result<DataType> {
        Ok(match self.op {
            PathOp::Dir => DataType::Binary,
            PathOp::Ancestors => DataType::List(Arc::new(Field::new("item", DataType::Binary, true))),
            PathOp::Under | PathOp::NameGlob | PathOp::PathRegex => DataType::Boolean,
            PathOp::Display | PathOp::Extension | PathOp::Name => DataType::Utf8,
        })
    }

    fn invoke_with_args(&self, args: ScalarFunctionArgs) -> Result<ColumnarValue> {
        let rows = args.number_rows;
        let paths = binary(&args.args[0], rows)?;
        let out: ArrayRef = match self.op {
            PathOp::Dir => {
                let depth = int_scalar(&args.args[1], "scanlake_dir's depth")?;
                let mut b = BinaryBuilder::with_capacity(rows, rows * 32);
                for p in paths.iter() {
                    b.append_option(p.map(|p| pathkey::dir_at(p, depth)));
                }
                Arc::new(b.finish())
            }
            PathOp::Ancestors => {
                let from = int_scalar(&args.args[1], "scanlake_ancestors' first depth")?;
                let to = int_scalar(&args.args[2], "scanlake_ancestors' last depth")?;
                let mut b = ListBuilder::new(BinaryBuilder::new());
                for p in paths.iter() {
                    match p {
                        None => b.append_null(),
                        Some(p) => {
                            let parent = &p[..memchr::memrchr(b'/', p).unwrap_or(0)];
                            let deepest = memchr::memchr_iter(b'/', parent).count().min(to);
                            for depth in from..=deepest {
                                b.values().append_value(pathkey::dir_at(p, depth));
                            }
                            b.append(true);
                        }
                    }
                }
                Arc::new(b.finish())
            }
            PathOp::Under => {
                let prefixes = binary(&args.args[1], rows)?;
                let r: BooleanArray = paths
                    .iter()
                    .zip(prefixes.iter())
                    .map(|(p, pre)| match (p, pre) {
                        (Some(p), Some(pre)) => Some(pathkey::under(p, pre)),
                        _ => None,
                    })
                    .collect();
                Arc::new(r)
            }
            PathOp::NameGlob | PathOp::PathRegex => {
                let pattern = match &args.args[1] {
                    ColumnarValue::Scalar(ScalarValue::Binary(Some(p))) => p.clone(),
                    _ => return exec_err!("{}'s pattern must be a constant", self.name()),
                };
                let source = if self.op == PathOp::NameGlob {
                    filter::glob_regex(&pattern).map_err(datafusion::error::DataFusionError::Execution)?
                } else {
                    filter::bytes_regex(&pattern)
                };
                let re = regex::bytes::Regex::new(&source)
                    .map_err(|e| datafusion::error::DataFusionError::Execution(e.to_string()))?;
                let name = self.op == PathOp::NameGlob;
                let r: BooleanArray =
                    paths.iter().map(|p| p.map(|p| re.is_match(if name { filter::base_name(p) } else { p }))).collect();
                Arc::new(r)
            }
            PathOp::Display => {
                let mut b = StringBuilder::with_capacity(rows, rows * 32);
                for p in paths.iter() {
                    b.append_option(p.map(pathkey::display));
                }
                Arc::new(b.finish())
            }
            PathOp::Name => {
                let mut b = StringBuilder::with_capacity(rows, rows * 16);
                for p in paths.iter() {
                    b.append_option(p.map(|p| pathkey::display(filter::base_name(p))));
                }
                Arc::new(b.finish())
            }
            PathOp::Extension => {
                let mut b = StringBuilder::with_capacity(rows, rows * 8);
                for p in paths.iter() {
                    b.append_option(p.map(|p| pathkey::display(&extension::of_path(p))));
                }
                Arc::new(b.finish())
            }
        };
        Ok(ColumnarValue::Array(out))
    }
}
