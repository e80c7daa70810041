//! Where every guest-visible struct's fields sit in memory: the one place layouts live.
//!
//! Structs are encoded into a zeroed local buffer and copied out in one bounds-checked write,
//! so padding bytes are always zero: nothing from the host's stack or heap can reach the guest
//! through a gap in a struct.

use crate::memory::{GuestMemory, GuestSlice, MAX_IOVECS};
use crate::types::{Fdstat, Filestat};
use crate::{Errno, Error, Result};
use smallvec::SmallVec;

/// `iovec` / `ciovec`: `buf` u32 @0, `buf_len` u32 @4.
pub const IOVEC_SIZE: u32 = 8;

/// `fdstat`: 24 bytes, align 8.
pub const FDSTAT_SIZE: usize = 24;

/// Preview1 `filestat`: 64 bytes, align 8.
pub const FILESTAT_SIZE: usize = 64;

/// `prestat`: 8 bytes, align 4.
pub const PRESTAT_SIZE: usize = 8;

/// `dirent` header: d_next u64 @0, d_ino u64 @8, d_namlen u32 @16, d_type u8 @20; the name
/// follows the 24-byte header.
pub const DIRENT_SIZE: usize = 24;

/// `event`: 32 bytes, align 8 (the same in both snapshots).
pub const EVENT_SIZE: u32 = 32;

/// How one snapshot lays out `subscription`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SubscriptionLayout {
    /// Preview1: 48 bytes; clock id @16, timeout @24, precision @32, flags @40.
    Preview1,
    /// Snapshot 0: 56 bytes; an extra u64 identifier @16 shifts the clock fields by 8.
    Unstable,
}

impl SubscriptionLayout {
    /// Size of one subscription, which is also the array stride.
    pub const fn size(self) -> u32 {
        match self {
            SubscriptionLayout::Preview1 => 48,
            SubscriptionLayout::Unstable => 56,
        }
    }

    const fn clock_offset(self) -> usize {
        match self {
            SubscriptionLayout::Preview1 => 16,
            SubscriptionLayout::Unstable => 24,
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

/// Reads `count` subscriptions at `ptr`: `fault` if the array leaves memory, `inval` for an
/// unknown tag or unknown clock flag bits.
pub fn read_subscriptions(
    mem: &GuestMemory<'_>,
    ptr: u32,
    count: u32,
    layout: SubscriptionLayout,
) -> Result<Vec<RawSubscription>> {
    mem.check_array(ptr, count, layout.size())?;
    let raw = mem.read_bytes(ptr, count * layout.size())?;
    raw.chunks_exact(layout.size() as usize)
        .map(|sub| {
            let u64_at = |at: usize| u64::from_le_bytes(sub[at..at + 8].try_into().expect("8 bytes"));
            let u32_at = |at: usize| u32::from_le_bytes(sub[at..at + 4].try_into().expect("4 bytes"));
            let what = match sub[8] {
                0 => {
                    let clock = layout.clock_offset();
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

/// Writes preview1 `filestat`: dev @0, ino @8, filetype u8 @16, nlink @24, size @32,
/// atim @40, mtim @48, ctim @56 (all u64 but filetype).
pub fn write_filestat(mem: &mut GuestMemory<'_>, ptr: u32, stat: &Filestat) -> Result<()> {
    let mut out = [0u8; FILESTAT_SIZE];
    out[0..8].copy_from_slice(&stat.dev.to_le_bytes());
    out[8..16].copy_from_slice(&stat.ino.to_le_bytes());
    out[16] = stat.filetype as u8;
    out[24..32].copy_from_slice(&stat.nlink.to_le_bytes());
    out[32..40].copy_from_slice(&stat.size.to_le_bytes());
    out[40..48].copy_from_slice(&stat.atim.to_le_bytes());
    out[48..56].copy_from_slice(&stat.mtim.to_le_bytes());
    out[56..64].copy_from_slice(&stat.ctim.to_le_bytes());
    mem.write_bytes(ptr, &out)
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
