//! Layout + PDF write timings for generated documents.
//!
//! `cargo bench --bench layout` prints per-document figures;
//! with `CIP_BENCH_OUT=dir` it also writes the PDFs there for inspection.
//! With `CIP_BENCH_ONCE=3-page` (or `15-page`, `stress`) it renders that
//! document once and exits, to time a whole fresh process from outside:
//! `time target/release/deps/layout-* ` (see the report in the branch).

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
    if let Ok(only) = std::env::var("CIP_BENCH_ONCE") {
        let t0 = Instant::now();
        for (name, doc) in &cases {
            if *name == only {
                let bytes = pdf::render(doc).expect("render");
                std::hint::black_box(bytes);
            }
        }
        eprintln!(
            "{only}: {:.2} ms in-process",
            t0.elapsed().as_secs_f64() * 1e3
        );
        return;
    }
    for (name, doc) in &cases {
        // First render in this process: includes font parsing, like a CLI run.
        let t0 = Instant::now();
        let bytes = pdf::render(doc).expect("render");
        let first = t0.elapsed();
        let pages = layout::layout(doc).expect("layout").pages.len();
        // Minimum over runs: the machine is shared, and the minimum is the
        // figure least disturbed by other processes.
        let n = 30;
        let (mut best, mut sum, mut lay) = (f64::MAX, 0.0, f64::MAX);
        for _ in 0..n {
            let t = Instant::now();
            let laid = layout::layout(doc).expect("layout");
            let tl = t.elapsed().as_secs_f64();
            std::hint::black_box(pdf::write(doc, &laid).expect("write"));
            let tt = t.elapsed().as_secs_f64();
            best = best.min(tt);
            lay = lay.min(tl);
            sum += tt;
        }
        println!(
            "{name:8} {pages:3} pages {:7} bytes  first {:6.2} ms  min {:6.2} ms  mean {:6.2} ms  (layout min {:5.2} ms)",
            bytes.len(),
            first.as_secs_f64() * 1e3,
            best * 1e3,
            sum / f64::from(n) * 1e3,
            lay * 1e3
        );
        if let Some(dir) = &out {
            let p = std::path::Path::new(dir).join(format!("{name}.pdf"));
            cip::atomic::write(&p, &bytes).expect("write pdf");
        }
    }
}
