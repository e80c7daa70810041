//! The WASI Preview 1 ABI: decoding guest arguments, checking guest memory, encoding results.
//!
//! One module per area, one function per import, named after the import. Each takes the
//! context, the caller's memory and the raw wasm arguments, and returns
//! `Result<(), AbiError>`; [`HostOutcome`] turns that into what the engine glue hands back to
//! wasm. This layer is the only place where errors become numbers.
//!
//! [`for_each_preview1_import!`](crate::for_each_preview1_import) lists every import with its
//! wasm signature, so engine glue links all of them without naming any by hand.

pub mod args;
pub mod clock;
pub mod fd;
pub mod layout;
pub mod path;
pub mod poll;
pub mod proc;
pub mod random;
pub mod sock;

use crate::{Errno, Error, Termination};

/// Module name of the current snapshot's imports.
pub const PREVIEW1_MODULE: &str = "wasi_snapshot_preview1";

/// How an ABI function failed: an errno for the guest, or the end of the guest.
#[derive(Debug)]
pub enum AbiError {
    /// Return this errno to the guest.
    Errno(Error),
    /// Stop the guest.
    Terminate(Termination),
}

impl From<Error> for AbiError {
    fn from(err: Error) -> AbiError {
        AbiError::Errno(err)
    }
}

impl From<Errno> for AbiError {
    fn from(errno: Errno) -> AbiError {
        AbiError::Errno(Error::new(errno))
    }
}

/// Result of an ABI function.
pub type AbiResult = Result<(), AbiError>;

/// Converts what an ABI function returned into the wasm result `R` of its import.
pub trait HostOutcome<R> {
    /// The value to return to wasm, or why the guest must stop.
    fn into_wasm(self) -> Result<R, Termination>;
}

impl HostOutcome<i32> for AbiResult {
    #[inline]
    fn into_wasm(self) -> Result<i32, Termination> {
        match self {
            Ok(()) => Ok(Errno::Success as i32),
            Err(AbiError::Errno(err)) => {
                tracing::trace!(errno = err.errno().name(), note = err.context_note(), "wasi call failed");
                Ok(err.errno() as i32)
            }
            Err(AbiError::Terminate(end)) => Err(end),
        }
    }
}

/// For `proc_exit`, which returns nothing to wasm because it never returns.
impl HostOutcome<()> for Termination {
    #[inline]
    fn into_wasm(self) -> Result<(), Termination> {
        Err(self)
    }
}

/// The answer of an import whose implementation has not landed yet: `nosys`, so programs
/// still link and can fall back.
pub(crate) fn not_yet(name: &str) -> AbiResult {
    Err(Error::new(Errno::Nosys).context(format_args!("{name} is not implemented yet")).into())
}

/// Fails with `inval` when `raw` has bits outside `known`.
pub(crate) fn known_bits<T: bitflags::Flags>(raw: u32, what: &str) -> Result<T, Error>
where
    T::Bits: TryFrom<u32>,
{
    T::Bits::try_from(raw)
        .ok()
        .and_then(T::from_bits)
        .ok_or_else(|| Error::new(Errno::Inval).context(format_args!("unknown {what} bits {raw:#x}")))
}

