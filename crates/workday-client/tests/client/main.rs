//! workday-client against the simulated tenant (ground truth) and a few tiny fake servers.

mod common;
mod oauth;
mod rest;
mod safety;
mod tls;
