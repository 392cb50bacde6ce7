//! Connection profiles: what a connection is (`model`), how it is checked (`checks`), what goes
//! wrong (`errors`), and the `connections.json` file that keeps them (`store`). Secrets never
//! live here: they are in the OS credential store (`crate::secrets`).

mod checks;
mod errors;
mod model;
mod store;

pub use checks::{check_profile, findings, validate_name};
pub use errors::{ConfigError, ProfileError};
pub use model::{
    CONFIG_VERSION, ClientAuth, Findings, NAME_MAX_CHARS, Profile, ProfileFinding,
    SANDBOX_CONNECTION, Setting, Subject, SyncSettings,
};
pub use store::ProfileStore;
