//! The objects of a new file as they are built, for `pdfbytes::write_new`.

use std::collections::{BTreeMap, BTreeSet};

use super::WriteError;
use crate::pdfbytes::{Dict, NewObject, ObjRef, Object};

/// Objects numbered from 1 in the order they are made or reserved, so the
/// same document always gets the same numbers.
#[derive(Default)]
pub struct Objects {
    pub map: BTreeMap<u32, NewObject>,
    /// Streams the compression pass must leave alone.
    pub uncompressed: BTreeSet<u32>,
    last: u32,
}

impl Objects {
    /// A number for an object made later (the page tree, which the pages
    /// refer to before it can list them).
    pub fn reserve(&mut self) -> ObjRef {
        self.last += 1;
        ObjRef::new(self.last, 0)
    }

    pub fn set(&mut self, r: ObjRef, d: Dict) {
        self.map.insert(r.num, NewObject::Packed(Object::Dict(d)));
    }

    pub fn dict(&mut self, d: Dict) -> ObjRef {
        let r = self.reserve();
        self.set(r, d);
        r
    }

    pub fn stream(&mut self, mut d: Dict, data: Vec<u8>) -> ObjRef {
        // The writer fills in /Length; setting it here fixes its place in
        // the dictionary: after the given keys, before a later /Filter.
        d.set(b"Length", Object::Int(data.len() as i64));
        let r = self.reserve();
        self.map.insert(r.num, NewObject::Stream(d, data));
        r
    }

    /// The dictionary of a packed object made with [`Objects::dict`].
    pub fn dict_mut(&mut self, r: ObjRef) -> Result<&mut Dict, WriteError> {
        match self.map.get_mut(&r.num) {
            Some(NewObject::Packed(Object::Dict(d))) => Ok(d),
            _ => Err(WriteError::Structure(format!(
                "object {} is not a dictionary",
                r.num
            ))),
        }
    }
}
