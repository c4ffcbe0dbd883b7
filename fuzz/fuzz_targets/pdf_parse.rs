//! The byte-level PDF reader on arbitrary bytes: every object by number
//! (through object streams), every stream decoded, and the structure walks
//! that signing and verifying rely on.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::pdf_parse(data));
