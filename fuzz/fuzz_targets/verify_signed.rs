//! Structure-aware tampering with real signed plans: the input picks one
//! signed file, one object or cross-reference section of it, and how to
//! change it. A change inside signed bytes must fail verification, and a
//! file still accepted must show the signed pages and embedded files.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::verify_signed(data));
