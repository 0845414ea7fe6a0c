//! The zip container of a workbook (SEC-35): the directory is checked before any part is
//! opened, and every part is decompressed through a counter that stops at the real byte
//! limits, because the sizes a zip declares can lie.

use std::cell::Cell as Flag;
use std::io::{self, BufReader, Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesRef, BytesStart};

use super::{MAX_ENTRIES, MAX_FILE_BYTES, MAX_RATIO, MAX_UNPACKED_BYTES, SheetError};

/// Entries smaller than this are not held to the compression ratio (tiny parts compress well).
const RATIO_FLOOR: u64 = 1024 * 1024;

/// Which real limit a part ran into while being decompressed.
#[derive(Debug, Clone, Copy)]
enum Trip {
    /// The workbook's total, or the ratio: a zip bomb.
    Bomb,
    /// The part's own cap: the caller's error.
    Cap,
}

/// The XML reader over one part, as handed to the part parsers.
pub type PartReader<'a, 'z> =
    Reader<BufReader<Bounded<'a, zip::read::ZipFile<'a, Cursor<&'z [u8]>>>>>;

/// An opened, checked workbook container.
pub struct Archive<'z> {
    zip: zip::ZipArchive<Cursor<&'z [u8]>>,
    /// Bytes decompressed so far, over all parts.
    used: Flag<u64>,
    tripped: Flag<Option<Trip>>,
}

/// A reader that counts what comes out of a zip entry and fails past the limits.
pub struct Bounded<'a, R> {
    inner: R,
    read: u64,
    cap: u64,
    packed: u64,
    used: &'a Flag<u64>,
    tripped: &'a Flag<Option<Trip>>,
}

impl<R: Read> Read for Bounded<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let step = n as u64;
        self.read = self.read.saturating_add(step);
        self.used.set(self.used.get().saturating_add(step));
        let trip = if self.used.get() > MAX_UNPACKED_BYTES
            || (self.read > RATIO_FLOOR && self.read / self.packed > MAX_RATIO)
        {
            Some(Trip::Bomb)
        } else if self.read > self.cap {
            Some(Trip::Cap)
        } else {
            None
        };
        if let Some(t) = trip {
            self.tripped.set(Some(t));
            return Err(io::Error::other("workbook part over its limit"));
        }
        Ok(n)
    }
}

impl<'z> Archive<'z> {
    /// Checks the signature, the file size and the zip directory (entries, declared sizes,
    /// declared ratios); nothing is decompressed yet.
    ///
    /// # Errors
    /// What is wrong with the container.
    pub fn open(bytes: &'z [u8]) -> Result<Self, SheetError> {
        if bytes.len() > MAX_FILE_BYTES {
            return Err(SheetError::TooLarge);
        }
        if !bytes.starts_with(b"PK\x03\x04") {
            return Err(SheetError::NotXlsx);
        }
        let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).map_err(|_| SheetError::Damaged)?;
        if zip.len() > MAX_ENTRIES {
            return Err(SheetError::Bomb);
        }
        let mut total: u64 = 0;
        for i in 0..zip.len() {
            let f = zip.by_index_raw(i).map_err(|_| SheetError::Damaged)?;
            let (size, packed) = (f.size(), f.compressed_size().max(1));
            total = total.saturating_add(size);
            if total > MAX_UNPACKED_BYTES || (size > RATIO_FLOOR && size / packed > MAX_RATIO) {
                return Err(SheetError::Bomb);
            }
        }
        let archive = Archive {
            zip,
            used: Flag::new(0),
            tripped: Flag::new(None),
        };
        if archive.find("xl/workbook.xml").is_none() {
            return Err(SheetError::NotXlsx);
        }
        Ok(archive)
    }

    /// The stored name of a part: exact, else ignoring case (part names are case-insensitive
    /// in Open Packaging).
    #[must_use]
    pub fn find(&self, name: &str) -> Option<String> {
        if self.zip.index_for_name(name).is_some() {
            return Some(name.to_owned());
        }
        self.zip
            .file_names()
            .filter_map(Result::ok)
            .find(|n| n.eq_ignore_ascii_case(name))
            .map(std::borrow::Cow::into_owned)
    }

    /// Streams one part through `parse`, decompressing at most `cap` bytes of it; running past
    /// the cap gives `over`, past the workbook's total or ratio gives [`SheetError::Bomb`].
    ///
    /// # Errors
    /// The parser's error, or the limit that was reached.
    pub fn with_part<T>(
        &mut self,
        name: &str,
        cap: u64,
        over: SheetError,
        parse: impl FnOnce(&mut PartReader<'_, 'z>) -> Result<T, SheetError>,
    ) -> Result<T, SheetError> {
        let f = self.zip.by_name(name).map_err(|_| SheetError::Damaged)?;
        let packed = f.compressed_size().max(1);
        let bounded = Bounded {
            inner: f,
            read: 0,
            cap,
            packed,
            used: &self.used,
            tripped: &self.tripped,
        };
        let mut reader = Reader::from_reader(BufReader::with_capacity(64 * 1024, bounded));
        let result = parse(&mut reader);
        match self.tripped.take() {
            Some(Trip::Bomb) => Err(SheetError::Bomb),
            Some(Trip::Cap) => Err(over),
            None => result,
        }
    }
}

/// The value of the attribute named exactly `name`; any spelling XML allows (spaces around
/// `=`, either quote) is the same attribute.
///
/// # Errors
/// Malformed attributes.
pub fn attr(e: &BytesStart<'_>, name: &str) -> Result<Option<String>, SheetError> {
    for a in e.attributes() {
        let a = a.map_err(|_| SheetError::Damaged)?;
        if a.key.0 == name {
            return value(&a).map(Some);
        }
    }
    Ok(None)
}

/// The value of a namespaced attribute such as `r:id`, whatever prefix the file binds.
///
/// # Errors
/// Malformed attributes.
pub fn prefixed_attr(e: &BytesStart<'_>, local: &str) -> Result<Option<String>, SheetError> {
    for a in e.attributes() {
        let a = a.map_err(|_| SheetError::Damaged)?;
        if a.key.prefix().is_some() && a.key.local_name().as_ref() == local {
            return value(&a).map(Some);
        }
    }
    Ok(None)
}

fn value(a: &quick_xml::events::attributes::Attribute<'_>) -> Result<String, SheetError> {
    a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
        .map(std::borrow::Cow::into_owned)
        .map_err(|_| SheetError::Damaged)
}

/// Appends an entity or character reference to `out`; only XML's own entities exist here
/// (no DTD is ever expanded).
///
/// # Errors
/// An unknown entity.
pub fn push_ref(out: &mut String, r: &BytesRef<'_>) -> Result<(), SheetError> {
    if let Some(c) = r.resolve_char_ref().map_err(|_| SheetError::Damaged)? {
        out.push(c);
        return Ok(());
    }
    let s = quick_xml::escape::resolve_predefined_entity(r).ok_or(SheetError::Damaged)?;
    out.push_str(s);
    Ok(())
}

/// The path of a relationship target, relative to the folder of the part that names it.
#[must_use]
pub fn resolve(base_dir: &str, target: &str) -> Option<String> {
    let joined = match target.strip_prefix('/') {
        Some(abs) => abs.to_owned(),
        None => format!("{base_dir}/{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            s => parts.push(s),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}
