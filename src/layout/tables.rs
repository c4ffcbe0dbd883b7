//! Tables: column edges, rows of wrapped cells, rows split across pages
//! with the header repeated.

use super::*;

/// A laid-out table cell: its column position and its lines.
pub(super) struct CellBox {
    x: f32,
    w: f32,
    lines: Vec<CLine>,
    shade: Option<Rgb>,
}

enum CLine {
    Text(Line),
    Gap(f32),
}

impl CLine {
    fn height(&self) -> f32 {
        match self {
            CLine::Text(l) => l.height,
            CLine::Gap(g) => *g,
        }
    }
}

pub(super) struct RowBox {
    cells: Vec<CellBox>,
}

impl RowBox {
    /// Height of the row from the given per-cell line cursors on.
    fn height_from(&self, cur: &[usize]) -> f32 {
        let min = TABLE_SIZE * text::LEADING;
        self.cells
            .iter()
            .zip(cur)
            .map(|(c, &k)| {
                c.lines[k.min(c.lines.len())..]
                    .iter()
                    .map(CLine::height)
                    .sum::<f32>()
            })
            .fold(min, f32::max)
            + 2.0 * CELL_PAD_Y
    }
    fn done(&self, cur: &[usize]) -> bool {
        self.cells.iter().zip(cur).all(|(c, &k)| k >= c.lines.len())
    }
}

impl Builder {
    /// Column edges of a table across the text column.
    pub(super) fn column_edges(&self, t: &Table) -> Vec<f32> {
        let ncols = t
            .header
            .iter()
            .chain(&t.body)
            .map(|r| r.cells.iter().map(|c| c.colspan.max(1)).sum::<usize>())
            .chain(std::iter::once(t.widths.len()))
            .max()
            .unwrap_or(0)
            .max(1);
        let given: Vec<f32> = t
            .widths
            .iter()
            .map(|w| if w.is_finite() && *w > 0.0 { *w } else { 0.0 })
            .collect();
        let positive: Vec<f32> = given.iter().copied().filter(|w| *w > 0.0).collect();
        let fallback = if positive.is_empty() {
            1.0
        } else {
            positive.iter().sum::<f32>() / positive.len() as f32
        };
        let rel: Vec<f32> = (0..ncols)
            .map(|i| match given.get(i) {
                Some(w) if *w > 0.0 => *w,
                _ => fallback,
            })
            .collect();
        let total: f32 = rel.iter().sum();
        let mut xs = vec![self.left];
        for r in &rel {
            let last = xs[xs.len() - 1];
            xs.push(last + self.width * r / total);
        }
        xs
    }

    /// What must fit for a table to start on this page: its header and the
    /// start of its first body row.
    pub(super) fn table_start(header: &[RowBox], first: Option<&RowBox>) -> f32 {
        let header_h: f32 = header
            .iter()
            .map(|r| r.height_from(&vec![0; r.cells.len()]))
            .sum();
        let first = first.map_or(0.0, |r| {
            let full = r.height_from(&vec![0; r.cells.len()]);
            full.min(2.0 * CELL_PAD_Y + 3.0 * TABLE_SIZE * text::LEADING)
        });
        header_h + first
    }

    pub(super) fn table(&mut self, t: &Table) -> Result<(), LayoutError> {
        let xs = self.column_edges(t);
        let header: Vec<RowBox> = t.header.iter().map(|r| build_row(r, &xs, true)).collect();
        let body: Vec<RowBox> = t.body.iter().map(|r| build_row(r, &xs, false)).collect();
        let header_h: f32 = header
            .iter()
            .map(|r| r.height_from(&vec![0; r.cells.len()]))
            .sum();
        let repeat = header_h <= self.body_height() / 2.0;

        // Keep the header with (the start of) the first body row.
        self.ensure(Self::table_start(&header, body.first()))?;
        for row in &header {
            self.place_row(row, None)?;
        }
        let repeat_rows = if repeat {
            Some(header.as_slice())
        } else {
            None
        };
        for row in &body {
            self.place_row(row, repeat_rows)?;
        }
        self.space(PARA_GAP + 2.0);
        Ok(())
    }

    fn new_table_page(&mut self, header: Option<&[RowBox]>) -> Result<(), LayoutError> {
        self.new_page()?;
        if let Some(rows) = header {
            for r in rows {
                let from = vec![0; r.cells.len()];
                let to: Vec<usize> = r.cells.iter().map(|c| c.lines.len()).collect();
                let h = r.height_from(&from);
                self.draw_segment(r, &from, &to, h);
            }
        }
        Ok(())
    }

