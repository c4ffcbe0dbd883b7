//! The letter path from a user's template folder: a tera template (or, with
//! the first byte odd, Markdown passed through verbatim) rendered with the
//! sample plan's context, parsed as Markdown, typeset and written as PDF.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::letter(data));
