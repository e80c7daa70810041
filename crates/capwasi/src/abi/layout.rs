//! Where every guest-visible struct's fields sit in memory: the one place layouts live.
//!
//! Structs are encoded into a zeroed local buffer and copied out in one bounds-checked write,
//! so padding bytes are always zero: nothing from the host's stack or heap can reach the guest
//! through a gap in a struct.

use crate::memory::{GuestMemory, GuestSlice, MAX_IOVECS};
use crate::types::{Fdstat, Filestat};
use super::Snapshot;
use crate::{Errno, Error, Result};
use smallvec::SmallVec;

/// `iovec` / `ciovec`: `buf` u32 @0, `buf_len` u32 @4.
pub const IOVEC_SIZE: u32 = 8;

/// `fdstat`: 24 bytes, align 8.
pub const FDSTAT_SIZE: usize = 24;

/// `prestat`: 8 bytes, align 4.
pub const PRESTAT_SIZE: usize = 8;

/// `dirent` header: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20; the name
/// follows the 24-byte header.
pub const DIRENT_SIZE: usize = 24;

/// `event`: 32 bytes, align 8 (the same in both snapshots).
pub const EVENT_SIZE: u32 = 32;

impl Snapshot {
    /// Size of one `subscription`, which is also the array stride.
    pub const fn subscription_size(self) -> u32 {
        match self {
            Snapshot::Preview1 => 48,
            // Snapshot 0's clock variant starts with an extra u64 `identifier`.
            Snapshot::Unstable => 56,
        }
    }

    /// Offset of the clock id inside a clock `subscription`.
    const fn subscription_clock_offset(self) -> usize {
        match self {
            Snapshot::Preview1 => 16,
            Snapshot::Unstable => 24,
        }
    }

    /// Size of `filestat`.
    pub const fn filestat_size(self) -> u32 {
        match self {
            Snapshot::Preview1 => 64,
            Snapshot::Unstable => 56,
        }
    }
}

/// One subscription as the guest wrote it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawSubscription {
    /// Copied to the event.
    pub userdata: u64,
    /// What to wait for.
    pub what: RawSubscribed,
}

/// The union of a subscription, decoded by its tag.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RawSubscribed {
    /// Tag 0: a clock reaching `timeout` (absolute with `abstime`, else relative to now).
    Clock {
        /// Raw clock id.
        id: u32,
        /// Nanoseconds.
        timeout: u64,
        /// `subclockflags::abstime`.
        absolute: bool,
    },
    /// Tag 1: `fd` readable.
    FdRead(u32),
    /// Tag 2: `fd` writable.
    FdWrite(u32),
}

/// Most subscriptions one `poll_oneoff` may pass; more is `inval`. Host memory spent on a call
/// grows with the count, so the count is bounded, well above what `poll(2)` programs use.
pub const MAX_SUBSCRIPTIONS: u32 = 1 << 16;

/// Reads `count` subscriptions at `ptr`: `fault` if the array leaves memory, `inval` for too
/// many, an unknown tag or unknown clock flag bits.
pub fn read_subscriptions(
    mem: &GuestMemory<'_>,
    ptr: u32,
    count: u32,
    snapshot: Snapshot,
) -> Result<Vec<RawSubscription>> {
    mem.check_array(ptr, count, snapshot.subscription_size())?;
    if count > MAX_SUBSCRIPTIONS {
        return Err(Error::new(Errno::Inval).context(format_args!("{count} subscriptions, at most {MAX_SUBSCRIPTIONS}")));
    }
    let raw = mem.read_bytes(ptr, count * snapshot.subscription_size())?;
    raw.chunks_exact(snapshot.subscription_size() as usize)
        .map(|sub| {
            let u64_at = |at: usize| u64::from_le_bytes(sub[at..at + 8].try_into().expect("8 bytes"));
            let u32_at = |at: usize| u32::from_le_bytes(sub[at..at + 4].try_into().expect("4 bytes"));
            let what = match sub[8] {
                0 => {
                    let clock = snapshot.subscription_clock_offset();
                    let flags = u16::from_le_bytes([sub[clock + 24], sub[clock + 25]]);
                    if flags & !1 != 0 {
                        return Err(Error::new(Errno::Inval).context(format_args!("unknown subclockflags {flags:#x}")));
                    }
                    RawSubscribed::Clock { id: u32_at(clock), timeout: u64_at(clock + 8), absolute: flags & 1 != 0 }
                }
                1 => RawSubscribed::FdRead(u32_at(16)),
                2 => RawSubscribed::FdWrite(u32_at(16)),
                tag => return Err(Error::new(Errno::Inval).context(format_args!("unknown subscription tag {tag}"))),
            };
            Ok(RawSubscription { userdata: u64_at(0), what })
        })
        .collect()
}

