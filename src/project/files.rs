//! The files of an export, wherever they are: a folder on disk or a `.zip` read into memory.
//!
//! Paths inside are relative, `/`-separated and compared without regard to case (solutions
//! write `Workflows/` and `customizations.xml`; `pac solution unpack` writes `Other/Customizations.xml`).
//! A zip is read with bounds, so a hostile archive is an error rather than an exhausted
//! machine: at most [`MAX_ENTRIES`] entries, [`MAX_ENTRY_BYTES`] per entry and
//! [`MAX_TOTAL_BYTES`] in all (sizes measured while inflating, not taken from the header),
//! and no entry whose name leaves the archive (`../x`, `/etc/x`, `C:\x`).

use std::collections::HashMap;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::value::Value;

/// The most entries a zip (or a folder walk) may have.
pub const MAX_ENTRIES: usize = 10_000;
/// The most bytes one entry may inflate to.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;
/// The most bytes all entries of a zip may inflate to together.
pub const MAX_TOTAL_BYTES: u64 = 256 * 1024 * 1024;
/// How deep a folder walk goes.
const MAX_FOLDER_DEPTH: usize = 10;

/// Where the files are.
enum Store {
    Folder(PathBuf),
    Zip(HashMap<String, Vec<u8>>),
}

/// The files of one export.
pub(crate) struct Tree {
    /// How the root is named in messages: the folder or the zip file as given.
    root: String,
    store: Store,
    /// Every file, relative to the root, `/`-separated, in sorted order.
    paths: Vec<String>,
}

fn io_error(what: &str, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, format!("{what}: {e}"))
}

/// Does a zip start here (the local file header's signature)?
pub(crate) fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

impl Tree {
    /// The files under a folder (hidden folders, `node_modules`, `target`, `bin` and `obj`
    /// are skipped; symbolic links are not followed).
    pub fn folder(path: &Path) -> Result<Tree> {
        let mut paths = Vec::new();
        walk(path, "", 0, &mut paths)?;
        paths.sort();
        Ok(Tree { root: path.display().to_string(), store: Store::Folder(path.to_path_buf()), paths })
    }

    /// The files of a zip archive, read (and bounded) at once.
    pub fn zip(name: &str, bytes: &[u8]) -> Result<Tree> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| {
            Error::new(ErrorKind::Definition, format!("{name}: not a readable zip archive: {e}"))
        })?;
        if archive.len() > MAX_ENTRIES {
            return Err(Error::new(
                ErrorKind::Limit,
                format!("{name}: the archive has {} entries; the limit is {MAX_ENTRIES}", archive.len()),
            ));
        }
        let mut files = HashMap::new();
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            let mut entry = archive
                .by_index(i)
                .map_err(|e| Error::new(ErrorKind::Definition, format!("{name}: entry {i}: {e}")))?;
            let raw_name = entry.name().map(|n| n.to_string()).map_err(|e| {
                Error::new(ErrorKind::Definition, format!("{name}: entry {i} has an unreadable name: {e}"))
            })?;
            let Some(safe) = safe_name(&raw_name) else {
                return Err(Error::new(
                    ErrorKind::Definition,
                    format!("{name}: the entry '{raw_name}' names a path outside the archive; refusing to read it"),
                ));
            };
            if entry.is_dir() || safe.is_empty() {
                continue;
            }
            let mut data = Vec::new();
            let read = (&mut entry).take(MAX_ENTRY_BYTES + 1).read_to_end(&mut data).map_err(|e| {
                Error::new(ErrorKind::Definition, format!("{name}!/{safe}: cannot inflate: {e}"))
            })?;
            if read as u64 > MAX_ENTRY_BYTES {
                return Err(Error::new(
                    ErrorKind::Limit,
                    format!("{name}!/{safe}: the entry inflates to more than {MAX_ENTRY_BYTES} bytes (a zip bomb?)"),
                ));
            }
            total += read as u64;
            if total > MAX_TOTAL_BYTES {
                return Err(Error::new(
                    ErrorKind::Limit,
                    format!("{name}: the entries inflate to more than {MAX_TOTAL_BYTES} bytes in all (a zip bomb?)"),
                ));
            }
            files.insert(safe, data);
        }
        let mut paths: Vec<String> = files.keys().cloned().collect();
        paths.sort();
        Ok(Tree { root: name.to_string(), store: Store::Zip(files), paths })
    }

    /// Is this a zip archive (its files are named `archive.zip!/path`)?
    pub fn is_zip(&self) -> bool {
        matches!(self.store, Store::Zip(_))
    }

    /// Every file, relative to the root.
    pub fn paths(&self) -> &[String] {
        &self.paths
    }

    /// The file at `path`, compared without regard to case; its name as stored.
    pub fn find(&self, path: &str) -> Option<&str> {
        let wanted = path.trim_start_matches('/');
        self.paths.iter().find(|p| p.eq_ignore_ascii_case(wanted)).map(String::as_str)
    }

    /// How a file is named in messages: `dir/path` on disk, `archive.zip!/path` in a zip.
    pub fn display(&self, path: &str) -> String {
        match self.store {
            Store::Zip(_) => format!("{}!/{path}", self.root),
            Store::Folder(_) => {
                let sep = if self.root.ends_with('/') || self.root.ends_with('\\') { "" } else { "/" };
                format!("{}{sep}{path}", self.root)
            }
        }
    }

    /// The bytes of a file.
    pub fn read(&self, path: &str) -> Result<Vec<u8>> {
        match &self.store {
            Store::Zip(files) => files
                .get(path)
                .cloned()
                .ok_or_else(|| Error::new(ErrorKind::Io, format!("{}: no such entry", self.display(path)))),
            Store::Folder(root) => {
                let full = root.join(path);
                let size = std::fs::metadata(&full).map_err(|e| io_error(&self.display(path), e))?.len();
                if size > MAX_ENTRY_BYTES {
                    return Err(Error::new(
                        ErrorKind::Limit,
                        format!("{}: {size} bytes; the limit is {MAX_ENTRY_BYTES}", self.display(path)),
                    ));
                }
                std::fs::read(&full).map_err(|e| io_error(&self.display(path), e))
            }
        }
    }

    /// The text of a file, through [`crate::source`] (as every file the project reads): a
    /// UTF-8 byte-order mark is dropped; UTF-16/32 and invalid UTF-8 are errors naming the
    /// file, line and column.
    pub fn read_text(&self, path: &str) -> Result<String> {
        let bytes = self.read(path)?;
        crate::source::decode_as(bytes, &self.display(path))
    }

    /// The text of a JSON file and its value (see [`super::parse_document`]).
    pub fn read_json(&self, path: &str) -> Result<(String, Value)> {
        let text = self.read_text(path)?;
        let value = super::parse_document(&self.display(path), &text)?;
        Ok((text, value))
    }
}

