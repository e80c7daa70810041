//! Decoding raw wasm arguments into WASI types: flags, rights, enums, times. Anything a type
//! does not define is `inval`, never a trap, and each decoder lives here once, for both
//! snapshots.

use super::Snapshot;
use crate::file::SetTime;
use crate::types::{Advice, ClockId, FstFlags, LookupFlags, Rights};
use crate::{Errno, Error, Result};
use std::io::SeekFrom;
use std::time::{Duration, SystemTime};

/// A 32-bit (or narrower) flags argument; `what` names its type in the error.
#[inline]
pub(crate) fn flags<T: bitflags::Flags>(raw: u32, what: &str) -> Result<T>
where
    T::Bits: TryFrom<u32>,
{
    T::Bits::try_from(raw)
        .ok()
        .and_then(T::from_bits)
        .ok_or_else(|| Error::new(Errno::Inval).context(format_args!("unknown {what} bits {raw:#x}")))
}

/// A `rights` argument (64 bits).
#[inline]
pub(crate) fn rights(raw: u64) -> Result<Rights> {
    Rights::from_bits(raw).ok_or_else(|| Error::new(Errno::Inval).context(format_args!("unknown rights bits {raw:#x}")))
}

/// A `lookupflags` argument: whether to follow a final symlink.
#[inline]
pub(crate) fn follow(raw: u32) -> Result<bool> {
    let flags: LookupFlags = self::flags(raw, "lookupflags")?;
    Ok(flags.contains(LookupFlags::SYMLINK_FOLLOW))
}

/// A clock id.
#[inline]
pub(crate) fn clock_id(raw: u32) -> Result<ClockId> {
    ClockId::from_raw(raw).ok_or_else(|| Error::new(Errno::Inval).context(format_args!("unknown clock id {raw}")))
}

/// An `advice`.
#[inline]
pub(crate) fn advice(raw: u32) -> Result<Advice> {
    Advice::from_raw(raw).ok_or_else(|| Error::new(Errno::Inval).context(format_args!("unknown advice {raw}")))
}

/// `fd_seek`'s offset and `whence`, numbered as `snapshot` numbers them (preview1: set 0,
/// cur 1, end 2; snapshot 0: cur 0, end 1, set 2). A negative absolute position is `inval`.
#[inline]
pub(crate) fn seek(offset: i64, whence: u32, snapshot: Snapshot) -> Result<SeekFrom> {
    let (set, cur, end) = match snapshot {
        Snapshot::Preview1 => (0, 1, 2),
        Snapshot::Unstable => (2, 0, 1),
    };
    match whence {
        w if w == set => u64::try_from(offset)
            .map(SeekFrom::Start)
            .map_err(|_| Error::new(Errno::Inval).context("negative absolute seek")),
        w if w == cur => Ok(SeekFrom::Current(offset)),
        w if w == end => Ok(SeekFrom::End(offset)),
        _ => Err(Error::new(Errno::Inval).context(format_args!("unknown whence {whence}"))),
    }
}

/// The time arguments of the set-times calls; `inval` for unknown flags or for asking to set
/// a time both to a value and to now.
pub(crate) fn set_times(atim: u64, mtim: u64, fst_flags: u32) -> Result<(SetTime, SetTime)> {
    let flags: FstFlags = self::flags(fst_flags, "fstflags")?;
    let pick = |value: FstFlags, now: FstFlags, nanos: u64| -> Result<SetTime> {
        match (flags.contains(value), flags.contains(now)) {
            (true, true) => Err(Error::new(Errno::Inval).context("a time set both to a value and to now")),
            (true, false) => Ok(SetTime::At(SystemTime::UNIX_EPOCH + Duration::from_nanos(nanos))),
            (false, true) => Ok(SetTime::Now),
            (false, false) => Ok(SetTime::Keep),
        }
    };
    Ok((pick(FstFlags::ATIM, FstFlags::ATIM_NOW, atim)?, pick(FstFlags::MTIM, FstFlags::MTIM_NOW, mtim)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{FdFlags, OFlags};

    fn errno<T: std::fmt::Debug>(result: Result<T>) -> Errno {
        result.unwrap_err().errno()
    }

    #[test]
    fn undefined_bits_are_inval() {
        assert_eq!(flags::<OFlags>(0b1111, "oflags").unwrap(), OFlags::all());
        assert_eq!(errno(flags::<OFlags>(1 << 4, "oflags")), Errno::Inval);
        // Wider than the type: never truncated into something valid.
        assert_eq!(errno(flags::<FdFlags>(1 << 16, "fdflags")), Errno::Inval);
        assert_eq!(errno(rights(1 << 30)), Errno::Inval);
        assert_eq!(errno(follow(2)), Errno::Inval);
        assert!(follow(1).unwrap() && !follow(0).unwrap());
        assert_eq!(errno(clock_id(4)), Errno::Inval);
        assert_eq!(errno(advice(6)), Errno::Inval);
    }

    #[test]
    fn whence_is_numbered_per_snapshot() {
        assert_eq!(seek(5, 0, Snapshot::Preview1).unwrap(), SeekFrom::Start(5));
        assert_eq!(seek(5, 1, Snapshot::Preview1).unwrap(), SeekFrom::Current(5));
        assert_eq!(seek(-5, 2, Snapshot::Preview1).unwrap(), SeekFrom::End(-5));
        assert_eq!(seek(5, 2, Snapshot::Unstable).unwrap(), SeekFrom::Start(5));
        assert_eq!(seek(5, 0, Snapshot::Unstable).unwrap(), SeekFrom::Current(5));
        assert_eq!(seek(-5, 1, Snapshot::Unstable).unwrap(), SeekFrom::End(-5));
        assert_eq!(errno(seek(-1, 0, Snapshot::Preview1)), Errno::Inval);
        assert_eq!(errno(seek(0, 3, Snapshot::Unstable)), Errno::Inval);
    }

    #[test]
    fn a_time_set_both_to_a_value_and_to_now_is_inval() {
        assert_eq!(errno(set_times(1, 2, (FstFlags::ATIM | FstFlags::ATIM_NOW).bits().into())), Errno::Inval);
        let (atime, mtime) = set_times(0, 7, (FstFlags::MTIM).bits().into()).unwrap();
        assert!(matches!(atime, SetTime::Keep));
        assert!(matches!(mtime, SetTime::At(at) if at == SystemTime::UNIX_EPOCH + Duration::from_nanos(7)));
    }
}
