//! Shared helpers for the signing and verification tests: hand-written input
//! PDFs, fresh keys, and running the real external validators.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cip::keys::{self, Algorithm, KeygenOptions, Signer};

/// A one-page PDF with a classic xref table. With `sig_box`, the page has an
/// unsigned signature field in the shape `cip render` produces.
pub fn sample_pdf(sig_box: bool) -> Vec<u8> {
    let content = b"BT /F1 18 Tf 72 720 Td (Compliance Improvement Plan) Tj ET\n\
0 0 0 RG 72 90 260 70 re S\nBT /F1 9 Tf 76 164 Td (Approving official) Tj ET\n";
    let mut objs: Vec<Vec<u8>> = Vec::new();
    let acro = if sig_box {
        " /AcroForm << /Fields [6 0 R] >>"
    } else {
        ""
    };
    objs.push(format!("<< /Type /Catalog /Pages 2 0 R{acro} >>").into_bytes());
    objs.push(b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec());
    let annots = if sig_box { " /Annots [6 0 R]" } else { "" };
    objs.push(
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R \
/Resources << /Font << /F1 5 0 R >> >>{annots} >>"
        )
        .into_bytes(),
    );
    let mut stream = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    stream.extend_from_slice(content);
    stream.extend_from_slice(b"\nendstream");
    objs.push(stream);
    objs.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>".to_vec());
    if sig_box {
        objs.push(
            b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (approving_official) \
/Rect [72 90 332 160] /P 3 0 R /F 4 >>"
                .to_vec(),
        );
    }
    assemble(&objs)
}

pub fn assemble(objs: &[Vec<u8>]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (i, o) in objs.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n", i + 1).as_bytes());
        out.extend_from_slice(o);
        out.extend_from_slice(b"\nendobj\n");
    }
    let xref = out.len();
    out.extend_from_slice(format!("xref\n0 {}\n0000000000 65535 f \n", objs.len() + 1).as_bytes());
    for off in offsets {
        out.extend_from_slice(format!("{off:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R /ID [<0123456789ABCDEF0123456789ABCDEF> <0123456789ABCDEF0123456789ABCDEF>] >>\nstartxref\n{xref}\n%%EOF\n",
            objs.len() + 1
        )
        .as_bytes(),
    );
    out
}

/// Rewrites a PDF with qpdf using object and xref streams.
pub fn to_xref_stream(pdf: &[u8], dir: &Path) -> Vec<u8> {
    qpdf_rewrite(pdf, dir, &["--object-streams=generate"])
}

/// Rewrites a PDF with qpdf and the given options.
pub fn qpdf_rewrite(pdf: &[u8], dir: &Path, args: &[&str]) -> Vec<u8> {
    let input = dir.join("qpdf-in.pdf");
    let output = dir.join("qpdf-out.pdf");
    std::fs::write(&input, pdf).expect("write");
    let out = run(Command::new(tool("qpdf"))
        .args(args)
        .arg(&input)
        .arg(&output));
    assert!(out.status.success(), "qpdf failed: {}", text(&out));
    std::fs::read(output).expect("read qpdf output")
}

pub struct TestKey {
    pub key: PathBuf,
    pub cert: PathBuf,
    pub signer: Signer,
}

/// A fresh key and self-signed certificate, valid from 2020 for 20 years so
/// fixed signing times in tests fall inside it.
pub fn make_key(dir: &Path, tag: &str, algorithm: Algorithm) -> TestKey {
    let opts = KeygenOptions {
        name: "Jane Q. Official".into(),
        title: "Vice President, Trade Compliance".into(),
        org: Some("Example Importers Inc.".into()),
        email: Some("jane@example.com".into()),
        days: 365 * 20,
        algorithm,
        not_before: Some("2020-01-01T00:00:00Z".parse().expect("date")),
    };
    let g = keys::generate(&opts).expect("keygen");
    let key = dir.join(format!("{tag}-key.pem"));
    let cert = dir.join(format!("{tag}-cert.pem"));
    keys::write_new_files(&g, &key, &cert).expect("write key");
    let signer = keys::load_signer(&key, &cert).expect("load key");
    TestKey { key, cert, signer }
}

pub fn fixed_time() -> chrono::DateTime<chrono::FixedOffset> {
    "2026-03-01T10:30:00-05:00".parse().expect("date")
}

