//! `--trace`: one line per WASI call, from capwasi's `capwasi::call` tracing events.

use clap::Args;
use std::fmt::Write as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Mutex;
use tracing::field::{Field, Visit};
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;
use wasmtime::error::Context as _;
use wasmtime::{bail, Result};

/// Options of the call trace.
#[derive(Args, Debug, Default)]
pub struct TraceArgs {
    /// Print every WASI call (name, decoded arguments, errno, results, duration) to stderr, or
    /// to FILE with `--trace=FILE`. Buffer contents are printed only with `--trace-data`.
    #[arg(long, value_name = "FILE", num_args = 0..=1, require_equals = true)]
    trace: Option<Option<PathBuf>>,

    /// Trace only these calls: a comma list of names, `*` at the end of one matches a prefix
    /// (e.g. `path_*,fd_read`).
    #[arg(long, value_name = "CALLS", requires = "trace")]
    trace_filter: Option<String>,

    /// `text` (default) or `json` (one object per line).
    #[arg(long, value_name = "FORMAT", requires = "trace", default_value = "text")]
    trace_format: String,

    /// Also show the bytes each call moved (read, written, sent, received, random, listed),
    /// at most N per call (default 64). Off unless asked: buffers may hold secrets.
    #[arg(long, value_name = "N", requires = "trace", num_args = 0..=1, require_equals = true, default_missing_value = "64")]
    trace_data: Option<usize>,
}

impl TraceArgs {
    /// Most bytes of data to show per call (0: none).
    pub fn data_limit(&self) -> usize {
        self.trace_data.unwrap_or(0)
    }

    /// Installs the trace as the process's tracing subscriber; returns whether tracing is on.
    pub fn install(&self) -> Result<bool> {
        let Some(destination) = &self.trace else { return Ok(false) };
        let json = match self.trace_format.as_str() {
            "text" => false,
            "json" => true,
            other => bail!("--trace-format {other}: expected text or json"),
        };
        let out: Box<dyn Write + Send> = match destination {
            Some(path) => Box::new(
                std::fs::File::create(path).with_context(|| format!("--trace: cannot create `{}`", path.display()))?,
            ),
            None => Box::new(std::io::stderr()),
        };
        let filter = self
            .trace_filter
            .as_deref()
            .map(|list| list.split(',').filter(|item| !item.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let layer = CallTrace { out: Mutex::new(out), filter, json };
        tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
            .map_err(|err| wasmtime::format_err!("--trace: {err}"))?;
        Ok(true)
    }
}

/// Formats `capwasi::call` events as lines.
struct CallTrace {
    out: Mutex<Box<dyn Write + Send>>,
    filter: Vec<String>,
    json: bool,
}

impl CallTrace {
    fn wants(&self, import: &str) -> bool {
        self.filter.is_empty()
            || self.filter.iter().any(|pattern| match pattern.strip_suffix('*') {
                Some(prefix) => import.starts_with(prefix),
                None => import == pattern,
            })
    }
}

impl<S: Subscriber> Layer<S> for CallTrace {
    fn enabled(&self, metadata: &Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        metadata.target() == capwasi::abi::trace::TARGET
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut call = CallFields::default();
        event.record(&mut call);
        if !self.wants(&call.import) {
            return;
        }
        let line = if self.json {
            let data = if call.data.is_empty() { String::new() } else { format!(",\"data\":{}", json_string(&call.data)) };
            format!(
                "{{\"call\":{},\"args\":{},\"result\":{},\"returned\":{}{data},\"duration_ns\":{}}}\n",
                json_string(&call.import),
                json_string(&call.args),
                json_string(&call.result),
                json_string(&call.returned),
                call.duration_ns
            )
        } else {
            let returned = if call.returned.is_empty() { String::new() } else { format!(" {}", call.returned) };
            let data = if call.data.is_empty() { String::new() } else { format!(" data={}", call.data) };
            format!("{}({}) = {}{returned}{data} [{} ns]\n", call.import, call.args, call.result, call.duration_ns)
        };
        // One write per line, so lines from guest threads never interleave.
        let mut out = self.out.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = out.write_all(line.as_bytes());
    }
}

#[derive(Default)]
struct CallFields {
    import: String,
    args: String,
    result: String,
    returned: String,
    data: String,
    duration_ns: u64,
}

impl Visit for CallFields {
    fn record_str(&mut self, field: &Field, value: &str) {
        let slot = match field.name() {
            "import" => &mut self.import,
            "args" => &mut self.args,
            "result" => &mut self.result,
            "returned" => &mut self.returned,
            "data" => &mut self.data,
            _ => return,
        };
        slot.push_str(value);
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "duration_ns" {
            self.duration_ns = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.record_str(field, &format!("{value:?}"));
    }
}

/// `text` as a JSON string literal.
fn json_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_escape_quotes_and_controls() {
        assert_eq!(json_string("a\"b\\c\n\u{1}"), "\"a\\\"b\\\\c\\n\\u0001\"");
    }

    #[test]
    fn filter_matches_names_and_prefixes() {
        let trace = CallTrace { out: Mutex::new(Box::new(std::io::sink())), filter: vec!["path_*".into(), "fd_read".into()], json: false };
        assert!(trace.wants("path_open"));
        assert!(trace.wants("fd_read"));
        assert!(!trace.wants("fd_readdir"));
    }
}
