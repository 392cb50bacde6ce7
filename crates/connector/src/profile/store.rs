//! The `connections.json` file that keeps the profiles: every change a read-modify-write under
//! a lock, written atomically; a file that cannot be read or understood is never overwritten.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use serde::Serialize;

use super::checks::refuse_invalid;
use super::errors::{ConfigError, ProfileError};
use super::model::{CONFIG_VERSION, Profile, SANDBOX_CONNECTION};
use crate::files;
use crate::paths::{self, Home};

/// The file's shape on disk.
#[derive(Serialize)]
struct ConfigFileOut<'a> {
    version: u32,
    connections: &'a [Profile],
}

/// Serialises the read-modify-write cycles of this process; other processes (the CLI beside the
/// desktop app) are kept out by an OS lock on a lock file next to the config.
static WRITE_LOCK: Mutex<()> = Mutex::new(());

/// The connection profiles in `Home::config_file()` (`{"version": 1, "connections": [...]}`).
///
/// Every change is a read-modify-write under a lock, written atomically (see
/// `files::write_atomically`: mode 600 on unix, the file and its folder synced). A file that cannot be read or understood is an
/// error and is never overwritten. Calls do blocking file I/O: async callers with many of them
/// should use `spawn_blocking`.
#[derive(Debug, Clone)]
pub struct ProfileStore {
    path: PathBuf,
}

impl ProfileStore {
    /// A store on `path`, normally `Home::config_file()`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }

