//! Operations on an open descriptor: `fd_*`.
//!
//! Before any I/O, every pointer the call will write through is checked, so a bad result
//! pointer is `fault` with nothing read or written (no bytes consumed from a stream and lost).

use super::layout::{push_dirent, read_iovecs, write_fdstat, write_filestat, write_prestat_dir};
use super::decode;
use super::{AbiResult, Snapshot};
use crate::dir::ReaddirFlow;
use crate::memory::GuestMemory;
use crate::table::Descriptor;
use crate::types::{FdFlags, Fdstat, Rights};
use crate::{Errno, Error, Result, WasiCtx};
use std::io::SeekFrom;

/// `fd_advise`: passes an access-pattern hint for a byte range of file `fd`.
pub fn fd_advise(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, offset: u64, len: u64, advice: u32) -> AbiResult {
    let advice = decode::advice(advice)?;
    let file = ctx.table.file(fd)?;
    file.rights.require(Rights::FD_ADVISE)?;
    file.file.advise(offset, len, advice)?;
    Ok(())
}

/// `fd_allocate`: makes sure `offset..offset+len` of file `fd` is backed by storage.
pub fn fd_allocate(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, offset: u64, len: u64) -> AbiResult {
    let file = ctx.table.file(fd)?;
    file.rights.require(Rights::FD_ALLOCATE)?;
    file.file.allocate(offset, len)?;
    Ok(())
}

/// `fd_close`: closes `fd` (files, directories and preopens alike).
pub fn fd_close(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> AbiResult {
    ctx.table.remove(fd)?;
    Ok(())
}

/// `fd_datasync`: makes the data of file `fd` durable.
pub fn fd_datasync(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> AbiResult {
    let file = ctx.table.file(fd)?;
    file.rights.require(Rights::FD_DATASYNC)?;
    file.file.datasync()?;
    Ok(())
}

/// `fd_fdstat_get`: stores the file type, flags and rights of `fd`.
pub fn fd_fdstat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, stat: u32) -> AbiResult {
    write_fdstat(mem, stat, &fdstat(ctx, fd)?)?;
    Ok(())
}

/// What `fd_fdstat_get` reports for `fd`, in either snapshot.
pub(crate) fn fdstat(ctx: &WasiCtx, fd: u32) -> Result<Fdstat> {
    let descriptor = ctx.table.get(fd)?;
    Ok(Fdstat { filetype: descriptor.filetype()?, flags: descriptor.fdflags()?, rights: descriptor.rights() })
}

/// `fd_fdstat_set_flags`: replaces the status flags of file `fd`.
pub fn fd_fdstat_set_flags(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, flags: u32) -> AbiResult {
    let flags: FdFlags = decode::flags(flags, "fdflags")?;
    let file = ctx.table.file(fd)?;
    file.rights.require(Rights::FD_FDSTAT_SET_FLAGS)?;
    file.file.set_fdflags(flags)?;
    Ok(())
}

/// `fd_fdstat_set_rights`: narrows the rights of `fd`; asking for a right it lacks is `notcapable`.
pub fn fd_fdstat_set_rights(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, base: u64, inheriting: u64) -> AbiResult {
    let base = decode::rights(base)?;
    let inheriting = decode::rights(inheriting)?;
    ctx.table.update(fd, |descriptor| {
        let rights = match descriptor {
            Descriptor::File(file) => &mut file.rights,
            Descriptor::Dir(dir) => &mut dir.rights,
        };
        if !rights.base.contains(base) || !rights.inheriting.contains(inheriting) {
            return Err(Error::new(Errno::Notcapable).context("rights can only be narrowed"));
        }
        rights.base = base;
        rights.inheriting = inheriting;
        Ok(())
    })?;
    Ok(())
}

/// `fd_filestat_get`: stores the metadata of `fd` (a file or a directory).
pub fn fd_filestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, stat: u32) -> AbiResult {
    filestat_get(ctx, mem, fd, stat, Snapshot::Preview1)
}

