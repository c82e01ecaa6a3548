//! Plain-text tables whose columns line up with Chinese text too.

use unicode_width::UnicodeWidthStr;

/// A table: headers and rows of cells.
pub struct Table {
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    right: Vec<bool>,
}

impl Table {
    /// A table with these column headers.
    pub fn new(headers: Vec<String>) -> Table {
        let right = vec![false; headers.len()];
        Table {
            headers,
            rows: Vec::new(),
            right,
        }
    }

    /// Aligns column `i` to the right (numbers, money).
    pub fn right(mut self, columns: &[usize]) -> Table {
        for &c in columns {
            if let Some(r) = self.right.get_mut(c) {
                *r = true;
            }
        }
        self
    }

    /// Adds a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Renders with two spaces between columns.
    pub fn render(&self) -> String {
        let clean = |s: &str| s.replace(['\n', '\t'], " ");
        let mut widths: Vec<usize> = self.headers.iter().map(|h| h.width()).collect();
        for row in &self.rows {
            for (i, cell) in row.iter().enumerate() {
                if let Some(w) = widths.get_mut(i) {
                    *w = (*w).max(clean(cell).width());
                }
            }
        }
        let mut out = String::new();
        let mut line = |cells: &[String]| {
            let mut parts = Vec::new();
            for (i, cell) in cells.iter().enumerate() {
                let cell = clean(cell);
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.width());
                let last = i + 1 == cells.len();
                if self.right.get(i).copied().unwrap_or(false) {
                    parts.push(format!("{}{cell}", " ".repeat(pad)));
                } else if last {
                    parts.push(cell);
                } else {
                    parts.push(format!("{cell}{}", " ".repeat(pad)));
                }
            }
            out.push_str(parts.join("  ").trim_end());
            out.push('\n');
        };
        line(&self.headers);
        for row in &self.rows {
            line(row);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_wide_characters() {
        let mut t = Table::new(vec!["名称".into(), "Qty".into()]).right(&[1]);
        t.row(vec!["茶叶".into(), "5".into()]);
        t.row(vec!["Cup".into(), "12".into()]);
        let text = t.render();
        let lines: Vec<_> = text.lines().collect();
        assert_eq!(lines[1], "茶叶    5");
        assert_eq!(lines[2], "Cup    12");
    }
}
