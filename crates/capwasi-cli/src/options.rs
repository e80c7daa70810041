//! Options shared by `run` and `compile`, spelled as `wasmtime` spells them: `-W` (WebAssembly
//! features), `-C` (codegen: the compilation cache), and `-S` (WASI options).

use clap::Args;
use std::path::PathBuf;
use crate::cache::{ModuleCache, DEFAULT_MAX_BYTES};
use wasmtime::{bail, format_err, Config, Engine, Result};

/// How to build the engine.
#[derive(Args, Debug, Default)]
pub struct EngineArgs {
    /// Switch WebAssembly features: NAME[=y|n],... (e.g. `-W threads=y,shared-memory=y`).
    #[arg(short = 'W', value_name = "NAME[=y|n],...")]
    wasm: Vec<String>,

    /// Codegen options: `cache=y|n` (compilation cache, on by default), `cache-dir=PATH`,
    /// `cache-max-size=BYTES` (least recently used entries go beyond it; default 2 GiB).
    #[arg(short = 'C', value_name = "NAME[=VALUE],...")]
    codegen: Vec<String>,

    /// Turn the compilation cache off (same as `-C cache=n`).
    #[arg(long)]
    no_cache: bool,
}

/// Limits for untrusted programs, from `-W max-memory-size=`, `-W timeout=` and `--fuel`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GuardRails {
    /// Most bytes any one linear memory may grow to.
    pub max_memory_size: Option<usize>,
    /// Wall-clock time after which running wasm traps (epoch interruption).
    pub timeout: Option<std::time::Duration>,
    /// Fuel the program may burn (roughly one unit per wasm instruction).
    pub fuel: Option<u64>,
}

/// An engine ready for one program.
pub struct EngineSetup {
    /// The engine.
    pub engine: Engine,
    /// Whether `-W threads` was given.
    pub wasm_threads: bool,
    /// The compilation cache, unless turned off.
    pub cache: Option<ModuleCache>,
    /// Limits to apply to every store.
    pub guard_rails: GuardRails,
}

impl EngineArgs {
    /// The engine, with threads and shared memory forced on when `threads` (wasi-threads) is
    /// set, and fuel metering on when `fuel` is given.
    pub fn engine(&self, threads: bool, fuel: Option<u64>) -> Result<EngineSetup> {
        let mut config = Config::new();
        let (switches, mut guard_rails) = split_guard_rails(&self.wasm)?;
        guard_rails.fuel = fuel;
        let wasm_threads = apply_wasm_features(&mut config, &switches)?;
        if threads || wasm_threads {
            config.wasm_threads(true).shared_memory(true);
        }
        config.epoch_interruption(guard_rails.timeout.is_some());
        config.consume_fuel(guard_rails.fuel.is_some());
        let cache = self.module_cache()?;
        config.parallel_compilation(true);
        Ok(EngineSetup { engine: Engine::new(&config)?, wasm_threads, cache, guard_rails })
    }

    fn module_cache(&self) -> Result<Option<ModuleCache>> {
        let settings = self.cache_settings()?;
        if !settings.on {
            return Ok(None);
        }
        let dir = match settings.dir {
            Some(dir) => dir,
            None => default_cache_dir()?,
        };
        Ok(Some(ModuleCache::new(dir, settings.max_bytes)))
    }

    fn cache_settings(&self) -> Result<CacheSettings> {
        let mut settings = CacheSettings { on: !self.no_cache, dir: None, max_bytes: DEFAULT_MAX_BYTES };
        for item in self.codegen.iter().flat_map(|list| list.split(',')).filter(|item| !item.is_empty()) {
            match item.split_once('=').unwrap_or((item, "y")) {
                ("cache", "y" | "yes" | "true") => settings.on = !self.no_cache,
                ("cache", "n" | "no" | "false") => settings.on = false,
                ("cache-dir", path) => settings.dir = Some(PathBuf::from(path)),
                ("cache-max-size", bytes) => {
                    settings.max_bytes = bytes.parse().map_err(|_| format_err!("-C {item}: expected a size in bytes"))?
                }
                _ => bail!("-C {item}: unknown codegen option (known: cache=y|n, cache-dir=PATH, cache-max-size=BYTES)"),
            }
        }
        Ok(settings)
    }
}

