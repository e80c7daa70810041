//! The WASI vocabulary the core speaks: file types, flags, rights and stat records.
//!
//! These are snapshot-agnostic values. How each one is laid out in guest memory, and how the
//! two snapshots number them, lives in [`crate::abi::layout`].

use bitflags::bitflags;

/// WASI `filetype`: what kind of object a descriptor or directory entry refers to.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum FileType {
    /// The type is not known or is none of the others.
    #[default]
    Unknown = 0,
    /// A block device.
    BlockDevice = 1,
    /// A character device (a tty, `/dev/null`).
    CharacterDevice = 2,
    /// A directory.
    Directory = 3,
    /// A regular file.
    RegularFile = 4,
    /// A datagram socket.
    SocketDgram = 5,
    /// A stream socket.
    SocketStream = 6,
    /// A symbolic link.
    SymbolicLink = 7,
}

bitflags! {
    /// WASI `fdflags`: per-descriptor status flags.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FdFlags: u16 {
        /// Writes always go to the end of the file.
        const APPEND = 1 << 0;
        /// Writes return once data (not metadata) is durable.
        const DSYNC = 1 << 1;
        /// Calls that would block return `again` instead.
        const NONBLOCK = 1 << 2;
        /// Reads see data made durable by synchronized writes.
        const RSYNC = 1 << 3;
        /// Writes return once data and metadata are durable.
        const SYNC = 1 << 4;
    }

    /// WASI `oflags`: how `path_open` creates or truncates.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct OFlags: u16 {
        /// Create the file if it does not exist.
        const CREAT = 1 << 0;
        /// Fail unless the path names a directory.
        const DIRECTORY = 1 << 1;
        /// With `CREAT`, fail if the file exists.
        const EXCL = 1 << 2;
        /// Truncate the file to size 0.
        const TRUNC = 1 << 3;
    }

    /// WASI `lookupflags`: how a path's last component is resolved.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct LookupFlags: u32 {
        /// Follow a symbolic link in the last component.
        const SYMLINK_FOLLOW = 1 << 0;
    }

    /// WASI `fstflags`: which timestamps a set-times call changes, and how.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct FstFlags: u16 {
        /// Set the access time to the given value.
        const ATIM = 1 << 0;
        /// Set the access time to now.
        const ATIM_NOW = 1 << 1;
        /// Set the modification time to the given value.
        const MTIM = 1 << 2;
        /// Set the modification time to now.
        const MTIM_NOW = 1 << 3;
    }

    /// WASI `rights`: what a descriptor may be used for.
    ///
    /// Each descriptor carries a base set (for itself) and an inheriting set (the most a
    /// descriptor opened through it may get).
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct Rights: u64 {
        /// `fd_datasync`.
        const FD_DATASYNC = 1 << 0;
        /// `fd_read`, `sock_recv`; and `fd_pread` together with `FD_SEEK`.
        const FD_READ = 1 << 1;
        /// `fd_seek` (implies `FD_TELL`).
        const FD_SEEK = 1 << 2;
        /// `fd_fdstat_set_flags`.
        const FD_FDSTAT_SET_FLAGS = 1 << 3;
        /// `fd_sync`.
        const FD_SYNC = 1 << 4;
        /// `fd_tell`; and `fd_seek` when the seek leaves the offset unchanged.
        const FD_TELL = 1 << 5;
        /// `fd_write`, `sock_send`; and `fd_pwrite` together with `FD_SEEK`.
        const FD_WRITE = 1 << 6;
        /// `fd_advise`.
        const FD_ADVISE = 1 << 7;
        /// `fd_allocate`.
        const FD_ALLOCATE = 1 << 8;
        /// `path_create_directory`.
        const PATH_CREATE_DIRECTORY = 1 << 9;
        /// `path_open` with `CREAT`.
        const PATH_CREATE_FILE = 1 << 10;
        /// `path_link` on the source directory.
        const PATH_LINK_SOURCE = 1 << 11;
        /// `path_link` on the target directory.
        const PATH_LINK_TARGET = 1 << 12;
        /// `path_open`.
        const PATH_OPEN = 1 << 13;
        /// `fd_readdir`.
        const FD_READDIR = 1 << 14;
        /// `path_readlink`.
        const PATH_READLINK = 1 << 15;
        /// `path_rename` on the source directory.
        const PATH_RENAME_SOURCE = 1 << 16;
        /// `path_rename` on the target directory.
        const PATH_RENAME_TARGET = 1 << 17;
        /// `path_filestat_get`.
        const PATH_FILESTAT_GET = 1 << 18;
        /// `path_open` with `TRUNC` (changing a file's size by path).
        const PATH_FILESTAT_SET_SIZE = 1 << 19;
        /// `path_filestat_set_times`.
        const PATH_FILESTAT_SET_TIMES = 1 << 20;
        /// `fd_filestat_get`.
        const FD_FILESTAT_GET = 1 << 21;
        /// `fd_filestat_set_size`.
        const FD_FILESTAT_SET_SIZE = 1 << 22;
        /// `fd_filestat_set_times`.
        const FD_FILESTAT_SET_TIMES = 1 << 23;
        /// `path_symlink`.
        const PATH_SYMLINK = 1 << 24;
        /// `path_remove_directory`.
        const PATH_REMOVE_DIRECTORY = 1 << 25;
        /// `path_unlink_file`.
        const PATH_UNLINK_FILE = 1 << 26;
        /// `poll_oneoff` read/write subscriptions on this descriptor.
        const POLL_FD_READWRITE = 1 << 27;
        /// `sock_shutdown`.
        const SOCK_SHUTDOWN = 1 << 28;
        /// `sock_accept` (preview1 only; snapshot 0 has no such right).
        const SOCK_ACCEPT = 1 << 29;
    }
}

