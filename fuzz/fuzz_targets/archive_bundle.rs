//! `cip archive verify-bundle` on a fuzzed bundle: the input is the
//! bundle's `index.json`, then a NUL byte and the bytes of its one member,
//! `m.pdf`. The string `@sha256@` in the index stands for the member's real
//! hash and `@size@` for its size, so mutations get past the hash check and
//! reach the signature re-check of the member.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;

fn dir() -> &'static PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| cip_fuzz::scratch_dir("bundle"))
}

fn replace(hay: &[u8], needle: &[u8], with: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(hay.len());
    let mut rest = hay;
    while let Some(p) = cip::pdfbytes::find(rest, needle) {
        out.extend_from_slice(&rest[..p]);
        out.extend_from_slice(with);
        rest = &rest[p + needle.len()..];
    }
    out.extend_from_slice(rest);
    out
}

fuzz_target!(|data: &[u8]| {
    let dir = dir();
    let (index, member) = match data.iter().position(|&b| b == 0) {
        Some(p) => (&data[..p], Some(&data[p + 1..])),
        None => (data, None),
    };
    let member_path = dir.join("m.pdf");
    let index = match member {
        Some(m) => {
            std::fs::write(&member_path, m).expect("write the member");
            let hash = cip::archive::sha256_hex(m);
            let index = replace(index, b"@sha256@", hash.as_bytes());
            replace(&index, b"@size@", m.len().to_string().as_bytes())
        }
        None => {
            let _ = std::fs::remove_file(&member_path);
            index.to_vec()
        }
    };
    std::fs::write(dir.join(cip::archive::BUNDLE_INDEX), index).expect("write index.json");
    let trust = [cip_fuzz::signer().certificate().clone()];
    let _ = cip::archive::verify_bundle(dir, &trust);
    let _ = cip::archive::verify_bundle(dir, &[]);
});
