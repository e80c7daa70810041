//! The compilation cache of `capwasi run`.
//!
//! Each compiled module is one precompiled-module file (what `capwasi compile` writes),
//! named by a SHA-256 of the engine's compilation settings and the module's bytes. A hit
//! maps that file (`Module::deserialize_file`): nothing is decompressed or copied, code
//! pages come from the page cache and are shared by every process running the module,
//! and Wasmtime maps the linear memory's initial image from the same file instead of
//! building one in a memfd. A miss compiles, and the entry is written while the program
//! runs (a temporary file renamed into place, so readers never see half a file and a
//! mapped entry is never changed under a running program).
//!
//! Wasmtime's own cache (which capwasi used before) reads the whole entry, decompresses it
//! with zstd, copies it into fresh memory, and starts a worker thread that rewrites usage
//! statistics on every hit; on a 70 MB module that is most of a warm start's overhead.
//!
//! A module file already seen is found without reading or hashing it: a small index file,
//! named by a hash of the file's identity (device, inode, size, modification and change
//! times), holds the key of its entry. Hashing is most of a warm start of a large module
//! (SHA-256 of a 1 MB module was 18% of the whole process; a 69 MB one takes ~45 ms). Any
//! change to the file changes its change time, which no user can set back, so a changed
//! file is never taken for the old one; a file is indexed only once both times are a few
//! seconds old, so a write within the timestamps' granularity cannot go unnoticed.
//!
//! Trust: like Wasmtime's cache, entries are machine code trusted because the directory is
//! the user's own. Wasmtime still checks each entry's header against this engine (version,
//! target, settings); an entry that fails the check is compiled again and replaced.

use sha2::{Digest, Sha256};
use std::fs;
use std::hash::{Hash, Hasher};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};
use wasmtime::{Engine, Module, Result};

/// Total size of entries kept by default, in bytes; above it the least recently used go.
pub const DEFAULT_MAX_BYTES: u64 = 2 << 30;

/// A hit older than this is marked used again (one `utimensat`), so eviction by age
/// spares modules still in use without a write on every run.
const TOUCH_AFTER: Duration = Duration::from_secs(3600);

/// Entries' file extension; everything else in the directory is left alone, except the
/// temporary files of interrupted writes.
const ENTRY_EXT: &str = "cwasm";
/// Index files: the entry key of one module file, named by the file's identity.
const INDEX_EXT: &str = "key";

/// A module file changed more recently than this is not indexed by identity (see the
/// module's note).
const SETTLED: Duration = Duration::from_secs(2);

/// An index file unused this long is removed when the cache is trimmed.
const INDEX_UNUSED: Duration = Duration::from_secs(30 * 24 * 3600);
const TEMP_EXT: &str = "partial";

/// Temporary files older than this are left-overs of a killed process, not a write in
/// progress.
const STALE_TEMP: Duration = Duration::from_secs(600);

#[derive(Clone)]
pub struct ModuleCache {
    dir: PathBuf,
    max_bytes: u64,
    settled: Duration,
}

/// A module from [`ModuleCache::load`], with the cache write still running on a miss.
pub struct Loaded {
    pub module: Module,
    pending: Option<JoinHandle<Result<()>>>,
}

impl From<Module> for Loaded {
    /// A module that did not go through the cache.
    fn from(module: Module) -> Loaded {
        Loaded { module, pending: None }
    }
}

impl Loaded {
    /// Waits for the cache entry to be written. A failure to write is reported, never
    /// fatal: the program ran.
    pub fn finish(self) {
        if let Some(pending) = self.pending {
            match pending.join() {
                Ok(Ok(())) => {}
                Ok(Err(err)) => eprintln!("capwasi: warning: compilation cache not updated: {err:#}"),
                Err(_) => eprintln!("capwasi: warning: compilation cache not updated: the writer panicked"),
            }
        }
    }
}

impl ModuleCache {
    pub fn new(dir: PathBuf, max_bytes: u64) -> ModuleCache {
        ModuleCache { dir, max_bytes, settled: SETTLED }
    }

    /// The module in the file whose metadata is `meta`, if that very file (same identity)
    /// was loaded through this cache before and its entry is still there; nothing of the
    /// file is read.
    pub fn load_known(&self, engine: &Engine, meta: &fs::Metadata) -> Option<Module> {
        let index = self.index_path(engine, meta)?;
        let key = fs::read_to_string(&index).ok()?;
        if key.len() != 64 || !key.bytes().all(|byte| byte.is_ascii_hexdigit()) {
            return None;
        }
        let entry = self.dir.join(format!("{key}.{ENTRY_EXT}"));
        // SAFETY: as in `load`.
        let module = unsafe { Module::deserialize_file(engine, &entry) }.ok()?;
        touch_if_old(&entry);
        touch_if_old(&index);
        Some(module)
    }

