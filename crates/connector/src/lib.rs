//! The application core of Workday Connector: everything the desktop app and `wdconnect` share.
//!
//! Tauri-free by design (see `design.md`): the shell and the CLI are thin fronts over this crate.

pub mod activity;
pub mod alloc;
pub mod browser;
pub mod checks;
pub mod connections;
pub mod detections;
mod files;
pub mod forwarding;
pub mod guide;
pub mod health;
pub mod loopback;
pub mod paths;
pub mod problem;
pub mod profile;
pub mod sandbox;
pub mod secrets;
pub mod settings;
pub mod signin;
pub mod staged;
pub mod status;
pub mod tokens;

pub use problem::{Diagnose, Problem};
pub use sandbox::{Sandbox, SandboxError, SandboxInfo, SandboxOptions};
pub use status::Status;
