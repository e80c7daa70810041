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
pub mod trace;

use crate::{Errno, Error, Termination};

pub mod unstable;

/// Module name of the current snapshot's imports.
pub const PREVIEW1_MODULE: &str = "wasi_snapshot_preview1";

/// Module name of snapshot 0's imports.
pub const UNSTABLE_MODULE: &str = "wasi_unstable";

/// A WASI 0.1 snapshot: the two share one context but lay out some structs differently.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Snapshot {
    /// `wasi_snapshot_preview1`.
    Preview1,
    /// `wasi_unstable` (snapshot 0).
    Unstable,
}

impl Snapshot {
    /// The import module name.
    pub const fn module(self) -> &'static str {
        match self {
            Snapshot::Preview1 => PREVIEW1_MODULE,
            Snapshot::Unstable => UNSTABLE_MODULE,
        }
    }
}

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

/// The WASI 0.1 imports, one line each: name, wasm parameters, wasm result (`i32` errno, or
/// `()` for `proc_exit`), the preview1 implementation (`area::function` under [`crate::abi`]),
/// and what snapshot 0 uses: `same` (the preview1 function), `unstable` (the function of that
/// name in [`unstable`], where layouts differ) or `none` (not in snapshot 0).
///
/// This table is the single source of both import surfaces; see
/// [`for_each_preview1_import!`](crate::for_each_preview1_import) and
/// [`for_each_unstable_import!`](crate::for_each_unstable_import).
#[doc(hidden)]
#[macro_export]
macro_rules! __wasi_import_table {
    ($select:ident, $snapshot:ident, $callback:ident, $module:literal) => {
        $crate::$select! {
            $snapshot $callback [module: $module;]
            fn args_get(argv: u32, argv_buf: u32) -> i32 = args::args_get, same;
            fn args_sizes_get(argc: u32, argv_buf_size: u32) -> i32 = args::args_sizes_get, same;
            fn environ_get(environ: u32, environ_buf: u32) -> i32 = args::environ_get, same;
            fn environ_sizes_get(count: u32, buf_size: u32) -> i32 = args::environ_sizes_get, same;
            fn clock_res_get(id: u32, resolution: u32) -> i32 = clock::clock_res_get, same;
            fn clock_time_get(id: u32, precision: u64, time: u32) -> i32 = clock::clock_time_get, same;
            fn fd_advise(fd: u32, offset: u64, len: u64, advice: u32) -> i32 = fd::fd_advise, same;
            fn fd_allocate(fd: u32, offset: u64, len: u64) -> i32 = fd::fd_allocate, same;
            fn fd_close(fd: u32) -> i32 = fd::fd_close, same;
            fn fd_datasync(fd: u32) -> i32 = fd::fd_datasync, same;
            fn fd_fdstat_get(fd: u32, stat: u32) -> i32 = fd::fd_fdstat_get, unstable;
            fn fd_fdstat_set_flags(fd: u32, flags: u32) -> i32 = fd::fd_fdstat_set_flags, same;
            fn fd_fdstat_set_rights(fd: u32, base: u64, inheriting: u64) -> i32 = fd::fd_fdstat_set_rights, unstable;
            fn fd_filestat_get(fd: u32, stat: u32) -> i32 = fd::fd_filestat_get, unstable;
            fn fd_filestat_set_size(fd: u32, size: u64) -> i32 = fd::fd_filestat_set_size, same;
            fn fd_filestat_set_times(fd: u32, atim: u64, mtim: u64, fst_flags: u32) -> i32 = fd::fd_filestat_set_times, same;
            fn fd_pread(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nread: u32) -> i32 = fd::fd_pread, same;
            fn fd_prestat_get(fd: u32, prestat: u32) -> i32 = fd::fd_prestat_get, same;
            fn fd_prestat_dir_name(fd: u32, path: u32, path_len: u32) -> i32 = fd::fd_prestat_dir_name, same;
            fn fd_pwrite(fd: u32, iovs: u32, iovs_len: u32, offset: u64, nwritten: u32) -> i32 = fd::fd_pwrite, same;
            fn fd_read(fd: u32, iovs: u32, iovs_len: u32, nread: u32) -> i32 = fd::fd_read, same;
            fn fd_readdir(fd: u32, buf: u32, buf_len: u32, cookie: u64, bufused: u32) -> i32 = fd::fd_readdir, same;
            fn fd_renumber(fd: u32, to: u32) -> i32 = fd::fd_renumber, same;
            fn fd_seek(fd: u32, offset: i64, whence: u32, newoffset: u32) -> i32 = fd::fd_seek, unstable;
            fn fd_sync(fd: u32) -> i32 = fd::fd_sync, same;
            fn fd_tell(fd: u32, offset: u32) -> i32 = fd::fd_tell, same;
            fn fd_write(fd: u32, iovs: u32, iovs_len: u32, nwritten: u32) -> i32 = fd::fd_write, same;
            fn path_create_directory(fd: u32, path: u32, path_len: u32) -> i32 = path::path_create_directory, same;
            fn path_filestat_get(fd: u32, flags: u32, path: u32, path_len: u32, stat: u32) -> i32 = path::path_filestat_get, unstable;
            fn path_filestat_set_times(fd: u32, flags: u32, path: u32, path_len: u32, atim: u64, mtim: u64, fst_flags: u32) -> i32 = path::path_filestat_set_times, same;
            fn path_link(old_fd: u32, old_flags: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> i32 = path::path_link, same;
            fn path_open(fd: u32, dirflags: u32, path: u32, path_len: u32, oflags: u32, fs_rights_base: u64, fs_rights_inheriting: u64, fdflags: u32, opened_fd: u32) -> i32 = path::path_open, unstable;
            fn path_readlink(fd: u32, path: u32, path_len: u32, buf: u32, buf_len: u32, bufused: u32) -> i32 = path::path_readlink, same;
            fn path_remove_directory(fd: u32, path: u32, path_len: u32) -> i32 = path::path_remove_directory, same;
            fn path_rename(fd: u32, old_path: u32, old_path_len: u32, new_fd: u32, new_path: u32, new_path_len: u32) -> i32 = path::path_rename, same;
            fn path_symlink(old_path: u32, old_path_len: u32, fd: u32, new_path: u32, new_path_len: u32) -> i32 = path::path_symlink, same;
            fn path_unlink_file(fd: u32, path: u32, path_len: u32) -> i32 = path::path_unlink_file, same;
            fn poll_oneoff(subscriptions: u32, events: u32, nsubscriptions: u32, nevents: u32) -> i32 = poll::poll_oneoff, unstable;
            fn proc_exit(code: u32) -> () = proc::proc_exit, same;
            fn proc_raise(signal: u32) -> i32 = proc::proc_raise, same;
            fn sched_yield() -> i32 = poll::sched_yield, same;
            fn random_get(buf: u32, buf_len: u32) -> i32 = random::random_get, same;
            fn sock_accept(fd: u32, flags: u32, accepted_fd: u32) -> i32 = sock::sock_accept, none;
            fn sock_recv(fd: u32, ri_data: u32, ri_data_len: u32, ri_flags: u32, ro_datalen: u32, ro_flags: u32) -> i32 = sock::sock_recv, same;
            fn sock_send(fd: u32, si_data: u32, si_data_len: u32, si_flags: u32, so_datalen: u32) -> i32 = sock::sock_send, same;
            fn sock_shutdown(fd: u32, how: u32) -> i32 = sock::sock_shutdown, same;
        }
    };
}

/// Picks one snapshot's imports out of the table and hands them to the callback.
#[doc(hidden)]
#[macro_export]
macro_rules! __wasi_select_imports {
    ($snapshot:ident $callback:ident [$($done:tt)*]) => {
        $callback! { $($done)* }
    };
    (preview1 $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $area:ident::$func:ident, $p0:ident;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! {
            preview1 $callback [$($done)* fn $name($($arg: $ty),*) -> $ret = $crate::abi::$area::$func;]
            $($rest)*
        }
    };
    (unstable $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $area:ident::$func:ident, same;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! {
            unstable $callback [$($done)* fn $name($($arg: $ty),*) -> $ret = $crate::abi::$area::$func;]
            $($rest)*
        }
    };
    (unstable $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $area:ident::$func:ident, unstable;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! {
            unstable $callback [$($done)* fn $name($($arg: $ty),*) -> $ret = $crate::abi::unstable::$name;]
            $($rest)*
        }
    };
    (unstable $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $area:ident::$func:ident, none;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! { unstable $callback [$($done)*] $($rest)* }
    };
}

/// Invokes `$callback!` with every `wasi_snapshot_preview1` import (46):
/// `module: "wasi_snapshot_preview1";` then `fn name(params) -> result = implementation;`.
///
/// Each implementation is called as `path(&WasiCtx, &mut GuestMemory, params...)`, and its
/// return value converted with [`HostOutcome`]. Engine glue defines `$callback` to link each
/// entry, so no import can be forgotten and adding an engine never touches this crate.
#[macro_export]
macro_rules! for_each_preview1_import {
    ($callback:ident) => {
        $crate::__wasi_import_table!(__wasi_select_imports, preview1, $callback, "wasi_snapshot_preview1")
    };
}

/// Invokes `$callback!` with every `wasi_unstable` (snapshot 0) import (45: no
/// `sock_accept`), in the same form as [`for_each_preview1_import!`](crate::for_each_preview1_import).
#[macro_export]
macro_rules! for_each_unstable_import {
    ($callback:ident) => {
        $crate::__wasi_import_table!(__wasi_select_imports, unstable, $callback, "wasi_unstable")
    };
}

#[cfg(test)]
mod tests {
    macro_rules! names {
        (module: $module:literal; $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path;)*) => {
            ($module, vec![$(stringify!($name)),*])
        };
    }

    #[test]
    fn preview1_lists_46_imports_and_unstable_45_without_sock_accept() {
        let (module, preview1) = crate::for_each_preview1_import!(names);
        assert_eq!(module, "wasi_snapshot_preview1");
        assert_eq!(preview1.len(), 46);
        let (module, unstable) = crate::for_each_unstable_import!(names);
        assert_eq!(module, "wasi_unstable");
        assert_eq!(unstable.len(), 45);
        let expected: Vec<_> = preview1.iter().filter(|name| **name != "sock_accept").collect();
        assert_eq!(unstable.iter().collect::<Vec<_>>(), expected);
    }
}
