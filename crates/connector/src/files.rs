//! The app's small files on disk: the one atomic writer (a temp file in the same folder, mode 600
//! on unix, flushed, renamed over the old one, the folder synced), so a crash leaves the old file
//! or the new one, never half; and the one opener of the lock files that keep processes apart.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::paths::{HomeError, create_private_dir, private_mode};

/// Replaces `path` with `bytes` atomically and durably. The folder must exist.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = folder_of(path);
    // Same folder, so the rename cannot cross file systems and is atomic.
    let mut tmp = tempfile::NamedTempFile::new_in(&dir)?;
    // 600 whatever the temp file's default; the rename keeps the mode.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    // The rename itself is durable only once the folder is synced (unix; Windows has no
    // directory handles to sync).
    #[cfg(unix)]
    std::fs::File::open(&dir).and_then(|d| d.sync_all())?;
    Ok(())
}

/// [`write_atomically`] of `value` as pretty JSON, creating the (private) folder when absent.
pub(crate) fn write_json_atomically(path: &Path, value: &impl Serialize) -> io::Result<()> {
    create_private_dir(&folder_of(path)).map_err(io::Error::other)?;
    write_atomically(path, &serde_json::to_vec_pretty(value)?)
}

/// Opens (creating when absent) a lock file, mode 600 on unix, in a private folder. The caller
/// takes the OS lock on it; dropping the file (or the process ending) releases it.
pub(crate) fn open_lock_file(path: &Path) -> io::Result<std::fs::File> {
    if let Some(dir) = path.parent() {
        create_private_dir(dir).map_err(|e| match e {
            HomeError::CreateDir { source, .. } => source,
            HomeError::Unavailable => io::Error::other(e),
        })?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.create(true).truncate(false).write(true);
    private_mode(&mut options);
    options.open(path)
}

/// The folder a file is in ("." for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_write_replaces_the_whole_file_and_leaves_no_temp_file_behind() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        std::fs::write(&path, "old and longer than the new text").unwrap();
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn json_goes_into_a_folder_made_for_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new").join("state.json");
        write_json_atomically(&path, &serde_json::json!({"version": 1})).unwrap();
        let back: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(back, serde_json::json!({"version": 1}));
    }

    #[cfg(unix)]
    #[test]
    fn written_files_and_lock_files_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("connections.json");
        std::fs::write(&path, "{}").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        write_atomically(&path, b"{}").unwrap();
        assert_eq!(mode(&path), 0o600);
        let lock = dir.path().join("data").join("x.sqlite3.sync-lock");
        let file = open_lock_file(&lock).unwrap();
        file.try_lock().unwrap();
        assert_eq!(mode(&lock), 0o600);
        assert_eq!(mode(&dir.path().join("data")), 0o700);
    }
}