    /// Records that the file whose metadata (taken before it was read) is `meta` holds the
    /// module of entry `key`, unless it changed too recently to be told apart by its times.
    fn remember(&self, engine: &Engine, meta: &fs::Metadata, key: &str) {
        let Some(index) = self.index_path(engine, meta) else { return };
        let settled = |time: std::io::Result<SystemTime>| {
            time.ok().and_then(|time| time.elapsed().ok()).is_some_and(|age| age >= self.settled)
        };
        if !settled(meta.modified()) || !settled(changed(meta)) || index.exists() {
            return;
        }
        let temp = index.with_extension(format!("{INDEX_EXT}.{}.{TEMP_EXT}", std::process::id()));
        if fs::write(&temp, key).and_then(|()| fs::rename(&temp, &index)).is_err() {
            let _ = fs::remove_file(&temp);
        }
    }

    /// Where the index file of a module file with metadata `meta` is (unix only).
    fn index_path(&self, engine: &Engine, meta: &fs::Metadata) -> Option<PathBuf> {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let mut sha = Sha(Sha256::new());
            engine.precompile_compatibility_hash().hash(&mut sha);
            for field in [meta.dev(), meta.ino(), meta.size()] {
                sha.0.update(field.to_le_bytes());
            }
            for (secs, nanos) in [(meta.mtime(), meta.mtime_nsec()), (meta.ctime(), meta.ctime_nsec())] {
                sha.0.update(secs.to_le_bytes());
                sha.0.update(nanos.to_le_bytes());
            }
            Some(self.dir.join(format!("{}.{INDEX_EXT}", hex(&sha.0.finalize()))))
        }
        #[cfg(not(unix))]
        {
            let _ = (engine, meta);
            None
        }
    }

    /// The module for `bytes` (wasm or wat), from the cache or compiled (and then stored).
    ///
    /// `origin` is the metadata of the file `bytes` were read from (taken before reading),
    /// to find it by identity next time.
    pub fn load(&self, engine: &Engine, bytes: &[u8], origin: Option<&fs::Metadata>) -> Result<Loaded> {
        let key = key(engine, bytes);
        let entry = self.dir.join(format!("{key}.{ENTRY_EXT}"));
        // SAFETY: the entry was written by this cache (see the module's note on trust) and
        // is only ever replaced by rename, never modified in place, so the mapping stays
        // valid while the module lives; Wasmtime checks it was compiled for this engine.
        if let Ok(module) = unsafe { Module::deserialize_file(engine, &entry) } {
            touch_if_old(&entry);
            if let Some(meta) = origin {
                self.remember(engine, meta, &key);
            }
            return Ok(Loaded { module, pending: None });
        }
        let module = Module::new(engine, bytes)?;
        let (to_store, cache, engine, origin) = (module.clone(), self.clone(), engine.clone(), origin.cloned());
        let pending = std::thread::Builder::new().name("capwasi-cache-write".into()).spawn(move || {
            store(&cache.dir, &entry, &to_store.serialize()?, cache.max_bytes)?;
            if let Some(meta) = origin {
                cache.remember(&engine, &meta, &key);
            }
            Ok(())
        })?;
        Ok(Loaded { module, pending: Some(pending) })
    }
}

/// SHA-256 as a `Hasher`, for the engine's compatibility hash (only the digest is read).
struct Sha(Sha256);

impl Hasher for Sha {
    fn write(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finish(&self) -> u64 {
        unreachable!("only the digest is read")
    }
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A file's change time (`ctime`), which only the kernel sets.
fn changed(meta: &fs::Metadata) -> std::io::Result<SystemTime> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let since_epoch = Duration::new(meta.ctime().max(0) as u64, meta.ctime_nsec().clamp(0, 999_999_999) as u32);
        Ok(SystemTime::UNIX_EPOCH + since_epoch)
    }
    #[cfg(not(unix))]
    {
        meta.modified()
    }
}

/// The entry's name: SHA-256 over the engine's compatibility hash and the module bytes.
fn key(engine: &Engine, bytes: &[u8]) -> String {
    let mut sha = Sha(Sha256::new());
    engine.precompile_compatibility_hash().hash(&mut sha);
    sha.0.update((bytes.len() as u64).to_le_bytes());
    sha.0.update(bytes);
    hex(&sha.0.finalize())
}

