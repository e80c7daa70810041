//! Randomness for `random_get`.
//!
//! The default is a ChaCha12 CSPRNG per host thread, each seeded from the OS, so guest threads
//! never queue behind one lock and a buffer costs no syscall. Any [`RngCore`] can replace it,
//! e.g. a seeded generator for reproducible runs.

use crate::{Errno, Error, Result};
use rand_chacha::ChaCha12Rng;
use rand_core::{RngCore, SeedableRng};
use std::cell::RefCell;
use std::sync::Mutex;

/// A source of random bytes for one context.
pub trait WasiRandom: Send + Sync + 'static {
    /// Fills `buf` entirely with random bytes.
    fn fill(&self, buf: &mut [u8]) -> Result<()>;
}

/// A CSPRNG per host thread, seeded from the operating system on first use in that thread.
#[derive(Clone, Copy, Debug, Default)]
pub struct ThreadRandom;

thread_local! {
    static THREAD_RNG: RefCell<Option<ChaCha12Rng>> = const { RefCell::new(None) };
}

impl WasiRandom for ThreadRandom {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        THREAD_RNG.with(|cell| {
            let mut slot = cell.borrow_mut();
            if slot.is_none() {
                let mut seed = [0u8; 32];
                getrandom::fill(&mut seed).map_err(|err| {
                    Error::new(Errno::Io).context(format_args!("seeding from the OS: {err}"))
                })?;
                *slot = Some(ChaCha12Rng::from_seed(seed));
            }
            slot.as_mut().expect("seeded above").fill_bytes(buf);
            Ok(())
        })
    }
}

/// Any [`RngCore`] behind a lock: one sequence shared by every thread, in call order.
pub struct LockedRng<R>(Mutex<R>);

impl<R: RngCore + Send + 'static> LockedRng<R> {
    /// Wraps `rng`.
    pub fn new(rng: R) -> LockedRng<R> {
        LockedRng(Mutex::new(rng))
    }
}

impl<R: RngCore + Send + 'static> WasiRandom for LockedRng<R> {
    fn fill(&self, buf: &mut [u8]) -> Result<()> {
        crate::lock(&self.0).fill_bytes(buf);
        Ok(())
    }
}

/// A reproducible generator: the same `seed` gives the same bytes in the same call order.
pub fn deterministic(seed: u64) -> LockedRng<ChaCha12Rng> {
    LockedRng::new(ChaCha12Rng::seed_from_u64(seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thread_random_fills_differently_each_time() {
        let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
        ThreadRandom.fill(&mut a).unwrap();
        ThreadRandom.fill(&mut b).unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0u8; 64]);
    }

    #[test]
    fn deterministic_source_repeats_for_a_seed() {
        let (mut a, mut b, mut c) = ([0u8; 32], [0u8; 32], [0u8; 32]);
        deterministic(7).fill(&mut a).unwrap();
        deterministic(7).fill(&mut b).unwrap();
        deterministic(8).fill(&mut c).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, c);
    }
}