impl Rights {
    /// Every right that applies to an open file (as opposed to a directory).
    pub const FILE: Rights = Rights::FD_DATASYNC
        .union(Rights::FD_READ)
        .union(Rights::FD_SEEK)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_SYNC)
        .union(Rights::FD_TELL)
        .union(Rights::FD_WRITE)
        .union(Rights::FD_ADVISE)
        .union(Rights::FD_ALLOCATE)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_SET_SIZE)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::POLL_FD_READWRITE);

    /// Every right that applies to a directory descriptor itself.
    pub const DIRECTORY: Rights = Rights::FD_FDSTAT_SET_FLAGS
        .union(Rights::FD_SYNC)
        .union(Rights::FD_ADVISE)
        .union(Rights::PATH_CREATE_DIRECTORY)
        .union(Rights::PATH_CREATE_FILE)
        .union(Rights::PATH_LINK_SOURCE)
        .union(Rights::PATH_LINK_TARGET)
        .union(Rights::PATH_OPEN)
        .union(Rights::FD_READDIR)
        .union(Rights::PATH_READLINK)
        .union(Rights::PATH_RENAME_SOURCE)
        .union(Rights::PATH_RENAME_TARGET)
        .union(Rights::PATH_FILESTAT_GET)
        .union(Rights::PATH_FILESTAT_SET_SIZE)
        .union(Rights::PATH_FILESTAT_SET_TIMES)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::PATH_SYMLINK)
        .union(Rights::PATH_REMOVE_DIRECTORY)
        .union(Rights::PATH_UNLINK_FILE);

    /// Rights that let a file be mutated (its bytes, size or times).
    pub const FILE_MUTATING: Rights = Rights::FD_WRITE
        .union(Rights::FD_ALLOCATE)
        .union(Rights::FD_FILESTAT_SET_SIZE)
        .union(Rights::FD_FILESTAT_SET_TIMES);

    /// Rights that let a directory's contents be changed.
    pub const DIRECTORY_MUTATING: Rights = Rights::PATH_CREATE_DIRECTORY
        .union(Rights::PATH_CREATE_FILE)
        .union(Rights::PATH_LINK_SOURCE)
        .union(Rights::PATH_LINK_TARGET)
        .union(Rights::PATH_RENAME_SOURCE)
        .union(Rights::PATH_RENAME_TARGET)
        .union(Rights::PATH_FILESTAT_SET_SIZE)
        .union(Rights::PATH_FILESTAT_SET_TIMES)
        .union(Rights::FD_FILESTAT_SET_TIMES)
        .union(Rights::PATH_SYMLINK)
        .union(Rights::PATH_REMOVE_DIRECTORY)
        .union(Rights::PATH_UNLINK_FILE);

    /// Rights of a connected stream socket.
    pub const SOCKET: Rights = Rights::FD_READ
        .union(Rights::FD_WRITE)
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::POLL_FD_READWRITE)
        .union(Rights::SOCK_SHUTDOWN);

    /// Rights of a listening socket.
    pub const LISTENER: Rights = Rights::SOCK_ACCEPT
        .union(Rights::FD_FDSTAT_SET_FLAGS)
        .union(Rights::FD_FILESTAT_GET)
        .union(Rights::POLL_FD_READWRITE);
}

