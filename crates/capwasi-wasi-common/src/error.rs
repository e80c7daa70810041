//! wasi-common's error type: an errno for the guest, or a trap that ends it.

use crate::wasmtime;
pub use capwasi::{Errno, I32Exit};
use std::fmt;

/// What a WASI call failed with: an [`Errno`] the guest sees, or a trap (a host error that
/// stops the guest). Built from an [`Errno`] (`Errno::Badf.into()`, or [`ErrorExt`]) or with
/// [`Error::trap`].
#[derive(Debug)]
pub struct Error {
    inner: Inner,
}

#[derive(Debug)]
enum Inner {
    Errno { errno: Errno, context: Vec<String> },
    Trap(wasmtime::Error),
}

impl Error {
    /// An error that traps the guest instead of returning an errno.
    pub fn trap(inner: wasmtime::Error) -> Error {
        Error { inner: Inner::Trap(inner) }
    }

    /// The errno, or the trap's error if this is a trap.
    pub fn downcast(self) -> Result<Errno, wasmtime::Error> {
        match self.inner {
            Inner::Errno { errno, .. } => Ok(errno),
            Inner::Trap(err) => Err(err),
        }
    }

    /// The errno, unless this is a trap.
    pub fn downcast_ref(&self) -> Option<&Errno> {
        match &self.inner {
            Inner::Errno { errno, .. } => Some(errno),
            Inner::Trap(_) => None,
        }
    }

    /// Adds a note for logs (shown by `Display` and `Debug`, never by the guest).
    pub fn context(self, s: impl Into<String>) -> Self {
        let inner = match self.inner {
            Inner::Errno { errno, mut context } => {
                context.push(s.into());
                Inner::Errno { errno, context }
            }
            Inner::Trap(err) => Inner::Trap(err.context(s.into())),
        };
        Error { inner }
    }

    /// The capwasi error a backend returns for this one. A trap has no errno, so it becomes
    /// `io` with the trap's message as the note: capwasi backends cannot trap the guest.
    pub(crate) fn into_capwasi(self) -> capwasi::Error {
        match self.inner {
            Inner::Errno { errno, context } if context.is_empty() => capwasi::Error::new(errno),
            Inner::Errno { errno, context } => capwasi::Error::new(errno).context(context.join(": ")),
            Inner::Trap(err) => capwasi::Error::new(Errno::Io).context(format!("{err:?}")),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.inner {
            Inner::Errno { errno, context } => {
                for note in context.iter().rev() {
                    write!(f, "{note}: ")?;
                }
                write!(f, "{} (errno {})", errno.name(), *errno as u16)
            }
            Inner::Trap(err) => write!(f, "{err}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<Errno> for Error {
    fn from(errno: Errno) -> Error {
        Error { inner: Inner::Errno { errno, context: Vec::new() } }
    }
}

impl From<capwasi::Error> for Error {
    fn from(err: capwasi::Error) -> Error {
        let error = Error::from(err.errno());
        match err.context_note() {
            Some(note) => error.context(note),
            None => error,
        }
    }
}

/// Host OS errors become the closest errno (capwasi's one mapping for every backend).
impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Error {
        Error::from(capwasi::Error::from(err))
    }
}

impl From<std::num::TryFromIntError> for Error {
    fn from(_: std::num::TryFromIntError) -> Error {
        Errno::Overflow.into()
    }
}

/// Constructors for the errnos backends use most.
pub trait ErrorExt {
    /// `noent`
    fn not_found() -> Self;
    /// `2big`
    fn too_big() -> Self;
    /// `badf`
    fn badf() -> Self;
    /// `exist`
    fn exist() -> Self;
    /// `ilseq`
    fn illegal_byte_sequence() -> Self;
    /// `inval`
    fn invalid_argument() -> Self;
    /// `io`
    fn io() -> Self;
    /// `nametoolong`
    fn name_too_long() -> Self;
    /// `notdir`
    fn not_dir() -> Self;
    /// `notsup`
    fn not_supported() -> Self;
    /// `overflow`
    fn overflow() -> Self;
    /// `range`
    fn range() -> Self;
    /// `spipe`
    fn seek_pipe() -> Self;
    /// `perm`
    fn perm() -> Self;
}

impl ErrorExt for Error {
    fn not_found() -> Self {
        Errno::Noent.into()
    }
    fn too_big() -> Self {
        Errno::TooBig.into()
    }
    fn badf() -> Self {
        Errno::Badf.into()
    }
    fn exist() -> Self {
        Errno::Exist.into()
    }
    fn illegal_byte_sequence() -> Self {
        Errno::Ilseq.into()
    }
    fn invalid_argument() -> Self {
        Errno::Inval.into()
    }
    fn io() -> Self {
        Errno::Io.into()
    }
    fn name_too_long() -> Self {
        Errno::Nametoolong.into()
    }
    fn not_dir() -> Self {
        Errno::Notdir.into()
    }
    fn not_supported() -> Self {
        Errno::Notsup.into()
    }
    fn overflow() -> Self {
        Errno::Overflow.into()
    }
    fn range() -> Self {
        Errno::Range.into()
    }
    fn seek_pipe() -> Self {
        Errno::Spipe.into()
    }
    fn perm() -> Self {
        Errno::Perm.into()
    }
}

/// Why a context could not take an argument or environment variable.
///
/// The first three are wasi-common's (sizes beyond what the ABI's 32-bit lengths can carry);
/// `Invalid` is capwasi's: a string that cannot reach the guest intact (a NUL byte, or a
/// variable name that is empty or contains `=`), which wasi-common passed on truncated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StringArrayError {
    /// More than 2^32 strings.
    NumberElements,
    /// One string longer than 2^32 bytes.
    ElementSize,
    /// All strings together longer than 2^32 bytes.
    CumulativeSize,
    /// A string the guest could not receive intact; the message says why.
    Invalid(String),
}

impl fmt::Display for StringArrayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StringArrayError::NumberElements => f.write_str("Number of elements exceeds 2^32"),
            StringArrayError::ElementSize => f.write_str("Element size exceeds 2^32"),
            StringArrayError::CumulativeSize => f.write_str("Cumulative size exceeds 2^32"),
            StringArrayError::Invalid(why) => f.write_str(why),
        }
    }
}