/// One event to report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RawEvent {
    /// From the subscription.
    pub userdata: u64,
    /// Per-event error (0 for none).
    pub error: Errno,
    /// 0 clock, 1 fd_read, 2 fd_write.
    pub kind: u8,
    /// Bytes available (fd events).
    pub nbytes: u64,
    /// `eventrwflags::fd_readwrite_hangup`.
    pub hangup: bool,
}

/// Writes `event` at `ptr`: userdata @0, error u16 @8, type u8 @10, nbytes u64 @16, flags u16 @24.
pub fn write_event(mem: &mut GuestMemory<'_>, ptr: u32, event: &RawEvent) -> Result<()> {
    let mut out = [0u8; EVENT_SIZE as usize];
    out[0..8].copy_from_slice(&event.userdata.to_le_bytes());
    out[8..10].copy_from_slice(&(event.error as u16).to_le_bytes());
    out[10] = event.kind;
    out[16..24].copy_from_slice(&event.nbytes.to_le_bytes());
    out[24..26].copy_from_slice(&u16::from(event.hangup).to_le_bytes());
    mem.write_bytes(ptr, &out)
}

/// Buffers of a vectored call, as the guest listed them.
pub type IoVecs = SmallVec<[GuestSlice; 8]>;

/// Reads `count` iovecs at `ptr`. More than [`MAX_IOVECS`] is `inval` (as `readv` on Linux);
/// an array outside memory is `fault`.
pub fn read_iovecs(mem: &GuestMemory<'_>, ptr: u32, count: u32) -> Result<IoVecs> {
    if count > MAX_IOVECS {
        return Err(Error::new(Errno::Inval).context(format_args!("{count} iovecs, at most {MAX_IOVECS}")));
    }
    if count == 1 {
        // The 8-byte record read as one little-endian u64: buf is its low half, buf_len its high.
        let raw: u64 = mem.read(ptr)?;
        return Ok(smallvec::smallvec![GuestSlice { ptr: raw as u32, len: (raw >> 32) as u32 }]);
    }
    mem.check_array(ptr, count, IOVEC_SIZE)?;
    let raw = mem.read_bytes(ptr, count * IOVEC_SIZE)?;
    Ok(raw
        .chunks_exact(IOVEC_SIZE as usize)
        .map(|entry| GuestSlice {
            ptr: u32::from_le_bytes(entry[0..4].try_into().expect("4 bytes")),
            len: u32::from_le_bytes(entry[4..8].try_into().expect("4 bytes")),
        })
        .collect())
}

/// Writes `fdstat`: filetype u8 @0, flags u16 @2, rights_base u64 @8, rights_inheriting u64 @16.
pub fn write_fdstat(mem: &mut GuestMemory<'_>, ptr: u32, stat: &Fdstat) -> Result<()> {
    let mut out = [0u8; FDSTAT_SIZE];
    out[0] = stat.filetype as u8;
    out[2..4].copy_from_slice(&stat.flags.bits().to_le_bytes());
    out[8..16].copy_from_slice(&stat.rights.base.bits().to_le_bytes());
    out[16..24].copy_from_slice(&stat.rights.inheriting.bits().to_le_bytes());
    mem.write_bytes(ptr, &out)
}

