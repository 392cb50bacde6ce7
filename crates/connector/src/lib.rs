//! The application core of Workday Connector: everything the desktop app and `wdconnect` share.
//!
//! Tauri-free by design (see `design.md`): the shell and the CLI are thin fronts over this crate.

pub mod browser;
pub mod loopback;
pub mod problem;
pub mod sandbox;
pub mod status;

pub use problem::{Diagnose, Problem};
pub use sandbox::{Sandbox, SandboxError, SandboxInfo, SandboxOptions};
pub use status::Status;
