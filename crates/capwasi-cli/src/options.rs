//! `-W` (WebAssembly features) and `-S` (WASI options), spelled as `wasmtime run` spells them.

use wasmtime::{bail, Config, Result};

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

/// The wasm proposals `-W` can switch, with the Wasmtime setting behind each.
const WASM_FEATURES: &[(&str, fn(&mut Config, bool) -> &mut Config)] = &[
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

/// WASI options `-S` understands.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct WasiOptions {
    /// `-S threads`: wasi-threads (`thread-spawn`) with a shared memory.
    pub threads: bool,
}

/// Applies `-W` switches to `config`; returns whether threads end up enabled.
pub fn apply_wasm_features(config: &mut Config, lists: &[String]) -> Result<bool> {
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
            _ => bail!("-S {name}: unknown WASI option (known: threads)"),
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
    fn unknown_names_are_errors_naming_them() {
        let err = apply_wasm_features(&mut Config::new(), &["warp-drive".into()]).unwrap_err();
        assert!(err.to_string().contains("warp-drive"), "{err}");
        assert!(wasi_options(&["preview3".into()]).is_err());
        assert_eq!(wasi_options(&["threads".into()]).unwrap(), WasiOptions { threads: true });
    }
}