    /// The store of a home: its `connections.json`.
    pub fn for_home(home: &Home) -> Self {
        Self::new(home.config_file())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Every profile, in the order they were added. A missing file is no profiles.
    pub fn load(&self) -> Result<Vec<Profile>, ConfigError> {
        let text = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(ConfigError::Unreadable {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        self.parse(&text)
    }

    fn parse(&self, bytes: &[u8]) -> Result<Vec<Profile>, ConfigError> {
        // serde's messages are one line today; a Problem's message must stay one line.
        let corrupt = |detail: String| ConfigError::Corrupt {
            path: self.path.clone(),
            detail: detail.split_whitespace().collect::<Vec<_>>().join(" "),
        };
        let value: serde_json::Value =
            serde_json::from_slice(bytes).map_err(|e| corrupt(format!("invalid JSON ({e})")))?;
        let serde_json::Value::Object(mut top) = value else {
            return Err(corrupt("the top level is not a JSON object".to_owned()));
        };
        // The version first: a newer file may have any shape, and must not be called corrupt.
        let version = match top.get("version") {
            Some(v) => v
                .as_u64()
                .ok_or_else(|| corrupt("\"version\" is not a whole number".to_owned()))?,
            None => return Err(corrupt("\"version\" is missing".to_owned())),
        };
        if version > u64::from(CONFIG_VERSION) {
            return Err(ConfigError::UnsupportedVersion {
                path: self.path.clone(),
                found: version,
            });
        }
        if version < 1 {
            return Err(corrupt(format!("version {version} does not exist")));
        }
        let connections = top
            .remove("connections")
            .ok_or_else(|| corrupt("\"connections\" is missing".to_owned()))?;
        let mut profiles: Vec<Profile> = serde_json::from_value(connections)
            .map_err(|e| corrupt(format!("\"connections\" does not hold connections ({e})")))?;
        for p in &mut profiles {
            p.simulated |= is_legacy_sandbox(p);
        }
        Ok(profiles)
    }

    /// The profile called `name` (letter case ignored, as for duplicates).
    pub fn get(&self, name: &str) -> Result<Profile, ProfileError> {
        let profiles = self.load()?;
        let at = find(&profiles, name)?;
        Ok(profiles[at].clone())
    }

    /// Adds a profile after normalising and checking it; returns it as stored.
    pub fn add(&self, mut profile: Profile) -> Result<Profile, ProfileError> {
        profile.normalise();
        refuse_invalid(&profile)?;
        self.modify(|profiles| {
            if let Some(existing) = profiles.iter().find(|p| same_name(&p.name, &profile.name)) {
                return Err(ProfileError::DuplicateName {
                    existing: existing.name.clone(),
                });
            }
            profiles.push(profile.clone());
            Ok(profile)
        })
    }

    /// Changes the profile called `name` with `change` (which may rename it); the result is
    /// normalised and checked before anything is written. Returns the profile as stored.
    /// A rename does not move the connection's keyring entries: the caller does that.
    pub fn update(
        &self,
        name: &str,
        change: impl FnOnce(&mut Profile),
    ) -> Result<Profile, ProfileError> {
        self.modify(|profiles| {
            let at = find(profiles, name)?;
            let mut profile = profiles[at].clone();
            change(&mut profile);
            profile.normalise();
            refuse_invalid(&profile)?;
            if let Some(other) = profiles
                .iter()
                .enumerate()
                .find(|(i, p)| *i != at && same_name(&p.name, &profile.name))
            {
                return Err(ProfileError::DuplicateName {
                    existing: other.1.name.clone(),
                });
            }
            profiles[at] = profile.clone();
            Ok(profile)
        })
    }

    /// Removes the profile called `name` and returns it. Its secrets stay in the keyring: the
    /// caller removes them with `SecretStore::delete_all`.
    pub fn remove(&self, name: &str) -> Result<Profile, ProfileError> {
        self.modify(|profiles| {
            let at = find(profiles, name)?;
            Ok(profiles.remove(at))
        })
    }

    /// One read-modify-write: nothing is written unless `change` succeeds on a file that was read
    /// and understood.
    fn modify<T>(
        &self,
        change: impl FnOnce(&mut Vec<Profile>) -> Result<T, ProfileError>,
    ) -> Result<T, ProfileError> {
        let _in_process = WRITE_LOCK.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = self.dir();
        paths::create_private_dir(&dir).map_err(ConfigError::from)?;
        let _across_processes = self.lock_file(&dir)?;
        let mut profiles = self.load()?;
        let out = change(&mut profiles)?;
        self.write(&profiles)?;
        Ok(out)
    }

    fn dir(&self) -> PathBuf {
        match self.path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        }
    }

    /// An exclusive OS lock on `connections.json.lock`, released when the file is dropped.
    fn lock_file(&self, dir: &Path) -> Result<std::fs::File, ConfigError> {
        let mut name = self.path.file_name().unwrap_or_default().to_owned();
        name.push(".lock");
        let path = dir.join(name);
        let write_failed = |source| ConfigError::WriteFailed {
            path: path.clone(),
            source,
        };
        let file = files::open_lock_file(&path).map_err(write_failed)?;
        file.lock().map_err(write_failed)?;
        Ok(file)
    }

    fn write(&self, profiles: &[Profile]) -> Result<(), ConfigError> {
        let write_failed = |source| ConfigError::WriteFailed {
            path: self.path.clone(),
            source,
        };
        let mut json = serde_json::to_vec_pretty(&ConfigFileOut {
            version: CONFIG_VERSION,
            connections: profiles,
        })
        .map_err(|e| write_failed(io::Error::other(e)))?;
        json.push(b'\n');

        files::write_atomically(&self.path, &json).map_err(write_failed)
    }
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn find(profiles: &[Profile], name: &str) -> Result<usize, ProfileError> {
    profiles
        .iter()
        .position(|p| same_name(&p.name, name))
        .ok_or_else(|| ProfileError::NotFound {
            name: name.trim().to_owned(),
        })
}

/// A profile written before profiles said whether they are simulated, recognised as the sandbox
/// only when it can be nothing else: the exact name the sandbox created (`sandbox`, lower case:
/// a real connection that the sandbox took over kept its own spelling) and all three endpoints
/// plain HTTP on the IPv4 loopback, which no Workday tenant serves. A real connection fails at
/// least one of these, so it is never mistaken for the sandbox and overwritten.
fn is_legacy_sandbox(p: &Profile) -> bool {
    p.name == SANDBOX_CONNECTION
        && [
            &p.rest_api_endpoint,
            &p.token_endpoint,
            &p.authorization_endpoint,
        ]
        .iter()
        .all(|url| url.starts_with("http://127.0.0.1:"))
}