/// A zip entry's name as a relative `/`-separated path, or `None` when it would leave the
/// archive (absolute, a drive letter, or `..` segments).
fn safe_name(raw: &str) -> Option<String> {
    let unified = raw.replace('\\', "/");
    if unified.starts_with('/') || unified.as_bytes().get(1) == Some(&b':') {
        return None;
    }
    let mut parts = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

fn walk(dir: &Path, prefix: &str, depth: usize, out: &mut Vec<String>) -> Result<()> {
    if depth > MAX_FOLDER_DEPTH {
        return Ok(());
    }
    let entries = std::fs::read_dir(dir)
        .map_err(|e| io_error(&format!("cannot read the folder {}", dir.display()), e))?;
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Ok(kind) = entry.file_type() else { continue };
        let relative = if prefix.is_empty() { name.clone() } else { format!("{prefix}/{name}") };
        if kind.is_dir() {
            let skipped =
                name.starts_with('.') || ["node_modules", "target", "bin", "obj"].contains(&name.as_str());
            if !skipped {
                walk(&entry.path(), &relative, depth + 1, out)?;
            }
        } else if kind.is_file() {
            if out.len() >= MAX_ENTRIES {
                return Err(Error::new(
                    ErrorKind::Limit,
                    format!(
                        "{}: more than {MAX_ENTRIES} files; point at the project folder itself",
                        dir.display()
                    ),
                ));
            }
            out.push(relative);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut buffer = std::io::Cursor::new(Vec::new());
        let mut writer = zip::ZipWriter::new(&mut buffer);
        let options =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            writer.start_file(*name, options).unwrap_or_else(|e| panic!("{e}"));
            writer.write_all(data).unwrap_or_else(|e| panic!("{e}"));
        }
        writer.finish().unwrap_or_else(|e| panic!("{e}"));
        buffer.into_inner()
    }

    #[test]
    fn names_that_leave_the_archive() {
        for (raw, safe) in [
            ("a/b.json", Some("a/b.json")),
            ("./a//b.json", Some("a/b.json")),
            ("a\\b.json", Some("a/b.json")),
            ("../evil.json", None),
            ("a/../../evil", None),
            ("/etc/passwd", None),
            ("C:\\x", None),
        ] {
            assert_eq!(safe_name(raw).as_deref(), safe, "{raw}");
        }
    }

    #[test]
    fn reads_a_zip_and_finds_files_without_regard_to_case() {
        let bytes = zip_of(&[("Workflows/Flow-1.json", b"{}"), ("customizations.xml", b"\xef\xbb\xbf<x/>")]);
        let tree = Tree::zip("s.zip", &bytes).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(tree.find("workflows/flow-1.JSON"), Some("Workflows/Flow-1.json"));
        assert_eq!(tree.read_text("customizations.xml").ok().as_deref(), Some("<x/>"), "the BOM goes");
        assert_eq!(tree.display("Workflows/Flow-1.json"), "s.zip!/Workflows/Flow-1.json");
    }

    #[test]
    fn a_traversing_entry_is_refused() {
        let bytes = zip_of(&[("../../outside.json", b"{}")]);
        let e = Tree::zip("evil.zip", &bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("outside the archive"), "{e}");
    }

    #[test]
    fn a_zip_bomb_is_refused() {
        // 65 MiB of zeros deflate to about 64 KiB.
        let big = vec![0u8; (MAX_ENTRY_BYTES + 1024 * 1024) as usize];
        let bytes = zip_of(&[("bomb.json", &big)]);
        assert!(bytes.len() < 1024 * 1024, "the archive is small: {}", bytes.len());
        let e = Tree::zip("bomb.zip", &bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("zip bomb"), "{e}");
    }

    #[test]
    fn too_many_entries_are_refused() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("f{i}")).collect();
        let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b""[..])).collect();
        let bytes = zip_of(&entries);
        let e = Tree::zip("many.zip", &bytes).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("entries; the limit is"), "{e}");
    }

    #[test]
    fn garbage_is_not_a_zip() {
        assert!(!is_zip(b"{\"a\": 1}"));
        let e = Tree::zip("x.zip", b"PK\x03\x04garbage").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("not a readable zip"), "{e}");
    }
}
