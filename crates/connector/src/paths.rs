//! Where the app keeps its files: the home directory (`--home`, `WDCONNECT_HOME` or the OS config
//! directory) and the paths inside it. Nothing here reads or writes the files themselves.

use std::ffi::OsString;
use std::io;
use std::path::{Path, PathBuf};

use crate::problem::{Diagnose, Problem};

/// The environment variable that overrides the home when `--home` is not given.
pub const HOME_ENV: &str = "WDCONNECT_HOME";

/// The directory name under the OS config and data directories.
const APP_DIR: &str = "workday-connector";

/// The app's directories. `root` holds the configuration; `data_dir` the activity store; both are
/// the same tree when a home is given explicitly, so one `--home` isolates everything (tests, a
/// second installation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    root: PathBuf,
    data_dir: PathBuf,
    logs_dir: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum HomeError {
    #[error("this system has no configuration directory for the app")]
    Unavailable,
    #[error("could not create the directory {}: {source}", path.display())]
    CreateDir { path: PathBuf, source: io::Error },
}

impl HomeError {
    pub fn code(&self) -> &'static str {
        match self {
            HomeError::Unavailable => "home.unavailable",
            HomeError::CreateDir { .. } => "home.create_failed",
        }
    }
}

impl Diagnose for HomeError {
    fn problem(&self) -> Problem {
        let code = self.code();
        match self {
            HomeError::Unavailable => Problem::new(
                code,
                "This system reports no configuration directory, so the app has nowhere to keep \
                 its connections.",
                format!(
                    "Pass --home DIR to wdconnect, or set the environment variable {HOME_ENV} to a \
                     directory the app may write to."
                ),
            ),
            HomeError::CreateDir { path, source } => Problem::new(
                code,
                format!(
                    "Could not create the directory {}: {source}.",
                    path.display()
                ),
                format!(
                    "Make {} writable for your user, or choose another home with --home DIR or \
                     {HOME_ENV}.",
                    path.display()
                ),
            ),
        }
    }
}

impl Home {
    /// `--home DIR` first, then `WDCONNECT_HOME`, else the OS config directory
    /// (`~/.config/workday-connector` on Linux, `~/Library/Application Support/workday-connector`
    /// on macOS, `%APPDATA%\workday-connector` on Windows). Creates nothing.
    pub fn resolve(cli_home: Option<PathBuf>) -> Result<Home, HomeError> {
        Self::resolve_from(
            cli_home,
            std::env::var_os(HOME_ENV),
            dirs::config_dir(),
            dirs::data_dir(),
        )
    }

    /// The resolution rules with every input explicit, so tests need not touch the environment.
    fn resolve_from(
        cli_home: Option<PathBuf>,
        env_home: Option<OsString>,
        config_dir: Option<PathBuf>,
        data_dir: Option<PathBuf>,
    ) -> Result<Home, HomeError> {
        // An empty value is "not set": `WDCONNECT_HOME= wdconnect ...` must not mean the cwd.
        let explicit = cli_home
            .filter(|p| !p.as_os_str().is_empty())
            .or_else(|| env_home.filter(|v| !v.is_empty()).map(PathBuf::from));
        if let Some(dir) = explicit {
            return Ok(Home::at(dir));
        }
        let root = config_dir.ok_or(HomeError::Unavailable)?.join(APP_DIR);
        let data_dir = data_dir.map_or_else(|| root.join("data"), |d| d.join(APP_DIR));
        let logs_dir = data_dir.join("logs");
        Ok(Home {
            root,
            data_dir,
            logs_dir,
        })
    }

    /// A home at an explicit directory, with the data and logs inside it. A relative path is made
    /// absolute against the current directory, so it keeps meaning the same place later.
    pub fn at(dir: impl Into<PathBuf>) -> Home {
        let dir = dir.into();
        let root = std::path::absolute(&dir).unwrap_or(dir);
        Home {
            data_dir: root.join("data"),
            logs_dir: root.join("logs"),
            root,
        }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The connection profiles (`connections.json`): what the user configured.
    pub fn config_file(&self) -> PathBuf {
        self.root.join("connections.json")
    }

    /// Runtime facts such as each connection's last check and status (`state.json`), kept apart
    /// from the configuration so that frequent writes never risk the user's settings.
    pub fn state_file(&self) -> PathBuf {
        self.root.join("state.json")
    }

    /// Where the activity store lives.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    pub fn logs_dir(&self) -> &Path {
        &self.logs_dir
    }

    /// Creates the root, data and logs directories where missing (mode 700 on unix).
    pub fn ensure_dirs(&self) -> Result<(), HomeError> {
        for dir in [&self.root, &self.data_dir, &self.logs_dir] {
            create_private_dir(dir)?;
        }
        Ok(())
    }
}

/// Creates `dir` and its missing parents, readable by the user only on unix: the directory names
/// the user's tenants and holds their activity. An existing `dir` is made private too (parents
/// that existed are left alone: they are not the app's).
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), HomeError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    let failed = |source| HomeError::CreateDir {
        path: dir.to_owned(),
        source,
    };
    builder.create(dir).map_err(failed)?;
    restrict(dir, true).map_err(failed)
}

/// Creates or truncates a file the app writes for the user (an export), readable by the user
/// only on unix, also when it replaces an older file that was not.
pub fn create_private_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(true).write(true);
    let file = private_mode(&mut options).open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if file.metadata()?.is_file() {
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
    }
    Ok(file)
}

/// Files the app creates are readable by the user only (mode 600 on unix; the umask can only
/// take permissions away). Elsewhere the user's profile folder is already private.
pub fn private_mode(options: &mut std::fs::OpenOptions) -> &mut std::fs::OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(options, 0o600);
    options
}

