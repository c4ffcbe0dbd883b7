//! Layout + PDF write timings for generated documents.
//!
//! `cargo bench --bench layout` prints per-document figures;
//! with `CIP_BENCH_OUT=dir` it also writes the PDFs there for inspection.

use std::time::Instant;

use cip::layout::{self, sample};
use cip::pdf;

fn main() {
    let out = std::env::var_os("CIP_BENCH_OUT");
    let cases = [
        ("3-page", sample::document(4)),
        ("15-page", sample::document(27)),
        ("stress", sample::stress_document()),
    ];
    for (name, doc) in &cases {
        // First render in this process: includes font parsing, like a CLI run.
        let t0 = Instant::now();
        let bytes = pdf::render(doc).expect("render");
        let first = t0.elapsed();
        let pages = layout::layout(doc).expect("layout").pages.len();
        let n = 20;
        let t1 = Instant::now();
        for _ in 0..n {
            let laid = layout::layout(doc).expect("layout");
            std::hint::black_box(pdf::write(doc, &laid).expect("write"));
        }
        let avg = t1.elapsed() / n;
        let t2 = Instant::now();
        for _ in 0..n {
            std::hint::black_box(layout::layout(doc).expect("layout"));
        }
        let lay = t2.elapsed() / n;
        println!(
            "{name:8} {pages:3} pages {:7} bytes  first {:6.2} ms  avg {:6.2} ms (layout {:5.2} ms)",
            bytes.len(),
            first.as_secs_f64() * 1e3,
            avg.as_secs_f64() * 1e3,
            lay.as_secs_f64() * 1e3
        );
        if let Some(dir) = &out {
            let p = std::path::Path::new(dir).join(format!("{name}.pdf"));
            cip::atomic::write(&p, &bytes).expect("write pdf");
        }
    }
}
