//! A `tracing` event per WASI call, strace-style: the import, its decoded arguments, the errno
//! by name, what it returned through its result pointers, and how long it took.
//!
//! Events have target [`TARGET`] and level TRACE, so any `tracing` subscriber receives them.
//! Engine glue asks [`enabled`] first: with tracing off (no subscriber interested, or the
//! context built without `trace`), a call costs one cached check and nothing is formatted.
//!
//! Only what describes the call is read from guest memory: path strings, iovec counts and
//! totals, and the result values. Buffer contents (which may hold secrets) are logged only
//! when the context was built with [`crate::WasiCtxBuilder::trace_data`], and then only the
//! bytes the call moved, cut to the limit given.

use crate::memory::GuestMemory;
use crate::types::{FdFlags, FstFlags, LookupFlags, OFlags, RiFlags, Rights, SdFlags};
use crate::{Errno, Termination, WasiCtx};
use std::fmt::Write as _;
use std::time::Instant;

/// The `tracing` target of call events.
pub const TARGET: &str = "capwasi::call";

/// Whether calls on `ctx` should be traced now.
#[inline]
pub fn enabled(ctx: &WasiCtx) -> bool {
    ctx.trace && tracing::enabled!(target: "capwasi::call", tracing::Level::TRACE)
}

/// What an import returns to wasm: an errno, or nothing (`proc_exit`).
pub trait CallReturn {
    /// The errno, if the import returns one.
    fn errno(&self) -> Option<i32>;
}

impl CallReturn for i32 {
    fn errno(&self) -> Option<i32> {
        Some(*self)
    }
}

impl CallReturn for () {
    fn errno(&self) -> Option<i32> {
        None
    }
}

