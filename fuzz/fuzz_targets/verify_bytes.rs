//! `cip verify` on arbitrary bytes, and what the archive and letters read
//! from a verified file (the signed embedded files, classified).
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::verify_bytes(data));
