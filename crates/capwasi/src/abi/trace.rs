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

use crate::abi::spec::{ImportSpec, Param, Role};
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

/// Runs `imp`, the implementation of the import `spec` declares; traced when [`enabled`],
/// with the raw arguments `args` gives (asked only then, so an untraced call never spills
/// them to memory). This is how engine glue calls every import.
#[inline]
pub fn call<R: CallReturn, const N: usize>(
    spec: &'static ImportSpec,
    args: impl FnOnce() -> [u64; N],
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    imp: impl FnOnce(&WasiCtx, &mut GuestMemory<'_>) -> Result<R, Termination>,
) -> Result<R, Termination> {
    if enabled(ctx) { traced(spec, &args(), ctx, mem, imp) } else { imp(ctx, mem) }
}

/// Runs `imp` and emits its event.
#[cold]
pub fn traced<R: CallReturn>(
    spec: &'static ImportSpec,
    args: &[u64],
    ctx: &WasiCtx,
    mem: &mut GuestMemory<'_>,
    imp: impl FnOnce(&WasiCtx, &mut GuestMemory<'_>) -> Result<R, Termination>,
) -> Result<R, Termination> {
    let trace = CallTrace::begin(spec, args, mem);
    let outcome = imp(ctx, mem);
    trace.end(&outcome, ctx, mem);
    outcome
}

/// A traced call in progress, for glue that must let go of guest memory in the middle of a
/// call (an async `poll_oneoff` awaiting its events): begin before, end after.
pub struct CallTrace {
    spec: &'static ImportSpec,
    args: Vec<u64>,
    described: String,
    started: Instant,
}

impl CallTrace {
    /// Describes the arguments (reading paths and iovecs from `mem`) and starts the clock.
    pub fn begin(spec: &'static ImportSpec, args: &[u64], mem: &GuestMemory<'_>) -> CallTrace {
        CallTrace { spec, args: args.to_vec(), described: describe_args(spec, args, mem, false), started: Instant::now() }
    }

    /// Emits the event for a call that ended with `outcome`, reading its results from `mem`.
    pub fn end<R: CallReturn>(self, outcome: &Result<R, Termination>, ctx: &WasiCtx, mem: &GuestMemory<'_>) {
        let CallTrace { spec, args, described, started } = self;
        let duration_ns = if ctx.trace_durations { u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX) } else { 0 };
        let (result, returned) = match outcome {
            Ok(value) => match value.errno() {
                Some(0) => ("success".to_string(), describe_results(spec, &args, mem)),
                Some(errno) => (Errno::from_raw(errno as u16).map_or("unknown", Errno::name).to_string(), String::new()),
                None => ("success".to_string(), String::new()),
            },
            Err(Termination::Exit(exit)) => (format!("exit({})", exit.0), String::new()),
            Err(Termination::Trap(_)) => ("trap".to_string(), String::new()),
        };
        let data = match outcome {
            Ok(value) if ctx.trace_data > 0 && value.errno() == Some(0) => describe_data(spec, &args, mem, ctx.trace_data),
            _ => String::new(),
        };
        tracing::trace!(
            target: "capwasi::call",
            import = spec.name,
            args = described.as_str(),
            result = result.as_str(),
            returned = returned.as_str(),
            data = data.as_str(),
            duration_ns
        );
    }
}

/// Arguments rendered for people: paths as strings, flags and rights by name, iovecs as a
/// count and a byte total; everything else as a number. With `after`, strings the call wrote
/// are read too.
fn describe_args(spec: &ImportSpec, args: &[u64], mem: &GuestMemory<'_>, after: bool) -> String {
    let mut out = String::new();
    let mut i = 0;
    while i < spec.params.len().min(args.len()) {
        let Param { name, role } = spec.params[i];
        let value = args[i];
        // The length of a measured pointer is shown with it, not on its own.
        let len = args.get(i + 1).copied().filter(|_| spec.params.get(i + 1).is_some_and(|next| next.role == Role::Len));
        if !out.is_empty() {
            out.push_str(", ");
        }
        match (role, len) {
            (Role::PathIn, Some(len)) | (Role::PathOut, Some(len)) if role == Role::PathIn || after => {
                match mem.read_str(value as u32, len as u32) {
                    Ok(path) => write!(out, "{name}={path:?}"),
                    Err(err) => write!(out, "{name}=<{}>", err.errno()),
                }
                .ok();
                i += 1;
            }
            (Role::Iovecs, Some(count)) => {
                match crate::abi::layout::read_iovecs(mem, value as u32, count as u32) {
                    Ok(iovs) => write!(out, "{name}=[{} bufs, {} bytes]", iovs.len(), iovs.iter().map(|io| u64::from(io.len)).sum::<u64>()),
                    Err(err) => write!(out, "{name}=<{}>", err.errno()),
                }
                .ok();
                i += 1;
            }
            _ => write_arg(&mut out, name, role, value),
        }
        i += 1;
    }
    out
}

fn write_arg(out: &mut String, name: &str, role: Role, value: u64) {
    let raw = value as u32;
    let _ = match role {
        Role::OFlags => write!(out, "{name}={:?}", OFlags::from_bits_retain(raw as u16)),
        Role::FdFlags => write!(out, "{name}={:?}", FdFlags::from_bits_retain(raw as u16)),
        Role::LookupFlags => write!(out, "{name}={:?}", LookupFlags::from_bits_retain(raw)),
        Role::Rights => write!(out, "{name}={:?}", Rights::from_bits_retain(value)),
        Role::FstFlags => write!(out, "{name}={:?}", FstFlags::from_bits_retain(raw as u16)),
        Role::RiFlags => write!(out, "{name}={:?}", RiFlags::from_bits_retain(raw as u16)),
        Role::SdFlags => write!(out, "{name}={:?}", SdFlags::from_bits_retain(raw as u8)),
        Role::Signed => write!(out, "{name}={}", value as i64),
        Role::Fd => write!(out, "{name}={raw}"),
        Role::Ptr | Role::PathIn | Role::PathOut | Role::Iovecs | Role::BufOut | Role::OutU32 | Role::OutU64 | Role::OutBytes => {
            write!(out, "{name}={raw:#x}")
        }
        Role::Value | Role::Len | Role::SiFlags => write!(out, "{name}={value}"),
    };
}

/// What a successful call returned: the values it stored through its result pointers, or,
/// for a call that writes a string (`fd_prestat_dir_name`), its arguments with that string.
fn describe_results(spec: &ImportSpec, args: &[u64], mem: &GuestMemory<'_>) -> String {
    if spec.params.iter().any(|param| param.role == Role::PathOut) {
        return describe_args(spec, args, mem, true);
    }
    let mut out = String::new();
    for (param, &value) in spec.params.iter().zip(args).filter(|(param, _)| param.role.is_result()) {
        let ptr = value as u32;
        let shown = match param.role {
            Role::OutU64 => mem.read::<u64>(ptr).map(|v| v.to_string()),
            _ => mem.read::<u32>(ptr).map(|v| v.to_string()),
        };
        if let Ok(shown) = shown {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{}={shown}", param.name);
        }
    }
    out
}

/// The bytes a successful call moved, cut to `limit`, escaped as a C string (`\n`, `\xff`),
/// with `...` after a cut; empty for a call that moves no data.
fn describe_data(spec: &ImportSpec, args: &[u64], mem: &GuestMemory<'_>, limit: usize) -> String {
    let with_role = |role: Role| spec.params.iter().zip(args).position(|(param, _)| param.role == role);
    let moved = with_role(Role::OutBytes).and_then(|at| mem.read::<u32>(args[at] as u32).ok());
    // (the guest buffers, how many bytes of them the call moved)
    let (bufs, moved) = if let Some(at) = with_role(Role::Iovecs) {
        let Ok(iovs) = crate::abi::layout::read_iovecs(mem, args[at] as u32, args[at + 1] as u32) else { return String::new() };
        (iovs.iter().map(|io| (io.ptr, io.len)).collect::<Vec<_>>(), moved)
    } else if let Some(at) = with_role(Role::BufOut) {
        // A call that says how much it used (path_readlink, fd_readdir) moved that much;
        // one that does not (random_get) filled the whole buffer.
        let len = args[at + 1] as u32;
        (vec![(args[at] as u32, len)], moved.or(Some(len)))
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