/// Runs `call` and emits its event. `params` are the import's raw arguments by name, as the
/// import table names them.
pub fn traced<R: CallReturn>(
    import: &'static str,
    params: &[(&'static str, u64)],
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    call: impl FnOnce(&WasiCtx, &mut GuestMemory<'_>) -> Result<R, Termination>,
) -> Result<R, Termination> {
    let args = describe_args(import, params, mem);
    let started = Instant::now();
    let outcome = call(ctx, mem);
    let duration_ns = if ctx.trace_durations { u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX) } else { 0 };
    let (result, returned) = match &outcome {
        Ok(value) => match value.errno() {
            Some(0) if import == "fd_prestat_dir_name" => ("success".to_string(), describe_args("", params, mem)),
            Some(0) => ("success".to_string(), describe_results(params, mem)),
            Some(errno) => (Errno::from_raw(errno as u16).map_or("unknown", Errno::name).to_string(), String::new()),
            None => ("success".to_string(), String::new()),
        },
        Err(Termination::Exit(exit)) => (format!("exit({})", exit.0), String::new()),
        Err(Termination::Trap(_)) => ("trap".to_string(), String::new()),
    };
    let data = match &outcome {
        Ok(value) if ctx.trace_data > 0 && value.errno() == Some(0) => describe_data(params, mem, ctx.trace_data),
        _ => String::new(),
    };
    tracing::trace!(
        target: "capwasi::call",
        import,
        args = args.as_str(),
        result = result.as_str(),
        returned = returned.as_str(),
        data = data.as_str(),
        duration_ns
    );
    outcome
}

/// Arguments rendered for people: paths as strings, flags and rights by name, iovecs as a
/// count and a byte total; everything else as a number.
fn describe_args(import: &str, params: &[(&'static str, u64)], mem: &GuestMemory<'_>) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < params.len() {
        let (name, value) = params[i];
        let len = params.get(i + 1).filter(|(next, _)| next.strip_suffix("_len") == Some(name)).map(|(_, v)| *v);
        if !out.is_empty() {
            out.push_str(", ");
        }
        match (name, len) {
            // The one path that is an output: the preopen's name, shown after the call.
            ("path", Some(_)) if import == "fd_prestat_dir_name" => {
                write!(out, "{name}={:#x}", value as u32).ok();
                i += 1;
            }
            (_, Some(len)) if name.ends_with("path") => {
                match mem.read_str(value as u32, len as u32) {
                    Ok(path) => write!(out, "{name}={path:?}"),
                    Err(err) => write!(out, "{name}=<{}>", err.errno()),
                }
                .ok();
                i += 1;
            }
            ("iovs" | "ri_data" | "si_data", Some(count)) => {
                match crate::abi::layout::read_iovecs(mem, value as u32, count as u32) {
                    Ok(iovs) => write!(out, "{name}=[{} bufs, {} bytes]", iovs.len(), iovs.iter().map(|io| u64::from(io.len)).sum::<u64>()),
                    Err(err) => write!(out, "{name}=<{}>", err.errno()),
                }
                .ok();
                i += 1;
            }
            _ => {
                write_arg(&mut out, import, name, value);
            }
        }
        i += 1;
    }
    out
}

fn write_arg(out: &mut String, import: &str, name: &str, value: u64) {
    let raw = value as u32;
    let _ = match (import, name) {
        (_, "oflags") => write!(out, "{name}={:?}", OFlags::from_bits_retain(raw as u16)),
        (_, "fdflags") | ("fd_fdstat_set_flags", "flags") | ("sock_accept", "flags") => {
            write!(out, "{name}={:?}", FdFlags::from_bits_retain(raw as u16))
        }
        (_, "dirflags" | "old_flags") | (_, "flags") if import.starts_with("path_") => {
            write!(out, "{name}={:?}", LookupFlags::from_bits_retain(raw))
        }
        (_, "fs_rights_base" | "fs_rights_inheriting" | "base" | "inheriting") => {
            write!(out, "{name}={:?}", Rights::from_bits_retain(value))
        }
        (_, "fst_flags") => write!(out, "{name}={:?}", FstFlags::from_bits_retain(raw as u16)),
        (_, "ri_flags") => write!(out, "{name}={:?}", RiFlags::from_bits_retain(raw as u16)),
        (_, "how") => write!(out, "{name}={:?}", SdFlags::from_bits_retain(raw as u8)),
        (_, "offset") => write!(out, "{name}={}", value as i64),
        _ if name.ends_with("fd") && !is_result(name) => write!(out, "{name}={raw}"),
        _ if is_pointer(name) => write!(out, "{name}={raw:#x}"),
        _ => write!(out, "{name}={value}"),
    };
}

/// Parameters through which a call returns a value.
fn is_result(name: &str) -> bool {
    matches!(
        name,
        "nread" | "nwritten" | "bufused" | "opened_fd" | "accepted_fd" | "newoffset" | "time" | "resolution"
            | "ro_datalen" | "so_datalen" | "nevents" | "argc" | "argv_buf_size" | "count" | "buf_size"
    )
}

fn is_pointer(name: &str) -> bool {
    is_result(name)
        || matches!(name, "stat" | "prestat" | "buf" | "argv" | "argv_buf" | "environ" | "environ_buf" | "subscriptions" | "events" | "ro_flags")
}

/// Values a successful call stored through its result pointers.
fn describe_results(params: &[(&'static str, u64)], mem: &GuestMemory<'_>) -> String {
    let mut out = String::new();
    for &(name, value) in params.iter().filter(|(name, _)| is_result(name)) {
        let ptr = value as u32;
        let shown = match name {
            "newoffset" | "time" | "resolution" => mem.read::<u64>(ptr).map(|v| v.to_string()),
            _ => mem.read::<u32>(ptr).map(|v| v.to_string()),
        };
        if let Ok(shown) = shown {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{name}={shown}");
        }
    }
    out
}

/// The bytes a successful call moved, cut to `limit`, escaped as a C string (`\n`, `\xff`),
/// with `...` after a cut; empty for a call that moves no data.
fn describe_data(params: &[(&'static str, u64)], mem: &GuestMemory<'_>, limit: usize) -> String {
    let param = |wanted: &str| params.iter().find(|(name, _)| *name == wanted).map(|&(_, value)| value as u32);
    let count_at = |name: &str| param(name).and_then(|ptr| mem.read::<u32>(ptr).ok());
    // (the guest buffers, how many bytes of them the call moved)
    let (bufs, moved) = if let (Some(list), Some(len)) = (param("iovs").or(param("ri_data")).or(param("si_data")), param("iovs_len").or(param("ri_data_len")).or(param("si_data_len"))) {
        let Ok(iovs) = crate::abi::layout::read_iovecs(mem, list, len) else { return String::new() };
        let moved = count_at("nread").or(count_at("nwritten")).or(count_at("ro_datalen")).or(count_at("so_datalen"));
        (iovs.iter().map(|io| (io.ptr, io.len)).collect::<Vec<_>>(), moved)
    } else if let (Some(buf), Some(len)) = (param("buf"), param("buf_len")) {
        // random_get fills the buffer; path_readlink says how much it used.
        (vec![(buf, len)], count_at("bufused").or(Some(len)))
    } else {
        return String::new();
    };
    let Some(moved) = moved else { return String::new() };
    let mut left = (moved as usize).min(limit);
    let mut out = String::from("\"");
    for (ptr, len) in bufs {
        if left == 0 {
            break;
        }
        let take = (len as usize).min(left);
        let Ok(bytes) = mem.read_bytes(ptr, take as u32) else { break };
        for &byte in bytes.iter() {
            match byte {
                b'\n' => out.push_str("\\n"),
                b'\t' => out.push_str("\\t"),
                b'\r' => out.push_str("\\r"),
                b'"' => out.push_str("\\\""),
                b'\\' => out.push_str("\\\\"),
                0x20..=0x7e => out.push(byte as char),
                _ => {
                    let _ = write!(out, "\\x{byte:02x}");
                }
            }
        }
        left -= take;
    }
    out.push('"');
    if (moved as usize) > limit {
        out.push_str("...");
    }
    out
}
