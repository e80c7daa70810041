//! What each import's parameters mean and whether a call may wait: declared once in the
//! import table (`abi/mod.rs`) and read by tracing and by engine glue that schedules calls,
//! so neither guesses from a parameter's or an import's name.

/// What a parameter of an import is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A descriptor the call acts on.
    Fd,
    /// A number with no further meaning to tracing (a length, a time, a clock id, an enum).
    Value,
    /// A signed number passed as a 64-bit integer (a relative seek offset).
    Signed,
    /// A guest address of a structure read or written by the call (not decoded for traces).
    Ptr,
    /// A guest string the call reads; its length is the next parameter.
    PathIn,
    /// A guest buffer the call fills with a string; its length is the next parameter.
    PathOut,
    /// A guest iovec array; its count is the next parameter.
    Iovecs,
    /// A guest buffer the call fills with bytes; its length is the next parameter.
    BufOut,
    /// The length or count of the parameter before it.
    Len,
    /// Where the call stores a 32-bit result.
    OutU32,
    /// Where the call stores a 64-bit result.
    OutU64,
    /// Where the call stores how many bytes it moved (read, written, received, sent, used).
    OutBytes,
    /// `oflags`.
    OFlags,
    /// `fdflags`.
    FdFlags,
    /// `lookupflags`.
    LookupFlags,
    /// `rights`.
    Rights,
    /// `fstflags`.
    FstFlags,
    /// `riflags`.
    RiFlags,
    /// `siflags` (no bits are defined).
    SiFlags,
    /// `sdflags`.
    SdFlags,
}

impl Role {
    /// Whether the call stores a result through this parameter.
    pub fn is_result(self) -> bool {
        matches!(self, Role::OutU32 | Role::OutU64 | Role::OutBytes)
    }

    /// Whether the value has bits outside the flags type this role names (always false for a
    /// role that is not a flags type).
    pub fn has_unknown_bits(self, value: u64) -> bool {
        use crate::types::{FdFlags, FstFlags, LookupFlags, OFlags, RiFlags, Rights, SdFlags};
        let known = match self {
            Role::OFlags => u64::from(OFlags::all().bits()),
            Role::FdFlags => u64::from(FdFlags::all().bits()),
            Role::LookupFlags => u64::from(LookupFlags::all().bits()),
            Role::Rights => Rights::all().bits(),
            Role::FstFlags => u64::from(FstFlags::all().bits()),
            Role::RiFlags => u64::from(RiFlags::all().bits()),
            Role::SiFlags => 0,
            Role::SdFlags => u64::from(SdFlags::all().bits()),
            _ => return false,
        };
        value & !known != 0
    }
}

/// Whether, and on what, a call may wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Answers at once (clocks, randomness, the descriptor table, arguments).
    Never,
    /// May wait indefinitely until its descriptor (the first parameter) is readable.
    Read,
    /// May wait indefinitely until its descriptor (the first parameter) is writable.
    Write,
    /// May block on a disk for a while, but never indefinitely.
    Disk,
    /// `poll_oneoff`: waits on descriptors and clocks.
    Poll,
}

/// One parameter of an import.
#[derive(Clone, Copy, Debug)]
pub struct Param {
    /// The name the table gives it.
    pub name: &'static str,
    /// What it is.
    pub role: Role,
}

/// What the import table declares about one import.
#[derive(Debug)]
pub struct ImportSpec {
    /// The import's name.
    pub name: &'static str,
    /// Its wasm parameters, in order.
    pub params: &'static [Param],
    /// Whether it may wait.
    pub wait: Wait,
}

impl ImportSpec {
    /// For a call that may wait on its descriptor: whether its arguments already decide the
    /// answer, so it must run at once rather than after the descriptor becomes ready. A flags
    /// argument with bits its type does not define will be refused (`inval`); status flags
    /// given to a waiting call (`sock_accept`'s) say how the result should behave, and
    /// `nonblock` among them asks not to wait.
    pub fn answers_at_once(&self, args: &[u64]) -> bool {
        self.params.iter().zip(args).any(|(param, &value)| {
            param.role.has_unknown_bits(value) || (param.role == Role::FdFlags && value != 0)
        })
    }
}

/// The declaration of every import, by name (`specs::fd_read`, ...), generated from the
/// import table. Both snapshots share them: the parameters mean the same in each.
#[allow(non_upper_case_globals)]
pub mod specs {
    use super::{ImportSpec, Param, Role, Wait};

    macro_rules! define_specs {
        (module: $module:literal;
            $(fn $name:ident($($arg:ident: $ty:ty [$role:ident]),*) -> $ret:ty = $area:ident::$func:ident, $p0:ident, $wait:ident;)*) => {
            $(
                #[doc = concat!("`", stringify!($name), "`.")]
                pub static $name: ImportSpec = ImportSpec {
                    name: stringify!($name),
                    params: &[$(Param { name: stringify!($arg), role: Role::$role }),*],
                    wait: Wait::$wait,
                };
            )*
        };
    }
    crate::__wasi_import_table!(__wasi_raw_imports, raw, define_specs, "wasi_snapshot_preview1");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_length_follows_the_pointer_it_measures() {
        macro_rules! all {
            (module: $module:literal; $(fn $name:ident($($arg:ident: $ty:ty),*) -> $ret:ty = $imp:path, $spec:path;)*) => {
                vec![$(&$spec),*]
            };
        }
        let all: Vec<&ImportSpec> = crate::for_each_preview1_import!(all);
        for spec in all {
            for (i, param) in spec.params.iter().enumerate() {
                let measured = matches!(param.role, Role::PathIn | Role::PathOut | Role::Iovecs | Role::BufOut);
                assert_eq!(measured, spec.params.get(i + 1).is_some_and(|next| next.role == Role::Len), "{}: {}", spec.name, param.name);
            }
            let waits_on_fd = matches!(spec.wait, Wait::Read | Wait::Write);
            assert!(!waits_on_fd || spec.params[0].role == Role::Fd, "{} waits on its first parameter", spec.name);
        }
    }

    #[test]
    fn a_waiting_call_with_refused_or_nonblocking_flags_answers_at_once() {
        assert!(specs::sock_accept.answers_at_once(&[3, u64::from(crate::types::FdFlags::NONBLOCK.bits()), 0]));
        assert!(!specs::sock_accept.answers_at_once(&[3, 0, 0]));
        assert!(!specs::sock_recv.answers_at_once(&[3, 0, 1, u64::from(crate::types::RiFlags::all().bits()), 0, 0]));
        assert!(specs::sock_recv.answers_at_once(&[3, 0, 1, 0x100, 0, 0]));
        assert!(specs::sock_send.answers_at_once(&[3, 0, 1, 1, 0]));
        assert!(!specs::fd_read.answers_at_once(&[0, 0, 1, 0]));
    }
}
