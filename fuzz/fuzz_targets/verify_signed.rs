//! Structure-aware tampering with real signed plans: the input picks one
//! signed file, one object or cross-reference section of it, and how to
//! change it. Besides not panicking, a changed file must never verify, and
//! no plan may be read from it.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::verify_signed(data));
