//! Loading a host directory into a [`MemFs`] and saving one back.
//!
//! Loading reads with the embedder's ambient authority: the embedder names the directory.
//! Saving writes only beneath the directory it is given, through cap-std, and never follows
//! a host symlink: a guest that left `escape -> ../..` in memory gets a symlink on disk, not
//! a write outside.

use crate::node::{Kind, Node};
use crate::{FsInner, MemFs};
use cap_fs_ext::{DirExt, SystemTimeSpec};
use cap_std::fs::{Dir, MetadataExt};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Write};
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

impl MemFs {
    /// Copies the host directory tree at `host` into the root: directories, regular files
    /// (hard links within the tree stay linked), symlinks as they are, and their access and
    /// modification times. Sockets, FIFOs and devices are skipped. Fails if a name is not
    /// UTF-8, already exists here, or the content exceeds the capacity.
    pub fn load_dir(&self, host: impl AsRef<Path>) -> io::Result<()> {
        self.load_dir_into(host, ".")
    }

    /// Like [`MemFs::load_dir`], into the existing directory `dir` of this filesystem.
    pub fn load_dir_into(&self, host: impl AsRef<Path>, dir: &str) -> io::Result<()> {
        let into = self.open_dir(dir).map_err(wasi_to_io)?;
        let _ns = self.inner.namespace();
        let mut linked = HashMap::new();
        load_tree(&self.inner, &into.node, host.as_ref(), &mut linked)
    }

    /// Makes the host directory `host` hold exactly this filesystem's tree: entries missing
    /// here are removed there, files whose bytes differ are replaced (never rewritten in
    /// place, so a host hard link to them is left alone), symlinks and hard links are
    /// recreated, and modification and access times copied.
    pub fn save_dir(&self, host: impl AsRef<Path>) -> io::Result<()> {
        self.save_dir_from(".", host)
    }

    /// Like [`MemFs::save_dir`], for the subtree at directory `dir` of this filesystem.
    pub fn save_dir_from(&self, dir: &str, host: impl AsRef<Path>) -> io::Result<()> {
        self.save_dirs(&[(dir, host.as_ref())])
    }

    /// Saves several subtrees, each to its host directory, in one pass: a file linked into
    /// two of them is saved as one host file linked twice.
    pub fn save_dirs(&self, pairs: &[(&str, &Path)]) -> io::Result<()> {
        let mut targets = Vec::new();
        for (dir, host) in pairs {
            let from = self.open_dir(dir).map_err(wasi_to_io)?;
            targets.push((from, Arc::new(Dir::open_ambient_dir(host, cap_std::ambient_authority())?)));
        }
        let _ns = self.inner.namespace();
        let mut saver = Saver { saved: HashMap::new(), claimed: HashMap::new() };
        for (from, target) in &targets {
            saver.mirror(&from.node, target, target, Path::new(""))?;
            set_host_times(target, Path::new("."), &from.node, false)?;
        }
        Ok(())
    }
}

fn other(message: String) -> io::Error {
    io::Error::new(ErrorKind::InvalidData, message)
}

pub(crate) fn wasi_to_io(err: capwasi::Error) -> io::Error {
    let kind = match err.errno() {
        capwasi::Errno::Nospc => ErrorKind::StorageFull,
        capwasi::Errno::Exist => ErrorKind::AlreadyExists,
        capwasi::Errno::Noent => ErrorKind::NotFound,
        _ => ErrorKind::Other,
    };
    io::Error::new(kind, err)
}

