//! The running header and footer, page numbers and the continuation header
//! of letters, added once the page count is known.

use super::*;

/// Running header, footer, page numbers and the draft mark, added once the
/// page count is known.
pub(super) fn decorate(doc: &Document, laid: &mut Laid) {
    let (pw, ph) = (laid.page_width, laid.page_height);
    let n = laid.pages.len();
    let small = RunStyle {
        face: FontFace::Italic,
        size: 8.0,
        color: GREY_TEXT,
    };
    let m = small.face.metrics();
    let inner = pw - 2.0 * MARGIN_X;
    let header_band = Rect {
        x: MARGIN_X,
        y: ph - MARGIN_TOP,
        w: inner,
        h: MARGIN_TOP,
    };
    let footer_band = Rect {
        x: MARGIN_X,
        y: 0.0,
        w: inner,
        h: MARGIN_BOTTOM,
    };
    let run = |text: String, x: f32, y: f32, bounds: Rect| {
        let width = m.text_width(&text, small.size);
        Item::Text(TextRun {
            x,
            y,
            size: small.size,
            face: small.face,
            color: small.color,
            text,
            width,
            bounds,
        })
    };
    let cont = RunStyle {
        face: FontFace::Regular,
        size: 8.5,
        color: GREY_TEXT,
    };
    let cm = cont.face.metrics();
    let cont_band = Rect {
        x: MARGIN_X,
        y: ph - (MARGIN_TOP + continuation_room(doc)),
        w: inner,
        h: MARGIN_TOP + continuation_room(doc),
    };
    let cont_run = |text: String, x: f32, y: f32| {
        let width = cm.text_width(&text, cont.size);
        Item::Text(TextRun {
            x,
            y,
            size: cont.size,
            face: cont.face,
            color: cont.color,
            text,
            width,
            bounds: cont_band,
        })
    };
    for (i, page) in laid.pages.iter_mut().enumerate() {
        let mut deco = Vec::new();
        if let Some(c) = doc
            .continuation
            .as_ref()
            .filter(|c| i > 0 && !c.lines.is_empty())
        {
            let num = format!("Page {} of {}", i + 1, n);
            let nw = cm.text_width(&num, cont.size);
            let last = c.lines.len() - 1;
            for (k, line) in c.lines.iter().enumerate() {
                let y = ph - (CONT_FIRST + CONT_PITCH * k as f32);
                let room = if k == last { inner - nw - 12.0 } else { inner };
                let text = text::fit_one_line(&one_line(line), cont, room.max(0.0));
                if !text.is_empty() {
                    deco.push(cont_run(text, MARGIN_X, y));
                }
                if k == last {
                    deco.push(cont_run(num.clone(), pw - MARGIN_X - nw, y));
                }
            }
            let ry = ph - (CONT_FIRST + CONT_PITCH * last as f32 + 6.0);
            deco.push(Item::Line {
                x1: MARGIN_X,
                y1: ry,
                x2: pw - MARGIN_X,
                y2: ry,
                stroke: GRID,
            });
        }
        if let Some(h) = &doc.header {
            let y = ph - (MARGIN_TOP - 24.0);
            let right = text::fit_one_line(&one_line(&h.right), small, inner * 0.45);
            let rw = m.text_width(&right, small.size);
            let left = text::fit_one_line(&one_line(&h.left), small, (inner - rw - 12.0).max(0.0));
            if !left.is_empty() {
                deco.push(run(left, MARGIN_X, y, header_band));
            }
            if !right.is_empty() {
                deco.push(run(right, pw - MARGIN_X - rw, y, header_band));
            }
            let ry = ph - (MARGIN_TOP - 18.0);
            deco.push(Item::Line {
                x1: MARGIN_X,
                y1: ry,
                x2: pw - MARGIN_X,
                y2: ry,
                stroke: GRID,
            });
        }
        let y = MARGIN_BOTTOM - 30.0;
        let number = match doc.footer.page_numbers {
            PageNumbers::All => true,
            PageNumbers::FromSecond => i > 0,
            PageNumbers::None => false,
        };
        let num = if number {
            format!("Page {} of {}", i + 1, n)
        } else {
            String::new()
        };
        let nw = m.text_width(&num, small.size);
        if let Some(left) = &doc.footer.left {
            let left = text::fit_one_line(&one_line(left), small, (inner - nw - 12.0).max(0.0));
            if !left.is_empty() {
                deco.push(run(left, MARGIN_X, y, footer_band));
            }
        }
        if number {
            deco.push(run(num, pw - MARGIN_X - nw, y, footer_band));
        }
        page.items.extend(deco);
    }
    if doc.draft {
        laid.draft_mark = Some(draft_mark(pw, ph));
    }
}