/// Writes `filestat`. Preview1 (64 bytes): dev @0, ino @8, filetype u8 @16, nlink u64 @24,
/// size @32, atim @40, mtim @48, ctim @56. Snapshot 0 (56 bytes): the same up to filetype,
/// then nlink u32 @20 (saturated), size @24, atim @32, mtim @40, ctim @48.
pub fn write_filestat(mem: &mut GuestMemory<'_>, ptr: u32, stat: &Filestat, snapshot: Snapshot) -> Result<()> {
    let mut out = [0u8; 64];
    out[0..8].copy_from_slice(&stat.dev.to_le_bytes());
    out[8..16].copy_from_slice(&stat.ino.to_le_bytes());
    out[16] = stat.filetype as u8;
    let rest = match snapshot {
        Snapshot::Preview1 => {
            out[24..32].copy_from_slice(&stat.nlink.to_le_bytes());
            32
        }
        Snapshot::Unstable => {
            let nlink = u32::try_from(stat.nlink).unwrap_or(u32::MAX);
            out[20..24].copy_from_slice(&nlink.to_le_bytes());
            24
        }
    };
    for (i, value) in [stat.size, stat.atim, stat.mtim, stat.ctim].into_iter().enumerate() {
        out[rest + 8 * i..rest + 8 * i + 8].copy_from_slice(&value.to_le_bytes());
    }
    mem.write_bytes(ptr, &out[..snapshot.filestat_size() as usize])
}

/// Writes `prestat` for a directory: tag u8 @0 (0 = dir), pr_name_len u32 @4.
pub fn write_prestat_dir(mem: &mut GuestMemory<'_>, ptr: u32, name_len: u32) -> Result<()> {
    let mut out = [0u8; PRESTAT_SIZE];
    out[4..8].copy_from_slice(&name_len.to_le_bytes());
    mem.write_bytes(ptr, &out)
}

/// Appends one directory entry (header, then name) to `out`, cut off at `limit` bytes as the
/// spec asks when the guest's buffer is full. Returns whether the whole entry fit.
pub fn push_dirent(out: &mut Vec<u8>, limit: usize, entry: &crate::dir::ReaddirEntry<'_>) -> bool {
    let mut header = [0u8; DIRENT_SIZE];
    header[0..8].copy_from_slice(&entry.next.to_le_bytes());
    header[8..16].copy_from_slice(&entry.ino.to_le_bytes());
    header[16..20].copy_from_slice(&(entry.name.len() as u32).to_le_bytes());
    header[20] = entry.filetype as u8;
    let room = limit.saturating_sub(out.len());
    let whole = DIRENT_SIZE + entry.name.len();
    let take_header = room.min(DIRENT_SIZE);
    out.extend_from_slice(&header[..take_header]);
    let take_name = (room - take_header).min(entry.name.len());
    out.extend_from_slice(&entry.name[..take_name]);
    whole <= room
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{FdFlags, FdRights, FileType, Rights};

    #[test]
    fn fdstat_padding_is_zeroed() {
        let mut bytes = vec![0xAAu8; 32];
        let mut mem = GuestMemory::unshared(&mut bytes);
        let stat = Fdstat {
            filetype: FileType::RegularFile,
            flags: FdFlags::APPEND,
            rights: FdRights::new(Rights::FD_READ, Rights::empty()),
        };
        write_fdstat(&mut mem, 4, &stat).unwrap();
        assert_eq!(&bytes[4..12], &[4, 0, 1, 0, 0, 0, 0, 0]);
        assert_eq!(&bytes[12..20], &2u64.to_le_bytes());
        assert_eq!(&bytes[20..28], &[0; 8]);
        assert_eq!(&bytes[28..32], &[0xAA; 4], "nothing written past the struct");
    }

    #[test]
    fn too_many_iovecs_is_inval_and_wild_array_is_fault() {
        let mut bytes = vec![0u8; 64];
        let mem = GuestMemory::unshared(&mut bytes);
        assert_eq!(read_iovecs(&mem, 0, MAX_IOVECS + 1).unwrap_err().errno(), Errno::Inval);
        assert_eq!(read_iovecs(&mem, 60, 1).unwrap_err().errno(), Errno::Fault);
        assert_eq!(read_iovecs(&mem, 0, 8).unwrap().len(), 8);
    }
}