/// `fd_filestat_get` for either snapshot's filestat layout.
pub(crate) fn filestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, stat: u32, snapshot: Snapshot) -> AbiResult {
    mem.check(stat, snapshot.filestat_size())?;
    let (descriptor, taken) = ctx.table.get_with_stat(fd)?;
    descriptor.rights().require(Rights::FD_FILESTAT_GET)?;
    let filestat = match (taken, descriptor) {
        // The stat that just told the table the object's kind.
        (Some(filestat), _) => filestat,
        (None, Descriptor::File(file)) => file.file.filestat()?,
        (None, Descriptor::Dir(dir)) => dir.dir.filestat()?,
    };
    write_filestat(mem, stat, &filestat, snapshot)?;
    Ok(())
}

/// `fd_filestat_set_size`: truncates or extends file `fd` to `size` bytes.
pub fn fd_filestat_set_size(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, size: u64) -> AbiResult {
    let file = ctx.table.file(fd)?;
    file.rights.require(Rights::FD_FILESTAT_SET_SIZE)?;
    file.file.set_size(size)?;
    Ok(())
}

/// `fd_filestat_set_times`: sets the access and/or modification time of file `fd`.
pub fn fd_filestat_set_times(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, atim: u64, mtim: u64, fst_flags: u32) -> AbiResult {
    let (atime, mtime) = decode::set_times(atim, mtim, fst_flags)?;
    let descriptor = ctx.table.get(fd)?;
    descriptor.rights().require(Rights::FD_FILESTAT_SET_TIMES)?;
    match descriptor {
        Descriptor::File(file) => file.file.set_times(atime, mtime)?,
        Descriptor::Dir(dir) => dir.dir.set_times(atime, mtime)?,
    }
    Ok(())
}

/// `fd_pread`: reads into the buffers at `iovs` from `offset` of file `fd`, position unchanged.
pub fn fd_pread(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32) -> AbiResult {
    ctx.table.with_file(fd, |file| {
        file.rights.require(Rights::FD_READ | Rights::FD_SEEK)?;
        let iovs = read_iovecs(mem, iovs, iovs_len)?;
        mem.check(nread, 4)?;
        let n = mem.with_io_slices_mut(&iovs, |bufs| file.file.read_vectored_at(bufs, offset))?;
        mem.write(nread, n as u32)
    })?;
    Ok(())
}

/// `fd_prestat_get`: stores what preopen `fd` is (a directory and its name length); `badf` for
/// any descriptor that was not preopened.
pub fn fd_prestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, prestat: u32) -> AbiResult {
    let name = preopen_name(ctx, fd)?;
    write_prestat_dir(mem, prestat, name.len() as u32)?;
    Ok(())
}

/// `fd_prestat_dir_name`: copies the guest path of preopen `fd` to `path` (no NUL);
/// `nametoolong` if `path_len` is too small for it.
pub fn fd_prestat_dir_name(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, path: u32, path_len: u32) -> AbiResult {
    let name = preopen_name(ctx, fd)?;
    if (path_len as usize) < name.len() {
        return Err(Error::new(Errno::Nametoolong).into());
    }
    mem.write_bytes(path, name.as_bytes())?;
    Ok(())
}

/// `fd_pwrite`: writes the buffers at `iovs` at `offset` of file `fd`, position unchanged.
pub fn fd_pwrite(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32) -> AbiResult {
    ctx.table.with_file(fd, |file| {
        file.rights.require(Rights::FD_WRITE | Rights::FD_SEEK)?;
        let iovs = read_iovecs(mem, iovs, iovs_len)?;
        mem.check(nwritten, 4)?;
        let n = mem.with_io_slices(&iovs, |bufs| file.file.write_vectored_at(bufs, offset))?;
        mem.write(nwritten, n as u32)
    })?;
    Ok(())
}

