//! Paths relative to a directory descriptor: `path_*`.
//!
//! Every path is a guest string (UTF-8 or `ilseq`) resolved beneath the directory `fd` names.
//! An absolute path is refused here with `perm` before any backend sees it: WASI paths are
//! relative to a capability, never to the host root. What the path may reach beneath the
//! directory (`..`, symlinks) is the backend's to confine, with the same errno. (`perm`, not
//! `notcapable`: both wasmtime hosts and uvwasi say `perm`, programs print it, and the
//! public test suite accepts it; `notcapable` stays the answer for a missing right.)

use super::layout::write_filestat;
use super::decode::{self, follow};
use super::{AbiResult, Snapshot};
use crate::dir::OpenOptions;
use crate::memory::GuestMemory;
use crate::table::DirDescriptor;
use crate::types::{FdFlags, FdRights, OFlags, Rights};
use crate::{Errno, Error, Result, WasiCtx};
use std::borrow::Cow;

/// `path_create_directory`: creates directory `path` under `fd`.
pub fn path_create_directory(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: u32, path_len: u32) -> AbiResult {
    let dir = dir_with(ctx, fd, Rights::PATH_CREATE_DIRECTORY)?;
    dir.dir.create_dir_at(&guest_path(mem, path, path_len)?)?;
    Ok(())
}

/// `path_filestat_get`: stores the filestat of `path` under `fd` (following a final symlink
/// with `symlink_follow`).
pub fn path_filestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, flags: u32, path: u32, path_len: u32, stat: u32) -> AbiResult {
    filestat_get(ctx, mem, fd, flags, path, path_len, stat, Snapshot::Preview1)
}

/// `path_filestat_get` for either snapshot's filestat layout.
#[allow(clippy::too_many_arguments)]
pub(crate) fn filestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, flags: u32, path: u32, path_len: u32, stat: u32, snapshot: Snapshot) -> AbiResult {
    let follow = follow(flags)?;
    let dir = dir_with(ctx, fd, Rights::PATH_FILESTAT_GET)?;
    mem.check(stat, snapshot.filestat_size())?;
    let filestat = dir.dir.stat_at(&guest_path(mem, path, path_len)?, follow)?;
    write_filestat(mem, stat, &filestat, snapshot)?;
    Ok(())
}

/// `path_filestat_set_times`: sets the access and/or modification time of `path` under `fd`.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32) -> AbiResult {
    let follow = follow(flags)?;
    let (atime, mtime) = decode::set_times(atim, mtim, fst_flags)?;
    let dir = dir_with(ctx, fd, Rights::PATH_FILESTAT_SET_TIMES)?;
    dir.dir.set_times_at(&guest_path(mem, path, path_len)?, atime, mtime, follow)?;
    Ok(())
}

