//! A compact sRGB ICC profile (version 2.1, display class) for the PDF/A
//! output intent.
//!
//! Built in code rather than shipped as a blob so that its provenance is
//! plain: the sRGB primaries adapted to D50 (Bradford), the D50 white point
//! and the sRGB transfer curve sampled at 256 points. About 1 KB.

const fn tag(s: &[u8; 4]) -> u32 {
    u32::from_be_bytes(*s)
}

fn s15f16(v: f64) -> [u8; 4] {
    ((v * 65536.0).round() as i32).to_be_bytes()
}

fn xyz(x: f64, y: f64, z: f64) -> Vec<u8> {
    let mut v = Vec::with_capacity(20);
    v.extend_from_slice(b"XYZ \0\0\0\0");
    v.extend_from_slice(&s15f16(x));
    v.extend_from_slice(&s15f16(y));
    v.extend_from_slice(&s15f16(z));
    v
}

fn desc(text: &str) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"desc\0\0\0\0");
    v.extend_from_slice(&(text.len() as u32 + 1).to_be_bytes());
    v.extend_from_slice(text.as_bytes());
    v.push(0);
    // Unicode language code and count, ScriptCode code and count, and the
    // fixed 67-byte ScriptCode field, all empty.
    v.extend_from_slice(&[0u8; 4 + 4 + 2 + 1 + 67]);
    v
}

fn text(text: &str) -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"text\0\0\0\0");
    v.extend_from_slice(text.as_bytes());
    v.push(0);
    v
}

fn srgb_curve() -> Vec<u8> {
    let n = 256u32;
    let mut v = Vec::new();
    v.extend_from_slice(b"curv\0\0\0\0");
    v.extend_from_slice(&n.to_be_bytes());
    for i in 0..n {
        let c = f64::from(i) / f64::from(n - 1);
        let lin = if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        };
        v.extend_from_slice(&((lin * 65535.0).round() as u16).to_be_bytes());
    }
    v
}

/// The profile bytes.
pub fn srgb() -> Vec<u8> {
    let curve = srgb_curve();
    // (signature, data); the three TRC tags share one curve.
    let tags: Vec<(u32, Vec<u8>)> = vec![
        (tag(b"desc"), desc("sRGB IEC61966-2.1 (compact)")),
        (tag(b"cprt"), text("No copyright, use freely")),
        (tag(b"wtpt"), xyz(0.9642, 1.0, 0.8249)),
        (tag(b"rXYZ"), xyz(0.436_074_7, 0.222_504_5, 0.013_932_2)),
        (tag(b"gXYZ"), xyz(0.385_064_9, 0.716_878_6, 0.097_104_5)),
        (tag(b"bXYZ"), xyz(0.143_080_4, 0.060_616_9, 0.714_173_3)),
        (tag(b"rTRC"), curve.clone()),
        (tag(b"gTRC"), Vec::new()),
        (tag(b"bTRC"), Vec::new()),
    ];
    let table_len = 4 + 12 * tags.len();
    let mut data = Vec::new();
    let mut entries = Vec::new();
    let mut curve_at = (0u32, 0u32);
    for (sig, bytes) in &tags {
        if bytes.is_empty() {
            entries.push((*sig, curve_at.0, curve_at.1));
            continue;
        }
        let off = (128 + table_len + data.len()) as u32;
        entries.push((*sig, off, bytes.len() as u32));
        if *sig == tag(b"rTRC") {
            curve_at = (off, bytes.len() as u32);
        }
        data.extend_from_slice(bytes);
        while data.len() % 4 != 0 {
            data.push(0);
        }
    }
    let size = (128 + table_len + data.len()) as u32;
    let mut out = Vec::with_capacity(size as usize);
    out.extend_from_slice(&size.to_be_bytes());
    out.extend_from_slice(&[0; 4]); // preferred CMM: none
    out.extend_from_slice(&0x0210_0000u32.to_be_bytes());
    out.extend_from_slice(b"mntrRGB XYZ ");
    for part in [2000u16, 1, 1, 0, 0, 0] {
        out.extend_from_slice(&part.to_be_bytes());
    }
    out.extend_from_slice(b"acsp");
    out.extend_from_slice(&[0; 4 + 4 + 4 + 4 + 8]); // platform, flags, maker, model, attributes
    out.extend_from_slice(&0u32.to_be_bytes()); // perceptual intent
    out.extend_from_slice(&s15f16(0.9642));
    out.extend_from_slice(&s15f16(1.0));
    out.extend_from_slice(&s15f16(0.8249));
    out.extend_from_slice(&[0; 4]); // creator
    out.extend_from_slice(&[0; 44]); // reserved
    debug_assert_eq!(out.len(), 128);
    out.extend_from_slice(&(tags.len() as u32).to_be_bytes());
    for (sig, off, len) in entries {
        out.extend_from_slice(&sig.to_be_bytes());
        out.extend_from_slice(&off.to_be_bytes());
        out.extend_from_slice(&len.to_be_bytes());
    }
    out.extend_from_slice(&data);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_is_consistent() {
        let p = super::srgb();
        assert_eq!(
            u32::from_be_bytes([p[0], p[1], p[2], p[3]]) as usize,
            p.len()
        );
        assert_eq!(&p[36..40], b"acsp");
        assert_eq!(&p[12..24], b"mntrRGB XYZ ");
        assert!(p.len() < 2048);
    }
}
