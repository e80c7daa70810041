//! Guest memory: bounds-checked access to a linear memory, plain or shared.
//!
//! Every pointer and length a guest passes is checked here before any byte moves; an
//! out-of-bounds access is the `fault` errno, never a host panic.
//!
//! A plain (unshared) memory is only reachable from the calling thread for the duration of a
//! host call, so it is borrowed as `&mut [u8]` and I/O goes straight into it. A shared memory
//! (wasi-threads) may be written by other guest threads at any moment, so no Rust reference is
//! ever formed over its bytes: data is copied in and out through raw pointers, the same way the
//! engine's own atomics-free loads and stores treat it.

use crate::{Errno, Error, Result};
use smallvec::SmallVec;
use std::borrow::Cow;
use std::cell::UnsafeCell;
use std::io::{IoSlice, IoSliceMut};
use std::ops::Range;

/// Most buffers one vectored call may name, as on Linux (`IOV_MAX`); more is `inval`.
pub const MAX_IOVECS: u32 = 1024;

/// Most bytes one vectored call moves through a bounce buffer when memory is shared. A longer
/// request is a short read or write, which every caller must already handle.
const MAX_SHARED_BOUNCE: usize = 16 << 20;

/// A region of guest memory named by the guest: a pointer and a length, not yet checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GuestSlice {
    /// Guest address of the first byte.
    pub ptr: u32,
    /// Number of bytes.
    pub len: u32,
}

/// A view of one guest's linear memory for the duration of a host call.
pub struct GuestMemory<'a> {
    repr: Repr<'a>,
}

