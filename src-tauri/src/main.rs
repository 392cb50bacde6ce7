//! Entry point of the `workday-connector` desktop binary; the work is in the library.

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    workday_connector_lib::run();
}
