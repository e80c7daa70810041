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
mod decode;
pub mod fd;
pub mod layout;
pub mod path;
pub mod poll;
pub mod proc;
pub mod random;
pub mod sock;
pub mod spec;
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
    /// Stop the guest (boxed: rare, and it would double the size of every ABI result).
    Terminate(Box<Termination>),
}

const _: () = assert!(std::mem::size_of::<AbiResult>() == 16, "an ABI result fits two registers");

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
            Err(err) => failed_into_wasm(err),
        }
    }
}

/// The failure half of [`HostOutcome::into_wasm`], kept out of line: inlined, its event
/// and moves made every call save six registers and reserve a frame even when it succeeded
/// (callgrind: 25 instructions of a 385-instruction `clock_time_get`).
#[cold]
#[inline(never)]
fn failed_into_wasm(err: AbiError) -> Result<i32, Termination> {
    match err {
        AbiError::Errno(err) => {
            tracing::trace!(errno = err.errno().name(), note = err.context_note(), "wasi call failed");
            Ok(err.errno() as i32)
        }
        AbiError::Terminate(end) => Err(*end),
    }
}

/// For `proc_exit`, which returns nothing to wasm because it never returns.
impl HostOutcome<()> for Termination {
    #[inline]
    fn into_wasm(self) -> Result<(), Termination> {
        Err(self)
    }
}

