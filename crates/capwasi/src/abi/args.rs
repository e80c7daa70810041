//! Arguments and environment: `args_*` and `environ_*`.

use super::AbiResult;
use crate::ctx::StringArray;
use crate::memory::GuestMemory;
use crate::WasiCtx;

/// `args_sizes_get`: stores the argument count and the bytes `args_get` needs for the strings.
pub fn args_sizes_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, argc: u32, argv_buf_size: u32) -> AbiResult {
    write_sizes(&ctx.args, mem, argc, argv_buf_size)
}

/// `args_get`: writes a pointer per argument at `argv` and the NUL-terminated strings at `argv_buf`.
pub fn args_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, argv: u32, argv_buf: u32) -> AbiResult {
    write_strings(&ctx.args, mem, argv, argv_buf)
}

/// `environ_sizes_get`: stores the variable count and the bytes `environ_get` needs.
pub fn environ_sizes_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, count: u32, buf_size: u32) -> AbiResult {
    write_sizes(&ctx.env, mem, count, buf_size)
}

/// `environ_get`: writes a pointer per `KEY=VALUE` string at `environ` and the strings at `environ_buf`.
pub fn environ_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, environ: u32, environ_buf: u32) -> AbiResult {
    write_strings(&ctx.env, mem, environ, environ_buf)
}

fn write_sizes(strings: &StringArray, mem: &mut GuestMemory<'_>, count: u32, buf_size: u32) -> AbiResult {
    mem.check(count, 4)?;
    mem.check(buf_size, 4)?;
    mem.write(count, strings.count())?;
    mem.write(buf_size, strings.bytes().len() as u32)?;
    Ok(())
}

fn write_strings(strings: &StringArray, mem: &mut GuestMemory<'_>, ptrs: u32, buf: u32) -> AbiResult {
    // Check both regions before writing either, so a bad pointer leaves memory untouched.
    mem.check_array(ptrs, strings.count(), 4)?;
    mem.check(buf, strings.bytes().len() as u32)?;
    let mut table = Vec::with_capacity(strings.offsets().len() * 4);
    for &offset in strings.offsets() {
        // In range: `buf + len(bytes)` was just checked to fit in a 32-bit memory.
        table.extend_from_slice(&(buf + offset).to_le_bytes());
    }
    mem.write_bytes(ptrs, &table)?;
    mem.write_bytes(buf, strings.bytes())?;
    Ok(())
}
