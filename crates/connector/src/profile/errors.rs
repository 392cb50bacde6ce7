//! What goes wrong with connection profiles: the connections file (`ConfigError`) and a profile
//! that is refused, missing or named twice (`ProfileError`).

use std::io;
use std::path::PathBuf;

#[cfg(doc)]
use super::check_profile;
use super::model::{CONFIG_VERSION, ProfileFinding, Setting, range_text};
use crate::paths::HomeError;
use crate::problem::{Diagnose, Problem};

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{} cannot be read: {source}", path.display())]
    Unreadable { path: PathBuf, source: io::Error },
    #[error("{} is not a valid connections file: {detail}", path.display())]
    Corrupt { path: PathBuf, detail: String },
    #[error("{} has version {found}; this version of the app reads version {CONFIG_VERSION}", path.display())]
    UnsupportedVersion { path: PathBuf, found: u64 },
    #[error("{} could not be written: {source}", path.display())]
    WriteFailed { path: PathBuf, source: io::Error },
    #[error(transparent)]
    Home(#[from] HomeError),
}

impl ConfigError {
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::Unreadable { .. } => "config.unreadable",
            ConfigError::Corrupt { .. } => "config.corrupt",
            ConfigError::UnsupportedVersion { .. } => "config.unsupported_version",
            ConfigError::WriteFailed { .. } => "config.write_failed",
            ConfigError::Home(e) => e.code(),
        }
    }
}

impl Diagnose for ConfigError {
    fn problem(&self) -> Problem {
        let code = self.code();
        match self {
            ConfigError::Unreadable { path, source } => Problem::new(
                code,
                format!(
                    "The connections file {} cannot be read: {source}.",
                    path.display()
                ),
                format!(
                    "Make {} readable and writable for your user (or point --home elsewhere); it \
                     was left untouched.",
                    path.display()
                ),
            ),
            ConfigError::Corrupt { path, detail } => Problem::new(
                code,
                format!(
                    "The connections file {} is damaged: {detail}.",
                    path.display()
                ),
                format!(
                    "Repair {} in a text editor, or move it aside to start with no connections; \
                     the app left it untouched.",
                    path.display()
                ),
            ),
            ConfigError::UnsupportedVersion { path, found } => Problem::new(
                code,
                format!(
                    "The connections file {} was written by a newer version of the app (file \
                     version {found}, this app reads {CONFIG_VERSION}).",
                    path.display()
                ),
                "Update Workday Connector to the latest version; the file was left untouched.",
            ),
            ConfigError::WriteFailed { path, source } => Problem::new(
                code,
                format!(
                    "The connections file {} could not be saved: {source}.",
                    path.display()
                ),
                format!(
                    "Make the folder {} writable, check the disk has space and close any program \
                     that holds the file open (Windows cannot replace it then); the previous file \
                     is unchanged.",
                    path.parent().unwrap_or(path).display()
                ),
            ),
            ConfigError::Home(e) => e.problem(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    #[error("the connection name is empty")]
    NameEmpty,
    #[error("the connection name is not allowed: {reason}")]
    NameInvalid { reason: String },
    #[error("a connection named {existing:?} already exists")]
    DuplicateName { existing: String },
    #[error("no connection named {name:?}")]
    NotFound { name: String },
    /// The profile failed [`check_profile`]; every finding is kept for the fronts to show.
    #[error("the connection's values do not pass the checks ({})", findings.first().map_or("", |f| f.code))]
    Invalid { findings: Vec<ProfileFinding> },
    #[error(transparent)]
    Config(#[from] ConfigError),
}

impl ProfileError {
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::NameEmpty => "profile.name_empty",
            ProfileError::NameInvalid { .. } => "profile.name_invalid",
            ProfileError::DuplicateName { .. } => "profile.duplicate_name",
            ProfileError::NotFound { .. } => "profile.not_found",
            ProfileError::Invalid { findings } => {
                first_error(findings).map_or("profile.invalid", |f| f.code)
            }
            ProfileError::Config(e) => e.code(),
        }
    }
}

fn first_error(findings: &[ProfileFinding]) -> Option<&ProfileFinding> {
    findings.iter().find(|f| f.is_error())
}

impl Diagnose for ProfileError {
    /// Everything but the connections file itself is what the person typed or named.
    fn is_input(&self) -> bool {
        !matches!(self, ProfileError::Config(_))
    }

    fn problem(&self) -> Problem {
        let code = self.code();
        match self {
            ProfileError::NameEmpty => Problem::new(
                code,
                "The connection name is empty.",
                format!(
                    "Fill in the {}: {}.",
                    Setting::Name.label(),
                    range_text(Setting::Name)
                ),
            ),
            ProfileError::NameInvalid { reason } => Problem::new(
                code,
                format!("The connection name is not allowed: {reason}."),
                format!(
                    "Change the {} to {}.",
                    Setting::Name.label(),
                    range_text(Setting::Name)
                ),
            ),
            ProfileError::DuplicateName { existing } => Problem::new(
                code,
                format!(
                    "A connection named \"{existing}\" already exists (names ignore letter case)."
                ),
                "Choose another name, or change or remove the existing connection.",
            ),
            ProfileError::NotFound { name } => Problem::new(
                code,
                format!("There is no connection named \"{name}\"."),
                "Pick a connection from the app's Connections screen or `wdconnect list`, or add \
                 one (Add a connection, or `wdconnect add`).",
            ),
            ProfileError::Invalid { findings } => match first_error(findings) {
                // The first refusal speaks for the whole; `findings` carries the rest.
                Some(f) => Problem::new(f.code, f.message.clone(), f.fix.clone()),
                None => Problem::new(
                    code,
                    "The connection's values do not pass the checks.",
                    "Correct the values marked as errors.",
                ),
            },
            ProfileError::Config(e) => e.problem(),
        }
    }
}
