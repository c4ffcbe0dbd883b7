//! Stream decoding: FlateDecode with PNG predictors, the only filter that
//! cross-reference streams, object streams and embedded files use in practice.

use std::cell::Cell;

use miniz_oxide::inflate::TINFLStatus;

use super::PdfError;
use super::object::{Dict, Object};

/// Decoded stream data per parsed file. A limit per stream alone lets a small
/// file hold many streams that each inflate to just under it (30 embedded
/// files of 250 MB took 6 GB before an allocation abort).
pub const MAX_DECODED_PER_FILE: usize = 256 * 1024 * 1024;

/// What is left to decode for one parsed file; every stream decoded from it
/// is charged here, whatever the reason it is decoded.
#[derive(Debug)]
pub struct DecodeBudget {
    left: Cell<usize>,
}

impl DecodeBudget {
    pub fn new() -> Self {
        DecodeBudget {
            left: Cell::new(MAX_DECODED_PER_FILE),
        }
    }

    fn charge(&self, n: usize) -> Result<(), PdfError> {
        let left = self.left.get().checked_sub(n).ok_or_else(exhausted)?;
        self.left.set(left);
        Ok(())
    }
}

fn exhausted() -> PdfError {
    PdfError::Limit(format!(
        "its streams decode to more than {} MiB in total",
        MAX_DECODED_PER_FILE >> 20
    ))
}

pub fn decode(dict: &Dict, raw: &[u8], budget: &DecodeBudget) -> Result<Vec<u8>, PdfError> {
    let filters: Vec<&[u8]> = match dict.get(b"Filter") {
        None => Vec::new(),
        Some(Object::Name(n)) => vec![n.as_slice()],
        Some(Object::Array(a)) => a.iter().filter_map(Object::as_name).collect(),
        Some(_) => return Err(PdfError::Filter("malformed /Filter".into())),
    };
    let parms: Vec<Option<&Dict>> = match dict.get(b"DecodeParms") {
        Some(Object::Array(a)) => a.iter().map(Object::as_dict).collect(),
        Some(Object::Dict(d)) => vec![Some(d)],
        _ => Vec::new(),
    };
    // Only the final output is charged: each filter's output replaces its
    // input, so the peak is at most twice what is charged.
    let mut data = raw.to_vec();
    for (i, f) in filters.iter().enumerate() {
        data = match *f {
            b"FlateDecode" | b"Fl" => {
                let inflated = inflate(&data, budget.left.get())?;
                match parms.get(i).copied().flatten() {
                    Some(p) => unpredict(p, inflated)?,
                    None => inflated,
                }
            }
            other => {
                return Err(PdfError::Filter(format!(
                    "unsupported filter /{}",
                    String::from_utf8_lossy(other)
                )));
            }
        };
    }
    budget.charge(data.len())?;
    Ok(data)
}

fn inflate(data: &[u8], limit: usize) -> Result<Vec<u8>, PdfError> {
    use miniz_oxide::inflate::{decompress_to_vec_with_limit, decompress_to_vec_zlib_with_limit};
    let over = |status| status == TINFLStatus::HasMoreOutput;
    match decompress_to_vec_zlib_with_limit(data, limit) {
        Ok(v) => Ok(v),
        Err(e) if over(e.status) => Err(exhausted()),
        // Some writers emit raw deflate without the zlib header.
        Err(_) => decompress_to_vec_with_limit(data, limit).map_err(|e| {
            if over(e.status) {
                exhausted()
            } else {
                PdfError::Filter(format!("FlateDecode: {:?}", e.status))
            }
        }),
    }
}

fn unpredict(parms: &Dict, data: Vec<u8>) -> Result<Vec<u8>, PdfError> {
    let get = |k: &[u8], d: i64| parms.get(k).and_then(Object::as_int).unwrap_or(d);
    let predictor = get(b"Predictor", 1);
    if predictor < 10 {
        return Ok(data);
    }
    let colors = get(b"Colors", 1);
    let bpc = get(b"BitsPerComponent", 8);
    let columns = get(b"Columns", 1);
    let bpp = usize::try_from((colors.saturating_mul(bpc).saturating_add(7) / 8).max(1))
        .map_err(|_| PdfError::Filter("bad predictor parameters".into()))?;
    let row_len = usize::try_from(colors.saturating_mul(bpc).saturating_mul(columns))
        .ok()
        .map(|bits| bits.div_ceil(8))
        .filter(|&n| n > 0 && n < 1 << 20)
        .ok_or_else(|| PdfError::Filter("bad predictor parameters".into()))?;
    let mut out = Vec::with_capacity(data.len());
    let mut prev = vec![0u8; row_len];
    for chunk in data.chunks(row_len + 1) {
        let (kind, row) = match chunk.split_first() {
            Some((k, r)) if r.len() == row_len => (*k, r),
            _ => break,
        };
        let mut cur = row.to_vec();
        for i in 0..row_len {
            let left = if i >= bpp { cur[i - bpp] } else { 0 };
            let up = prev[i];
            let up_left = if i >= bpp { prev[i - bpp] } else { 0 };
            cur[i] = match kind {
                0 => cur[i],
                1 => cur[i].wrapping_add(left),
                2 => cur[i].wrapping_add(up),
                3 => cur[i].wrapping_add(((u16::from(left) + u16::from(up)) / 2) as u8),
                4 => cur[i].wrapping_add(paeth(left, up, up_left)),
                _ => return Err(PdfError::Filter("bad PNG predictor row".into())),
            };
        }
        out.extend_from_slice(&cur);
        prev = cur;
    }
    Ok(out)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}
