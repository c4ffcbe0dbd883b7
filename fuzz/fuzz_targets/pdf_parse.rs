//! The byte-level PDF reader on arbitrary bytes: every object by number
//! (through object streams), every stream decoded, and the structure walks
//! that signing and verifying rely on.
#![no_main]

use cip::pdfbytes::{self, ObjRef, Object, Pdf};
use libfuzzer_sys::fuzz_target;

/// Decoded bytes looked at per input; the reader's own caps are what is
/// fuzzed, this only keeps one input from dominating the run.
const DECODE_BUDGET: usize = 64 << 20;

fuzz_target!(|data: &[u8]| {
    let Ok(pdf) = Pdf::parse(data) else {
        return;
    };
    let _ = pdf.xref_kind();
    let _ = pdf.is_encrypted();
    let _ = pdfbytes::revision_ends(&pdf);
    let _ = pdfbytes::signature_fields(&pdf);
    let _ = pdfbytes::embedded_files(&pdf);
    let _ = pdf.pages();
    let _ = pdf.catalog();
    if let Ok(root) = pdf.root_ref() {
        let _ = pdf.get(root);
    }
    let mut nums: Vec<u32> = pdf.object_numbers().collect();
    nums.sort_unstable();
    // The highest number in use and one past it ask for objects the xref
    // does not list (null), as a dangling reference would.
    nums.push(pdf.size());
    let mut decoded = 0usize;
    for num in nums {
        let _ = pdf.entry(num);
        let Ok(obj) = pdf.get(ObjRef::new(num, 0)) else {
            continue;
        };
        let _ = pdf.resolve(&obj);
        let _ = pdf.resolve_dict(&obj);
        if let Object::Stream(s) = &obj {
            let _ = pdf.raw_stream(s);
            if decoded < DECODE_BUDGET
                && let Ok(d) = pdf.decode_stream(s)
            {
                decoded += d.len();
            }
        }
    }
    for s in &pdf.sections {
        let _ = pdf.parse_at(s.offset);
    }
});
