//! Time values wasi-common's traits use.

/// A time to set on a file: "now" (the host's clock at the moment of the call) or a given
/// instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SystemTimeSpec {
    /// The host's current time.
    SymbolicNow,
    /// This time.
    Absolute(cap_std::time::SystemTime),
}
