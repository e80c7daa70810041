//! [`WasiCtx`], the state one guest program sees, and its [`WasiCtxBuilder`].

use crate::clocks::{WasiClock, WasiClocks};
use crate::dir::WasiDir;
use crate::file::WasiFile;
use crate::pipe::{ReadPipe, WritePipe};
use crate::random::{LockedRng, ThreadRandom, WasiRandom};
use crate::sched::{ThreadSched, WasiSched};
use crate::table::{Descriptor, DirDescriptor, FdTable, FileDescriptor, RenumberTarget, DEFAULT_MAX_FDS};
use crate::types::{FdRights, Rights};
use rand_core::RngCore;
use std::fmt;
use std::io;
use std::sync::Arc;
use std::time::Duration;
use crate::determinism::{Identities, VirtualClock, VirtualSched, VirtualTime, VIRTUAL_EPOCH_SECS};

/// Everything one WASI program sees: arguments, environment, descriptors, clocks, randomness
/// and scheduling.
///
/// All methods take `&self`, and the type is `Send + Sync`: put it in an `Arc` and every
/// thread of a wasi-threads program shares the same descriptors.
pub struct WasiCtx {
    pub(crate) args: StringArray,
    pub(crate) env: StringArray,
    /// The descriptor table.
    pub table: FdTable,
    pub(crate) clocks: WasiClocks,
    pub(crate) random: Arc<dyn WasiRandom>,
    pub(crate) sched: Arc<dyn WasiSched>,
    pub(crate) trace: bool,
    pub(crate) trace_data: usize,
    /// Whether call traces report real durations (not in deterministic runs, whose traces
    /// must repeat byte for byte).
    pub(crate) trace_durations: bool,
    pub(crate) renumber_target: RenumberTarget,
}

impl WasiCtx {
    /// Starts building a context.
    pub fn builder() -> WasiCtxBuilder {
        WasiCtxBuilder::new()
    }

    /// The clocks `clock_*` calls read.
    pub fn clocks(&self) -> &WasiClocks {
        &self.clocks
    }

    /// The source `random_get` draws from.
    pub fn random(&self) -> &dyn WasiRandom {
        &*self.random
    }

    /// The scheduler behind `sched_yield` and `poll_oneoff`.
    pub fn sched(&self) -> &dyn WasiSched {
        &*self.sched
    }

    /// The program's arguments, as given to the builder.
    pub fn args(&self) -> impl Iterator<Item = &str> {
        self.args.iter()
    }

    /// The program's environment as `KEY=VALUE` strings.
    pub fn env(&self) -> impl Iterator<Item = &str> {
        self.env.iter()
    }

    /// Appends an argument after the context is built (before the guest runs: the `&mut`
    /// means no store shares the context yet). For embedding layers whose API adds
    /// arguments to a built context, as wasi-common's `push_arg` did; the builder is the
    /// usual way. Refused as by [`WasiCtxBuilder::build`].
    pub fn push_arg(&mut self, arg: &str) -> Result<(), BuildError> {
        self.args.push(arg)
    }

    /// Appends an environment variable after the context is built, as
    /// [`WasiCtx::push_arg`] does for arguments. Unlike [`WasiCtxBuilder::env`], an earlier
    /// value of the same name stays too (appending cannot rewrite the list).
    pub fn push_env(&mut self, key: &str, value: &str) -> Result<(), BuildError> {
        check_env_name(key)?;
        self.env.push(&format!("{key}={value}"))
    }
}

fn check_env_name(key: &str) -> Result<(), BuildError> {
    if key.is_empty() || key.contains('=') {
        return Err(BuildError(format!("environment variable name {key:?} is empty or contains '='")));
    }
    Ok(())
}

impl fmt::Debug for WasiCtx {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WasiCtx")
            .field("args", &self.args.iter().collect::<Vec<_>>())
            .field("open_fds", &self.table.fds().len())
            .finish_non_exhaustive()
    }
}