fn load_tree(fs: &FsInner, dir: &Arc<Node>, host: &Path, linked: &mut HashMap<(u64, u64), Arc<Node>>) -> io::Result<()> {
    let mut entries = std::fs::read_dir(host)?.collect::<io::Result<Vec<_>>>()?;
    // Name order: the listing order the guest sees is then the same on every machine.
    entries.sort_by_key(|entry| entry.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().into_string().map_err(|name| other(format!("{}: name {name:?} is not UTF-8", host.display())))?;
        if dir.dir().map_err(wasi_to_io)?.get(&name).is_some() {
            return Err(io::Error::new(ErrorKind::AlreadyExists, format!("{name:?} is already in the filesystem")));
        }
        let meta = std::fs::symlink_metadata(&path)?;
        let kind = meta.file_type();
        if !kind.is_dir()
            && let Some(existing) = linked.get(&(meta.dev(), meta.ino()))
        {
            fs.link(dir, &name, existing);
            continue;
        }
        let node = if kind.is_dir() {
            let child = fs.new_dir(dir);
            fs.link(dir, &name, &child);
            load_tree(fs, &child, &path, linked)?;
            child
        } else if kind.is_file() {
            fs.new_file(read_without_atime(&path)?).map_err(wasi_to_io)?
        } else if kind.is_symlink() {
            let target = std::fs::read_link(&path)?.into_os_string().into_string().map_err(|t| other(format!("{}: symlink target {t:?} is not UTF-8", path.display())))?;
            fs.new_symlink(&target)
        } else {
            tracing::warn!(path = %path.display(), "skipping a host file that is not a directory, regular file or symlink");
            continue;
        };
        if !kind.is_dir() {
            if meta.nlink() > 1 {
                linked.insert((meta.dev(), meta.ino()), Arc::clone(&node));
            }
            fs.link(dir, &name, &node);
        }
        copy_host_times(&node, &meta);
    }
    copy_host_times(dir, &std::fs::metadata(host)?);
    Ok(())
}