/// Resolves an external tool, failing loudly when it is missing: interop
/// tests must never pass by skipping.
pub fn tool(name: &str) -> PathBuf {
    let venv = std::env::var("CIP_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default()).join(".cache/cip/venv")
        });
    let candidates = [venv.join("bin").join(name)];
    for c in candidates {
        if c.is_file() {
            return c;
        }
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let p = dir.join(name);
        if p.is_file() {
            return p;
        }
    }
    panic!("required tool `{name}` is not installed (run scripts/test, which installs it)");
}

pub fn run(cmd: &mut Command) -> Output {
    cmd.output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"))
}

pub fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// pyHanko's validation of every signature: returns (success, output).
pub fn pyhanko_validate(pdf: &Path, trust: &Path) -> (bool, String) {
    let out = run(Command::new(tool("pyhanko"))
        .args(["sign", "validate", "--pretty-print", "--trust"])
        .arg(trust)
        .arg("--trust-replace")
        .arg(pdf));
    (out.status.success(), text(&out))
}

pub fn cip_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_cip"))
}

/// A plan-like PDF with a signature box and embedded `plan.toml`,
/// `manifest.json` and one supporting document. `manifest_doc_hash`
/// overrides the document hash written into the manifest.
pub fn plan_pdf(plan: &[u8], doc: &[u8], manifest_doc_hash: Option<&str>) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let doc_hash = manifest_doc_hash
        .map(str::to_string)
        .unwrap_or_else(|| hex::encode(Sha256::digest(doc)));
    let manifest = format!(
        r#"{{"plan_toml_sha256": "{}", "documents": [{{"id": "import-manual", "title": "Import manual", "file": "import-manual.md", "size": {}, "sha256": "{doc_hash}", "attached": true}}]}}"#,
        hex::encode(Sha256::digest(plan)),
        doc.len()
    );
    let content = b"BT /F1 18 Tf 72 720 Td (Plan) Tj ET\n";
    let stream = |data: &[u8], extra: &str| {
        let mut s = format!(
            "<< /Type /EmbeddedFile /Length {}{extra} >>\nstream\n",
            data.len()
        )
        .into_bytes();
        s.extend_from_slice(data);
        s.extend_from_slice(b"\nendstream");
        s
    };
    let mut objs: Vec<Vec<u8>> = vec![
        b"<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [6 0 R] >> /Names << /EmbeddedFiles << /Names [(import-manual.md) 11 0 R (manifest.json) 9 0 R (plan.toml) 7 0 R] >> >> >>".to_vec(),
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_vec(),
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> /Annots [6 0 R] >>".to_vec(),
    ];
    let mut cs = format!("<< /Length {} >>\nstream\n", content.len()).into_bytes();
    cs.extend_from_slice(content);
    cs.extend_from_slice(b"\nendstream");
    objs.push(cs);
    objs.push(b"<< /Type /Font /Subtype /Type1 /BaseFont /Times-Roman >>".to_vec());
    objs.push(b"<< /Type /Annot /Subtype /Widget /FT /Sig /T (approving_official) /Rect [72 90 332 160] /P 3 0 R /F 4 >>".to_vec());
    objs.push(b"<< /Type /Filespec /F (plan.toml) /UF (plan.toml) /EF << /F 8 0 R >> /AFRelationship /Source >>".to_vec());
    objs.push(stream(plan, ""));
    objs.push(b"<< /Type /Filespec /F (manifest.json) /UF (manifest.json) /EF << /F 10 0 R >> /AFRelationship /Data >>".to_vec());
    objs.push(stream(manifest.as_bytes(), ""));
    objs.push(b"<< /Type /Filespec /F (import-manual.md) /UF (import-manual.md) /EF << /F 12 0 R >> /AFRelationship /Supplement >>".to_vec());
    objs.push(stream(doc, ""));
    assemble(&objs)
}

