//! Loading a tar archive into a [`MemFs`] and saving one as a tar archive.

use crate::host::wasi_to_io;
use crate::node::{Kind, Node};
use crate::MemFs;
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

fn invalid(message: String) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, message)
}

/// The components of an archive path, refusing absolute paths and `..` (an archive must
/// not place anything outside the tree it is unpacked into).
fn archive_components(path: &Path) -> io::Result<Vec<String>> {
    let mut components = Vec::new();
    for component in path.components() {
        match component {
            Component::Normal(name) => components.push(
                name.to_str().ok_or_else(|| invalid(format!("archive path {path:?} is not UTF-8")))?.to_string(),
            ),
            Component::CurDir => {}
            _ => return Err(invalid(format!("archive path {path:?} is absolute or climbs with ..")))?,
        }
    }
    Ok(components)
}

impl MemFs {
    /// Unpacks a tar archive into the root: directories, regular files, symlinks and hard
    /// links, with their modification times. Missing parent directories are created; an
    /// entry replaces a file of the same name. Absolute paths, `..` and paths through a
    /// symlink are refused; other entry kinds (devices, FIFOs) are skipped.
    pub fn load_tar(&self, reader: impl Read) -> io::Result<()> {
        self.load_tar_into(reader, ".")
    }

    /// Like [`MemFs::load_tar`], into the existing directory `dir` of this filesystem.
    pub fn load_tar_into(&self, reader: impl Read, dir: &str) -> io::Result<()> {
        let into = self.open_dir(dir).map_err(wasi_to_io)?.node;
        let mut archive = tar::Archive::new(reader);
        let _ns = self.inner.namespace();
        let fs = &*self.inner;
        // Directory times are set last: every entry added beneath one moves its mtime.
        let mut dir_times = Vec::new();
        for entry in archive.entries()? {
            let mut entry = entry?;
            let path = entry.path()?.into_owned();
            let mut components = archive_components(&path)?;
            let kind = entry.header().entry_type();
            let mtime = entry.header().mtime().unwrap_or(0).saturating_mul(1_000_000_000);
            let Some(name) = components.pop() else { continue };
            let parent = fs.ensure_dir(&into, components.iter().map(String::as_str)).map_err(wasi_to_io)?;
            let existing = parent.dir().map_err(wasi_to_io)?.get(&name).cloned();
            let node = match kind {
                tar::EntryType::Directory => match existing {
                    Some(dir) if dir.is_dir() => dir,
                    _ => {
                        replace(fs, &parent, &name, existing)?;
                        let dir = fs.new_dir(&parent);
                        fs.link(&parent, &name, &dir);
                        dir
                    }
                },
                tar::EntryType::Regular | tar::EntryType::Continuous => {
                    if entry.size() > self.capacity().saturating_sub(self.used_bytes()) {
                        return Err(io::Error::new(ErrorKind::StorageFull, format!("{path:?} does not fit in the filesystem")));
                    }
                    let mut bytes = Vec::new();
                    entry.read_to_end(&mut bytes)?;
                    replace(fs, &parent, &name, existing)?;
                    let file = fs.new_file(bytes).map_err(wasi_to_io)?;
                    fs.link(&parent, &name, &file);
                    file
                }
                tar::EntryType::Symlink => {
                    let target = entry.link_name()?.ok_or_else(|| invalid(format!("symlink {path:?} has no target")))?;
                    let target = target.to_str().ok_or_else(|| invalid(format!("symlink {path:?} target is not UTF-8")))?.to_string();
                    replace(fs, &parent, &name, existing)?;
                    let link = fs.new_symlink(&target);
                    fs.link(&parent, &name, &link);
                    link
                }
                tar::EntryType::Link => {
                    let target = entry.link_name()?.ok_or_else(|| invalid(format!("hard link {path:?} has no target")))?;
                    let mut target_components = archive_components(&target)?;
                    let target_name = target_components.pop().ok_or_else(|| invalid(format!("hard link {path:?} to nothing")))?;
                    let target_dir = fs.ensure_dir(&into, target_components.iter().map(String::as_str)).map_err(wasi_to_io)?;
                    let source = target_dir.dir().map_err(wasi_to_io)?.get(&target_name).cloned();
                    let source = source.filter(|node| !node.is_dir()).ok_or_else(|| invalid(format!("hard link {path:?} to {target:?}, which is not an earlier file")))?;
                    if !existing.as_ref().is_some_and(|node| Arc::ptr_eq(node, &source)) {
                        replace(fs, &parent, &name, existing)?;
                        fs.link(&parent, &name, &source);
                    }
                    continue;
                }
                other => {
                    tracing::warn!(path = %path.display(), kind = ?other, "skipping a tar entry that is not a directory, file or link");
                    continue;
                }
            };
            if node.is_dir() {
                dir_times.push((node, mtime));
                continue;
            }
            let mut meta = node.meta();
            meta.mtim = mtime;
            meta.atim = mtime;
        }
        for (dir, mtime) in dir_times {
            let mut meta = dir.meta();
            meta.mtim = mtime;
            meta.atim = mtime;
        }
        Ok(())
    }

