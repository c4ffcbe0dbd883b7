//! A plan TOML from arbitrary bytes: load, check, status, and the plan
//! document laid out (everything `cip check`, `cip status` and `cip render`
//! do before writing PDF bytes).
#![no_main]

use chrono::NaiveDate;
use cip::documents::plan::{PlanOptions, plan_document};
use cip::documents::timeline::timeline;
use cip::layout::{column_width, layout};
use cip::status::{Threshold, compute};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // Documents named by the plan resolve under samples/, as for the sample.
    let base = cip_fuzz::samples();
    let Ok(plan) = cip::model::parse_bytes("fuzz.toml", base, data.to_vec()) else {
        return;
    };
    let _ = cip::check::check(&plan);
    let today = NaiveDate::from_ymd_opt(2027, 1, 15).expect("date");
    let _ = compute(&plan, today, &Threshold::default());
    let Ok((manifest, _)) = cip::manifest::build(&plan, false) else {
        return;
    };
    let paper = Default::default();
    let extra = timeline(&plan, Some(today), column_width(paper));
    let doc = plan_document(
        &plan,
        &manifest,
        Vec::new(),
        PlanOptions {
            paper,
            draft: true,
            date: cip::render::default_date(&plan),
            extra,
        },
    );
    let _ = layout(&doc);
});
