mod common;
use cip::keys::Algorithm;
use cip::sign::{SignOptions, sign_pdf};

#[test]
fn scratch_dump() {
    let dir = std::path::Path::new("/tmp/cipdemo");
    let _ = std::fs::remove_dir_all(dir);
    std::fs::create_dir_all(dir).unwrap();
    for (tag, alg) in [("ed", Algorithm::Ed25519), ("p256", Algorithm::P256)] {
        let k = common::make_key(dir, tag, alg);
        for boxed in [false, true] {
            let pdf = common::sample_pdf(boxed);
            std::fs::write(dir.join(format!("in-{boxed}.pdf")), &pdf).unwrap();
            let opts = SignOptions { time: Some(common::fixed_time()), reason: Some("Approval".into()), ..Default::default() };
            let signed = sign_pdf(&pdf, &k.signer, &opts).unwrap();
            std::fs::write(dir.join(format!("{tag}-{boxed}.pdf")), &signed).unwrap();
            let twice = sign_pdf(&signed, &k.signer, &opts).unwrap();
            std::fs::write(dir.join(format!("{tag}-{boxed}-2.pdf")), &twice).unwrap();
        }
    }
}