/// Writes `compiled` as `entry`, then trims the cache to `max_bytes`.
fn store(dir: &Path, entry: &Path, compiled: &[u8], max_bytes: u64) -> Result<()> {
    use wasmtime::error::Context as _;
    fs::create_dir_all(dir).with_context(|| format!("cannot create `{}`", dir.display()))?;
    let temp = entry.with_extension(format!("{}.{TEMP_EXT}", std::process::id()));
    let written = fs::File::create(&temp)
        .and_then(|mut file| file.write_all(compiled))
        .and_then(|()| fs::rename(&temp, entry));
    if let Err(err) = written {
        let _ = fs::remove_file(&temp);
        return Err(err).with_context(|| format!("cannot write `{}`", entry.display()));
    }
    evict(dir, max_bytes, entry);
    Ok(())
}

/// Removes the least recently used entries until the rest fit in `max_bytes` (`keep`, just
/// written, stays), and temporary files of writes that were interrupted.
fn evict(dir: &Path, max_bytes: u64, keep: &Path) {
    let Ok(listing) = fs::read_dir(dir) else { return };
    let now = SystemTime::now();
    let mut entries = Vec::new();
    for item in listing.flatten() {
        let path = item.path();
        let Ok(meta) = item.metadata() else { continue };
        let modified = meta.modified().unwrap_or(now);
        match path.extension().and_then(|ext| ext.to_str()) {
            Some(ENTRY_EXT) if meta.is_file() => entries.push((modified, meta.len(), path)),
            Some(INDEX_EXT) if now.duration_since(modified).is_ok_and(|age| age > INDEX_UNUSED) => {
                let _ = fs::remove_file(&path);
            }
            Some(TEMP_EXT) if now.duration_since(modified).is_ok_and(|age| age > STALE_TEMP) => {
                let _ = fs::remove_file(&path);
            }
            _ => {}
        }
    }
    let mut total: u64 = entries.iter().map(|(_, len, _)| len).sum();
    entries.sort();
    for (_, len, path) in entries {
        if total <= max_bytes {
            break;
        }
        if path != keep && fs::remove_file(&path).is_ok() {
            total -= len;
        }
    }
}