bitflags! {
    /// WASI `riflags`: how `sock_recv` receives.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct RiFlags: u16 {
        /// Look at the data without consuming it.
        const RECV_PEEK = 1 << 0;
        /// Wait until every buffer is full (or the stream ends).
        const RECV_WAITALL = 1 << 1;
    }

    /// WASI `roflags`: what `sock_recv` reports.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct RoFlags: u16 {
        /// A message did not fit in the buffers and was cut.
        const RECV_DATA_TRUNCATED = 1 << 0;
    }

    /// WASI `sdflags`: which directions `sock_shutdown` closes.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
    pub struct SdFlags: u8 {
        /// No more receiving.
        const RD = 1 << 0;
        /// No more sending.
        const WR = 1 << 1;
    }
}

/// The base and inheriting rights of one descriptor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FdRights {
    /// What this descriptor may do.
    pub base: Rights,
    /// The most that descriptors opened through this one may get.
    pub inheriting: Rights,
}

impl FdRights {
    /// Rights for a descriptor that may do everything its kind allows.
    pub const fn new(base: Rights, inheriting: Rights) -> FdRights {
        FdRights { base, inheriting }
    }

    /// A directory granted with every right, passing every right down.
    pub const fn full_dir() -> FdRights {
        FdRights::new(Rights::DIRECTORY, Rights::DIRECTORY.union(Rights::FILE))
    }

    /// A directory granted read-only: nothing below it can be created, written, truncated,
    /// renamed, linked, removed or have its times changed, and files open read-only.
    pub const fn read_only_dir() -> FdRights {
        let dir = Rights::DIRECTORY.difference(Rights::DIRECTORY_MUTATING);
        let file = Rights::FILE.difference(Rights::FILE_MUTATING);
        FdRights::new(dir, dir.union(file))
    }

    /// Fails with `notcapable` unless every right in `required` is in the base set.
    #[inline]
    pub fn require(&self, required: Rights) -> crate::Result<()> {
        if self.base.contains(required) {
            Ok(())
        } else {
            Err(crate::Error::new(crate::Errno::Notcapable)
                .context(format_args!("missing rights {:?}", required - self.base)))
        }
    }
}

/// WASI `filestat`: what `fd_filestat_get` and `path_filestat_get` report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Filestat {
    /// Device id of the filesystem holding the file.
    pub dev: u64,
    /// Inode number.
    pub ino: u64,
    /// Kind of file.
    pub filetype: FileType,
    /// Number of hard links.
    pub nlink: u64,
    /// Size in bytes.
    pub size: u64,
    /// Last access, in nanoseconds since the Unix epoch.
    pub atim: u64,
    /// Last modification, in nanoseconds since the Unix epoch.
    pub mtim: u64,
    /// Last status change, in nanoseconds since the Unix epoch.
    pub ctim: u64,
}

/// WASI `fdstat`: what `fd_fdstat_get` reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fdstat {
    /// Kind of file the descriptor refers to.
    pub filetype: FileType,
    /// Status flags.
    pub flags: FdFlags,
    /// Rights of the descriptor.
    pub rights: FdRights,
}

/// WASI `clockid`.
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClockId {
    /// Wall-clock time since the Unix epoch; may jump.
    Realtime = 0,
    /// Time that never goes backwards, from an arbitrary origin.
    Monotonic = 1,
    /// CPU time used by the whole process.
    ProcessCputime = 2,
    /// CPU time used by the calling thread.
    ThreadCputime = 3,
}

impl ClockId {
    /// The clock with this number, if WASI defines one.
    pub fn from_raw(raw: u32) -> Option<ClockId> {
        Some(match raw {
            0 => ClockId::Realtime,
            1 => ClockId::Monotonic,
            2 => ClockId::ProcessCputime,
            3 => ClockId::ThreadCputime,
            _ => return None,
        })
    }
}

/// WASI `advice` for `fd_advise`.
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Advice {
    /// No particular pattern.
    Normal = 0,
    /// Sequential access.
    Sequential = 1,
    /// Random access.
    Random = 2,
    /// The range will be needed soon.
    WillNeed = 3,
    /// The range will not be needed soon.
    DontNeed = 4,
    /// The range will be accessed once.
    NoReuse = 5,
}

impl Advice {
    /// The advice with this number, if WASI defines one.
    pub fn from_raw(raw: u32) -> Option<Advice> {
        Some(match raw {
            0 => Advice::Normal,
            1 => Advice::Sequential,
            2 => Advice::Random,
            3 => Advice::WillNeed,
            4 => Advice::DontNeed,
            5 => Advice::NoReuse,
            _ => return None,
        })
    }
}