/// A list of strings laid out the way `args_get` and `environ_get` hand them to the guest:
/// one buffer of NUL-terminated strings plus the offset of each.
#[derive(Clone, Default)]
pub(crate) struct StringArray {
    buf: Vec<u8>,
    offsets: Vec<u32>,
}

impl StringArray {
    fn push(&mut self, item: &str) -> Result<(), BuildError> {
        if item.contains('\0') {
            return Err(BuildError(format!("{item:?} contains a NUL byte")));
        }
        let offset = u32::try_from(self.buf.len())
            .ok()
            .filter(|o| o.checked_add(item.len() as u32 + 1).is_some())
            .ok_or_else(|| BuildError("arguments or environment exceed 4 GiB".into()))?;
        self.offsets.push(offset);
        self.buf.extend_from_slice(item.as_bytes());
        self.buf.push(0);
        Ok(())
    }

    /// Number of strings.
    pub(crate) fn count(&self) -> u32 {
        self.offsets.len() as u32
    }

    /// All strings, each followed by its NUL.
    pub(crate) fn bytes(&self) -> &[u8] {
        &self.buf
    }

    /// Where each string starts in [`StringArray::bytes`].
    pub(crate) fn offsets(&self) -> &[u32] {
        &self.offsets
    }

    fn iter(&self) -> impl Iterator<Item = &str> {
        self.offsets.iter().map(|&start| {
            let rest = &self.buf[start as usize..];
            let end = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
            // Only `&str`s were pushed.
            std::str::from_utf8(&rest[..end]).unwrap_or_default()
        })
    }
}

/// A context could not be built; the message says which input was wrong.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuildError(pub String);

impl fmt::Display for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BuildError {}

/// Builds a [`WasiCtx`].
///
/// Without further calls the program gets no arguments, an empty environment, an empty stdin,
/// stdout and stderr that discard, no directories, std's wall and monotonic clocks, a per-thread
/// CSPRNG seeded by the OS, and std's thread scheduling. `capwasi-os` adds the host's stdio,
/// directories and CPU-time clocks.
///
/// ```
/// use capwasi::{WasiCtx, pipe::{ReadPipe, WritePipe}};
///
/// let stdout = WritePipe::new_in_memory();
/// let ctx = WasiCtx::builder()
///     .args(["app", "--verbose"])
///     .env("LANG", "C.UTF-8")
///     .stdin(ReadPipe::from("input"))
///     .stdout(stdout.clone())
///     .build()
///     .unwrap();
/// assert_eq!(ctx.args().collect::<Vec<_>>(), ["app", "--verbose"]);
/// ```
pub struct WasiCtxBuilder {
    args: Vec<String>,
    env: Vec<(String, String)>,
    stdio: [Arc<dyn WasiFile>; 3],
    preopens: Vec<(Arc<dyn WasiDir>, String, FdRights)>,
    listeners: Vec<Arc<dyn WasiFile>>,
    clocks: WasiClocks,
    random: Arc<dyn WasiRandom>,
    sched: Arc<dyn WasiSched>,
    max_fds: u32,
    trace: bool,
    trace_data: usize,
    /// Set by [`WasiCtxBuilder::deterministic`]: every object the context starts with is
    /// wrapped to show these identities.
    identities: Option<Arc<Identities>>,
    renumber_target: RenumberTarget,
}

impl Default for WasiCtxBuilder {
    fn default() -> Self {
        WasiCtxBuilder::new()
    }
}

impl WasiCtxBuilder {
    /// A builder with the defaults listed on [`WasiCtxBuilder`].
    pub fn new() -> WasiCtxBuilder {
        WasiCtxBuilder {
            args: Vec::new(),
            env: Vec::new(),
            stdio: [
                Arc::new(ReadPipe::from_bytes(Vec::new())),
                Arc::new(WritePipe::new(io::sink())),
                Arc::new(WritePipe::new(io::sink())),
            ],
            preopens: Vec::new(),
            listeners: Vec::new(),
            clocks: WasiClocks::default(),
            random: Arc::new(ThreadRandom),
            sched: Arc::new(ThreadSched),
            max_fds: DEFAULT_MAX_FDS,
            trace: false,
            trace_data: 0,
            identities: None,
            renumber_target: RenumberTarget::Open,
        }
    }

