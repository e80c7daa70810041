//! `--mem-dir` and `--mem-save`: directories the guest sees that live in host memory.
//!
//! Every `--mem-dir` is a subtree of one in-memory filesystem, so the guest can rename and
//! link between them as between directories of one disk. Nothing the guest does there
//! reaches the host until `--mem-save` writes a tree out, after the program ends.

use capwasi::clocks::WasiClock;
use capwasi::WasiCtxBuilder;
use capwasi_memfs::MemFs;
use clap::Args;
use std::path::Path;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use wasmtime::error::Context as _;
use wasmtime::{bail, Result};

#[derive(Args)]
pub struct MemDirArgs {
    /// Grant an in-memory directory as GUEST: empty, or filled from SRC, a host directory or
    /// a `.tar` archive (read once, before the program starts). A `:ro` suffix grants it
    /// read-only.
    #[arg(long = "mem-dir", value_name = "[SRC::]GUEST[:ro]")]
    mem_dirs: Vec<String>,

    /// After the program ends, write the in-memory directory GUEST to DEST: a host directory
    /// made to hold exactly its tree (created if missing), or a `.tar` archive.
    #[arg(long = "mem-save", value_name = "GUEST::DEST")]
    mem_saves: Vec<String>,

    /// Most bytes of file content the in-memory directories hold together; writes beyond
    /// answer `nospc`.
    #[arg(long = "mem-capacity", value_name = "BYTES", default_value_t = capwasi_memfs::DEFAULT_CAPACITY)]
    mem_capacity: u64,
}

/// The in-memory directories of one run, and what to save where afterwards.
pub struct MemDirs {
    fs: Option<MemFs>,
    /// The guest's realtime clock, known once the context is built: file times follow it,
    /// so a `--deterministic` run stamps files deterministically too.
    clock: Arc<GuestRealtime>,
    /// (subtree in the filesystem, guest path) of each `--mem-dir`.
    granted: Vec<(String, String)>,
    saves: Vec<(String, String)>,
}

#[derive(Default)]
struct GuestRealtime(OnceLock<Arc<dyn WasiClock>>);

impl WasiClock for GuestRealtime {
    fn resolution(&self) -> Duration {
        self.0.get().map_or(Duration::from_nanos(1), |clock| clock.resolution())
    }
    fn now(&self) -> Option<Duration> {
        match self.0.get() {
            Some(clock) => clock.now(),
            // Before the program starts: loading keeps the source's own times anyway.
            None => capwasi::clocks::SystemClock.now(),
        }
    }
}

impl MemDirArgs {
    /// Fills the in-memory filesystem and grants its directories on `builder`.
    pub fn preopen(&self, builder: &mut WasiCtxBuilder) -> Result<MemDirs> {
        let clock = Arc::new(GuestRealtime::default());
        let mut dirs = MemDirs { fs: None, clock: Arc::clone(&clock), granted: Vec::new(), saves: Vec::new() };
        if self.mem_dirs.is_empty() {
            if let Some(save) = self.mem_saves.first() {
                bail!("--mem-save `{save}`: no --mem-dir to save");
            }
            return Ok(dirs);
        }
        let fs = MemFs::builder().capacity(self.mem_capacity).clock(clock).build();
        for (index, spec) in self.mem_dirs.iter().enumerate() {
            let (rest, read_only) = match spec.strip_suffix(":ro").or_else(|| spec.strip_suffix(":readonly")) {
                Some(rest) => (rest, true),
                None => (spec.as_str(), false),
            };
            let (source, guest) = match rest.split_once("::") {
                Some((source, guest)) => (Some(source), guest),
                None => (None, rest),
            };
            if guest.is_empty() || source == Some("") {
                bail!("--mem-dir `{spec}`: expected [SRC::]GUEST[:ro]");
            }
            let at = format!("mem{index}");
            fs.create_dir_all(&at)?;
            if let Some(source) = source {
                load(&fs, &at, Path::new(source)).with_context(|| format!("--mem-dir `{spec}`: cannot load `{source}`"))?;
            }
            let dir = fs.open_dir(&at)?;
            if read_only {
                builder.preopened_dir_read_only(dir, guest);
            } else {
                builder.preopened_dir(dir, guest);
            }
            dirs.granted.push((at, guest.to_string()));
        }
        for spec in &self.mem_saves {
            let Some((guest, dest)) = spec.split_once("::").filter(|(g, d)| !g.is_empty() && !d.is_empty()) else {
                bail!("--mem-save `{spec}`: expected GUEST::DEST");
            };
            let Some((at, _)) = dirs.granted.iter().find(|(_, granted)| granted == guest) else {
                bail!("--mem-save `{spec}`: no --mem-dir is granted as `{guest}`");
            };
            dirs.saves.push((at.clone(), dest.to_string()));
        }
        dirs.fs = Some(fs);
        Ok(dirs)
    }
}

impl MemDirs {
    /// Stamps file changes with the guest's realtime clock from now on.
    pub fn follow_clock(&self, realtime: Arc<dyn WasiClock>) {
        let _ = self.clock.0.set(realtime);
    }

    /// Writes out every `--mem-save`.
    pub fn save(&self) -> Result<()> {
        let Some(fs) = &self.fs else { return Ok(()) };
        for (at, dest) in &self.saves {
            let dest_path = Path::new(dest);
            if is_tar(dest_path) {
                let file = std::fs::File::create(dest_path).with_context(|| format!("--mem-save: cannot create `{dest}`"))?;
                fs.save_tar_from(at, std::io::BufWriter::new(file)).with_context(|| format!("--mem-save: writing `{dest}`"))?;
            } else {
                std::fs::create_dir_all(dest_path).with_context(|| format!("--mem-save: cannot create `{dest}`"))?;
                fs.save_dir_from(at, dest_path).with_context(|| format!("--mem-save: writing `{dest}`"))?;
            }
        }
        Ok(())
    }
}

fn is_tar(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext == "tar")
}

fn load(fs: &MemFs, at: &str, source: &Path) -> Result<()> {
    if source.is_dir() {
        fs.load_dir_into(source, at)?;
    } else if is_tar(source) {
        let file = std::fs::File::open(source)?;
        fs.load_tar_into(std::io::BufReader::new(file), at)?;
    } else {
        bail!("not a directory or a .tar archive");
    }
    Ok(())
}
