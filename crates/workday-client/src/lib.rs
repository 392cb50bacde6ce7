//! Workday endpoint checks, OAuth requests, REST calls and error classification.

pub mod endpoints;
pub mod errors;
pub mod http;
pub mod oauth;
pub mod ratelimit;
pub mod rest;
pub mod retry;