    /// Appends one argument (the first is conventionally the program name).
    pub fn arg(&mut self, arg: impl Into<String>) -> &mut Self {
        self.args.push(arg.into());
        self
    }

    /// Appends several arguments.
    pub fn args<I: IntoIterator<Item = S>, S: Into<String>>(&mut self, args: I) -> &mut Self {
        self.args.extend(args.into_iter().map(Into::into));
        self
    }

    /// Sets one environment variable, replacing an earlier value of the same name.
    pub fn env(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        let key = key.into();
        self.env.retain(|(k, _)| *k != key);
        self.env.push((key, value.into()));
        self
    }

    /// Sets several environment variables.
    pub fn envs<I, K, V>(&mut self, vars: I) -> &mut Self
    where
        I: IntoIterator<Item = (K, V)>,
        K: Into<String>,
        V: Into<String>,
    {
        for (key, value) in vars {
            self.env(key, value);
        }
        self
    }

    /// Copies the host process's environment. Variables whose name or value is not UTF-8 are
    /// skipped: WASI strings are UTF-8.
    pub fn inherit_env(&mut self) -> &mut Self {
        for (key, value) in std::env::vars_os() {
            if let (Ok(key), Ok(value)) = (key.into_string(), value.into_string()) {
                self.env(key, value);
            }
        }
        self
    }

    /// Copies the host process's arguments (non-UTF-8 ones lossily).
    pub fn inherit_args(&mut self) -> &mut Self {
        self.args.extend(std::env::args_os().map(|a| a.to_string_lossy().into_owned()));
        self
    }

    /// Uses `file` as fd 0.
    pub fn stdin(&mut self, file: impl WasiFile) -> &mut Self {
        self.stdio[0] = Arc::new(file);
        self
    }

    /// Uses `file` as fd 1.
    pub fn stdout(&mut self, file: impl WasiFile) -> &mut Self {
        self.stdio[1] = Arc::new(file);
        self
    }

    /// Uses `file` as fd 2.
    pub fn stderr(&mut self, file: impl WasiFile) -> &mut Self {
        self.stdio[2] = Arc::new(file);
        self
    }

    /// Grants `dir` to the guest under `guest_path`, with every directory and file right.
    /// Preopens get fds 3, 4, ... in the order they are added.
    pub fn preopened_dir(&mut self, dir: impl WasiDir, guest_path: impl Into<String>) -> &mut Self {
        self.preopened_dir_with_rights(dir, guest_path, FdRights::full_dir())
    }

    /// Grants `dir` under `guest_path` read-only: every call that would change something
    /// beneath it answers `notcapable`, and files open only for reading.
    pub fn preopened_dir_read_only(&mut self, dir: impl WasiDir, guest_path: impl Into<String>) -> &mut Self {
        self.preopened_dir_with_rights(dir, guest_path, FdRights::read_only_dir())
    }

    /// Grants `dir` under `guest_path` with exactly `rights`.
    pub fn preopened_dir_with_rights(
        &mut self,
        dir: impl WasiDir,
        guest_path: impl Into<String>,
        rights: FdRights,
    ) -> &mut Self {
        self.preopens.push((Arc::new(dir), guest_path.into(), rights));
        self
    }

    /// Grants a listening socket the guest accepts connections on with `sock_accept`.
    ///
    /// Listeners get the descriptors right after every preopened directory, whatever order
    /// the builder calls came in: wasi-libc finds directories by asking `fd_prestat_get` from
    /// fd 3 upwards until the first `badf`, so a socket between two directories would hide
    /// the second one (as it did in the legacy host).
    pub fn preopened_listener(&mut self, listener: impl WasiFile) -> &mut Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Replaces the realtime clock.
    pub fn realtime_clock(&mut self, clock: impl WasiClock) -> &mut Self {
        self.clocks.realtime = Arc::new(clock);
        self
    }

