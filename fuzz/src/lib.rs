//! Fixtures shared by the fuzz targets, made once per process from the
//! repository's samples, so the targets fuzz the files `cip` really writes
//! rather than hand-made stand-ins.

use std::path::PathBuf;
use std::sync::OnceLock;

use cip::keys::{self, Algorithm, KeygenOptions, Signer};
use cip::render::{RenderOptions, render_file};
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::VerifyOptions;

/// The repository's `samples/` folder (the fuzz crate lives in `fuzz/`).
pub fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../samples")
}

/// A fixed signing time inside the certificate's validity, so the fixtures
/// are the same on every run apart from the key.
pub fn signing_time() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::DateTime::parse_from_rfc3339("2026-11-25T10:30:00-05:00").expect("fixed time")
}

pub fn sign_options(invisible: bool) -> SignOptions {
    SignOptions {
        time: Some(signing_time()),
        invisible,
        ..Default::default()
    }
}

/// One Ed25519 key per process and its self-signed certificate.
pub fn signer() -> &'static Signer {
    static SIGNER: OnceLock<Signer> = OnceLock::new();
    SIGNER.get_or_init(|| {
        let g = keys::generate(&KeygenOptions {
            name: "Fuzz Signer".into(),
            title: "Director, Trade Compliance".into(),
            org: Some("Acme Imports, Inc.".into()),
            email: None,
            days: 365 * 30,
            algorithm: Algorithm::Ed25519,
            not_before: Some("2020-01-01T00:00:00Z".parse().expect("date")),
        })
        .expect("keygen");
        keys::signer_from_pem(
            g.key_pem.as_bytes(),
            g.cert_pem.as_bytes(),
            "fuzz key",
            "fuzz cert",
        )
        .expect("load the generated key")
    })
}

/// Verification that trusts [`signer`], so a good file is fully `ok`.
pub fn trusting() -> VerifyOptions {
    VerifyOptions {
        trust: vec![signer().certificate().clone()],
        docs_dir: None,
    }
}

/// The sample plan rendered as `cip render` does, without supporting
/// documents (they only add stream bytes the verifier hashes).
pub fn sample_plan_pdf() -> &'static [u8] {
    static PDF: OnceLock<Vec<u8>> = OnceLock::new();
    PDF.get_or_init(|| {
        let opts = RenderOptions {
            no_attach: true,
            ..Default::default()
        };
        render_file(&samples().join("acme.toml"), &opts)
            .expect("render samples/acme.toml")
            .pdf
    })
}

/// The sample plan signed once (in its signature box) and then signed again
/// (an invisible field), as an approving official and a second signer would.
pub fn signed_plans() -> &'static [Vec<u8>] {
    static SIGNED: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SIGNED.get_or_init(|| {
        let once = sign_pdf(sample_plan_pdf(), signer(), &sign_options(false)).expect("sign");
        let twice = sign_pdf(&once, signer(), &sign_options(true)).expect("sign twice");
        vec![once, twice]
    })
}

/// A fresh folder for a target's files (templates, a bundle), one per
/// process so parallel fuzzing jobs do not share it. `scripts/fuzz` points
/// `TMPDIR` into `fuzz/target` and empties it after the run.
pub fn scratch_dir(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cip-fuzz-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create the scratch folder");
    dir
}