/// The WASI 0.1 imports, one line each: name, wasm parameters each with its [`spec::Role`]
/// in brackets, wasm result (`i32` errno, or `()` for `proc_exit`), the preview1
/// implementation (`area::function` under [`crate::abi`]), what snapshot 0 uses: `same` (the
/// preview1 function), `unstable` (the function of that name in [`unstable`], where layouts
/// differ) or `none` (not in snapshot 0), and whether the call may wait ([`spec::Wait`]).
///
/// Adding an import is one line here and its function in one area file: engine glue, tracing
/// and the async linker's scheduling all read this line.
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
            fn args_get(argv: u32 [Ptr], argv_buf: u32 [Ptr]) -> i32 = args::args_get, same, Never;
            fn args_sizes_get(argc: u32 [OutU32], argv_buf_size: u32 [OutU32]) -> i32 = args::args_sizes_get, same, Never;
            fn environ_get(environ: u32 [Ptr], environ_buf: u32 [Ptr]) -> i32 = args::environ_get, same, Never;
            fn environ_sizes_get(count: u32 [OutU32], buf_size: u32 [OutU32]) -> i32 = args::environ_sizes_get, same, Never;
            fn clock_res_get(id: u32 [Value], resolution: u32 [OutU64]) -> i32 = clock::clock_res_get, same, Never;
            fn clock_time_get(id: u32 [Value], precision: u64 [Value], time: u32 [OutU64]) -> i32 = clock::clock_time_get, same, Never;
            fn fd_advise(fd: u32 [Fd], offset: u64 [Value], len: u64 [Value], advice: u32 [Value]) -> i32 = fd::fd_advise, same, Disk;
            fn fd_allocate(fd: u32 [Fd], offset: u64 [Value], len: u64 [Value]) -> i32 = fd::fd_allocate, same, Disk;
            fn fd_close(fd: u32 [Fd]) -> i32 = fd::fd_close, same, Disk;
            fn fd_datasync(fd: u32 [Fd]) -> i32 = fd::fd_datasync, same, Disk;
            fn fd_fdstat_get(fd: u32 [Fd], stat: u32 [Ptr]) -> i32 = fd::fd_fdstat_get, unstable, Never;
            fn fd_fdstat_set_flags(fd: u32 [Fd], flags: u32 [FdFlags]) -> i32 = fd::fd_fdstat_set_flags, same, Never;
            fn fd_fdstat_set_rights(fd: u32 [Fd], base: u64 [Rights], inheriting: u64 [Rights]) -> i32 = fd::fd_fdstat_set_rights, unstable, Never;
            fn fd_filestat_get(fd: u32 [Fd], stat: u32 [Ptr]) -> i32 = fd::fd_filestat_get, unstable, Disk;
            fn fd_filestat_set_size(fd: u32 [Fd], size: u64 [Value]) -> i32 = fd::fd_filestat_set_size, same, Disk;
            fn fd_filestat_set_times(fd: u32 [Fd], atim: u64 [Value], mtim: u64 [Value], fst_flags: u32 [FstFlags]) -> i32 = fd::fd_filestat_set_times, same, Disk;
            fn fd_pread(fd: u32 [Fd], iovs: u32 [Iovecs], iovs_len: u32 [Len], offset: u64 [Value], nread: u32 [OutBytes]) -> i32 = fd::fd_pread, same, Disk;
            fn fd_prestat_get(fd: u32 [Fd], prestat: u32 [Ptr]) -> i32 = fd::fd_prestat_get, same, Never;
            fn fd_prestat_dir_name(fd: u32 [Fd], path: u32 [PathOut], path_len: u32 [Len]) -> i32 = fd::fd_prestat_dir_name, same, Never;
            fn fd_pwrite(fd: u32 [Fd], iovs: u32 [Iovecs], iovs_len: u32 [Len], offset: u64 [Value], nwritten: u32 [OutBytes]) -> i32 = fd::fd_pwrite, same, Disk;
            fn fd_read(fd: u32 [Fd], iovs: u32 [Iovecs], iovs_len: u32 [Len], nread: u32 [OutBytes]) -> i32 = fd::fd_read, same, Read;
            fn fd_readdir(fd: u32 [Fd], buf: u32 [BufOut], buf_len: u32 [Len], cookie: u64 [Value], bufused: u32 [OutBytes]) -> i32 = fd::fd_readdir, same, Disk;
            fn fd_renumber(fd: u32 [Fd], to: u32 [Fd]) -> i32 = fd::fd_renumber, same, Never;
            fn fd_seek(fd: u32 [Fd], offset: i64 [Signed], whence: u32 [Value], newoffset: u32 [OutU64]) -> i32 = fd::fd_seek, unstable, Never;
            fn fd_sync(fd: u32 [Fd]) -> i32 = fd::fd_sync, same, Disk;
            fn fd_tell(fd: u32 [Fd], offset: u32 [OutU64]) -> i32 = fd::fd_tell, same, Never;
            fn fd_write(fd: u32 [Fd], iovs: u32 [Iovecs], iovs_len: u32 [Len], nwritten: u32 [OutBytes]) -> i32 = fd::fd_write, same, Write;
            fn path_create_directory(fd: u32 [Fd], path: u32 [PathIn], path_len: u32 [Len]) -> i32 = path::path_create_directory, same, Disk;
            fn path_filestat_get(fd: u32 [Fd], flags: u32 [LookupFlags], path: u32 [PathIn], path_len: u32 [Len], stat: u32 [Ptr]) -> i32 = path::path_filestat_get, unstable, Disk;
            fn path_filestat_set_times(fd: u32 [Fd], flags: u32 [LookupFlags], path: u32 [PathIn], path_len: u32 [Len], atim: u64 [Value], mtim: u64 [Value], fst_flags: u32 [FstFlags]) -> i32 = path::path_filestat_set_times, same, Disk;
            fn path_link(old_fd: u32 [Fd], old_flags: u32 [LookupFlags], old_path: u32 [PathIn], old_path_len: u32 [Len], new_fd: u32 [Fd], new_path: u32 [PathIn], new_path_len: u32 [Len]) -> i32 = path::path_link, same, Disk;
            fn path_open(fd: u32 [Fd], dirflags: u32 [LookupFlags], path: u32 [PathIn], path_len: u32 [Len], oflags: u32 [OFlags], fs_rights_base: u64 [Rights], fs_rights_inheriting: u64 [Rights], fdflags: u32 [FdFlags], opened_fd: u32 [OutU32]) -> i32 = path::path_open, unstable, Disk;
            fn path_readlink(fd: u32 [Fd], path: u32 [PathIn], path_len: u32 [Len], buf: u32 [BufOut], buf_len: u32 [Len], bufused: u32 [OutBytes]) -> i32 = path::path_readlink, same, Disk;
            fn path_remove_directory(fd: u32 [Fd], path: u32 [PathIn], path_len: u32 [Len]) -> i32 = path::path_remove_directory, same, Disk;
            fn path_rename(fd: u32 [Fd], old_path: u32 [PathIn], old_path_len: u32 [Len], new_fd: u32 [Fd], new_path: u32 [PathIn], new_path_len: u32 [Len]) -> i32 = path::path_rename, same, Disk;
            fn path_symlink(old_path: u32 [PathIn], old_path_len: u32 [Len], fd: u32 [Fd], new_path: u32 [PathIn], new_path_len: u32 [Len]) -> i32 = path::path_symlink, same, Disk;
            fn path_unlink_file(fd: u32 [Fd], path: u32 [PathIn], path_len: u32 [Len]) -> i32 = path::path_unlink_file, same, Disk;
            fn poll_oneoff(subscriptions: u32 [Ptr], events: u32 [Ptr], nsubscriptions: u32 [Value], nevents: u32 [OutU32]) -> i32 = poll::poll_oneoff, unstable, Poll;
            fn proc_exit(code: u32 [Value]) -> () = proc::proc_exit, same, Never;
            fn proc_raise(signal: u32 [Value]) -> i32 = proc::proc_raise, same, Never;
            fn sched_yield() -> i32 = poll::sched_yield, same, Never;
            fn random_get(buf: u32 [BufOut], buf_len: u32 [Len]) -> i32 = random::random_get, same, Never;
            fn sock_accept(fd: u32 [Fd], flags: u32 [FdFlags], accepted_fd: u32 [OutU32]) -> i32 = sock::sock_accept, none, Read;
            fn sock_recv(fd: u32 [Fd], ri_data: u32 [Iovecs], ri_data_len: u32 [Len], ri_flags: u32 [RiFlags], ro_datalen: u32 [OutBytes], ro_flags: u32 [Ptr]) -> i32 = sock::sock_recv, same, Read;
            fn sock_send(fd: u32 [Fd], si_data: u32 [Iovecs], si_data_len: u32 [Len], si_flags: u32 [SiFlags], so_datalen: u32 [OutBytes]) -> i32 = sock::sock_send, same, Write;
            fn sock_shutdown(fd: u32 [Fd], how: u32 [SdFlags]) -> i32 = sock::sock_shutdown, same, Never;
        }
    };
}