    /// Replaces the monotonic clock.
    pub fn monotonic_clock(&mut self, clock: impl WasiClock) -> &mut Self {
        self.clocks.monotonic = Arc::new(clock);
        self
    }

    /// Sets the process and thread CPU-time clocks.
    pub fn cputime_clocks(&mut self, process: impl WasiClock, thread: impl WasiClock) -> &mut Self {
        self.clocks.process_cputime = Some(Arc::new(process));
        self.clocks.thread_cputime = Some(Arc::new(thread));
        self
    }

    /// Draws `random_get` bytes from `rng` (one shared sequence, in call order).
    pub fn rng(&mut self, rng: impl RngCore + Send + 'static) -> &mut Self {
        self.random = Arc::new(LockedRng::new(rng));
        self
    }

    /// Replaces the whole randomness source.
    pub fn random(&mut self, random: impl WasiRandom) -> &mut Self {
        self.random = Arc::new(random);
        self
    }

    /// Replaces the scheduler.
    pub fn sched(&mut self, sched: impl WasiSched) -> &mut Self {
        self.sched = Arc::new(sched);
        self
    }

    /// Emits a `tracing` event per WASI call (target `capwasi::call`, level TRACE; see
    /// [`crate::abi::trace`]). Off by default, and free when off.
    pub fn trace(&mut self, trace: bool) -> &mut Self {
        self.trace = trace;
        self
    }

    /// With [`WasiCtxBuilder::trace`], also puts in each event the first `max_bytes` bytes
    /// a call moved (read, written, sent, received, random): off (0) by default, since
    /// buffers may hold secrets.
    pub fn trace_data(&mut self, max_bytes: usize) -> &mut Self {
        self.trace_data = max_bytes;
        self
    }

    /// Makes runs reproducible: virtual clocks and sleeps, randomness from `seed`, listings in
    /// name order, virtual device and inode numbers (see [`crate::determinism`]). Replaces the
    /// clocks, scheduler and randomness set so far.
    pub fn deterministic(&mut self, seed: u64) -> &mut Self {
        let time = Arc::new(VirtualTime::default());
        let clock = |origin| VirtualClock::new(Arc::clone(&time), origin);
        self.clocks = WasiClocks {
            realtime: Arc::new(clock(Duration::from_secs(VIRTUAL_EPOCH_SECS))),
            monotonic: Arc::new(clock(Duration::ZERO)),
            process_cputime: Some(Arc::new(clock(Duration::ZERO))),
            thread_cputime: Some(Arc::new(clock(Duration::ZERO))),
        };
        self.sched = Arc::new(VirtualSched::new(Arc::clone(&time)));
        self.random = Arc::new(crate::random::deterministic(seed));
        self.identities = Some(Arc::new(Identities::default()));
        self
    }

    /// Lets `fd_renumber` move a descriptor onto a number that is not open, as POSIX `dup2`
    /// does. **A departure from the preview1 spec**, off by default: the spec answers `badf`,
    /// because in a threaded program another thread may be handed that number at the same
    /// moment. Some ported programs park stdout on a spare number and move it back; they need
    /// this.
    pub fn renumber_like_dup2(&mut self, on: bool) -> &mut Self {
        self.renumber_target = if on { RenumberTarget::AnyNumber } else { RenumberTarget::Open };
        self
    }

    /// Caps the number of descriptors open at once (`nfile` beyond it).
    pub fn max_fds(&mut self, max_fds: u32) -> &mut Self {
        self.max_fds = max_fds;
        self
    }