/// What `-C` and `--no-cache` say of the compilation cache.
struct CacheSettings {
    on: bool,
    dir: Option<PathBuf>,
    max_bytes: u64,
}

/// `$XDG_CACHE_HOME/capwasi`, else `$HOME/.cache/capwasi`.
fn default_cache_dir() -> Result<PathBuf> {
    if let Some(dir) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir).join("capwasi"));
    }
    match std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        Some(home) => Ok(PathBuf::from(home).join(".cache/capwasi")),
        None => bail!("no cache directory: set HOME or XDG_CACHE_HOME, pass -C cache-dir=PATH, or -C cache=n"),
    }
}

/// Takes the valued `-W` options (`max-memory-size=BYTES`, `timeout=DURATION`) out of the
/// lists, leaving the on/off feature switches.
fn split_guard_rails(lists: &[String]) -> Result<(Vec<String>, GuardRails)> {
    let mut rails = GuardRails::default();
    let mut rest = Vec::new();
    for item in lists.iter().flat_map(|list| list.split(',')).filter(|item| !item.is_empty()) {
        match item.split_once('=') {
            Some(("max-memory-size", bytes)) => {
                rails.max_memory_size = Some(bytes.parse().map_err(|_| format_err!("-W {item}: expected a size in bytes"))?);
            }
            Some(("timeout", duration)) => rails.timeout = Some(parse_duration(duration).ok_or_else(|| format_err!("-W {item}: expected a duration such as 500ms, 10s or 2m"))?),
            _ => rest.push(item.to_string()),
        }
    }
    Ok((rest, rails))
}

/// `500ms`, `10s`, `2m`, `1h`, or bare seconds.
fn parse_duration(text: &str) -> Option<std::time::Duration> {
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: u64 = number.parse().ok()?;
    Some(match unit {
        "ms" => std::time::Duration::from_millis(number),
        "" | "s" => std::time::Duration::from_secs(number),
        "m" => std::time::Duration::from_secs(number.checked_mul(60)?),
        "h" => std::time::Duration::from_secs(number.checked_mul(3600)?),
        _ => return None,
    })
}

/// Parses `NAME[=y|n],...` lists: a bare NAME means yes.
fn switches(lists: &[String]) -> Result<Vec<(String, bool)>> {
    let mut out = Vec::new();
    for item in lists.iter().flat_map(|list| list.split(',')).filter(|item| !item.is_empty()) {
        let (name, value) = item.split_once('=').unwrap_or((item, "y"));
        let on = match value {
            "y" | "yes" | "true" => true,
            "n" | "no" | "false" => false,
            _ => bail!("`{item}`: expected NAME, NAME=y or NAME=n"),
        };
        out.push((name.to_string(), on));
    }
    Ok(out)
}

/// A Wasmtime setting that switches one proposal.
type FeatureSwitch = fn(&mut Config, bool) -> &mut Config;

/// The wasm proposals `-W` can switch, with the Wasmtime setting behind each.
const WASM_FEATURES: &[(&str, FeatureSwitch)] = &[
    ("bulk-memory", Config::wasm_bulk_memory),
    ("exceptions", Config::wasm_exceptions),
    ("extended-const", Config::wasm_extended_const),
    ("function-references", Config::wasm_function_references),
    ("gc", Config::wasm_gc),
    ("memory64", Config::wasm_memory64),
    ("multi-memory", Config::wasm_multi_memory),
    ("multi-value", Config::wasm_multi_value),
    ("reference-types", Config::wasm_reference_types),
    ("relaxed-simd", Config::wasm_relaxed_simd),
    ("shared-memory", Config::shared_memory),
    ("simd", Config::wasm_simd),
    ("tail-call", Config::wasm_tail_call),
    ("threads", Config::wasm_threads),
    ("wide-arithmetic", Config::wasm_wide_arithmetic),
];

