//! A finished report as a stream of rows: what exports write and interfaces hand out. A result
//! that was spilled to disk is read back as it is written, so no interface holds it whole.

use super::cells::{Cell, Column, Table};
use anyhow::Result;
use std::cmp::Ordering;

type RowIter = Box<dyn Iterator<Item = Result<Vec<Cell>>> + Send>;

/// Columns, then rows in report order (each a `Result`: a spilled result is read as it goes).
pub struct Rows {
    pub columns: Vec<Column>,
    rows: RowIter,
}

impl Rows {
    pub fn new(columns: Vec<Column>, rows: impl Iterator<Item = Result<Vec<Cell>>> + Send + 'static) -> Rows {
        Rows { columns, rows: Box::new(rows) }
    }

    /// Collects every row (for results known to be small, and for tests).
    pub fn into_table(self) -> Result<Table> {
        let columns = self.columns;
        Ok(Table { columns, rows: self.rows.collect::<Result<_>>()? })
    }

    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    /// Empties the named columns: values the dataset could not provide are unknown, not zero.
    pub fn blank(self, names: &[&str]) -> Rows {
        let blank: Vec<usize> = names.iter().filter_map(|n| self.column_index(n)).collect();
        if blank.is_empty() {
            return self;
        }
        let rows = self.rows.map(move |row| {
            let mut row = row?;
            for &i in &blank {
                row[i] = Cell::Null;
            }
            Ok(row)
        });
        Rows::new(self.columns, rows)
    }

    /// Adds a text column `name` right after the integer column `after`, made from its values
    /// (`user` beside `uid`); unchanged when there is no such column.
    pub fn with_text_after(
        self,
        after: &str,
        name: &str,
        mut text: impl FnMut(i64) -> Option<String> + Send + 'static,
    ) -> Rows {
        let Some(at) = self.column_index(after) else { return self };
        let mut columns = self.columns;
        columns.insert(at + 1, Column::new(name, super::cells::ColumnType::Text));
        let rows = self.rows.map(move |row| {
            let mut row = row?;
            let cell = match row[at] {
                Cell::Int(v) => text(v).map_or(Cell::Null, Cell::Text),
                _ => Cell::Null,
            };
            row.insert(at + 1, cell);
            Ok(row)
        });
        Rows::new(columns, rows)
    }

    /// Keeps the `n` rows largest in `column` per scan date, largest first; ties keep the group
    /// order. Rows must come in group order, which starts with the scan date: one date's rows are
    /// contiguous, and at most `2n` rows are held at a time.
    pub fn top(self, column: &str, n: usize) -> Rows {
        let Some(value) = self.column_index(column) else { return self };
        let acq = self.column_index("acq");
        let mut input = self.rows;
        let mut best: Vec<(Option<i64>, u64, Vec<Cell>)> = Vec::new();
        let mut date: Option<Cell> = None;
        let mut seq = 0u64;
        let mut ready = std::vec::IntoIter::default();
        let mut done = false;
        let order = |a: &(Option<i64>, u64, Vec<Cell>), b: &(Option<i64>, u64, Vec<Cell>)| -> Ordering {
            b.0.cmp(&a.0).then(a.1.cmp(&b.1))
        };
        let keep = move |best: &mut Vec<(Option<i64>, u64, Vec<Cell>)>| {
            best.sort_by(order);
            best.truncate(n);
        };
        // One date's kept rows, in order, leaving none.
        let emit = move |best: &mut Vec<(Option<i64>, u64, Vec<Cell>)>| {
            keep(best);
            std::mem::take(best).into_iter().map(|r| r.2).collect::<Vec<_>>().into_iter()
        };
        let rows = std::iter::from_fn(move || {
            loop {
                if let Some(row) = ready.next() {
                    return Some(Ok(row));
                }
                if done {
                    return None;
                }
                match input.next() {
                    Some(Err(e)) => return Some(Err(e)),
                    Some(Ok(row)) => {
                        let this = acq.map(|a| row[a].clone());
                        if this != date && !best.is_empty() {
                            ready = emit(&mut best);
                        }
                        date = this;
                        let v = match &row[value] {
                            Cell::Int(v) => Some(*v),
                            _ => None,
                        };
                        best.push((v, seq, row));
                        seq += 1;
                        if best.len() >= 2 * n.max(1) {
                            keep(&mut best);
                        }
                    }
                    None => {
                        done = true;
                        ready = emit(&mut best);
                    }
                }
            }
        });
        Rows::new(self.columns, rows)
    }
}

