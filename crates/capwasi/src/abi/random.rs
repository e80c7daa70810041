//! Randomness: `random_get`.

use super::AbiResult;
use crate::memory::GuestMemory;
use crate::WasiCtx;

/// `random_get`: fills `buf_len` bytes at `buf` with random data.
pub fn random_get(ctx: &WasiCtx, mem: &mut GuestMemory<'_>, buf: u32, buf_len: u32) -> AbiResult {
    mem.fill(buf, buf_len, |bytes| ctx.random().fill(bytes))?;
    Ok(())
}
