//! In-process timing of signing (visible, with the font subset) and
//! verifying a small one-page PDF. Run: `cargo bench --bench sign`.

use std::time::Instant;

use cip::keys::{self, Algorithm, KeygenOptions};
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{VerifyOptions, verify_pdf};

const PDF: &str = "%PDF-1.7
1 0 obj
<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>
endobj
2 0 obj
<< /Type /Pages /Kids [3 0 R] /Count 1 >>
endobj
3 0 obj
<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>
endobj
4 0 obj
<< /Type /Annot /Subtype /Widget /FT /Sig /T (approving_official) /Rect [72 90 332 160] /P 3 0 R /F 4 >>
endobj
";

fn pdf() -> Vec<u8> {
    let mut out = PDF.as_bytes().to_vec();
    let offsets: Vec<usize> = (1..=4)
        .map(|i| cip::pdfbytes::find(&out, format!("{i} 0 obj").as_bytes()).unwrap_or(0))
        .collect();
    let xref = out.len();
    out.extend_from_slice(b"xref\n0 5\n0000000000 65535 f \n");
    for o in offsets {
        out.extend_from_slice(format!("{o:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!("trailer\n<< /Size 5 /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n").as_bytes(),
    );
    out
}

fn main() {
    // CIP_BENCH_PDF=path times a real file (e.g. a rendered plan) instead.
    let input = match std::env::var_os("CIP_BENCH_PDF") {
        Some(p) => std::fs::read(p).expect("read CIP_BENCH_PDF"),
        None => pdf(),
    };
    for alg in [Algorithm::Ed25519, Algorithm::P256] {
        let g = keys::generate(&KeygenOptions {
            name: "Jane Q. Official".into(),
            title: "Vice President".into(),
            org: None,
            email: None,
            days: 30,
            algorithm: alg,
            not_before: None,
        })
        .expect("keygen");
        let signer =
            keys::signer_from_pem(g.key_pem.as_bytes(), g.cert_pem.as_bytes(), "key", "cert")
                .expect("signer");
        let opts = SignOptions::default();
        let n = 200;
        let t = Instant::now();
        let mut signed = Vec::new();
        for _ in 0..n {
            signed = sign_pdf(&input, &signer, &opts).expect("sign");
        }
        let sign = t.elapsed() / n;
        let vopts = VerifyOptions {
            trust: vec![signer.certificate().clone()],
            docs_dir: None,
        };
        let t = Instant::now();
        for _ in 0..n {
            assert!(verify_pdf(&signed, &vopts).expect("verify").ok());
        }
        let verify = t.elapsed() / n;
        println!(
            "{alg}: sign {sign:?}, verify {verify:?} ({} bytes)",
            signed.len()
        );
    }
}
