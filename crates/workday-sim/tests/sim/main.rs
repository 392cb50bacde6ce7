//! Integration tests of the simulated tenant, through plain HTTP as a client would see it.

mod activity;
mod common;
mod compat;
mod control;
mod faults;
mod oauth;
mod rest;