/// The `-W` switch a module needs, read from the engine's refusal to compile it ("exceptions
/// proposal not enabled", "SIMD support is not enabled", ...), so the error can name the flag.
pub fn feature_needed(err: &wasmtime::Error) -> Option<&'static str> {
    let message = format!("{err:#}").to_lowercase();
    if !(message.contains("not enabled") || message.contains("must be enabled") || message.contains("required")) {
        return None;
    }
    // Longer names first: "relaxed simd" before "simd", "shared memor" before "memory64".
    const NAMES: &[(&str, &str)] = &[
        ("exceptions", "exceptions"),
        ("relaxed simd", "relaxed-simd"),
        ("simd", "simd"),
        ("shared memor", "threads"),
        ("threads", "threads"),
        ("reference types", "reference-types"),
        ("bulk memory", "bulk-memory"),
        ("multi-memory", "multi-memory"),
        ("multiple memories", "multi-memory"),
        ("tail call", "tail-call"),
        ("memory64", "memory64"),
        ("function references", "function-references"),
        ("gc proposal", "gc"),
        ("extended const", "extended-const"),
        ("wide arithmetic", "wide-arithmetic"),
        ("multi-value", "multi-value"),
    ];
    NAMES.iter().find(|(needle, _)| message.contains(needle)).map(|&(_, flag)| flag)
}

/// WASI options `-S` understands.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WasiOptions {
    /// `-S threads`: wasi-threads (`thread-spawn`) with a shared memory.
    pub threads: bool,
    /// `-S renumber-like-dup2`: `fd_renumber` onto a number that is not open moves the
    /// descriptor there, as POSIX `dup2` (a departure from the spec, which says `badf`).
    pub renumber_like_dup2: bool,
}

/// Applies `-W` switches to `config`; returns whether threads end up enabled.
fn apply_wasm_features(config: &mut Config, lists: &[String]) -> Result<bool> {
    let mut threads = false;
    for (name, on) in switches(lists)? {
        let Some((_, set)) = WASM_FEATURES.iter().find(|(known, _)| *known == name) else {
            let known: Vec<_> = WASM_FEATURES.iter().map(|(name, _)| *name).collect();
            bail!("-W {name}: unknown WebAssembly feature (known: {})", known.join(", "));
        };
        set(config, on);
        if name == "threads" {
            threads = on;
        }
    }
    Ok(threads)
}

/// Parses `-S` switches.
pub fn wasi_options(lists: &[String]) -> Result<WasiOptions> {
    let mut options = WasiOptions::default();
    for (name, on) in switches(lists)? {
        match name.as_str() {
            "threads" => options.threads = on,
            "renumber-like-dup2" => options.renumber_like_dup2 = on,
            _ => bail!("-S {name}: unknown WASI option (known: threads, renumber-like-dup2)"),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switches_accept_bare_yes_and_no_forms() {
        let parsed = switches(&["threads,shared-memory=y".into(), "simd=n".into()]).unwrap();
        assert_eq!(parsed, [("threads".into(), true), ("shared-memory".into(), true), ("simd".into(), false)]);
        assert!(switches(&["simd=maybe".into()]).is_err());
    }

    #[test]
    fn guard_rails_are_taken_out_of_the_feature_switches() {
        let (rest, rails) = split_guard_rails(&["simd=n,max-memory-size=65536,timeout=250ms".into()]).unwrap();
        assert_eq!(rest, ["simd=n"]);
        assert_eq!(rails.max_memory_size, Some(65536));
        assert_eq!(rails.timeout, Some(std::time::Duration::from_millis(250)));
        assert!(split_guard_rails(&["timeout=soon".into()]).is_err());
        assert_eq!(parse_duration("2m"), Some(std::time::Duration::from_secs(120)));
    }

    #[test]
    fn unknown_names_are_errors_naming_them() {
        let err = apply_wasm_features(&mut Config::new(), &["warp-drive".into()]).unwrap_err();
        assert!(err.to_string().contains("warp-drive"), "{err}");
        assert!(wasi_options(&["preview3".into()]).is_err());
        assert_eq!(wasi_options(&["threads".into()]).unwrap(), WasiOptions { threads: true, ..WasiOptions::default() });
        assert_eq!(
            wasi_options(&["renumber-like-dup2,threads=n".into()]).unwrap(),
            WasiOptions { renumber_like_dup2: true, threads: false }
        );
    }
}
