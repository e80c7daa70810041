//! `capwasi compile`: ahead-of-time compilation to a `.cwasm`.

use crate::options::EngineArgs;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use wasmtime::error::Context as _;
use wasmtime::Result;

#[derive(Args)]
pub struct CompileCommand {
    #[command(flatten)]
    engine: EngineArgs,

    /// Where to write the compiled module (default: MODULE with a .cwasm extension).
    #[arg(short = 'o', long = "output", value_name = "OUT.cwasm")]
    output: Option<PathBuf>,

    /// The module to compile (.wasm or .wat).
    #[arg(value_name = "MODULE")]
    module: PathBuf,
}

impl CompileCommand {
    pub fn execute(self) -> ExitCode {
        match self.compile() {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("error: {err:#}");
                ExitCode::from(1)
            }
        }
    }

    fn compile(&self) -> Result<()> {
        let engine = self.engine.engine(false, None)?.engine;
        let wasm = wat::parse_file(&self.module).with_context(|| format!("cannot read module `{}`", self.module.display()))?;
        let compiled = engine.precompile_module(&wasm)?;
        let output = self.output.clone().unwrap_or_else(|| self.module.with_extension("cwasm"));
        std::fs::write(&output, compiled).with_context(|| format!("cannot write `{}`", output.display()))?;
        Ok(())
    }
}