/// Picks one snapshot's imports out of the table and hands them to the callback, each as
/// `fn name(params) -> result = implementation, spec;` (`spec`: its [`spec::ImportSpec`]).
#[doc(hidden)]
#[macro_export]
macro_rules! __wasi_select_imports {
    ($snapshot:ident $callback:ident [$($done:tt)*]) => {
        $callback! { $($done)* }
    };
    (preview1 $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty [$role:ident]),*) -> $ret:ty = $area:ident::$func:ident, $p0:ident, $wait:ident;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! {
            preview1 $callback [$($done)* fn $name($($arg: $ty),*) -> $ret = $crate::abi::$area::$func, $crate::abi::spec::specs::$name;]
            $($rest)*
        }
    };
    (unstable $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty [$role:ident]),*) -> $ret:ty = $area:ident::$func:ident, same, $wait:ident;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! {
            unstable $callback [$($done)* fn $name($($arg: $ty),*) -> $ret = $crate::abi::$area::$func, $crate::abi::spec::specs::$name;]
            $($rest)*
        }
    };
    (unstable $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty [$role:ident]),*) -> $ret:ty = $area:ident::$func:ident, unstable, $wait:ident;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! {
            unstable $callback [$($done)* fn $name($($arg: $ty),*) -> $ret = $crate::abi::unstable::$name, $crate::abi::spec::specs::$name;]
            $($rest)*
        }
    };
    (unstable $callback:ident [$($done:tt)*]
        fn $name:ident($($arg:ident: $ty:ty [$role:ident]),*) -> $ret:ty = $area:ident::$func:ident, none, $wait:ident;
        $($rest:tt)*) => {
        $crate::__wasi_select_imports! { unstable $callback [$($done)*] $($rest)* }
    };
}

/// Hands the table to the callback as written (roles and wait classes included); the import
/// declarations in [`spec::specs`] are made from it.
#[doc(hidden)]
#[macro_export]
macro_rules! __wasi_raw_imports {
    (raw $callback:ident [$($head:tt)*] $($lines:tt)*) => {
        $callback! { $($head)* $($lines)* }
    };
}

/// Invokes `$callback!` with every `wasi_snapshot_preview1` import (46):
/// `module: "wasi_snapshot_preview1";` then `fn name(params) -> result = implementation, spec;`.
///
/// Each implementation is called as `path(&WasiCtx, &mut GuestMemory, params...)`, and its
/// return value converted with [`HostOutcome`]; `spec` is the import's
/// [`spec::ImportSpec`] (what tracing and schedulers need to know). Engine glue defines
/// `$callback` to link each entry, usually through [`trace::call`], so no import can be
/// forgotten and adding an engine never touches this crate.
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

/// What the unit tests beside each area file share: the errno an ABI function answered.
#[cfg(test)]
pub(crate) fn errno_of(result: AbiResult) -> Errno {
    match result {
        Ok(()) => Errno::Success,
        Err(AbiError::Errno(err)) => err.errno(),
        Err(AbiError::Terminate(end)) => panic!("the guest was stopped: {end:?}"),
    }
}

#[cfg(test)]
mod tests {
    macro_rules! names {
        (module: $module:literal; $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*) => {
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
