//! Start-up phase times: with `CAPWASI_STARTUP_TIMES=1` in its environment, `capwasi run`
//! prints on stderr how long each phase before the program's first instruction took (engine
//! set-up, module loading, context building, linking, instantiation), so a slow start can be
//! attributed without a profiler. Off, it costs one environment lookup.

use std::time::{Duration, Instant};

pub const ENV: &str = "CAPWASI_STARTUP_TIMES";

pub struct Phases {
    /// When the last phase ended; `None` when off.
    last: Option<Instant>,
    ended: Vec<(&'static str, Duration)>,
}

impl Phases {
    /// Starts the clock if the environment asks for times.
    pub fn start() -> Phases {
        let on = std::env::var_os(ENV).is_some_and(|value| value != "0" && !value.is_empty());
        Phases { last: on.then(Instant::now), ended: Vec::new() }
    }

    /// Ends the phase called `name`.
    pub fn end(&mut self, name: &'static str) {
        if let Some(last) = self.last {
            let now = Instant::now();
            self.ended.push((name, now - last));
            self.last = Some(now);
        }
    }

    /// Prints the phases, one line: `capwasi: start-up: engine 140µs, module 160µs, ...`.
    pub fn report(&self) {
        if self.last.is_none() {
            return;
        }
        let total: Duration = self.ended.iter().map(|(_, took)| *took).sum();
        let phases: Vec<String> = self.ended.iter().map(|(name, took)| format!("{name} {}µs", took.as_micros())).collect();
        eprintln!("capwasi: start-up: {} (total {}µs)", phases.join(", "), total.as_micros());
    }
}