    fn place_row(&mut self, row: &RowBox, header: Option<&[RowBox]>) -> Result<(), LayoutError> {
        let header_h: f32 = header.map_or(0.0, |rows| {
            rows.iter()
                .map(|r| r.height_from(&vec![0; r.cells.len()]))
                .sum()
        });
        let mut cur = vec![0usize; row.cells.len()];
        // Whether this page holds nothing of the table's body yet (only,
        // perhaps, the repeated header): moving on would not help.
        let mut page_start = self.fresh;
        loop {
            let need = row.height_from(&cur);
            let avail = self.remaining();
            if need <= avail + EPS {
                let to: Vec<usize> = row.cells.iter().map(|c| c.lines.len()).collect();
                self.draw_segment(row, &cur, &to, need);
                return Ok(());
            }
            // A short row moves whole to the next page; splitting it would
            // leave a line or two stranded.
            let fits_fresh = need <= self.body_height() - header_h;
            let short = need <= self.body_height() * 0.35;
            let (to, seg_content) = take_lines(row, &cur, avail - 2.0 * CELL_PAD_Y);
            let progress = to.iter().zip(&cur).any(|(a, b)| a > b);
            if !page_start && (fits_fresh && short || !progress) {
                self.new_table_page(header)?;
                page_start = true;
                continue;
            }
            if !progress {
                // Even a fresh page cannot take one line (only possible with
                // a header taller than the page): draw the row as it falls.
                let to: Vec<usize> = row.cells.iter().map(|c| c.lines.len()).collect();
                let h = need.min(avail.max(0.0));
                self.draw_segment(row, &cur, &to, h);
                return Ok(());
            }
            self.draw_segment(row, &cur, &to, seg_content + 2.0 * CELL_PAD_Y);
            cur = to;
            if row.done(&cur) {
                return Ok(());
            }
            self.new_table_page(header)?;
            page_start = true;
        }
    }

    /// Draw lines `from..to` of every cell of `row` as a band of height `h`
    /// at the cursor, and move the cursor below it.
    fn draw_segment(&mut self, row: &RowBox, from: &[usize], to: &[usize], h: f32) {
        let top = self.y;
        for cell in &row.cells {
            if let Some(shade) = cell.shade {
                let r = self.rect(cell.x, top, cell.w, h);
                self.push(Item::Rect {
                    rect: r,
                    fill: Some(shade),
                    stroke: None,
                });
            }
        }
        for (i, cell) in row.cells.iter().enumerate() {
            let bounds = self.rect(
                cell.x + CELL_PAD_X,
                top,
                (cell.w - 2.0 * CELL_PAD_X).max(0.0),
                h,
            );
            let mut ty = top + CELL_PAD_Y;
            let (a, b) = (from[i].min(cell.lines.len()), to[i].min(cell.lines.len()));
            for (k, cl) in cell.lines[a..b].iter().enumerate() {
                match cl {
                    // A gap at the top of a continued cell is wasted space.
                    CLine::Gap(g) => {
                        if k > 0 {
                            ty += g
                        }
                    }
                    CLine::Text(line) => {
                        self.emit_line(line, cell.x + CELL_PAD_X, ty, bounds);
                        ty += line.height;
                    }
                }
            }
        }
        for cell in &row.cells {
            let r = self.rect(cell.x, top, cell.w, h);
            self.push(Item::Rect {
                rect: r,
                fill: None,
                stroke: Some(GRID),
            });
        }
        self.y = top + h;
        self.fresh = false;
    }
}

/// For each cell, how many lines from `cur` fit in `room`; and the tallest
/// cell's content height.
fn take_lines(row: &RowBox, cur: &[usize], room: f32) -> (Vec<usize>, f32) {
    let mut to = Vec::with_capacity(cur.len());
    let mut tallest = 0.0f32;
    for (cell, &k) in row.cells.iter().zip(cur) {
        let mut acc = 0.0;
        let mut j = k;
        while j < cell.lines.len() {
            let lh = match &cell.lines[j] {
                CLine::Gap(_) if j == k => 0.0,
                l => l.height(),
            };
            if acc + lh > room + EPS {
                break;
            }
            acc += lh;
            j += 1;
        }
        tallest = tallest.max(acc);
        to.push(j);
    }
    (to, tallest)
}

pub(super) fn build_row(row: &Row, xs: &[f32], header: bool) -> RowBox {
    let ncols = xs.len() - 1;
    let mut cells = Vec::new();
    let mut col = 0usize;
    let empty = Cell::default();
    let mut iter = row.cells.iter();
    while col < ncols {
        let cell = iter.next().unwrap_or(&empty);
        let span = cell.colspan.max(1).min(ncols - col);
        let x = xs[col];
        let w = xs[col + span] - x;
        let mut base = BaseStyle::new(TABLE_SIZE);
        base.bold = header;
        let mut lines = Vec::new();
        for (i, p) in cell.paragraphs.iter().enumerate() {
            if i > 0 {
                lines.push(CLine::Gap(3.0));
            }
            for l in text::break_lines(p, base, w - 2.0 * CELL_PAD_X, cell.align) {
                lines.push(CLine::Text(l));
            }
        }
        cells.push(CellBox {
            x,
            w,
            lines,
            shade: cell.shade.map(text::clamp_rgb),
        });
        col += span;
    }
    RowBox { cells }
}
