//! A deterministic mutation fuzzer over several kinds of PDF (classic xref,
//! xref and object streams, linearized, signed once and twice): random byte
//! changes, insertions, deletions and truncations. Nothing may panic, and a
//! mutated signed file must never verify.

mod common;

use cip::keys::Algorithm;
use cip::sign::{SignOptions, sign_pdf};
use cip::verify::{VerifyOptions, verify_pdf};
use common::*;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Bytes a PDF parser cares about, to make mutations bite.
const INTERESTING: &[&[u8]] = &[
    b"0",
    b"9",
    b" ",
    b"\n",
    b"<",
    b">",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b"/",
    b"%",
    b"\\",
    b"R",
    b"obj",
    b"endobj",
    b"stream",
    b"endstream",
    b"xref",
    b"trailer",
    b"startxref",
    b"99999999999",
    // Past u32, i64 and u64: object numbers, offsets and lengths that
    // overflow arithmetic on them (caught only with overflow checks on).
    b"4294967296",
    b"9223372036854775807",
    b"18446744073709551615",
    b"-1",
    b"%%EOF",
];

fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(3) {
        let pos = rng.below(v.len());
        match rng.below(5) {
            0 => v[pos] = rng.next() as u8,
            1 => {
                let ins = INTERESTING[rng.below(INTERESTING.len())];
                v.splice(pos..pos, ins.iter().copied());
            }
            2 => {
                let end = (pos + 1 + rng.below(16)).min(v.len());
                v.drain(pos..end);
            }
            3 => v.truncate(pos),
            _ => {
                // Overwrite a digit run, where offsets and lengths live.
                if let Some(d) = v[pos..].iter().position(u8::is_ascii_digit) {
                    v[pos + d] = b'0' + rng.below(10) as u8;
                }
            }
        }
        if v.is_empty() {
            break;
        }
    }
    v
}

#[test]
fn mutated_pdfs_never_panic_and_mutated_signed_pdfs_never_verify() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let k = make_key(tmp.path(), "ed", Algorithm::Ed25519);
    let opts = SignOptions {
        time: Some(fixed_time()),
        ..Default::default()
    };
    let boxed = sample_pdf(true);
    let xs = to_xref_stream(&boxed, tmp.path());
    let lin = qpdf_rewrite(
        &boxed,
        tmp.path(),
        &["--linearize", "--object-streams=generate"],
    );
    let plan = plan_pdf(b"[plan]\n", b"doc\n", None);
    let signed_xs = sign_pdf(&xs, &k.signer, &opts).expect("sign");
    let signed_twice = sign_pdf(
        &sign_pdf(&plan, &k.signer, &opts).expect("sign"),
        &k.signer,
        &SignOptions {
            invisible: true,
            ..opts.clone()
        },
    )
    .expect("sign twice");
    let unsigned = [boxed, xs, lin, plan];
    let signed = [signed_xs, signed_twice];
    let trust = VerifyOptions {
        trust: vec![k.signer.certificate().clone()],
        docs_dir: None,
    };
    let holes: Vec<Vec<std::ops::Range<usize>>> = signed
        .iter()
        .map(|s| {
            let r = verify_pdf(s, &trust).expect("verify");
            r.signatures
                .iter()
                .filter_map(|s| s.byte_range)
                .map(|br| br[1] as usize..br[2] as usize)
                .collect()
        })
        .collect();
    let ends: Vec<Vec<usize>> = signed
        .iter()
        .map(|s| {
            let r = verify_pdf(s, &trust).expect("verify");
            r.signatures
                .iter()
                .filter_map(|s| s.byte_range)
                .map(|br| (br[2] + br[3]) as usize)
                .collect()
        })
        .collect();
    let mut rng = Rng(0x5eed_cafe_f00d_d00d);
    for round in 0..6000 {
        let which = rng.below(signed.len());
        let base = if round % 2 == 0 {
            &unsigned[rng.below(unsigned.len())]
        } else {
            &signed[which]
        };
        let m = mutate(&mut rng, base);
        let verdict = verify_pdf(&m, &trust).map(|r| r.ok());
        // Only the bytes outside the signatures' holes are signed: a hex
        // digit's case or a zero changed to zero inside /Contents is no tamper.
        // A file cut back to the end of an earlier signed revision is that
        // revision, validly signed: not a tamper.
        if round % 2 == 1
            && !only_in_holes(base, &m, &holes[which])
            && !earlier_revision(base, &m, &ends[which])
        {
            assert!(
                !matches!(verdict, Ok(true)),
                "round {round}: a mutated signed file verified"
            );
        }
        let _ = cip::verify::embedded_files(&m);
        if round % 5 == 0 {
            let _ = sign_pdf(&m, &k.signer, &opts);
        }
    }
}

fn earlier_revision(base: &[u8], m: &[u8], ends: &[usize]) -> bool {
    base.starts_with(m)
        && ends
            .iter()
            .any(|&e| m.len() >= e && m[e..].iter().all(u8::is_ascii_whitespace))
}

fn only_in_holes(a: &[u8], b: &[u8], holes: &[std::ops::Range<usize>]) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .enumerate()
            .filter(|(_, (x, y))| x != y)
            .all(|(i, _)| holes.iter().any(|h| h.contains(&i)))
}