impl std::error::Error for StringArrayError {}

impl From<capwasi::BuildError> for StringArrayError {
    fn from(err: capwasi::BuildError) -> StringArrayError {
        if err.0.contains("4 GiB") { StringArrayError::CumulativeSize } else { StringArrayError::Invalid(err.0) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_errno_error_downcasts_to_its_errno_and_keeps_its_notes() {
        let err = Error::from(Errno::Badf).context("fd 9");
        assert_eq!(err.downcast_ref(), Some(&Errno::Badf));
        assert_eq!(err.to_string(), "fd 9: badf (errno 8)");
        let capwasi = err.into_capwasi();
        assert_eq!(capwasi.errno(), Errno::Badf);
        assert_eq!(capwasi.context_note(), Some("fd 9"));
    }

    #[test]
    fn a_trap_has_no_errno_and_reaches_capwasi_as_io() {
        let err = Error::trap(wasmtime::Error::msg("host bug"));
        assert!(err.downcast_ref().is_none());
        let capwasi = Error::trap(wasmtime::Error::msg("host bug")).into_capwasi();
        assert_eq!(capwasi.errno(), Errno::Io);
        assert!(capwasi.context_note().unwrap().contains("host bug"));
        assert_eq!(err.downcast().unwrap_err().to_string(), "host bug");
    }

    #[test]
    fn host_io_errors_map_through_capwasi() {
        let err = Error::from(std::io::Error::from_raw_os_error(2));
        assert_eq!(err.downcast_ref(), Some(&Errno::Noent));
        assert_eq!(Error::from(u32::try_from(-1i64).unwrap_err()).downcast_ref(), Some(&Errno::Overflow));
    }

    #[test]
    fn strings_the_guest_cannot_receive_are_invalid() {
        let err = StringArrayError::from(capwasi::BuildError("\"a\\0b\" contains a NUL byte".into()));
        assert!(matches!(err, StringArrayError::Invalid(ref why) if why.contains("NUL")));
    }
}