/// `fd_read`: reads from file `fd` at its position into the buffers at `iovs`; stores the count.
pub fn fd_read(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, iovs: u32, iovs_len: u32, nread: u32) -> AbiResult {
    ctx.table.with_file(fd, |file| {
        file.rights.require(Rights::FD_READ)?;
        let iovs = read_iovecs(mem, iovs, iovs_len)?;
        mem.check(nread, 4)?;
        let n = mem.with_io_slices_mut(&iovs, |bufs| file.file.read_vectored(bufs))?;
        mem.write(nread, n as u32)
    })?;
    Ok(())
}

/// `fd_readdir`: fills `buf` with directory entries of `fd` from `cookie` on and stores the
/// bytes used; `bufused == buf_len` means the last entry may be cut off and more may follow.
///
/// Only the bytes reported in `bufused` are written: the rest of the guest's buffer keeps
/// what it held, so no host memory (or stale entry) can show through.
pub fn fd_readdir(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32) -> AbiResult {
    let dir = ctx.table.dir(fd)?;
    dir.rights.require(Rights::FD_READDIR)?;
    mem.check(buf, buf_len)?;
    mem.check(bufused, 4)?;
    let limit = buf_len as usize;
    let mut out = Vec::with_capacity(limit.min(64 << 10));
    dir.dir.readdir(cookie, &mut |entry| {
        if push_dirent(&mut out, limit, entry) { ReaddirFlow::Continue } else { ReaddirFlow::Full }
    })?;
    mem.write_bytes(buf, &out)?;
    mem.write(bufused, out.len() as u32)?;
    Ok(())
}

/// `fd_renumber`: atomically replaces open descriptor `to` with `fd`, which becomes free.
///
/// `to` must be open (`badf` otherwise), as the spec says: it is not `dup2`. The builder's
/// `renumber_like_dup2` lifts that, for programs that park stdout on a spare number.
pub fn fd_renumber(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, to: u32) -> AbiResult {
    ctx.table.renumber(fd, to, ctx.renumber_target)?;
    Ok(())
}

/// `fd_seek`: moves the position of file `fd` (whence: set 0, cur 1, end 2); stores the new one.
pub fn fd_seek(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, offset: i64, whence: u32, newoffset: u32) -> AbiResult {
    seek(ctx, mem, fd, decode::seek(offset, whence, Snapshot::Preview1)?, newoffset)
}

/// Shared by both snapshots, which number `whence` differently.
pub(crate) fn seek(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, pos: SeekFrom, newoffset: u32) -> AbiResult {
    // A seek that cannot move the position is a tell, and needs only that right.
    let required = if pos == SeekFrom::Current(0) { Rights::FD_TELL } else { Rights::FD_SEEK };
    ctx.table.with_file(fd, |file| {
        file.rights.require(required)?;
        mem.check(newoffset, 8)?;
        let at = file.file.seek(pos)?;
        mem.write(newoffset, at)
    })?;
    Ok(())
}

/// `fd_sync`: makes the data and metadata of `fd` (a file, or a directory's entries) durable.
pub fn fd_sync(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32) -> AbiResult {
    let descriptor = ctx.table.get(fd)?;
    descriptor.rights().require(Rights::FD_SYNC)?;
    match descriptor {
        Descriptor::File(file) => file.file.sync()?,
        Descriptor::Dir(dir) => dir.dir.sync()?,
    }
    Ok(())
}

/// `fd_tell`: stores the current position of file `fd`.
pub fn fd_tell(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, offset: u32) -> AbiResult {
    seek(ctx, mem, fd, SeekFrom::Current(0), offset)
}

/// `fd_write`: writes the buffers at `iovs` to file `fd` at its position; stores the count.
pub fn fd_write(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, iovs: u32, iovs_len: u32, nwritten: u32) -> AbiResult {
    ctx.table.with_file(fd, |file| {
        file.rights.require(Rights::FD_WRITE)?;
        let iovs = read_iovecs(mem, iovs, iovs_len)?;
        mem.check(nwritten, 4)?;
        let n = mem.with_io_slices(&iovs, |bufs| file.file.write_vectored(bufs))?;
        mem.write(nwritten, n as u32)
    })?;
    Ok(())
}

