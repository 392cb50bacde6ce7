//! wdconnect.
fn main() {}
