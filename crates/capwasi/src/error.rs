//! Errors: the WASI errno a call answers with, and the two ways a guest stops.
//!
//! Backends and the core return [`Error`] (an errno plus context for logs). Only the ABI layer
//! turns it into a number. A guest that must stop running is a [`Termination`]: either an exit
//! requested by the guest ([`I32Exit`]) or a trap.

use std::fmt;

macro_rules! errnos {
    ($($(#[$doc:meta])* $name:ident = $value:literal, $text:literal;)*) => {
        /// WASI `errno`: the value every call returns (0 is success).
        #[repr(u16)]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[allow(missing_docs)]
        pub enum Errno {
            $($(#[$doc])* $name = $value,)*
        }

        impl Errno {
            /// The lower-case name the WASI spec gives this errno (`badf`, `noent`, ...).
            pub fn name(self) -> &'static str {
                match self { $(Errno::$name => $text,)* }
            }

            /// The errno with this number, if WASI defines one.
            pub fn from_raw(raw: u16) -> Option<Errno> {
                match raw { $($value => Some(Errno::$name),)* _ => None }
            }
        }
    };
}

errnos! {
    Success = 0, "success";
    TooBig = 1, "2big";
    Acces = 2, "acces";
    Addrinuse = 3, "addrinuse";
    Addrnotavail = 4, "addrnotavail";
    Afnosupport = 5, "afnosupport";
    Again = 6, "again";
    Already = 7, "already";
    Badf = 8, "badf";
    Badmsg = 9, "badmsg";
    Busy = 10, "busy";
    Canceled = 11, "canceled";
    Child = 12, "child";
    Connaborted = 13, "connaborted";
    Connrefused = 14, "connrefused";
    Connreset = 15, "connreset";
    Deadlk = 16, "deadlk";
    Destaddrreq = 17, "destaddrreq";
    Dom = 18, "dom";
    Dquot = 19, "dquot";
    Exist = 20, "exist";
    Fault = 21, "fault";
    Fbig = 22, "fbig";
    Hostunreach = 23, "hostunreach";
    Idrm = 24, "idrm";
    Ilseq = 25, "ilseq";
    Inprogress = 26, "inprogress";
    Intr = 27, "intr";
    Inval = 28, "inval";
    Io = 29, "io";
    Isconn = 30, "isconn";
    Isdir = 31, "isdir";
    Loop = 32, "loop";
    Mfile = 33, "mfile";
    Mlink = 34, "mlink";
    Msgsize = 35, "msgsize";
    Multihop = 36, "multihop";
    Nametoolong = 37, "nametoolong";
    Netdown = 38, "netdown";
    Netreset = 39, "netreset";
    Netunreach = 40, "netunreach";
    Nfile = 41, "nfile";
    Nobufs = 42, "nobufs";
    Nodev = 43, "nodev";
    Noent = 44, "noent";
    Noexec = 45, "noexec";
    Nolck = 46, "nolck";
    Nolink = 47, "nolink";
    Nomem = 48, "nomem";
    Nomsg = 49, "nomsg";
    Noprotoopt = 50, "noprotoopt";
    Nospc = 51, "nospc";
    Nosys = 52, "nosys";
    Notconn = 53, "notconn";
    Notdir = 54, "notdir";
    Notempty = 55, "notempty";
    Notrecoverable = 56, "notrecoverable";
    Notsock = 57, "notsock";
    Notsup = 58, "notsup";
    Notty = 59, "notty";
    Nxio = 60, "nxio";
    Overflow = 61, "overflow";
    Ownerdead = 62, "ownerdead";
    Perm = 63, "perm";
    Pipe = 64, "pipe";
    Proto = 65, "proto";
    Protonosupport = 66, "protonosupport";
    Prototype = 67, "prototype";
    Range = 68, "range";
    Rofs = 69, "rofs";
    Spipe = 70, "spipe";
    Srch = 71, "srch";
    Stale = 72, "stale";
    Timedout = 73, "timedout";
    Txtbsy = 74, "txtbsy";
    Xdev = 75, "xdev";
    Notcapable = 76, "notcapable";
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A failed WASI operation: the errno the guest sees, and a note for the host's logs.
///
/// The note never reaches the guest; it exists so a trace or a log says *why* a call failed
/// (which path, which syscall), not only which errno it got.
#[derive(Clone, PartialEq, Eq)]
pub struct Error {
    errno: Errno,
    // A thin pointer, so an `Error` is 16 bytes and a `Result<(), AbiError>` comes back from
    // every ABI function in two registers instead of through memory.
    context: Option<Box<String>>,
}

/// Result of a core or backend operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error answering `errno`, with no further context.
    pub const fn new(errno: Errno) -> Error {
        Error { errno, context: None }
    }

    /// The errno a path that would leave its directory answers (through `..`, a symlink, or
    /// by being absolute), on every backend: `perm`, as both wasmtime hosts and uvwasi give
    /// it and the public test suite accepts. A missing right is `notcapable` instead.
    pub const ESCAPE: Errno = Errno::Perm;

    /// A path tried to leave the directory it was resolved beneath; `what` says how.
    pub fn escape(what: impl fmt::Display) -> Error {
        Error::new(Error::ESCAPE).context(what)
    }

    /// The errno the guest will see.
    pub fn errno(&self) -> Errno {
        self.errno
    }

    /// The host-side note attached with [`Error::context`], if any.
    pub fn context_note(&self) -> Option<&str> {
        self.context.as_deref().map(String::as_str)
    }

    /// Attaches a note for host logs; the errno is unchanged.
    // Out of line and cold: notes are made on failure paths only, and formatting one inline
    // would make every successful call of its caller pay for the frame it needs.
    #[cold]
    #[inline(never)]
    pub fn context(mut self, note: impl fmt::Display) -> Error {
        self.context = Some(Box::new(note.to_string()));
        self
    }

    /// Maps a raw host OS error number (`errno` on POSIX) to the closest WASI errno.
    ///
    /// Numbers WASI has no name for become `io`, the spec's catch-all for device errors.
    pub fn from_raw_os_error(code: i32) -> Error {
        Error::new(os_errno_to_wasi(code))
    }
}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error::new(errno)
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Error {
        let errno = match err.raw_os_error() {
            Some(code) => os_errno_to_wasi(code),
            None => io_kind_to_wasi(err.kind()),
        };
        Error::new(errno).context(err)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.context {
            Some(note) => write!(f, "{} ({note})", self.errno),
            None => write!(f, "{}", self.errno),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self, f)
    }
}

impl std::error::Error for Error {}

/// The one table from host OS error numbers to WASI errnos.
#[cfg(unix)]
fn os_errno_to_wasi(code: i32) -> Errno {
    use Errno::*;
    // The numbering follows the host's libc; match on the names, not the numbers.
    let table: &[(i32, Errno)] = &[
        (libc_errno::E2BIG, TooBig),
        (libc_errno::EACCES, Acces),
        (libc_errno::EADDRINUSE, Addrinuse),
        (libc_errno::EADDRNOTAVAIL, Addrnotavail),
        (libc_errno::EAFNOSUPPORT, Afnosupport),
        (libc_errno::EAGAIN, Again),
        (libc_errno::EALREADY, Already),
        (libc_errno::EBADF, Badf),
        (libc_errno::EBADMSG, Badmsg),
        (libc_errno::EBUSY, Busy),
        (libc_errno::ECANCELED, Canceled),
        (libc_errno::ECHILD, Child),
        (libc_errno::ECONNABORTED, Connaborted),
        (libc_errno::ECONNREFUSED, Connrefused),
        (libc_errno::ECONNRESET, Connreset),
        (libc_errno::EDEADLK, Deadlk),
        (libc_errno::EDESTADDRREQ, Destaddrreq),
        (libc_errno::EDOM, Dom),
        (libc_errno::EDQUOT, Dquot),
        (libc_errno::EEXIST, Exist),
        (libc_errno::EFAULT, Fault),
        (libc_errno::EFBIG, Fbig),
        (libc_errno::EHOSTUNREACH, Hostunreach),
        (libc_errno::EIDRM, Idrm),
        (libc_errno::EILSEQ, Ilseq),
        (libc_errno::EINPROGRESS, Inprogress),
        (libc_errno::EINTR, Intr),
        (libc_errno::EINVAL, Inval),
        (libc_errno::EIO, Io),
        (libc_errno::EISCONN, Isconn),
        (libc_errno::EISDIR, Isdir),
        (libc_errno::ELOOP, Loop),
        (libc_errno::EMFILE, Mfile),
        (libc_errno::EMLINK, Mlink),
        (libc_errno::EMSGSIZE, Msgsize),
        (libc_errno::EMULTIHOP, Multihop),
        (libc_errno::ENAMETOOLONG, Nametoolong),
        (libc_errno::ENETDOWN, Netdown),
        (libc_errno::ENETRESET, Netreset),
        (libc_errno::ENETUNREACH, Netunreach),
        (libc_errno::ENFILE, Nfile),
        (libc_errno::ENOBUFS, Nobufs),
        (libc_errno::ENODEV, Nodev),
        (libc_errno::ENOENT, Noent),
        (libc_errno::ENOEXEC, Noexec),
        (libc_errno::ENOLCK, Nolck),
        (libc_errno::ENOLINK, Nolink),
        (libc_errno::ENOMEM, Nomem),
        (libc_errno::ENOMSG, Nomsg),
        (libc_errno::ENOPROTOOPT, Noprotoopt),
        (libc_errno::ENOSPC, Nospc),
        (libc_errno::ENOSYS, Nosys),
        (libc_errno::ENOTCONN, Notconn),
        (libc_errno::ENOTDIR, Notdir),
        (libc_errno::ENOTEMPTY, Notempty),
        (libc_errno::ENOTRECOVERABLE, Notrecoverable),
        (libc_errno::ENOTSOCK, Notsock),
        (libc_errno::ENOTSUP, Notsup),
        (libc_errno::EOPNOTSUPP, Notsup),
        (libc_errno::ENOTTY, Notty),
        (libc_errno::ENXIO, Nxio),
        (libc_errno::EOVERFLOW, Overflow),
        (libc_errno::EOWNERDEAD, Ownerdead),
        (libc_errno::EPERM, Perm),
        (libc_errno::EPIPE, Pipe),
        (libc_errno::EPROTO, Proto),
        (libc_errno::EPROTONOSUPPORT, Protonosupport),
        (libc_errno::EPROTOTYPE, Prototype),
        (libc_errno::ERANGE, Range),
        (libc_errno::EROFS, Rofs),
        (libc_errno::ESPIPE, Spipe),
        (libc_errno::ESRCH, Srch),
        (libc_errno::ESTALE, Stale),
        (libc_errno::ETIMEDOUT, Timedout),
        (libc_errno::ETXTBSY, Txtbsy),
        (libc_errno::EXDEV, Xdev),
        (libc_errno::EWOULDBLOCK, Again),
    ];
    table.iter().find(|(os, _)| *os == code).map(|(_, wasi)| *wasi).unwrap_or(Io)
}

#[cfg(not(unix))]
fn os_errno_to_wasi(_code: i32) -> Errno {
    Errno::Io
}

/// For errors that carry no OS number (made by std or a backend from an `ErrorKind`).
fn io_kind_to_wasi(kind: std::io::ErrorKind) -> Errno {
    use std::io::ErrorKind as K;
    match kind {
        K::NotFound => Errno::Noent,
        K::PermissionDenied => Errno::Acces,
        K::ConnectionRefused => Errno::Connrefused,
        K::ConnectionReset => Errno::Connreset,
        K::ConnectionAborted => Errno::Connaborted,
        K::NotConnected => Errno::Notconn,
        K::AddrInUse => Errno::Addrinuse,
        K::AddrNotAvailable => Errno::Addrnotavail,
        K::BrokenPipe => Errno::Pipe,
        K::AlreadyExists => Errno::Exist,
        K::WouldBlock => Errno::Again,
        K::InvalidInput => Errno::Inval,
        K::InvalidData => Errno::Ilseq,
        K::TimedOut => Errno::Timedout,
        K::Interrupted => Errno::Intr,
        K::Unsupported => Errno::Notsup,
        K::OutOfMemory => Errno::Nomem,
        K::NotADirectory => Errno::Notdir,
        K::IsADirectory => Errno::Isdir,
        K::DirectoryNotEmpty => Errno::Notempty,
        K::ReadOnlyFilesystem => Errno::Rofs,
        K::StorageFull => Errno::Nospc,
        K::FileTooLarge => Errno::Fbig,
        K::InvalidFilename => Errno::Nametoolong,
        K::CrossesDevices => Errno::Xdev,
        K::TooManyLinks => Errno::Mlink,
        K::ArgumentListTooLong => Errno::TooBig,
        K::Deadlock => Errno::Deadlk,
        K::ResourceBusy => Errno::Busy,
        K::ExecutableFileBusy => Errno::Txtbsy,
        K::StaleNetworkFileHandle => Errno::Stale,
        K::HostUnreachable => Errno::Hostunreach,
        K::NetworkUnreachable => Errno::Netunreach,
        K::NetworkDown => Errno::Netdown,
        K::NotSeekable => Errno::Spipe,
        _ => Errno::Io,
    }
}

/// The guest called `proc_exit(code)` (or ended itself another way the host maps to an exit).
///
/// Engine glue returns this as the error of the call that exited, so the embedder can
/// downcast it and end its own process with the same status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct I32Exit(pub i32);

impl fmt::Display for I32Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "exited with i32 exit status {}", self.0)
    }
}

impl std::error::Error for I32Exit {}

/// Why a host call ends the guest instead of returning an errno.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Termination {
    /// The guest asked to exit with this status.
    Exit(I32Exit),
    /// The guest did something the host cannot answer with an errno; the instance must stop.
    Trap(String),
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Termination::Exit(exit) => exit.fmt(f),
            Termination::Trap(msg) => f.write_str(msg),
        }
    }
}

impl std::error::Error for Termination {}

#[cfg(unix)]
use libc as libc_errno;