/// Invokes `$callback!` with every `wasi_snapshot_preview1` import: its name, wasm parameters,
/// wasm result (`i32` errno, or `()` for `proc_exit`) and the function implementing it.
///
/// Each implementation is called as `path(&WasiCtx, &mut GuestMemory, params...)`, and its
/// return value converted with [`HostOutcome`]. Engine glue defines `$callback` to link each
/// entry; this list is the single source of the preview1 surface.
#[macro_export]
macro_rules! for_each_preview1_import {
    ($callback:ident) => {
        $callback! {
            module: "wasi_snapshot_preview1";
            fn args_get(argv: u32, argv_buf: u32) -> i32 = $crate::abi::args::args_get;
            fn args_sizes_get(argc: u32, argv_buf_size: u32) -> i32 = $crate::abi::args::args_sizes_get;
            fn environ_get(environ: u32, environ_buf: u32) -> i32 = $crate::abi::args::environ_get;
            fn environ_sizes_get(count: u32, buf_size: u32) -> i32 = $crate::abi::args::environ_sizes_get;
            fn clock_res_get(id: u32, resolution: u32) -> i32 = $crate::abi::clock::clock_res_get;
            fn clock_time_get(id: u32, precision: u64, time: u32) -> i32 = $crate::abi::clock::clock_time_get;
            fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> i32 = $crate::abi::fd::fd_advise;
            fn fd_allocate(fd: u32, offset: u64, len: u64) -> i32 = $crate::abi::fd::fd_allocate;
            fn fd_close(fd: u32) -> i32 = $crate::abi::fd::fd_close;
            fn fd_datasync(fd: u32) -> i32 = $crate::abi::fd::fd_datasync;
            fn fd_fdstat_get(fd: u32, stat: u32) -> i32 = $crate::abi::fd::fd_fdstat_get;
            fn fd_fdstat_set_flags(fd: u32, flags: u32) -> i32 = $crate::abi::fd::fd_fdstat_set_flags;
            fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> i32 = $crate::abi::fd::fd_fdstat_set_rights;
            fn fd_filestat_get(fd: u32, stat: u32) -> i32 = $crate::abi::fd::fd_filestat_get;
            fn fd_filestat_set_size(fd: u32, size: u64) -> i32 = $crate::abi::fd::fd_filestat_set_size;
            fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32) -> i32 = $crate::abi::fd::fd_filestat_set_times;
            fn fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32) -> i32 = $crate::abi::fd::fd_pread;
            fn fd_prestat_get(fd: u32, prestat: u32) -> i32 = $crate::abi::fd::fd_prestat_get;
            fn fd_prestat_dir_name(fd: u32, path: u32, path_len: u32) -> i32 = $crate::abi::fd::fd_prestat_dir_name;
            fn fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32) -> i32 = $crate::abi::fd::fd_pwrite;
            fn fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32) -> i32 = $crate::abi::fd::fd_read;
            fn fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32) -> i32 = $crate::abi::fd::fd_readdir;
            fn fd_renumber(fd: u32, to: u32) -> i32 = $crate::abi::fd::fd_renumber;
            fn fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32) -> i32 = $crate::abi::fd::fd_seek;
            fn fd_sync(fd: u32) -> i32 = $crate::abi::fd::fd_sync;
            fn fd_tell(fd: u32, offset: u32) -> i32 = $crate::abi::fd::fd_tell;
            fn fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32) -> i32 = $crate::abi::fd::fd_write;
            fn path_create_directory(fd: u32, path: u32, path_len: u32) -> i32 = $crate::abi::path::path_create_directory;
            fn path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, stat: u32) -> i32 = $crate::abi::path::path_filestat_get;
            fn path_filestat_set_times(fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32) -> i32 = $crate::abi::path::path_filestat_set_times;
            fn path_link(old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> i32 = $crate::abi::path::path_link;
            fn path_open(fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32) -> i32 = $crate::abi::path::path_open;
            fn path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32) -> i32 = $crate::abi::path::path_readlink;
            fn path_remove_directory(fd: u32, path: u32, path_len: u32) -> i32 = $crate::abi::path::path_remove_directory;
            fn path_rename(fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> i32 = $crate::abi::path::path_rename;
            fn path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32) -> i32 = $crate::abi::path::path_symlink;
            fn path_unlink_file(fd: u32, path: u32, path_len: u32) -> i32 = $crate::abi::path::path_unlink_file;
            fn poll_oneoff(subscriptions: u32, events: u32, nsubscriptions: u32, nevents: u32) -> i32 = $crate::abi::poll::poll_oneoff;
            fn proc_exit(code: u32) -> () = $crate::abi::proc::proc_exit;
            fn proc_raise(signal: u32) -> i32 = $crate::abi::proc::proc_raise;
            fn sched_yield() -> i32 = $crate::abi::poll::sched_yield;
            fn random_get(buf: u32, buf_len: u32) -> i32 = $crate::abi::random::random_get;
            fn sock_accept(fd: u32, flags: u32, accepted_fd: u32) -> i32 = $crate::abi::sock::sock_accept;
            fn sock_recv(fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32) -> i32 = $crate::abi::sock::sock_recv;
            fn sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32) -> i32 = $crate::abi::sock::sock_send;
            fn sock_shutdown(fd: u32, how: u32) -> i32 = $crate::abi::sock::sock_shutdown;
        }
    };
}