/// Marks a hit as recently used when its mark is old (see [`TOUCH_AFTER`]).
fn touch_if_old(entry: &Path) {
    let Ok(meta) = fs::metadata(entry) else { return };
    let old = meta.modified().ok().and_then(|time| time.elapsed().ok()).is_some_and(|age| age > TOUCH_AFTER);
    if old && let Ok(file) = fs::File::options().append(true).open(entry) {
        let _ = file.set_modified(SystemTime::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = r#"(module (func (export "answer") (result i32) i32.const 42))"#;

    fn answer(module: &Module) -> i32 {
        let mut store = wasmtime::Store::new(module.engine(), ());
        let instance = wasmtime::Instance::new(&mut store, module, &[]).unwrap();
        instance.get_typed_func::<(), i32>(&mut store, "answer").unwrap().call(&mut store, ()).unwrap()
    }

    fn entries(dir: &Path) -> Vec<PathBuf> {
        let mut found: Vec<PathBuf> = fs::read_dir(dir).unwrap().map(|item| item.unwrap().path()).collect();
        found.sort();
        found
    }

    #[test]
    fn a_miss_stores_one_entry_and_the_next_load_maps_it() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = ModuleCache::new(dir.path().join("c"), DEFAULT_MAX_BYTES);
        let first = cache.load(&engine, ANSWER.as_bytes(), None).unwrap();
        assert!(first.pending.is_some(), "a miss writes an entry");
        assert_eq!(answer(&first.module), 42);
        first.finish();
        let stored = entries(&dir.path().join("c"));
        assert_eq!(stored.len(), 1, "{stored:?}");
        assert_eq!(stored[0].extension().unwrap(), ENTRY_EXT);

        let second = cache.load(&engine, ANSWER.as_bytes(), None).unwrap();
        assert!(second.pending.is_none(), "the second load is a hit");
        assert_eq!(answer(&second.module), 42);
        assert_eq!(entries(&dir.path().join("c")), stored);
    }

    #[test]
    fn a_module_file_seen_before_is_found_by_its_identity_and_a_changed_one_is_not() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let mut cache = ModuleCache::new(dir.path().join("c"), DEFAULT_MAX_BYTES);
        cache.settled = Duration::ZERO;
        let file = dir.path().join("answer.wat");
        fs::write(&file, ANSWER).unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert!(cache.load_known(&engine, &meta).is_none(), "nothing is indexed yet");
        cache.load(&engine, ANSWER.as_bytes(), Some(&meta)).unwrap().finish();
        let known = cache.load_known(&engine, &fs::metadata(&file).unwrap()).expect("found by identity");
        assert_eq!(answer(&known), 42);

        // Same size, other content, one timestamp tick later (the real cache also waits for
        // the times to settle): the change time moved, so the old entry is not taken.
        std::thread::sleep(Duration::from_millis(50));
        let changed = ANSWER.replace("42", "43");
        fs::write(&file, &changed).unwrap();
        let meta = fs::metadata(&file).unwrap();
        assert!(cache.load_known(&engine, &meta).is_none(), "a changed file is not the file indexed");
        let loaded = cache.load(&engine, changed.as_bytes(), Some(&meta)).unwrap();
        assert_eq!(answer(&loaded.module), 43);
        loaded.finish();
        assert_eq!(answer(&cache.load_known(&engine, &fs::metadata(&file).unwrap()).unwrap()), 43);
    }

    #[test]
    fn a_file_changed_moments_ago_is_not_indexed() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = ModuleCache::new(dir.path().join("c"), DEFAULT_MAX_BYTES);
        let file = dir.path().join("answer.wat");
        fs::write(&file, ANSWER).unwrap();
        let meta = fs::metadata(&file).unwrap();
        cache.load(&engine, ANSWER.as_bytes(), Some(&meta)).unwrap().finish();
        cache.load(&engine, ANSWER.as_bytes(), Some(&meta)).unwrap().finish();
        assert!(cache.load_known(&engine, &meta).is_none(), "written just now: its times could still repeat");
        let stored = entries(&dir.path().join("c"));
        assert_eq!(stored.len(), 1, "only the entry, no index: {stored:?}");
    }

    #[test]
    fn a_corrupt_entry_is_compiled_again_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let engine = Engine::default();
        let cache = ModuleCache::new(dir.path().to_path_buf(), DEFAULT_MAX_BYTES);
        cache.load(&engine, ANSWER.as_bytes(), None).unwrap().finish();
        let entry = entries(dir.path()).remove(0);
        let good = fs::read(&entry).unwrap();
        fs::write(&entry, b"\x7fELF not a module").unwrap();

        let reloaded = cache.load(&engine, ANSWER.as_bytes(), None).unwrap();
        assert!(reloaded.pending.is_some(), "a corrupt entry is a miss");
        assert_eq!(answer(&reloaded.module), 42);
        reloaded.finish();
        assert_eq!(fs::read(&entry).unwrap().len(), good.len(), "the entry was rewritten whole");
    }

    #[test]
    fn engines_with_other_settings_and_other_modules_get_their_own_entries() {
        let engine = Engine::default();
        let mut config = wasmtime::Config::new();
        config.consume_fuel(true);
        let fuel = Engine::new(&config).unwrap();
        let other = ANSWER.replace("42", "43");
        let keys = [key(&engine, ANSWER.as_bytes()), key(&fuel, ANSWER.as_bytes()), key(&engine, other.as_bytes())];
        assert_ne!(keys[0], keys[1]);
        assert_ne!(keys[0], keys[2]);
        assert_eq!(keys[0], key(&Engine::default(), ANSWER.as_bytes()), "the key is stable across engines alike");
    }

    #[test]
    fn eviction_drops_the_least_recently_used_first_and_stale_temporaries() {
        let dir = tempfile::tempdir().unwrap();
        let age = |path: &Path, secs: u64| {
            let file = fs::File::options().append(true).open(path).unwrap();
            file.set_modified(SystemTime::now() - Duration::from_secs(secs)).unwrap();
        };
        for (name, secs) in [("old.cwasm", 300), ("mid.cwasm", 200), ("new.cwasm", 100)] {
            fs::write(dir.path().join(name), [0u8; 1000]).unwrap();
            age(&dir.path().join(name), secs);
        }
        fs::write(dir.path().join("x.123.partial"), b"left by a killed run").unwrap();
        age(&dir.path().join("x.123.partial"), 3600);
        fs::write(dir.path().join("y.456.partial"), b"being written").unwrap();
        fs::write(dir.path().join("notes.txt"), b"not ours").unwrap();
        fs::write(dir.path().join("unused.key"), b"an index file nobody used for long").unwrap();
        age(&dir.path().join("unused.key"), INDEX_UNUSED.as_secs() + 60);
        fs::write(dir.path().join("used.key"), b"an index file in use").unwrap();

        evict(dir.path(), 2000, &dir.path().join("old.cwasm"));
        let names: Vec<String> =
            entries(dir.path()).iter().map(|path| path.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["new.cwasm", "notes.txt", "old.cwasm", "used.key", "y.456.partial"]);
    }
}
