//! `cip verify` on arbitrary bytes, and what the archive and letters read
//! from a verified file (the signed embedded files, classified).
#![no_main]

use cip::verify::{judge, signed_embedded_files, verify_pdf};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let opts = cip_fuzz::trusting();
    let Ok(report) = verify_pdf(data, &opts) else {
        return;
    };
    let _ = judge(&report, true);
    let _ = cip::model::any::refusal_reasons(&report);
    let _ = cip::model::any::untrusted_signers(&report);
    // The report is what `cip verify --json` prints.
    let _ = serde_json_len(&report);
    if let Ok(files) = signed_embedded_files(data, &report) {
        let _ = cip::archive::classify(&files);
    }
});

fn serde_json_len(report: &cip::verify::VerifyReport) -> usize {
    format!("{report:?}").len()
}