/// Sets a folder to 700 or a file to 600 on unix when it is looser; nothing elsewhere.
pub(crate) fn restrict(path: &Path, dir: bool) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let want = if dir { 0o700 } else { 0o600 };
        let meta = std::fs::symlink_metadata(path)?;
        if meta.permissions().mode() & 0o777 != want {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(want))?;
        }
    }
    #[cfg(not(unix))]
    let _ = (path, dir);
    Ok(())
}

/// The files the app keeps in the home's root.
const ROOT_FILES: &[&str] = &[
    "connections.json",
    "connections.json.lock",
    "state.json",
    "state.json.corrupt",
    "settings.json",
];

/// Makes the app's folders 700 and its files 600 (unix) wherever an older version or a loose
/// umask left them readable by other users: the stores hold every employee's addresses and
/// sessions. Only what the app owns is touched (a `--home` may be a folder with other files in
/// it); symbolic links are not followed. Best effort: what cannot be changed is logged.
pub fn repair_modes(home: &Home) {
    if !cfg!(unix) {
        return;
    }
    let activity = home.data_dir().join("activity");
    for dir in [home.root(), home.data_dir(), home.logs_dir(), &activity] {
        repair(dir, true);
    }
    for name in ROOT_FILES {
        repair(&home.root().join(name), false);
    }
    for (dir, prefix) in [(&activity, ""), (&home.logs_dir, "workday-connector")] {
        let Ok(entries) = std::fs::read_dir(dir) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry.file_name().to_string_lossy().starts_with(prefix) {
                repair(&entry.path(), false);
            }
        }
    }
}

/// Restricts one folder or regular file that exists; anything else is left alone.
fn repair(path: &Path, dir: bool) {
    let fits = match std::fs::symlink_metadata(path) {
        Ok(m) if dir => m.is_dir(),
        Ok(m) => m.is_file(),
        Err(_) => false,
    };
    if fits && let Err(e) = restrict(path, dir) {
        tracing::warn!(path = %path.display(), error = %e, "could not make it private to this user");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf() -> Option<PathBuf> {
        Some(PathBuf::from("/cfg"))
    }
    fn data() -> Option<PathBuf> {
        Some(PathBuf::from("/data"))
    }

    /// An absolute path on this OS: `/x` has no drive letter on Windows, so `Home::at` would
    /// give it the current one.
    fn abs(name: &str) -> PathBuf {
        if cfg!(windows) {
            PathBuf::from(format!(r"C:\{name}"))
        } else {
            PathBuf::from(format!("/{name}"))
        }
    }

    #[test]
    fn cli_home_beats_the_environment_and_the_os() {
        let (cli, env) = (abs("cli"), abs("env"));
        let home = Home::resolve_from(Some(cli.clone()), Some(env.into()), conf(), data()).unwrap();
        assert_eq!(home.root(), cli);
        assert_eq!(home.config_file(), cli.join("connections.json"));
        assert_eq!(home.state_file(), cli.join("state.json"));
        assert_eq!(home.data_dir(), cli.join("data"));
        assert_eq!(home.logs_dir(), cli.join("logs"));
    }

    #[test]
    fn the_environment_beats_the_os_and_empty_values_are_unset() {
        let env = abs("env");
        let home = Home::resolve_from(None, Some(env.clone().into()), conf(), data()).unwrap();
        assert_eq!(home.root(), env);
        assert_eq!(home.data_dir(), env.join("data"));

        let home = Home::resolve_from(Some("".into()), Some("".into()), conf(), data()).unwrap();
        assert_eq!(home.root(), Path::new("/cfg/workday-connector"));
    }

    #[test]
    fn the_os_directories_are_the_fallback() {
        let home = Home::resolve_from(None, None, conf(), data()).unwrap();
        assert_eq!(home.root(), Path::new("/cfg/workday-connector"));
        assert_eq!(
            home.config_file(),
            Path::new("/cfg/workday-connector/connections.json")
        );
        assert_eq!(home.data_dir(), Path::new("/data/workday-connector"));
        assert_eq!(home.logs_dir(), Path::new("/data/workday-connector/logs"));

        // No data directory: the data goes under the config root rather than nowhere.
        let home = Home::resolve_from(None, None, conf(), None).unwrap();
        assert_eq!(home.data_dir(), Path::new("/cfg/workday-connector/data"));
    }

    #[test]
    fn no_config_directory_is_home_unavailable() {
        let err = Home::resolve_from(None, None, None, data()).unwrap_err();
        let p = err.problem();
        assert_eq!(p.code, "home.unavailable");
        assert!(p.fix.contains("--home") && p.fix.contains(HOME_ENV), "{p}");
    }

    #[test]
    fn a_relative_home_is_made_absolute() {
        let home = Home::at("rel/home");
        assert!(home.root().is_absolute());
        assert!(home.root().ends_with("rel/home"));
    }

    #[test]
    fn ensure_dirs_creates_private_directories() {
        let tmp = tempfile::tempdir().unwrap();
        let home = Home::at(tmp.path().join("a/b"));
        home.ensure_dirs().unwrap();
        for dir in [home.root(), home.data_dir(), home.logs_dir()] {
            assert!(dir.is_dir());
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let mode = std::fs::metadata(dir).unwrap().permissions().mode() & 0o777;
                assert_eq!(mode, 0o700, "{}", dir.display());
            }
        }
        // Idempotent.
        home.ensure_dirs().unwrap();
    }

    #[test]
    fn a_file_in_the_way_is_home_create_failed() {
        let tmp = tempfile::tempdir().unwrap();
        let blocker = tmp.path().join("file");
        std::fs::write(&blocker, b"x").unwrap();
        let err = Home::at(blocker.join("home")).ensure_dirs().unwrap_err();
        assert_eq!(err.problem().code, "home.create_failed");
    }
}
