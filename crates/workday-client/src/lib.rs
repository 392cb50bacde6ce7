//! Workday endpoint checks, OAuth requests, REST calls and error classification.

pub mod endpoints;