fn preopen_name(ctx: &WasiCtx, fd: u32) -> Result<std::sync::Arc<str>> {
    match ctx.table.get(fd)? {
        Descriptor::Dir(dir) => dir.preopen_path.ok_or_else(|| Error::new(Errno::Badf).context("not a preopen")),
        Descriptor::File(_) => Err(Error::new(Errno::Badf).context("not a preopen")),
    }
}


#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::errno_of;
    use crate::pipe::{ReadPipe, WritePipe};

    /// Writes an iovec array of (ptr, len) at 0.
    fn iovecs(mem: &mut GuestMemory<'_>, bufs: &[(u32, u32)]) {
        for (i, &(ptr, len)) in bufs.iter().enumerate() {
            mem.write(i as u32 * 8, ptr).unwrap();
            mem.write(i as u32 * 8 + 4, len).unwrap();
        }
    }

    #[test]
    fn fd_write_drains_every_iovec_and_stores_the_count() {
        let stdout = WritePipe::new_in_memory();
        let ctx = WasiCtx::builder().stdout(stdout.clone()).build().unwrap();
        let mut bytes = vec![0u8; 256];
        let mut mem = GuestMemory::unshared(&mut bytes);
        mem.write_bytes(100, b"hello ").unwrap();
        mem.write_bytes(200, b"world").unwrap();
        iovecs(&mut mem, &[(100, 6), (200, 5)]);
        assert_eq!(errno_of(fd_write(&ctx, &mut mem, 1, 0, 2, 64)), Errno::Success);
        assert_eq!(mem.read::<u32>(64).unwrap(), 11);
        assert_eq!(stdout.contents(), b"hello world");
    }

    #[test]
    fn fd_read_with_a_result_pointer_outside_memory_faults_before_consuming_input() {
        let ctx = WasiCtx::builder().stdin(ReadPipe::from("keep me")).build().unwrap();
        let mut bytes = vec![0u8; 256];
        let mut mem = GuestMemory::unshared(&mut bytes);
        iovecs(&mut mem, &[(100, 50)]);
        assert_eq!(errno_of(fd_read(&ctx, &mut mem, 0, 0, 1, 254)), Errno::Fault);
        assert_eq!(errno_of(fd_read(&ctx, &mut mem, 0, 0, 1, 64)), Errno::Success);
        assert_eq!(mem.read::<u32>(64).unwrap(), 7);
        assert_eq!(&*mem.read_bytes(100, 7).unwrap(), b"keep me");
    }

    #[test]
    fn fd_renumber_needs_an_open_target_unless_the_builder_opts_into_dup2() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::unshared(&mut bytes);
        let ctx = WasiCtx::builder().build().unwrap();
        assert_eq!(errno_of(fd_renumber(&ctx, &mut mem, 1, 9)), Errno::Badf);
        assert_eq!(ctx.table.fds(), [0, 1, 2]);
        assert_eq!(errno_of(fd_renumber(&ctx, &mut mem, 2, 1)), Errno::Success);
        assert_eq!(ctx.table.fds(), [0, 1]);
        let ctx = WasiCtx::builder().renumber_like_dup2(true).build().unwrap();
        assert_eq!(errno_of(fd_renumber(&ctx, &mut mem, 1, 9)), Errno::Success);
        assert_eq!(ctx.table.fds(), [0, 2, 9]);
    }

    #[test]
    fn fd_seek_on_a_pipe_is_spipe_and_unknown_whence_inval() {
        let mut bytes = vec![0u8; 64];
        let mut mem = GuestMemory::unshared(&mut bytes);
        let ctx = WasiCtx::builder().build().unwrap();
        assert_eq!(errno_of(fd_seek(&ctx, &mut mem, 0, 0, 3, 8)), Errno::Inval);
        assert_eq!(errno_of(fd_seek(&ctx, &mut mem, 0, 1, 0, 8)), Errno::Spipe);
    }
}
