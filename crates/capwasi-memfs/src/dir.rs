//! [`MemDir`]: a directory of a [`crate::MemFs`] as a WASI directory descriptor.

use crate::file::MemFile;
use crate::node::{Kind, Node};
use crate::resolve::{resolve, Final, Last};
use crate::FsInner;
use capwasi::dir::{OpenOptions, Opened, ReaddirEntry, ReaddirFlow, WasiDir};
use capwasi::file::SetTime;
use capwasi::types::{FileType, Filestat, OFlags};
use capwasi::{path_shape, Errno, Error, Result};
use std::any::Any;
use std::sync::Arc;

/// A directory of an in-memory filesystem. Paths given to it resolve beneath it only.
#[derive(Clone)]
pub struct MemDir {
    pub(crate) fs: Arc<FsInner>,
    pub(crate) node: Arc<Node>,
}

impl MemDir {
    fn same_fs<'a>(&self, other: &'a dyn WasiDir) -> Result<&'a MemDir> {
        other
            .as_any()
            .downcast_ref::<MemDir>()
            .filter(|other| Arc::ptr_eq(&other.fs, &self.fs))
            .ok_or_else(|| Error::new(Errno::Xdev).context("directories of different filesystems"))
    }
}

/// The name a symlink or hard link is to be made under: `exist` if something is there
/// already, `noent` for a trailing slash (a link is never a directory) or a removed
/// directory.
fn new_name(found: &crate::resolve::Resolved) -> Result<&str> {
    if found.node.is_some() {
        return Err(Error::new(Errno::Exist));
    }
    if found.dir_required {
        return Err(Error::new(Errno::Noent).context("trailing slash on a new link"));
    }
    let name = found.name(Errno::Exist)?;
    check_live(&found.parent)?;
    Ok(name)
}

/// Refuses to add entries to a directory that has been removed (POSIX: `noent`).
fn check_live(dir: &Node) -> Result<()> {
    if dir.dir()?.removed {
        return Err(Error::new(Errno::Noent).context("directory was removed"));
    }
    Ok(())
}

impl WasiDir for MemDir {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn filestat(&self) -> Result<Filestat> {
        Ok(self.node.filestat(self.fs.dev))
    }

