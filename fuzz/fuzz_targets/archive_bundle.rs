//! `cip archive verify-bundle` on a fuzzed bundle: the input is the
//! bundle's `index.json`, then a NUL byte and the bytes of its one member,
//! `m.pdf`. The string `@sha256@` in the index stands for the member's real
//! hash and `@size@` for its size, so mutations get past the hash check and
//! reach the signature re-check of the member.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cip_fuzz::archive_bundle(data));
