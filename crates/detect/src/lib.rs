//! Detections over Workday's activity log: events in, alerts out. Built-in rules with per-user
//! and per-tenant baselines, IP tags (risky, corporate) and IP-to-country from an offline MMDB.
//! Knows nothing of Workday's HTTP, the store or the UI; reads no file but rule and database
//! files.

pub mod centroids;
pub mod engine;
pub mod event;
pub mod geo;
pub mod rules;
pub mod sigma;
pub mod tags;

pub use engine::{Config, Engine, Event, Finding, Reevaluate, State};
pub use geo::{Geo, GeoError, GeoSource};
pub use rules::{Rule, SENSITIVE_TASKS, Severity};
pub use sigma::{LoadError, SigmaRule};
pub use tags::{BadEntry, Tag, Tags};
