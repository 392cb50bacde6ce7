//! Fixed loopback ports for the processes the tests start (`wdconnect connect` binds its
//! connection's redirect port, `tauri-driver` its two ports), reserved so that no two tests on
//! this machine, in this process or any other, ever hold the same one.
//!
//! Such a port cannot be handed over bound, so it is chosen, released and bound later by the
//! child. Two things keep anything else from taking it in between: the ports come from
//! 20000-29999, below the range every OS hands out on its own for outgoing connections and
//! port-0 listeners (32768+ on Linux, 49152+ on Windows and macOS); and each one is claimed by an
//! exclusive lock on a file named after it in a directory shared by every test process, held
//! until the [`ReservedPort`] is dropped (the OS releases it if the process dies).

use std::fs::{File, OpenOptions, TryLockError};
use std::net::{Ipv4Addr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

const FIRST: u32 = 20_000;
const COUNT: u32 = 10_000;

/// A loopback port free when reserved and claimed for this test until dropped.
#[derive(Debug)]
pub struct ReservedPort {
    port: u16,
    _claim: File,
}

impl ReservedPort {
    pub fn port(&self) -> u16 {
        self.port
    }
}

fn claims_dir() -> PathBuf {
    let dir = std::env::temp_dir().join("workday-connector-test-ports");
    std::fs::create_dir_all(&dir).expect("the port claims directory can be created");
    dir
}

/// Reserves a port no other test holds and nothing listens on.
pub fn reserve_port() -> ReservedPort {
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let dir = claims_dir();
    // Processes start their search at different places, so they rarely meet.
    let start = (std::process::id() % 500) * 20;
    for _ in 0..COUNT {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let port = (FIRST + (start + n) % COUNT) as u16;
        let claim = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join(format!("{port}.lock")))
            .expect("a port claim file can be opened");
        match claim.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => continue,
            Err(TryLockError::Error(e)) => panic!("cannot lock a port claim file: {e}"),
        }
        // Claimed; now make sure nothing outside the tests sits on it.
        if TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return ReservedPort {
                port,
                _claim: claim,
            };
        }
    }
    panic!(
        "no free loopback port between {FIRST} and {}",
        FIRST + COUNT - 1
    );
}
