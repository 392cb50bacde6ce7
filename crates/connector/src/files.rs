//! Writing the app's small JSON files safely: a temp file in the same folder, flushed to disk,
//! then renamed over the old one, so a crash leaves the old file or the new one, never half.

use std::path::Path;

use serde::Serialize;

pub(crate) fn write_json_atomically(path: &Path, value: &impl Serialize) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    crate::paths::create_private_dir(dir).map_err(std::io::Error::other)?;
    // A temporary file is created 600 on unix, and the rename keeps its mode.
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    serde_json::to_writer_pretty(&mut tmp, value)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
