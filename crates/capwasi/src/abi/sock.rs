//! Sockets handed to the guest preopened: `sock_*`.
//!
//! Preview1 cannot create sockets; the host grants listening sockets and the guest accepts on
//! them. Socket calls on anything else answer `notsock`.

use super::layout::read_iovecs;
use super::decode;
use super::AbiResult;
use crate::memory::GuestMemory;
use crate::table::{Descriptor, FileDescriptor};
use crate::types::{FdFlags, FdRights, FileType, RiFlags, Rights, SdFlags};
use crate::{Errno, Error, WasiCtx};

/// `sock_accept`: accepts a connection on listening socket `fd` and stores the new descriptor,
/// whose status flags are `flags` (only `nonblock` may be given). The accept itself does not
/// wait, answering `again` when no connection is pending, if either the listener is
/// nonblocking or `flags` asks for a nonblocking stream: a program that wants nonblocking
/// connections is driving an event loop, and wasi-libc has no other way to say so.
pub fn sock_accept(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, flags: u32, accepted_fd: u32) -> AbiResult {
    let flags: FdFlags = decode::flags(flags, "fdflags")?;
    if !(flags - FdFlags::NONBLOCK).is_empty() {
        return Err(Error::new(Errno::Inval).context("sock_accept takes only nonblock").into());
    }
    let listener = socket(ctx, fd)?;
    listener.rights.require(Rights::SOCK_ACCEPT)?;
    mem.check(accepted_fd, 4)?;
    let stream = listener.file.sock_accept(flags)?;
    let rights = FdRights::new(Rights::SOCKET, Rights::empty());
    let new_fd = ctx.table.push(Descriptor::File(FileDescriptor { file: stream, rights }))?;
    mem.write(accepted_fd, new_fd)?;
    Ok(())
}

/// `sock_recv`: receives into the buffers at `ri_data` (`peek`, `waitall`), storing the byte
/// count and the output flags; 0 bytes means the peer closed its side.
#[allow(clippy::too_many_arguments)]
pub fn sock_recv(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32) -> AbiResult {
    let flags: RiFlags = decode::flags(ri_flags, "riflags")?;
    let socket = socket(ctx, fd)?;
    socket.rights.require(Rights::FD_READ)?;
    let iovs = read_iovecs(mem, ri_data, ri_data_len)?;
    mem.check(ro_datalen, 4)?;
    mem.check(ro_flags, 2)?;
    let mut out_flags = Default::default();
    let n = mem.with_io_slices_mut(&iovs, |bufs| {
        let (n, flags) = socket.file.sock_recv(bufs, flags)?;
        out_flags = flags;
        Ok(n)
    })?;
    mem.write(ro_datalen, n as u32)?;
    mem.write(ro_flags, out_flags.bits())?;
    Ok(())
}

/// `sock_send`: sends the buffers at `si_data` and stores the byte count; `si_flags` has no
/// defined bits, so any is `inval`.
pub fn sock_send(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32) -> AbiResult {
    if si_flags != 0 {
        return Err(Error::new(Errno::Inval).context(format_args!("unknown siflags {si_flags:#x}")).into());
    }
    let socket = socket(ctx, fd)?;
    socket.rights.require(Rights::FD_WRITE)?;
    let iovs = read_iovecs(mem, si_data, si_data_len)?;
    mem.check(so_datalen, 4)?;
    let n = mem.with_io_slices(&iovs, |bufs| socket.file.sock_send(bufs))?;
    mem.write(so_datalen, n as u32)?;
    Ok(())
}

/// `sock_shutdown`: shuts down the receiving side (`rd`), sending side (`wr`) or both.
pub fn sock_shutdown(ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, fd: u32, how: u32) -> AbiResult {
    let how: SdFlags = decode::flags(how, "sdflags")?;
    if how.is_empty() {
        return Err(Error::new(Errno::Inval).context("sock_shutdown of no direction").into());
    }
    let socket = socket(ctx, fd)?;
    socket.rights.require(Rights::SOCK_SHUTDOWN)?;
    socket.file.sock_shutdown(how)?;
    Ok(())
}

/// The socket at `fd`: `badf` if nothing is open there, `notsock` for any other object (asked
/// before rights, which a non-socket never holds for socket calls).
fn socket(ctx: &WasiCtx, fd: u32) -> Result<FileDescriptor, Error> {
    let file = ctx.table.file(fd)?;
    match file.file.filetype()? {
        FileType::SocketStream | FileType::SocketDgram => Ok(file),
        _ => Err(Error::new(Errno::Notsock).context(format_args!("fd {fd} is not a socket"))),
    }
}
