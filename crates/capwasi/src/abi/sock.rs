//! Sockets handed to the guest preopened: `sock_*`.

use super::{not_yet, AbiResult};
use crate::memory::GuestMemory;
use crate::WasiCtx;

/// `sock_accept`: accepts a connection on listening socket `fd` and stores the new descriptor.
pub fn sock_accept(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _flags: u32, _accepted_fd: u32) -> AbiResult {
    not_yet("sock_accept")
}

/// `sock_recv`: receives into the buffers at `ri_data`, storing the count and output flags.
#[allow(clippy::too_many_arguments)]
pub fn sock_recv(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _ri_data: u32, _ri_data_len: u32, _ri_flags: u32, _ro_datalen: u32, _ro_flags: u32) -> AbiResult {
    not_yet("sock_recv")
}

/// `sock_send`: sends the buffers at `si_data`, storing the count.
pub fn sock_send(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _si_data: u32, _si_data_len: u32, _si_flags: u32, _so_datalen: u32) -> AbiResult {
    not_yet("sock_send")
}

/// `sock_shutdown`: shuts down the read side, write side or both of socket `fd`.
pub fn sock_shutdown(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _how: u32) -> AbiResult {
    not_yet("sock_shutdown")
}
