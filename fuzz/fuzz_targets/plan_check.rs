//! A plan TOML from arbitrary bytes: load, check, status, and the plan
//! document laid out (everything `cip check`, `cip status` and `cip render`
//! do before writing PDF bytes).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::plan_check(data));