    fn readdir(&self, cookie: u64, sink: &mut dyn FnMut(&ReaddirEntry<'_>) -> ReaddirFlow) -> Result<()> {
        let data = self.node.dir()?;
        if data.removed {
            return Ok(());
        }
        if cookie == 0 {
            let dot = ReaddirEntry { next: 1, ino: self.node.ino, filetype: FileType::Directory, name: b"." };
            if sink(&dot) == ReaddirFlow::Full {
                return Ok(());
            }
        }
        if cookie <= 1 {
            let parent_ino = data.parent.upgrade().map_or(self.node.ino, |parent| parent.ino);
            let dotdot = ReaddirEntry { next: 2, ino: parent_ino, filetype: FileType::Directory, name: b".." };
            if sink(&dotdot) == ReaddirFlow::Full {
                return Ok(());
            }
        }
        for (next, entry) in data.entries_from(cookie) {
            let view = ReaddirEntry { next, ino: entry.node.ino, filetype: entry.node.filetype(), name: entry.name.as_bytes() };
            if sink(&view) == ReaddirFlow::Full {
                break;
            }
        }
        Ok(())
    }

    fn open_at(&self, path: &str, options: &OpenOptions) -> Result<Opened> {
        let _ns = self.fs.namespace();
        let create = options.oflags.contains(OFlags::CREAT);
        let exclusive = create && options.oflags.contains(OFlags::EXCL);
        // O_CREAT|O_EXCL never follows a final symlink, even a dangling one (POSIX).
        let asked = if options.follow { Last::Follow } else { Last::NoFollow };
        let last = if exclusive { Last::NoFollow } else { asked };
        // Linux answers `isdir` for O_CREAT on a name with a trailing slash, or ending in `.`
        // or `..`, once the directory holding it is found and without looking the name
        // itself up: a regular file can never be created under such a name.
        let literal = if create { Some(resolve(&self.node, path, Last::Literal)?) } else { None };
        if literal.is_some() && path_shape::names_a_directory(path) {
            return Err(Error::new(Errno::Isdir).context("cannot create a file named like a directory"));
        }
        // Without a trailing slash (refused just above for a create), not following the
        // final symlink resolves exactly as the literal lookup did.
        let found = match literal {
            Some(literal) if last == Last::NoFollow => literal,
            _ => resolve(&self.node, path, last)?,
        };
        // `directory` is decided first, following a final symlink as asked (not as `excl`
        // would have it): a file named with it is `notdir`, as on the OS backend.
        if options.oflags.contains(OFlags::DIRECTORY) {
            let named = if last == asked { found.node.clone() } else { resolve(&self.node, path, asked).ok().and_then(|r| r.node) };
            if let Some(node) = named
                && !node.is_dir()
                && !matches!(node.kind, Kind::Symlink(_))
            {
                return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
            }
        }
        let node = match &found.node {
            Some(_) if exclusive => return Err(Error::new(Errno::Exist)),
            Some(node) => Arc::clone(node),
            None if !create => return Err(Error::new(Errno::Noent)),
            None if found.dir_required => return Err(Error::new(Errno::Isdir).context("cannot create a file named with a trailing slash")),
            None => {
                let name = found.name(Errno::Exist)?;
                check_live(&found.parent)?;
                let node = self.fs.new_file(Vec::new())?;
                self.fs.link(&found.parent, name, &node);
                node
            }
        };
        match &node.kind {
            Kind::Symlink(_) => Err(Error::new(Errno::Loop).context(format_args!("{path:?} is a symlink and was not followed"))),
            Kind::Dir(_) => {
                if options.write || create || options.oflags.contains(OFlags::TRUNC) {
                    return Err(Error::new(Errno::Isdir));
                }
                Ok(Opened::Dir(Arc::new(MemDir { fs: Arc::clone(&self.fs), node })))
            }
            Kind::File { .. } => {
                if options.oflags.contains(OFlags::DIRECTORY) || found.dir_required {
                    return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
                }
                if options.oflags.contains(OFlags::TRUNC) {
                    let (mut content, quota) = node.content_mut().expect("checked to be a file");
                    content.set_len(quota, 0)?;
                    drop(content);
                    node.touch_modified(self.fs.now());
                }
                let readable = options.read || !options.write;
                let file = MemFile::new(Arc::clone(&self.fs), node, readable, options.write, options.fdflags);
                Ok(Opened::File(Arc::new(file)))
            }
        }
    }

    fn stat_at(&self, path: &str, follow: bool) -> Result<Filestat> {
        let _ns = self.fs.namespace();
        let found = resolve(&self.node, path, if follow { Last::Follow } else { Last::NoFollow })?;
        let node = found.existing()?;
        if found.dir_required && !node.is_dir() {
            return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
        }
        Ok(node.filestat(self.fs.dev))
    }

    fn create_dir_at(&self, path: &str) -> Result<()> {
        let _ns = self.fs.namespace();
        let found = resolve(&self.node, path, Last::Literal)?;
        if found.node.is_some() {
            return Err(Error::new(Errno::Exist));
        }
        let name = found.name(Errno::Exist)?;
        check_live(&found.parent)?;
        let dir = self.fs.new_dir(&found.parent);
        self.fs.link(&found.parent, name, &dir);
        Ok(())
    }

    fn remove_dir_at(&self, path: &str) -> Result<()> {
        let _ns = self.fs.namespace();
        let found = resolve(&self.node, path, Last::Literal)?;
        match found.last {
            Final::Dot => return Err(Error::new(Errno::Inval).context("cannot remove .")),
            Final::DotDot => return Err(Error::new(Errno::Notempty).context("cannot remove ..")),
            Final::Name(_) => {}
        }
        let node = found.existing()?;
        if !node.dir()?.is_empty() {
            return Err(Error::new(Errno::Notempty));
        }
        let name = found.name(Errno::Inval)?;
        self.fs.unlink(&found.parent, name);
        Ok(())
    }

    fn unlink_file_at(&self, path: &str) -> Result<()> {
        let _ns = self.fs.namespace();
        let found = resolve(&self.node, path, Last::LiteralBeneath)?;
        let name = found.name(Errno::Isdir)?;
        let node = found.existing()?;
        if node.is_dir() {
            return Err(Error::new(Errno::Isdir));
        }
        if found.dir_required {
            return Err(Error::new(Errno::Notdir).context("trailing slash on a non-directory"));
        }
        self.fs.unlink(&found.parent, name);
        Ok(())
    }

    fn read_link_at(&self, path: &str) -> Result<Vec<u8>> {
        let _ns = self.fs.namespace();
        let found = resolve(&self.node, path, Last::NoFollow)?;
        let node = found.existing()?;
        if found.dir_required && !node.is_dir() {
            return Err(Error::new(Errno::Notdir).context(format_args!("{path:?} is not a directory")));
        }
        match &node.kind {
            Kind::Symlink(target) => Ok(target.as_bytes().to_vec()),
            _ => Err(Error::new(Errno::Inval).context(format_args!("{path:?} is not a symlink"))),
        }
    }

    fn symlink_at(&self, target: &str, path: &str) -> Result<()> {
        if target.is_empty() {
            return Err(Error::new(Errno::Noent).context("empty symlink target"));
        }
        let _ns = self.fs.namespace();
        let found = resolve(&self.node, path, Last::LiteralBeneath)?;
        let name = new_name(&found)?;
        let link = self.fs.new_symlink(target);
        self.fs.link(&found.parent, name, &link);
        Ok(())
    }

    fn rename_at(&self, path: &str, new_dir: &dyn WasiDir, new_path: &str) -> Result<()> {
        let new_dir = self.same_fs(new_dir)?;
        let _ns = self.fs.namespace();
        let from = resolve(&self.node, path, Last::Literal)?;
        // A trailing slash on either name says "directory", checked against the source
        // before anything about the destination (as the OS backend does).
        if (from.dir_required || path_shape::ends_in_slash(new_path)) && !from.existing()?.is_dir() {
            return Err(Error::new(Errno::Notdir).context("trailing slash on a non-directory"));
        }
        let to = resolve(&new_dir.node, new_path, Last::Literal)?;
        // As Linux: both parents are looked up, `.` and `..` on either side are `busy`, and
        // only then does the source have to exist.
        let from_name = from.name(Errno::Busy)?;
        let to_name = to.name(Errno::Busy)?;
        let source = from.existing()?;
        if let Some(target) = &to.node {
            if Arc::ptr_eq(source, target) {
                // Two names of one inode: POSIX says do nothing.
                return Ok(());
            }
            // Linux's rename traps: a target that holds the source is `notempty`.
            if target.is_dir() && is_same_or_beneath(&from.parent, target) {
                return Err(Error::new(Errno::Notempty).context("the target holds the source"));
            }
        }
        if source.is_dir() && is_same_or_beneath(&to.parent, source) {
            return Err(Error::new(Errno::Inval).context("cannot move a directory beneath itself"));
        }
        if let Some(target) = &to.node {
            match (source.is_dir(), target.is_dir()) {
                (true, false) => return Err(Error::new(Errno::Notdir)),
                (false, true) => return Err(Error::new(Errno::Isdir)),
                (true, true) if !target.dir()?.is_empty() => return Err(Error::new(Errno::Notempty)),
                _ => {}
            }
        }
        check_live(&to.parent)?;
        let source = Arc::clone(source);
        if to.node.is_some() {
            self.fs.unlink(&to.parent, to_name);
        }
        self.fs.move_entry(&from.parent, from_name, &to.parent, to_name, &source);
        Ok(())
    }

    fn hard_link_at(&self, path: &str, new_dir: &dyn WasiDir, new_path: &str) -> Result<()> {
        let new_dir = self.same_fs(new_dir)?;
        let _ns = self.fs.namespace();
        let from = resolve(&self.node, path, Last::LiteralBeneath)?;
        let to = resolve(&new_dir.node, new_path, Last::LiteralBeneath)?;
        from.name(Errno::Perm)?;
        let source = from.existing()?;
        if source.is_dir() {
            return Err(Error::new(Errno::Perm).context("hard links to directories are not allowed"));
        }
        if from.dir_required {
            return Err(Error::new(Errno::Notdir).context("trailing slash on a non-directory"));
        }
        let to_name = new_name(&to)?;
        self.fs.link(&to.parent, to_name, source);
        Ok(())
    }

    fn set_times_at(&self, path: &str, atime: SetTime, mtime: SetTime, follow: bool) -> Result<()> {
        let node = {
            let _ns = self.fs.namespace();
            let found = resolve(&self.node, path, if follow { Last::Follow } else { Last::NoFollow })?;
            let node = Arc::clone(found.existing()?);
            if found.dir_required && !node.is_dir() {
                return Err(Error::new(Errno::Notdir));
            }
            node
        };
        self.fs.set_times(&node, atime, mtime)
    }

    fn set_times(&self, atime: SetTime, mtime: SetTime) -> Result<()> {
        self.fs.set_times(&self.node, atime, mtime)
    }

    fn sync(&self) -> Result<()> {
        Ok(())
    }
}

/// Whether `dir` is `ancestor` or lies beneath it.
fn is_same_or_beneath(dir: &Arc<Node>, ancestor: &Arc<Node>) -> bool {
    let mut current = Some(Arc::clone(dir));
    while let Some(node) = current {
        if Arc::ptr_eq(&node, ancestor) {
            return true;
        }
        current = node.dir().ok().and_then(|data| data.parent.upgrade());
    }
    false
}
