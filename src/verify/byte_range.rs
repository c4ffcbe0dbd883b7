//! The signed byte ranges: two ranges that cover the revision except
//! exactly the `/Contents` hole, and the hole itself.

use super::*;

/// The two signed ranges and the hole, checked against the file and the
/// position of the `/Contents` string.
pub(super) fn byte_range(
    bytes: &[u8],
    sig: &Dict,
) -> Result<([Range<usize>; 2], Range<usize>), String> {
    let br: Vec<i64> = sig
        .get(b"ByteRange")
        .and_then(Object::as_array)
        .ok_or("no /ByteRange")?
        .iter()
        .map(|o| o.as_int().ok_or("non-integer in /ByteRange"))
        .collect::<Result<_, _>>()?;
    let [a, b, c, d] = br[..] else {
        return Err("/ByteRange must have exactly four numbers".into());
    };
    let us = |v: i64| usize::try_from(v).map_err(|_| "negative number in /ByteRange".to_string());
    let (a, b, c, d) = (us(a)?, us(b)?, us(c)?, us(d)?);
    if a != 0 {
        return Err("/ByteRange does not start at the beginning of the file".into());
    }
    let first_end = b;
    let second_end = c.checked_add(d).ok_or("/ByteRange overflows")?;
    if first_end > c {
        return Err("/ByteRange ranges overlap".into());
    }
    if second_end > bytes.len() {
        return Err("/ByteRange reaches beyond the end of the file".into());
    }
    let span = sig.span(b"Contents").ok_or("no /Contents")?;
    if span != (first_end..c) {
        return Err("the /ByteRange hole is not exactly the /Contents string".into());
    }
    if bytes.get(first_end) != Some(&b'<')
        || c.checked_sub(1).and_then(|i| bytes.get(i)) != Some(&b'>')
    {
        return Err("/Contents is not a hexadecimal string".into());
    }
    Ok(([0..first_end, c..second_end], first_end..c))
}

pub(super) fn contents(sig: &Dict) -> Result<&[u8], String> {
    let c = sig
        .get(b"Contents")
        .and_then(Object::as_str)
        .ok_or("/Contents is not a string")?;
    if c.len() > MAX_CONTENTS {
        return Err(format!("/Contents is too large ({} bytes)", c.len()));
    }
    Ok(c)
}
