//! Paths relative to a directory descriptor: `path_*`.

use super::{not_yet, AbiResult};
use crate::memory::GuestMemory;
use crate::WasiCtx;

/// `path_create_directory`: creates directory `path` under `fd`.
pub fn path_create_directory(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _path: u32, _path_len: u32) -> AbiResult {
    not_yet("path_create_directory")
}

/// `path_filestat_get`: stores the filestat of `path` under `fd`.
pub fn path_filestat_get(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _flags: u32, _path: u32, _path_len: u32, _stat: u32) -> AbiResult {
    not_yet("path_filestat_get")
}

/// `path_filestat_set_times`: sets the timestamps of `path` under `fd`.
#[allow(clippy::too_many_arguments)]
pub fn path_filestat_set_times(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _flags: u32, _path: u32, _path_len: u32, _atim: u64, _mtim: u64, _fst_flags: u32) -> AbiResult {
    not_yet("path_filestat_set_times")
}

/// `path_link`: creates hard link `new_path` under `new_fd` to `old_path` under `old_fd`.
#[allow(clippy::too_many_arguments)]
pub fn path_link(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _old_fd: u32, _old_flags: u32, _old_path: u32, _old_path_len: u32, _new_fd: u32, _new_path: u32, _new_path_len: u32) -> AbiResult {
    not_yet("path_link")
}

/// `path_open`: opens `path` under `fd` and stores the new descriptor.
#[allow(clippy::too_many_arguments)]
pub fn path_open(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _dirflags: u32, _path: u32, _path_len: u32, _oflags: u32, _base: u64, _inheriting: u64, _fdflags: u32, _opened_fd: u32) -> AbiResult {
    not_yet("path_open")
}

/// `path_readlink`: copies the target of symlink `path` under `fd` into `buf`.
#[allow(clippy::too_many_arguments)]
pub fn path_readlink(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _path: u32, _path_len: u32, _buf: u32, _buf_len: u32, _bufused: u32) -> AbiResult {
    not_yet("path_readlink")
}

/// `path_remove_directory`: removes empty directory `path` under `fd`.
pub fn path_remove_directory(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _path: u32, _path_len: u32) -> AbiResult {
    not_yet("path_remove_directory")
}

/// `path_rename`: moves `old_path` under `fd` to `new_path` under `new_fd`.
#[allow(clippy::too_many_arguments)]
pub fn path_rename(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _old_path: u32, _old_path_len: u32, _new_fd: u32, _new_path: u32, _new_path_len: u32) -> AbiResult {
    not_yet("path_rename")
}

/// `path_symlink`: creates symlink `new_path` under `fd` pointing at `old_path`.
pub fn path_symlink(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _old_path: u32, _old_path_len: u32, _fd: u32, _new_path: u32, _new_path_len: u32) -> AbiResult {
    not_yet("path_symlink")
}

/// `path_unlink_file`: removes the non-directory `path` under `fd`.
pub fn path_unlink_file(_ctx: &WasiCtx, _mem: &mut GuestMemory<'_>, _fd: u32, _path: u32, _path_len: u32) -> AbiResult {
    not_yet("path_unlink_file")
}
