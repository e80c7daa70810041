//! `wasi_unstable` (snapshot 0): the imports whose ABI differs from preview1.
//!
//! Both snapshots share one context, so a descriptor opened through one is usable through
//! the other. Only the edges differ, and they are translated here: `whence` numbering, the
//! 56-byte `filestat` with a 32-bit `nlink`, the 56-byte clock `subscription`, and the
//! absence of `sock_accept` and its right. Every other snapshot-0 import is the preview1
//! function itself (see [`for_each_unstable_import!`](crate::for_each_unstable_import)).

use super::{decode, fd, path, poll, AbiResult, Snapshot};
use crate::memory::GuestMemory;
use crate::types::Rights;
use crate::{Errno, Error, WasiCtx};

/// `fd_seek` (snapshot 0): as preview1, but whence is numbered cur 0, end 1, set 2.
pub fn fd_seek(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, offset: i64, whence: u32, newoffset: u32) -> AbiResult {
    fd::seek(ctx, mem, fd, decode::seek(offset, whence, Snapshot::Unstable)?, newoffset)
}

/// `fd_filestat_get` (snapshot 0): stores the 56-byte snapshot-0 filestat of `fd`.
pub fn fd_filestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, stat: u32) -> AbiResult {
    fd::filestat_get(ctx, mem, fd, stat, Snapshot::Unstable)
}

/// `path_filestat_get` (snapshot 0): stores the 56-byte snapshot-0 filestat of `path`.
pub fn path_filestat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, flags: u32, path: u32, path_len: u32, stat: u32) -> AbiResult {
    path::filestat_get(ctx, mem, fd, flags, path, path_len, stat, Snapshot::Unstable)
}

/// `poll_oneoff` (snapshot 0): as preview1, over 56-byte subscriptions.
pub fn poll_oneoff(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, subscriptions: u32, events: u32, nsubscriptions: u32, nevents: u32) -> AbiResult {
    poll::poll(ctx, mem, subscriptions, events, nsubscriptions, nevents, Snapshot::Unstable)
}

/// `fd_fdstat_get` (snapshot 0): as preview1, without the `sock_accept` right snapshot 0
/// does not define.
pub fn fd_fdstat_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, stat: u32) -> AbiResult {
    let mut fdstat = fd::fdstat(ctx, fd)?;
    fdstat.rights.base.remove(Rights::SOCK_ACCEPT);
    fdstat.rights.inheriting.remove(Rights::SOCK_ACCEPT);
    super::layout::write_fdstat(mem, stat, &fdstat)?;
    Ok(())
}

/// `fd_fdstat_set_rights` (snapshot 0): as preview1; the `sock_accept` bit is unknown (`inval`).
pub fn fd_fdstat_set_rights(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, base: u64, inheriting: u64) -> AbiResult {
    snapshot0_rights(base)?;
    snapshot0_rights(inheriting)?;
    fd::fd_fdstat_set_rights(ctx, mem, fd, base, inheriting)
}

/// `path_open` (snapshot 0): as preview1; the `sock_accept` bit is unknown (`inval`).
#[allow(clippy::too_many_arguments)]
pub fn path_open(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32) -> AbiResult {
    snapshot0_rights(fs_rights_base)?;
    snapshot0_rights(fs_rights_inheriting)?;
    path::path_open(ctx, mem, fd, dirflags, path, path_len, oflags, fs_rights_base, fs_rights_inheriting, fdflags, opened_fd)
}

fn snapshot0_rights(raw: u64) -> Result<(), Error> {
    if raw & Rights::SOCK_ACCEPT.bits() != 0 {
        return Err(Error::new(Errno::Inval).context("snapshot 0 has no sock_accept right"));
    }
    Ok(())
}