/// Reads a host file without moving its access time where the host allows (`O_NOATIME`
/// needs the file's owner or `CAP_FOWNER`); loading is not a use the guest made.
fn read_without_atime(path: &Path) -> io::Result<Vec<u8>> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    #[cfg(any(target_os = "linux", target_os = "android"))]
    const NOATIME: i32 = 0o1000000;
    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    const NOATIME: i32 = 0;
    let mut file = match std::fs::OpenOptions::new().read(true).custom_flags(NOATIME).open(path) {
        Ok(file) => file,
        Err(err) if err.raw_os_error() == Some(1) => std::fs::File::open(path)?,
        Err(err) => return Err(err),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// A host timestamp (seconds, nanoseconds) as nanoseconds since the epoch; times before
/// 1970 read as the epoch.
fn host_nanos(secs: i64, nsec: i64) -> u64 {
    u64::try_from(secs).unwrap_or(0).saturating_mul(1_000_000_000).saturating_add(nsec as u64)
}

fn copy_host_times(node: &Node, meta: &std::fs::Metadata) {
    let mut stamps = node.meta();
    stamps.atim = host_nanos(meta.atime(), meta.atime_nsec());
    stamps.mtim = host_nanos(meta.mtime(), meta.mtime_nsec());
    stamps.ctim = host_nanos(meta.ctime(), meta.ctime_nsec());
    stamps.atim_set = false;
    stamps.origin = Some((meta.dev(), meta.ino()));
    stamps.content_changed = false;
}

struct Saver {
    /// Where each multiply-linked inode was first saved: a target root and the path below it.
    saved: HashMap<u64, (Arc<Dir>, PathBuf)>,
    /// Host files kept as they were, by host inode, and the in-memory inode they stand for:
    /// a host inode may stand for only one, or two files that are separate here would stay
    /// hard-linked there.
    claimed: HashMap<(u64, u64), u64>,
}

impl Saver {
    /// Mirrors directory `node` into `host`, which is `rel` below the target root `root`.
    fn mirror(&mut self, node: &Arc<Node>, root: &Arc<Dir>, host: &Dir, rel: &Path) -> io::Result<()> {
        let entries = node.dir().map_err(wasi_to_io)?.sorted();
        for existing in host.entries()? {
            let existing = existing?;
            let name = existing.file_name();
            if !entries.iter().any(|entry| *entry.name == *name) {
                remove_entry(host, Path::new(&name))?;
            }
        }
        for entry in entries {
            let name = Path::new(&*entry.name);
            let current = host.symlink_metadata(name).ok();
            let child = &entry.node;
            match &child.kind {
                Kind::Dir(_) => {
                    match &current {
                        Some(meta) if meta.is_dir() => {}
                        Some(_) => {
                            host.remove_file_or_symlink(name)?;
                            host.create_dir(name)?;
                        }
                        None => host.create_dir(name)?,
                    }
                    let sub = host.open_dir_nofollow(name)?;
                    self.mirror(child, root, &sub, &rel.join(name))?;
                    set_host_times(host, name, child, false)?;
                }
                _ if self.save_as_link(host, name, child, current.as_ref())? => {}
                Kind::File { .. } => {
                    self.save_file(host, name, child, current)?;
                    set_host_times(host, name, child, false)?;
                }
                Kind::Symlink(target) => {
                    let same = current.as_ref().is_some_and(|meta| meta.file_type().is_symlink())
                        && host.read_link_contents(name).is_ok_and(|t| t.as_os_str() == std::ffi::OsStr::new(&**target));
                    if !same {
                        if current.is_some() {
                            remove_entry(host, name)?;
                        }
                        host.symlink_contents(&**target, name)?;
                    }
                    set_host_times(host, name, child, true)?;
                }
            }
            if !child.is_dir() && child.meta().nlink > 1 {
                self.saved.entry(child.ino).or_insert_with(|| (Arc::clone(root), rel.join(name)));
            }
        }
        Ok(())
    }

    /// Saves a further name of an inode already saved under another name as a hard link to
    /// it; false if this is the inode's first name.
    fn save_as_link(&mut self, host: &Dir, name: &Path, node: &Node, current: Option<&cap_std::fs::Metadata>) -> io::Result<bool> {
        let Some((first_root, first)) = self.saved.get(&node.ino) else { return Ok(false) };
        let first_meta = first_root.symlink_metadata(first)?;
        if current.is_some_and(|meta| meta.dev() == first_meta.dev() && meta.ino() == first_meta.ino()) {
            return Ok(true);
        }
        if current.is_some() {
            remove_entry(host, name)?;
        }
        first_root.hard_link(first, host, name)?;
        Ok(true)
    }

    fn save_file(&mut self, host: &Dir, name: &Path, node: &Node, current: Option<cap_std::fs::Metadata>) -> io::Result<()> {
        let content = node.content().expect("checked to be a file");
        let meta = *node.meta();
        // Unchanged since it was loaded from this very host file: nothing to write. Checked
        // from metadata alone; reading the host file to compare would move its access time.
        let keep = current.as_ref().is_some_and(|host_meta| {
            let host_id = (host_meta.dev(), host_meta.ino());
            host_meta.is_file()
                && !meta.content_changed
                && meta.origin == Some(host_id)
                && host_meta.len() == content.len()
                && self.claimed.get(&host_id).is_none_or(|&ino| ino == node.ino)
        });
        if let Some(host_meta) = current {
            if keep {
                self.claimed.insert((host_meta.dev(), host_meta.ino()), node.ino);
                return Ok(());
            }
            remove_entry(host, name)?;
        }
        let mut file = host.create(name)?;
        file.write_all(content.stored())?;
        if content.len() > content.stored().len() as u64 {
            file.set_len(content.len())?;
        }
        Ok(())
    }
}

fn remove_entry(host: &Dir, name: &Path) -> io::Result<()> {
    if host.symlink_metadata(name)?.is_dir() { host.remove_dir_all(name) } else { host.remove_file_or_symlink(name) }
}

/// Copies the node's modification time, and its access time if that was set in memory, to
/// the host entry; nothing when they already agree, since setting them anyway would move the
/// host's change time for nothing.
fn set_host_times(host: &Dir, name: &Path, node: &Node, symlink: bool) -> io::Result<()> {
    let meta = *node.meta();
    let current = host.symlink_metadata(name)?;
    let at = |ns: u64| Some(SystemTimeSpec::Absolute(cap_std::time::SystemTime::from_std(UNIX_EPOCH + Duration::from_nanos(ns))));
    let atime = if meta.atim_set && host_nanos(current.atime(), current.atime_nsec()) != meta.atim { at(meta.atim) } else { None };
    let mtime = if host_nanos(current.mtime(), current.mtime_nsec()) != meta.mtim { at(meta.mtim) } else { None };
    if atime.is_none() && mtime.is_none() {
        return Ok(());
    }
    if symlink {
        host.set_symlink_times(name, atime, mtime)
    } else {
        host.set_times(name, atime, mtime)
    }
}
