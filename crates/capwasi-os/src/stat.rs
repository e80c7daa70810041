//! Host `stat` records turned into WASI ones.

use cap_std::fs::{Metadata, MetadataExt};
use capwasi::types::{FileType, Filestat};
use rustix::fs::{FileType as HostType, Stat};

/// The WASI file type of a host `st_mode`.
pub(crate) fn filetype(mode: u32) -> FileType {
    filetype_of_dirent(HostType::from_raw_mode(mode as _))
}

/// The WASI file type stored as its `u8`; `None` for any other byte.
pub(crate) fn filetype_of_u8(raw: u8) -> Option<FileType> {
    Some(match raw {
        0 => FileType::Unknown,
        1 => FileType::BlockDevice,
        2 => FileType::CharacterDevice,
        3 => FileType::Directory,
        4 => FileType::RegularFile,
        5 => FileType::SocketDgram,
        6 => FileType::SocketStream,
        7 => FileType::SymbolicLink,
        _ => return None,
    })
}

/// The WASI type of a directory entry as the kernel's listing reports it.
pub(crate) fn filetype_of_dirent(host: HostType) -> FileType {
    match host {
        HostType::RegularFile => FileType::RegularFile,
        HostType::Directory => FileType::Directory,
        HostType::Symlink => FileType::SymbolicLink,
        HostType::CharacterDevice => FileType::CharacterDevice,
        HostType::BlockDevice => FileType::BlockDevice,
        HostType::Socket => FileType::SocketStream,
        // WASI has no FIFO type; peers report pipes as unknown too.
        HostType::Fifo | HostType::Unknown => FileType::Unknown,
    }
}

/// A WASI filestat from cap-std metadata.
pub(crate) fn filestat_of(meta: &Metadata) -> Filestat {
    Filestat {
        dev: meta.dev(),
        ino: meta.ino(),
        filetype: filetype(meta.mode()),
        nlink: meta.nlink(),
        size: meta.size(),
        atim: nanos(meta.atime(), meta.atime_nsec()),
        mtim: nanos(meta.mtime(), meta.mtime_nsec()),
        ctim: nanos(meta.ctime(), meta.ctime_nsec()),
    }
}

/// A WASI filestat from a host `stat`.
// The field types of `stat` differ between platforms; the casts are no-ops only on some.
#[allow(clippy::unnecessary_cast)]
pub(crate) fn filestat(stat: &Stat) -> Filestat {
    Filestat {
        dev: stat.st_dev as u64,
        ino: stat.st_ino as u64,
        filetype: filetype(stat.st_mode as u32),
        nlink: stat.st_nlink as u64,
        size: stat.st_size as u64,
        atim: nanos(stat.st_atime as i64, stat.st_atime_nsec as i64),
        mtim: nanos(stat.st_mtime as i64, stat.st_mtime_nsec as i64),
        ctim: nanos(stat.st_ctime as i64, stat.st_ctime_nsec as i64),
    }
}

/// Nanoseconds since the epoch; times before 1970 clamp to 0 (WASI timestamps are unsigned).
fn nanos(secs: i64, nsecs: i64) -> u64 {
    let total = i128::from(secs) * 1_000_000_000 + i128::from(nsecs);
    u64::try_from(total.max(0)).unwrap_or(u64::MAX)
}
