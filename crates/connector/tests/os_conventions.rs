//! Each OS's own conventions as the connector meets them, on the OS itself (CI runs the Windows
//! side under Wine): the default home in the OS's config folder (`%APPDATA%`,
//! `~/Library/Application Support`, `$XDG_CONFIG_HOME` or `~/.config`), and `connections.json`
//! replaced while another program has it open (Windows refuses to rename over a file opened
//! without delete sharing).

use std::path::PathBuf;

use connector::paths::Home;
use connector::profile::{Profile, ProfileStore};

fn profile(name: &str) -> Profile {
    Profile {
        client_id: "ZmM1YjE2YTgtNTc0".into(),
        rest_api_endpoint: "https://wd2-impl-services1.workday.com/ccx/api/v1/acme".into(),
        token_endpoint: "https://wd2-impl-services1.workday.com/ccx/oauth2/acme/token".into(),
        authorization_endpoint: "https://impl.workday.com/acme/authorize".into(),
        ..Profile::new(name)
    }
}

fn names(store: &ProfileStore) -> Vec<String> {
    store.load().unwrap().into_iter().map(|p| p.name).collect()
}

fn env_path(var: &str) -> Option<PathBuf> {
    std::env::var_os(var)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Where this OS keeps a user's application settings, by its own documented convention.
fn os_config_folder() -> PathBuf {
    if cfg!(windows) {
        env_path("APPDATA").expect("Windows sets %APPDATA%")
    } else if cfg!(target_os = "macos") {
        env_path("HOME")
            .expect("HOME is set")
            .join("Library/Application Support")
    } else {
        env_path("XDG_CONFIG_HOME")
            .filter(|p| p.is_absolute())
            .unwrap_or_else(|| env_path("HOME").expect("HOME is set").join(".config"))
    }
}

#[test]
fn the_default_home_is_the_os_config_folder() {
    let home = Home::resolve(None).unwrap();
    // WDCONNECT_HOME, when a developer set it, rightly wins over the OS folder.
    let expected = match env_path("WDCONNECT_HOME") {
        Some(dir) => std::path::absolute(dir).unwrap(),
        None => os_config_folder().join("workday-connector"),
    };
    assert_eq!(home.root(), expected);
    assert!(home.config_file().starts_with(&expected));
}

/// Another program reading the file (opened as Rust's std, most editors and viewers open it:
/// sharing read, write and delete). Unix replaces the file under the reader, which keeps the
/// bytes it opened. Windows may refuse to rename over an open file (Wine does, as older Windows
/// does): then the save fails with `config.write_failed` and the file is exactly as it was.
#[test]
fn the_config_file_is_replaced_or_kept_whole_while_another_program_reads_it() {
    use connector::Diagnose;
    use std::io::Read;
    let tmp = tempfile::tempdir().unwrap();
    let store = ProfileStore::for_home(&Home::at(tmp.path()));
    store.add(profile("Acme")).unwrap();
    let before = std::fs::read(store.path()).unwrap();
    let mut reader = std::fs::File::open(store.path()).unwrap();

    match store.add(profile("Beta")) {
        Ok(_) => assert_eq!(names(&store), ["Acme", "Beta"]),
        Err(e) if cfg!(windows) => {
            assert_eq!(e.problem().code, "config.write_failed", "{e}");
            assert_eq!(std::fs::read(store.path()).unwrap(), before);
        }
        Err(e) => panic!("unix replaces a file that is open: {e}"),
    }
    let mut seen = String::new();
    reader.read_to_string(&mut seen).unwrap();
    assert!(seen.contains("Acme") && !seen.contains("Beta"), "{seen}");
}

/// Windows only (unix renames over an open file whatever the opener asked): a program that
/// opened the file without delete sharing blocks the rename. The save then fails with
/// `config.write_failed`, a fix that says to close that program, and the file as it was.
#[cfg(windows)]
#[test]
fn a_reader_that_denies_delete_fails_the_save_cleanly_and_loses_nothing() {
    use connector::Diagnose;
    use std::os::windows::fs::OpenOptionsExt;
    const FILE_SHARE_READ: u32 = 0x1;
    let tmp = tempfile::tempdir().unwrap();
    let store = ProfileStore::for_home(&Home::at(tmp.path()));
    store.add(profile("Acme")).unwrap();
    let before = std::fs::read(store.path()).unwrap();
    let held = std::fs::OpenOptions::new()
        .read(true)
        .share_mode(FILE_SHARE_READ)
        .open(store.path())
        .unwrap();

    let err = store.add(profile("Beta")).unwrap_err();
    let p = err.problem();
    assert_eq!(p.code, "config.write_failed", "{p}");
    assert!(p.fix.contains("holds the file open"), "{p}");
    drop(held);
    assert_eq!(std::fs::read(store.path()).unwrap(), before);
    assert_eq!(names(&store), ["Acme"]);
    // No temp file is left beside it.
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}