/// Appends an incremental update that replaces the first page's content
/// stream (object 4 in the sample PDFs) with `content`.
pub fn append_content_change(pdf: &[u8], content: &[u8]) -> Vec<u8> {
    let doc = cip::pdfbytes::Pdf::parse(pdf).expect("parse");
    let (startxref, size) = (doc.startxref, doc.size());
    let root = doc.root_ref().expect("root");
    let root = format!("{} {} R", root.num, root.generation);
    let mut out = pdf.to_vec();
    let off = out.len();
    out.extend_from_slice(format!("4 0 obj\n<< /Length {} >>\nstream\n", content.len()).as_bytes());
    out.extend_from_slice(content);
    out.extend_from_slice(b"\nendstream\nendobj\n");
    let xref = out.len();
    out.extend_from_slice(
        format!(
            "xref\n4 1\n{off:010} 00000 n\r\ntrailer\n<< /Size {size} /Root {root} /Prev {startxref} >>\nstartxref\n{xref}\n%%EOF\n"
        )
        .as_bytes(),
    );
    out
}

/// The bound on any input (issue 16): at most 1 GiB of memory and 10 s.
pub const MEMORY_BOUND: u64 = 1 << 30;

/// 10 s for optimized builds; unoptimized ones (plain `cargo test`) inflate
/// and hash several times slower, so they get more time but the same memory.
pub fn time_bound() -> std::time::Duration {
    std::time::Duration::from_secs(if cfg!(debug_assertions) { 60 } else { 10 })
}

/// Runs `cmd` with its address space capped at [`MEMORY_BOUND`] (an
/// allocation beyond it aborts the child) and kills it after twice
/// [`time_bound`]; returns its output and how long it ran.
pub fn run_bounded(cmd: &mut Command) -> (Output, std::time::Duration) {
    use std::io::Read as _;
    use std::os::unix::process::CommandExt as _;
    use std::process::Stdio;
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let lim = libc::rlimit {
                rlim_cur: MEMORY_BOUND,
                rlim_max: MEMORY_BOUND,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let start = std::time::Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    let drain = |r: Option<Box<dyn std::io::Read + Send>>| {
        std::thread::spawn(move || {
            let mut v = Vec::new();
            if let Some(mut r) = r {
                let _ = r.read_to_end(&mut v);
            }
            v
        })
    };
    let out = drain(child.stdout.take().map(|s| Box::new(s) as _));
    let err = drain(child.stderr.take().map(|s| Box::new(s) as _));
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if start.elapsed() > 2 * time_bound() {
            let _ = child.kill();
            break child.wait().expect("wait");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    let elapsed = start.elapsed();
    let output = Output {
        status,
        stdout: out.join().expect("stdout reader"),
        stderr: err.join().expect("stderr reader"),
    };
    (output, elapsed)
}

/// Asserts that a bounded run ended on its own, within [`time_bound`], with
/// an exit code in `codes` (not a signal: an abort on the memory cap is one).
pub fn assert_bounded(what: &str, run: &(Output, std::time::Duration), codes: &[i32]) {
    let (out, elapsed) = run;
    assert!(
        *elapsed <= time_bound(),
        "{what}: took {elapsed:?} (bound {:?}): {}",
        time_bound(),
        text(out)
    );
    assert!(
        out.status.code().is_some_and(|c| codes.contains(&c)),
        "{what}: ended with {:?}, expected exit code in {codes:?} (killed for memory or time?): {}",
        out.status,
        text(out)
    );
}

/// A zlib stream of `mib` MiB of zero bytes, made without compressing them
/// all (slow in unoptimized tests): a sync-flushed block of 1 MiB of zeros
/// decodes to the same after any run of zeros, so it is repeated.
pub fn zlib_zeros(mib: usize) -> Vec<u8> {
    use flate2::{Compress, Compression, FlushCompress};
    assert!(mib >= 2);
    let chunk = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::default(), true);
    let mut out = Vec::with_capacity(1 << 20);
    let mut block = |out: &mut Vec<u8>| {
        let before = c.total_in();
        c.compress_vec(&chunk, out, FlushCompress::Sync)
            .expect("deflate");
        assert_eq!(
            c.total_in() - before,
            chunk.len() as u64,
            "output buffer too small"
        );
    };
    block(&mut out);
    let mark = out.len();
    block(&mut out);
    let repeat = out[mark..].to_vec();
    for _ in 2..mib {
        out.extend_from_slice(&repeat);
    }
    // An empty final block with fixed codes, then Adler-32 of n zero bytes
    // (a stays 1, b is n mod 65521).
    out.extend_from_slice(&[0x03, 0x00]);
    let b = ((mib as u64) << 20) % 65521;
    out.extend_from_slice(&((b << 16) | 1).to_be_bytes()[4..]);
    out
}