    /// Builds the context. Fails if an argument or variable cannot be passed to a guest
    /// (a NUL byte, a `=` in a variable name) or the descriptor limit is too low for stdio and
    /// the preopens.
    pub fn build(&mut self) -> Result<WasiCtx, BuildError> {
        let mut args = StringArray::default();
        for arg in &self.args {
            args.push(arg)?;
        }
        let mut env = StringArray::default();
        for (key, value) in &self.env {
            check_env_name(key)?;
            env.push(&format!("{key}={value}"))?;
        }
        let table = FdTable::new(self.max_fds);
        // Deterministic runs see their objects through a layer (see `crate::determinism`);
        // what is opened through them comes back wrapped the same way.
        let file = |file: &Arc<dyn WasiFile>| match &self.identities {
            Some(ids) => ids.file(Arc::clone(file)),
            None => Arc::clone(file),
        };
        let dir = |dir: &Arc<dyn WasiDir>| match &self.identities {
            Some(ids) => ids.dir(Arc::clone(dir)),
            None => Arc::clone(dir),
        };
        let too_many = || BuildError(format!("max_fds {} is too low for stdio and preopens", self.max_fds));
        for stdio in &self.stdio {
            let rights = FdRights::new(Rights::FILE, Rights::empty());
            table
                .push(Descriptor::File(FileDescriptor { file: file(stdio), rights }))
                .map_err(|_| too_many())?;
        }
        for (preopen, guest_path, rights) in &self.preopens {
            let preopen_path = Some(Arc::from(guest_path.as_str()));
            table
                .push(Descriptor::Dir(DirDescriptor { dir: dir(preopen), rights: *rights, preopen_path }))
                .map_err(|_| too_many())?;
        }
        for listener in &self.listeners {
            let rights = FdRights::new(Rights::LISTENER, Rights::SOCKET);
            table
                .push(Descriptor::File(FileDescriptor { file: file(listener), rights }))
                .map_err(|_| too_many())?;
        }
        Ok(WasiCtx {
            args,
            env,
            table,
            clocks: self.clocks.clone(),
            random: Arc::clone(&self.random),
            sched: Arc::clone(&self.sched),
            trace: self.trace,
            trace_data: self.trace_data,
            trace_durations: self.identities.is_none(),
            renumber_target: self.renumber_target,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_in_argument_is_refused() {
        let err = WasiCtx::builder().arg("a\0b").build().unwrap_err();
        assert!(err.0.contains("NUL"), "{err}");
    }

    #[test]
    fn env_name_with_equals_is_refused() {
        assert!(WasiCtx::builder().env("A=B", "c").build().is_err());
        assert!(WasiCtx::builder().env("", "c").build().is_err());
    }

    #[test]
    fn later_env_value_replaces_earlier() {
        let ctx = WasiCtx::builder().env("K", "1").env("K", "2").build().unwrap();
        assert_eq!(ctx.env().collect::<Vec<_>>(), ["K=2"]);
    }

    #[test]
    fn push_arg_and_env_append_to_a_built_context() {
        let mut ctx = WasiCtx::builder().arg("app").env("K", "1").build().unwrap();
        ctx.push_arg("more").unwrap();
        ctx.push_env("K", "2").unwrap();
        assert_eq!(ctx.args().collect::<Vec<_>>(), ["app", "more"]);
        assert_eq!(ctx.env().collect::<Vec<_>>(), ["K=1", "K=2"]);
        assert_eq!(ctx.args.bytes(), b"app\0more\0");
        assert!(ctx.push_arg("a\0b").is_err());
        assert!(ctx.push_env("A=B", "c").is_err());
        assert_eq!(ctx.args().count(), 2);
    }

    #[test]
    fn strings_are_laid_out_nul_terminated() {
        let ctx = WasiCtx::builder().args(["a", "", "é"]).build().unwrap();
        assert_eq!(ctx.args.bytes(), b"a\0\0\xc3\xa9\0");
        assert_eq!(ctx.args.offsets(), [0, 2, 3]);
    }
}