impl Rows {
    /// [`Rows::top`], and after each scan date's `n` rows one that sums the rest: `label` in the
    /// first column after `acq`, the other group columns (the first `keys`) empty, every further
    /// number summed. Holds one scan date's rows at a time.
    pub fn top_and_other(self, column: &str, n: usize, keys: usize, label: &str) -> Rows {
        let (Some(value), Some(acq)) = (self.column_index(column), self.column_index("acq")) else {
            return self.top(column, n);
        };
        let columns = self.columns.clone();
        let numeric: Vec<bool> = columns
            .iter()
            .enumerate()
            .map(|(i, c)| i >= keys && matches!(c.ty, super::cells::ColumnType::Int | super::cells::ColumnType::Bytes))
            .collect();
        let label = label.to_string();
        let mut input = self.rows.peekable();
        let mut failed = false;
        let rows = std::iter::from_fn(move || {
            if failed {
                return None;
            }
            // One scan date's rows.
            let mut date: Vec<Vec<Cell>> = Vec::new();
            loop {
                match input.peek() {
                    None => break,
                    Some(Err(_)) => {
                        failed = true;
                        return input.next().map(|r| r.map(|row| vec![row]));
                    }
                    Some(Ok(row)) if date.first().is_some_and(|d| d[acq] != row[acq]) => break,
                    Some(Ok(_)) => date.push(input.next().expect("peeked").expect("ok")),
                }
            }
            if date.is_empty() {
                return None;
            }
            let v = |r: &Vec<Cell>| match &r[value] {
                Cell::Int(v) => Some(*v),
                _ => None,
            };
            date.sort_by_key(|r| std::cmp::Reverse(v(r)));
            let rest = date.split_off(n.min(date.len()));
            if !rest.is_empty() {
                let mut other: Vec<Cell> = (0..columns.len()).map(|_| Cell::Null).collect();
                other[acq] = rest[0][acq].clone();
                other[if acq == 0 { 1 } else { 0 }] = Cell::Text(label.clone());
                for (i, is_number) in numeric.iter().enumerate() {
                    if *is_number {
                        let sum = rest.iter().filter_map(|r| match r[i] {
                            Cell::Int(x) => Some(x),
                            _ => None,
                        });
                        other[i] = sum.reduce(i64::saturating_add).map_or(Cell::Null, Cell::Int);
                    }
                }
                date.push(other);
            }
            Some(Ok(date))
        })
        .flat_map(|r: Result<Vec<Vec<Cell>>>| -> Vec<Result<Vec<Cell>>> {
            match r {
                Ok(rows) => rows.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            }
        });
        Rows::new(self.columns, rows)
    }
}

impl Iterator for Rows {
    type Item = Result<Vec<Cell>>;
    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

impl From<Table> for Rows {
    fn from(table: Table) -> Rows {
        Rows::new(table.columns, table.rows.into_iter().map(Ok))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aggregate::cells::ColumnType;

    #[test]
    fn top_keeps_the_largest_per_date_in_order_with_ties_in_group_order() {
        let columns = vec![
            Column { name: "acq".into(), ty: ColumnType::Date },
            Column { name: "who".into(), ty: ColumnType::Int },
            Column { name: "bytes".into(), ty: ColumnType::Bytes },
        ];
        let row = |d: &str, who: i64, b: Option<i64>| {
            vec![Cell::Text(d.into()), Cell::Int(who), b.map_or(Cell::Null, Cell::Int)]
        };
        let mut rows = Vec::new();
        for who in 0..1000 {
            rows.push(row("2026-01-01", who, Some(who % 10)));
        }
        rows.push(row("2026-01-02", 1, None));
        rows.push(row("2026-01-02", 2, Some(5)));
        let table = Rows::from(Table { columns, rows }).top("bytes", 3).into_table().unwrap();
        let got: Vec<(String, i64)> = table
            .rows
            .iter()
            .map(|r| match (&r[0], &r[1]) {
                (Cell::Text(d), Cell::Int(w)) => (d.clone(), *w),
                _ => unreachable!(),
            })
            .collect();
        let want = [("2026-01-01", 9), ("2026-01-01", 19), ("2026-01-01", 29), ("2026-01-02", 2), ("2026-01-02", 1)];
        assert_eq!(got, want.map(|(d, w)| (d.to_string(), w)));
    }

    #[test]
    fn top_and_other_sums_what_it_leaves_out_per_date() {
        let columns = vec![
            Column { name: "acq".into(), ty: ColumnType::Date },
            Column { name: "ext".into(), ty: ColumnType::Text },
            Column { name: "uid".into(), ty: ColumnType::Int },
            Column { name: "bytes".into(), ty: ColumnType::Bytes },
        ];
        let row = |d: &str, e: &str, uid: i64, b: i64| {
            vec![Cell::Text(d.into()), Cell::Text(e.into()), Cell::Int(uid), Cell::Int(b)]
        };
        let rows = vec![
            row("2026-01-01", ".a", 1, 5),
            row("2026-01-01", ".b", 2, 9),
            row("2026-01-01", ".c", 3, 1),
            row("2026-01-01", ".d", 4, 2),
            row("2026-01-02", ".a", 1, 3),
        ];
        let table = Rows::from(Table { columns, rows }).top_and_other("bytes", 2, 3, "(other)").into_table().unwrap();
        let other = vec![Cell::Text("2026-01-01".into()), Cell::Text("(other)".into()), Cell::Null, Cell::Int(3)];
        assert_eq!(
            table.rows,
            vec![row("2026-01-01", ".b", 2, 9), row("2026-01-01", ".a", 1, 5), other, row("2026-01-02", ".a", 1, 3)]
        );
    }
}
