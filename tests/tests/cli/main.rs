//! `wdconnect` end to end: the real binary against the simulated tenant, one temporary `--home`
//! per test, asserting exit codes, error codes with useful messages and fixes, and that nothing
//! is lost or changed when a command fails. The fixture is `e2e::cli`.

mod activity;
mod alerts;
mod exports;
mod forwarding;
mod input;
mod lifecycle;
mod modes;
mod names;
mod options;
mod pipes;
mod polling;
mod rate;
mod removal;
mod sandbox;
mod signin;
mod steps;
mod sync_faults;
mod tokens;

/// Fails with the whole run when `text` lacks `needle` (case-insensitive).
#[track_caller]
fn assert_mentions(text: &str, needle: &str, context: &dyn std::fmt::Display) {
    assert!(
        text.to_lowercase().contains(&needle.to_lowercase()),
        "expected {needle:?} in {text:?}\n{context}"
    );
}