/// `path_link`: creates hard link `new_path` under `new_fd` to `old_path` under `old_fd`.
///
/// `symlink_follow` is refused with `inval`: links are made to the named entry itself, as
/// Linux `link(2)` does, and silently ignoring the flag would link something else than asked.
#[allow(clippy::too_many_arguments)]
pub fn path_link(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> AbiResult {
    if follow(old_flags)? {
        return Err(Error::new(Errno::Inval).context("path_link does not follow symlinks").into());
    }
    let old_dir = dir_with(ctx, old_fd, Rights::PATH_LINK_SOURCE)?;
    let new_dir = dir_with(ctx, new_fd, Rights::PATH_LINK_TARGET)?;
    let old_path = guest_path(mem, old_path, old_path_len)?;
    let new_path = guest_path(mem, new_path, new_path_len)?;
    old_dir.dir.hard_link_at(&old_path, &*new_dir.dir, &new_path)?;
    Ok(())
}

/// `path_open`: opens `path` under `fd` and stores the new descriptor at `opened_fd`.
///
/// The new descriptor gets the requested rights narrowed to what `fd` may pass down, and to
/// what its kind (file or directory) can use. Asking to write through a directory that
/// cannot pass down `fd_write` (a read-only preopen) is `notcapable` rather than a silently
/// read-only descriptor; creating needs `path_create_file` and truncating
/// `path_filestat_set_size` on `fd`.
#[allow(clippy::too_many_arguments)]
pub fn path_open(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32) -> AbiResult {
    let follow = follow(dirflags)?;
    let oflags: OFlags = decode::flags(oflags, "oflags")?;
    let fdflags: FdFlags = decode::flags(fdflags, "fdflags")?;
    let requested = FdRights::new(decode::rights(fs_rights_base)?, decode::rights(fs_rights_inheriting)?);
    if oflags.contains(OFlags::CREAT | OFlags::DIRECTORY) {
        return Err(Error::new(Errno::Inval).context("creat with directory").into());
    }
    let dir = dir_with(ctx, fd, Rights::PATH_OPEN)?;
    if oflags.contains(OFlags::CREAT) {
        dir.rights.require(Rights::PATH_CREATE_FILE)?;
    }
    if oflags.contains(OFlags::TRUNC) {
        dir.rights.require(Rights::PATH_FILESTAT_SET_SIZE)?;
    }
    let write = requested.base.contains(Rights::FD_WRITE);
    if write && !dir.rights.inheriting.contains(Rights::FD_WRITE) {
        return Err(Error::new(Errno::Notcapable).context("directory does not grant write access").into());
    }
    mem.check(opened_fd, 4)?;
    // Only an open that may create or truncate must not happen when its descriptor cannot
    // be kept; any other one is simply closed again if the table is full.
    if oflags.intersects(OFlags::CREAT | OFlags::TRUNC) {
        ctx.table.check_room()?;
    }
    let options = OpenOptions {
        follow,
        oflags,
        read: requested.base.intersects(Rights::FD_READ | Rights::FD_READDIR),
        write,
        fdflags,
    };
    let opened = dir.dir.open_at(&guest_path(mem, path, path_len)?, &options)?;
    let new_fd = ctx.table.push_opened(opened, requested.base & dir.rights.inheriting, requested.inheriting & dir.rights.inheriting)?;
    mem.write(opened_fd, new_fd)?;
    Ok(())
}

/// `path_readlink`: copies the target of symlink `path` under `fd` into `buf` (cut to
/// `buf_len`, as POSIX `readlink` does) and stores the bytes copied.
///
/// An absolute target (only the host can have made one) is `perm`, as in wasmtime-wasi: it
/// names a place in the host's tree, which the guest has no business learning.
#[allow(clippy::too_many_arguments)]
pub fn path_readlink(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32) -> AbiResult {
    let dir = dir_with(ctx, fd, Rights::PATH_READLINK)?;
    mem.check(buf, buf_len)?;
    mem.check(bufused, 4)?;
    let target = dir.dir.read_link_at(&guest_path(mem, path, path_len)?)?;
    if target.starts_with(b"/") {
        return Err(Error::escape("symlink with an absolute target").into());
    }
    let n = target.len().min(buf_len as usize);
    mem.write_bytes(buf, &target[..n])?;
    mem.write(bufused, n as u32)?;
    Ok(())
}

/// `path_remove_directory`: removes the empty directory `path` under `fd`.
pub fn path_remove_directory(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: u32, path_len: u32) -> AbiResult {
    let dir = dir_with(ctx, fd, Rights::PATH_REMOVE_DIRECTORY)?;
    dir.dir.remove_dir_at(&guest_path(mem, path, path_len)?)?;
    Ok(())
}

/// `path_rename`: moves `old_path` under `fd` to `new_path` under `new_fd`, replacing it.
#[allow(clippy::too_many_arguments)]
pub fn path_rename(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> AbiResult {
    let old_dir = dir_with(ctx, fd, Rights::PATH_RENAME_SOURCE)?;
    let new_dir = dir_with(ctx, new_fd, Rights::PATH_RENAME_TARGET)?;
    let old_path = guest_path(mem, old_path, old_path_len)?;
    let new_path = guest_path(mem, new_path, new_path_len)?;
    old_dir.dir.rename_at(&old_path, &*new_dir.dir, &new_path)?;
    Ok(())
}

/// `path_symlink`: creates symlink `new_path` under `fd` whose target is `old_path`.
///
/// An absolute target is refused with `perm`, as peers and the public test suite do: it can
/// only ever name something outside the tree. A relative target is stored as given, `..`
/// included: the link may be moved deeper, where it resolves inside; following it out of the
/// preopen fails with `perm` whenever that happens.
pub fn path_symlink(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32) -> AbiResult {
    let dir = dir_with(ctx, fd, Rights::PATH_SYMLINK)?;
    let target = guest_path(mem, old_path, old_path_len)?;
    let link = guest_path(mem, new_path, new_path_len)?;
    dir.dir.symlink_at(&target, &link)?;
    Ok(())
}

/// `path_unlink_file`: removes the non-directory `path` under `fd`.
pub fn path_unlink_file(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: u32, path_len: u32) -> AbiResult {
    let dir = dir_with(ctx, fd, Rights::PATH_UNLINK_FILE)?;
    dir.dir.unlink_file_at(&guest_path(mem, path, path_len)?)?;
    Ok(())
}

/// The directory at `fd`, checked for `right`.
fn dir_with(ctx: &WasiCtx, fd: u32, right: Rights) -> Result<DirDescriptor> {
    let dir = ctx.table.dir(fd)?;
    dir.rights.require(right)?;
    Ok(dir)
}

/// A path argument: UTF-8, relative, without NUL bytes.
fn guest_path<'m>(mem: &'m GuestMemory<'_>, ptr: u32, len: u32) -> Result<Cow<'m, str>> {
    let path = mem.read_str(ptr, len)?;
    if path.starts_with('/') {
        return Err(Error::escape(format_args!("absolute path {path:?}")));
    }
    if path.contains('\0') {
        return Err(Error::new(Errno::Inval).context("path contains a NUL byte"));
    }
    Ok(path)
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::errno_of;
    use crate::dir::{Opened, WasiDir};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    /// A directory that counts the calls reaching it and holds one symlink, `abs`, whose
    /// target is absolute.
    #[derive(Default)]
    struct Counting(Arc<AtomicUsize>);

    impl WasiDir for Counting {
        fn as_any(&self) -> &dyn std::any::Any {
            self
        }
        fn open_at(&self, _path: &str, _options: &OpenOptions) -> Result<Opened> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Err(Error::new(Errno::Noent))
        }
        fn symlink_at(&self, _target: &str, _path: &str) -> Result<()> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        fn read_link_at(&self, _path: &str) -> Result<Vec<u8>> {
            self.0.fetch_add(1, Ordering::SeqCst);
            Ok(b"/etc/passwd".to_vec())
        }
    }

    fn ctx_with_counting_dir() -> (WasiCtx, Arc<AtomicUsize>) {
        let dir = Counting::default();
        let calls = Arc::clone(&dir.0);
        (WasiCtx::builder().preopened_dir(dir, "/d").build().unwrap(), calls)
    }

    #[test]
    fn absolute_paths_and_absolute_symlink_targets_are_perm_before_the_backend_is_asked() {
        let (ctx, calls) = ctx_with_counting_dir();
        let mut bytes = vec![0u8; 256];
        let mut mem = GuestMemory::unshared(&mut bytes);
        mem.write_bytes(0, b"/etc/passwd").unwrap();
        mem.write_bytes(32, b"link").unwrap();
        assert_eq!(errno_of(path_open(&ctx, &mut mem, 3, 0, 0, 11, 0, 0, 0, 0, 64)), Errno::Perm);
        assert_eq!(errno_of(path_symlink(&ctx, &mut mem, 0, 11, 3, 32, 4)), Errno::Perm);
        assert_eq!(calls.load(Ordering::SeqCst), 0);
        // A relative target is the backend's to store.
        assert_eq!(errno_of(path_symlink(&ctx, &mut mem, 1, 10, 3, 32, 4)), Errno::Success);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn reading_an_absolute_symlink_target_is_perm_and_writes_nothing() {
        let (ctx, _) = ctx_with_counting_dir();
        let mut bytes = vec![0u8; 256];
        let mut mem = GuestMemory::unshared(&mut bytes);
        mem.write_bytes(0, b"abs").unwrap();
        assert_eq!(errno_of(path_readlink(&ctx, &mut mem, 3, 0, 3, 100, 64, 200)), Errno::Perm);
        assert!(mem.read_bytes(100, 64).unwrap().iter().all(|&b| b == 0));
        assert_eq!(mem.read::<u32>(200).unwrap(), 0);
    }

    #[test]
    fn a_nul_in_a_path_is_inval_and_a_path_under_a_file_is_notdir() {
        let (ctx, _) = ctx_with_counting_dir();
        let mut bytes = vec![0u8; 64];
        let mut mem = GuestMemory::unshared(&mut bytes);
        mem.write_bytes(0, b"a\0b").unwrap();
        assert_eq!(errno_of(path_create_directory(&ctx, &mut mem, 3, 0, 3)), Errno::Inval);
        assert_eq!(errno_of(path_create_directory(&ctx, &mut mem, 1, 0, 1)), Errno::Notdir);
    }
}