enum Repr<'a> {
    Unshared(&'a mut [u8]),
    Shared(&'a [UnsafeCell<u8>]),
}

/// Fixed-size little-endian values that can be read from and written to guest memory.
pub trait GuestValue: Sized + Copy {
    /// Size in guest memory.
    const SIZE: usize;
    /// Decodes from exactly `SIZE` bytes.
    fn decode(bytes: &[u8]) -> Self;
    /// Encodes into exactly `SIZE` bytes.
    fn encode(self, out: &mut [u8]);
}

macro_rules! guest_int {
    ($($t:ty),*) => {$(
        impl GuestValue for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            fn decode(bytes: &[u8]) -> Self {
                let mut raw = [0u8; std::mem::size_of::<$t>()];
                raw.copy_from_slice(bytes);
                <$t>::from_le_bytes(raw)
            }
            fn encode(self, out: &mut [u8]) {
                out.copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}
guest_int!(u8, u16, u32, u64, i32, i64);

impl<'a> GuestMemory<'a> {
    /// A plain memory, borrowed exclusively for this call.
    pub fn unshared(bytes: &'a mut [u8]) -> GuestMemory<'a> {
        GuestMemory { repr: Repr::Unshared(bytes) }
    }

    /// A shared memory whose bytes other threads may change at any time.
    pub fn shared(cells: &'a [UnsafeCell<u8>]) -> GuestMemory<'a> {
        GuestMemory { repr: Repr::Shared(cells) }
    }

    /// A memory of zero bytes, for modules that export none: every access is `fault`.
    pub fn empty() -> GuestMemory<'static> {
        GuestMemory { repr: Repr::Unshared(&mut []) }
    }

    /// Size of the memory in bytes.
    #[inline]
    pub fn len(&self) -> usize {
        match &self.repr {
            Repr::Unshared(bytes) => bytes.len(),
            Repr::Shared(cells) => cells.len(),
        }
    }

    /// True for a memory of zero bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// True when other threads may access this memory concurrently.
    pub fn is_shared(&self) -> bool {
        matches!(self.repr, Repr::Shared(_))
    }

    /// Checks that `len` bytes at `ptr` lie inside the memory and returns their host range.
    #[inline]
    pub fn check(&self, ptr: u32, len: u32) -> Result<Range<usize>> {
        let start = ptr as usize;
        let end = start + len as usize; // cannot overflow: both are below 2^32 on a 64-bit host
        if end > self.len() {
            return Err(outside_memory(ptr, len, self.len()));
        }
        Ok(start..end)
    }

    /// Checks `count` consecutive records of `size` bytes each starting at `ptr`.
    pub fn check_array(&self, ptr: u32, count: u32, size: u32) -> Result<Range<usize>> {
        let bytes = u64::from(count) * u64::from(size);
        let bytes = u32::try_from(bytes).map_err(|_| {
            Error::new(Errno::Fault).context(format_args!("array of {count} x {size} bytes"))
        })?;
        self.check(ptr, bytes)
    }

    /// Reads a little-endian value at `ptr`; no alignment is required.
    #[inline]
    pub fn read<T: GuestValue>(&self, ptr: u32) -> Result<T> {
        let range = self.check(ptr, T::SIZE as u32)?;
        let mut raw = [0u8; 16];
        let raw = &mut raw[..T::SIZE];
        self.copy_out(range, raw);
        Ok(T::decode(raw))
    }

    /// Writes a little-endian value at `ptr`; no alignment is required.
    #[inline]
    pub fn write<T: GuestValue>(&mut self, ptr: u32, value: T) -> Result<()> {
        let range = self.check(ptr, T::SIZE as u32)?;
        let mut raw = [0u8; 16];
        let raw = &mut raw[..T::SIZE];
        value.encode(raw);
        self.copy_in(range.start, raw);
        Ok(())
    }

    /// The bytes at `ptr..ptr+len`: borrowed from a plain memory, copied from a shared one.
    pub fn read_bytes(&self, ptr: u32, len: u32) -> Result<Cow<'_, [u8]>> {
        let range = self.check(ptr, len)?;
        Ok(match &self.repr {
            Repr::Unshared(bytes) => Cow::Borrowed(&bytes[range]),
            Repr::Shared(_) => {
                let mut copy = vec![0u8; range.len()];
                self.copy_out(range, &mut copy);
                Cow::Owned(copy)
            }
        })
    }

    /// A guest string (not NUL-terminated); bytes that are not UTF-8 are `ilseq`.
    pub fn read_str(&self, ptr: u32, len: u32) -> Result<Cow<'_, str>> {
        match self.read_bytes(ptr, len)? {
            Cow::Borrowed(bytes) => std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|_| Error::new(Errno::Ilseq).context("guest string is not UTF-8")),
            Cow::Owned(bytes) => String::from_utf8(bytes)
                .map(Cow::Owned)
                .map_err(|_| Error::new(Errno::Ilseq).context("guest string is not UTF-8")),
        }
    }

    /// Copies `bytes` into guest memory at `ptr`.
    pub fn write_bytes(&mut self, ptr: u32, bytes: &[u8]) -> Result<()> {
        let len = u32::try_from(bytes.len()).map_err(|_| Error::new(Errno::Fault))?;
        let range = self.check(ptr, len)?;
        self.copy_in(range.start, bytes);
        Ok(())
    }

    /// Lets `fill` write the `len` bytes at `ptr` in place (through a bounce buffer if shared).
    pub fn fill(&mut self, ptr: u32, len: u32, fill: impl FnOnce(&mut [u8]) -> Result<()>) -> Result<()> {
        let range = self.check(ptr, len)?;
        match &mut self.repr {
            Repr::Unshared(bytes) => fill(&mut bytes[range]),
            Repr::Shared(_) => {
                let mut bounce = vec![0u8; range.len()];
                fill(&mut bounce)?;
                self.copy_in(range.start, &bounce);
                Ok(())
            }
        }
    }

    /// Offers the guest buffers `slices` to `write` as `IoSlice`s, and returns what it returns.
    ///
    /// All non-empty buffers are bounds-checked before `write` runs; empty ones are skipped.
    pub fn with_io_slices(
        &self,
        slices: &[GuestSlice],
        write: impl FnOnce(&[IoSlice<'_>]) -> Result<usize>,
    ) -> Result<usize> {
        // One buffer in a plain memory (nearly every call): no lists to build.
        if let (Repr::Unshared(bytes), [one]) = (&self.repr, slices) {
            let range = self.check(one.ptr, one.len)?;
            return if range.is_empty() { write(&[]) } else { write(&[IoSlice::new(&bytes[range])]) };
        }
        let ranges = self.check_all(slices)?;
        match &self.repr {
            Repr::Unshared(bytes) => {
                let io: SmallVec<[IoSlice<'_>; 8]> =
                    ranges.iter().map(|r| IoSlice::new(&bytes[r.clone()])).collect();
                write(&io)
            }
            Repr::Shared(_) => {
                let total = ranges.iter().map(|r| r.len()).sum::<usize>().min(MAX_SHARED_BOUNCE);
                let mut bounce = Vec::with_capacity(total);
                for range in &ranges {
                    let take = range.len().min(total - bounce.len());
                    let at = bounce.len();
                    bounce.resize(at + take, 0);
                    self.copy_out(range.start..range.start + take, &mut bounce[at..]);
                }
                write(&[IoSlice::new(&bounce)])
            }
        }
    }

    /// Offers the guest buffers `slices` to `read` as `IoSliceMut`s; `read` returns how many
    /// bytes it stored, in buffer order.
    ///
    /// If the buffers overlap, only the first non-empty one is offered (a legal short read), so
    /// no two mutable slices ever alias.
    pub fn with_io_slices_mut(
        &mut self,
        slices: &[GuestSlice],
        read: impl FnOnce(&mut [IoSliceMut<'_>]) -> Result<usize>,
    ) -> Result<usize> {
        if let [one] = slices
            && !self.is_shared()
        {
            let range = self.check(one.ptr, one.len)?;
            let Repr::Unshared(bytes) = &mut self.repr else { unreachable!("checked unshared") };
            if range.is_empty() {
                return read(&mut []);
            }
            let len = range.len();
            return Ok(read(&mut [IoSliceMut::new(&mut bytes[range])])?.min(len));
        }
        let mut ranges = self.check_all(slices)?;
        if !pairwise_disjoint(&ranges) {
            ranges.truncate(1);
        }
        match &mut self.repr {
            Repr::Unshared(bytes) => {
                let base = bytes.as_mut_ptr();
                let mut io: SmallVec<[IoSliceMut<'_>; 8]> = ranges
                    .iter()
                    // SAFETY: each range was bounds-checked against `bytes`, and the ranges are
                    // pairwise disjoint, so the slices never alias one another; they borrow
                    // `bytes` (through `self`) for no longer than this call.
                    .map(|r| unsafe {
                        IoSliceMut::new(std::slice::from_raw_parts_mut(base.add(r.start), r.len()))
                    })
                    .collect();
                let n = read(&mut io)?;
                Ok(n.min(ranges.iter().map(|r| r.len()).sum()))
            }
            Repr::Shared(_) => {
                let total = ranges.iter().map(|r| r.len()).sum::<usize>().min(MAX_SHARED_BOUNCE);
                let mut bounce = vec![0u8; total];
                let n = read(&mut [IoSliceMut::new(&mut bounce)])?.min(total);
                let mut done = 0;
                for range in &ranges {
                    if done == n {
                        break;
                    }
                    let take = range.len().min(n - done);
                    self.copy_in(range.start, &bounce[done..done + take]);
                    done += take;
                }
                Ok(n)
            }
        }
    }

    fn check_all(&self, slices: &[GuestSlice]) -> Result<SmallVec<[Range<usize>; 8]>> {
        slices
            .iter()
            .filter(|s| s.len > 0)
            .map(|s| self.check(s.ptr, s.len))
            .collect()
    }

    /// Copies a checked range out of guest memory.
    #[inline]
    fn copy_out(&self, range: Range<usize>, out: &mut [u8]) {
        debug_assert_eq!(range.len(), out.len());
        match &self.repr {
            Repr::Unshared(bytes) => out.copy_from_slice(&bytes[range]),
            Repr::Shared(cells) => {
                let src = UnsafeCell::raw_get(cells[range].as_ptr());
                // SAFETY: the range is in bounds; bytes are read through a raw pointer, never a
                // reference, so a concurrent guest store is a benign race on plain bytes (the
                // same contract the engine gives wasm threads).
                unsafe { std::ptr::copy_nonoverlapping(src, out.as_mut_ptr(), out.len()) }
            }
        }
    }

    /// Copies bytes into guest memory at a checked offset.
    #[inline]
    fn copy_in(&mut self, start: usize, data: &[u8]) {
        match &mut self.repr {
            Repr::Unshared(bytes) => bytes[start..start + data.len()].copy_from_slice(data),
            Repr::Shared(cells) => {
                let dst = UnsafeCell::raw_get(cells[start..start + data.len()].as_ptr());
                // SAFETY: as in `copy_out`; `UnsafeCell` permits writes through a shared borrow.
                unsafe { std::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len()) }
            }
        }
    }
}

/// The `fault` of a guest range past the end of memory, made out of line so that the bounds
/// check inlined into every ABI function is a compare and a branch.
#[cold]
#[inline(never)]
fn outside_memory(ptr: u32, len: u32, memory_len: usize) -> Error {
    Error::new(Errno::Fault)
        .context(format_args!("guest range {ptr:#x}+{len} is outside memory of {memory_len} bytes"))
}

/// True when no two of the ranges share a byte.
fn pairwise_disjoint(ranges: &[Range<usize>]) -> bool {
    if ranges.len() < 2 {
        return true;
    }
    let mut sorted: SmallVec<[(usize, usize); 8]> = ranges.iter().map(|r| (r.start, r.end)).collect();
    sorted.sort_unstable();
    sorted.windows(2).all(|pair| pair[0].1 <= pair[1].0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_writes_round_trip_unaligned() {
        let mut bytes = vec![0u8; 32];
        let mut mem = GuestMemory::unshared(&mut bytes);
        mem.write(3u32, 0x1122_3344_5566_7788u64).unwrap();
        assert_eq!(mem.read::<u64>(3).unwrap(), 0x1122_3344_5566_7788);
        assert_eq!(mem.read::<u8>(3).unwrap(), 0x88);
    }

    #[test]
    fn out_of_bounds_is_fault_not_panic() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::unshared(&mut bytes);
        assert_eq!(mem.read::<u32>(13).unwrap_err().errno(), Errno::Fault);
        assert_eq!(mem.write(u32::MAX, 1u8).unwrap_err().errno(), Errno::Fault);
        assert_eq!(mem.read_bytes(8, u32::MAX).unwrap_err().errno(), Errno::Fault);
        assert_eq!(mem.check_array(0, u32::MAX, 8).unwrap_err().errno(), Errno::Fault);
        assert!(mem.read_bytes(16, 0).is_ok(), "an empty range at the end is in bounds");
    }

    #[test]
    fn invalid_utf8_string_is_ilseq() {
        let mut bytes = vec![0xffu8, 0xfe, b'a'];
        let mem = GuestMemory::unshared(&mut bytes);
        assert_eq!(mem.read_str(0, 3).unwrap_err().errno(), Errno::Ilseq);
    }

    #[test]
    fn overlapping_read_buffers_fall_back_to_the_first() {
        let mut bytes = vec![0u8; 16];
        let mut mem = GuestMemory::unshared(&mut bytes);
        let slices = [GuestSlice { ptr: 0, len: 8 }, GuestSlice { ptr: 4, len: 8 }];
        let n = mem
            .with_io_slices_mut(&slices, |io| {
                assert_eq!(io.len(), 1);
                io[0].fill(7);
                Ok(io[0].len())
            })
            .unwrap();
        assert_eq!(n, 8);
        assert_eq!(&bytes[..9], &[7, 7, 7, 7, 7, 7, 7, 7, 0]);
    }

    #[test]
    fn shared_memory_scatters_reads_in_buffer_order() {
        let cells: Vec<UnsafeCell<u8>> = (0..16).map(|_| UnsafeCell::new(0)).collect();
        let mut mem = GuestMemory::shared(&cells);
        let slices = [GuestSlice { ptr: 8, len: 2 }, GuestSlice { ptr: 0, len: 4 }];
        let n = mem
            .with_io_slices_mut(&slices, |io| {
                io[0][..5].copy_from_slice(b"abcde");
                Ok(5)
            })
            .unwrap();
        assert_eq!(n, 5);
        assert_eq!(&mem.read_bytes(8, 2).unwrap()[..], b"ab");
        assert_eq!(&mem.read_bytes(0, 4).unwrap()[..], b"cde\0");
        let written = mem
            .with_io_slices(&slices, |io| Ok(io.iter().map(|s| s.len()).sum()))
            .unwrap();
        assert_eq!(written, 6);
    }
}