    /// Writes the whole tree as a tar archive (GNU format, names in sorted order, hard links
    /// as links to the first name saved), then finishes the archive.
    pub fn save_tar(&self, writer: impl Write) -> io::Result<()> {
        self.save_tar_from(".", writer)
    }

    /// Like [`MemFs::save_tar`], for the subtree at directory `dir` of this filesystem.
    pub fn save_tar_from(&self, dir: &str, writer: impl Write) -> io::Result<()> {
        let from = self.open_dir(dir).map_err(wasi_to_io)?.node;
        let mut builder = tar::Builder::new(writer);
        let _ns = self.inner.namespace();
        let mut saved = HashMap::new();
        append_tree(&mut builder, &from, Path::new(""), &mut saved)?;
        builder.into_inner()?.flush()
    }
}

/// Removes `existing` from `parent` so an archive entry can take its name; a non-empty
/// directory is not replaced.
fn replace(fs: &crate::FsInner, parent: &Arc<Node>, name: &str, existing: Option<Arc<Node>>) -> io::Result<()> {
    if let Some(node) = existing {
        if node.dir().is_ok_and(|data| !data.is_empty()) {
            return Err(invalid(format!("{name:?} is a non-empty directory and cannot be replaced")));
        }
        fs.unlink(parent, name);
    }
    Ok(())
}

fn append_tree<W: Write>(builder: &mut tar::Builder<W>, dir: &Arc<Node>, rel: &Path, saved: &mut HashMap<u64, PathBuf>) -> io::Result<()> {
    for entry in dir.dir().map_err(wasi_to_io)?.sorted() {
        let path = rel.join(&*entry.name);
        let node = &entry.node;
        let meta = *node.meta();
        let mut header = tar::Header::new_gnu();
        header.set_mtime(meta.mtim / 1_000_000_000);
        header.set_uid(0);
        header.set_gid(0);
        match &node.kind {
            Kind::Dir(_) => {
                header.set_entry_type(tar::EntryType::Directory);
                header.set_mode(0o755);
                header.set_size(0);
                // Directory names end in a slash, as tar itself writes them.
                let mut name = path.clone().into_os_string();
                name.push("/");
                builder.append_data(&mut header, &name, io::empty())?;
                append_tree(builder, node, &path, saved)?;
            }
            Kind::File { .. } => {
                header.set_mode(0o644);
                if let Some(first) = saved.get(&node.ino) {
                    header.set_entry_type(tar::EntryType::Link);
                    header.set_size(0);
                    builder.append_link(&mut header, &path, first)?;
                    continue;
                }
                let content = node.content().expect("checked to be a file");
                header.set_entry_type(tar::EntryType::Regular);
                header.set_size(content.len());
                let hole = io::repeat(0).take(content.len() - content.stored().len() as u64);
                builder.append_data(&mut header, &path, content.stored().chain(hole))?;
                if meta.nlink > 1 {
                    saved.insert(node.ino, path);
                }
            }
            Kind::Symlink(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                builder.append_link(&mut header, &path, &**target)?;
            }
        }
    }
    Ok(())
}
