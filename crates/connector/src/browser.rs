//! Opening the sign-in link in the person's own browser (never an in-app webview, RFC 8252).
//!
//! The CLI uses [`SystemBrowser`] (the platform opener, honouring `$BROWSER` on every OS); tests and
//! overrides use [`CommandBrowser`]; the desktop app opens URLs through Tauri's opener plugin
//! instead, by implementing [`Browser`] in the shell. Opening may block until the browser command
//! exits, so callers run it with [`open_in_background`] while the listener waits.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;

/// Something that can show a URL to the person. The error is a one-line reason for the UI; the
/// caller always shows the link too, since opening fails silently in some sessions.
pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// The platform's default browser, through the `webbrowser` crate, or `$BROWSER` when set.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemBrowser;

impl Browser for SystemBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        // `webbrowser` honours `$BROWSER` on Linux and the BSDs only; on Windows and macOS it is
        // taken here as one program path, so a chosen browser (or the tests' consent browser)
        // works the same on every OS.
        #[cfg(any(windows, target_os = "macos"))]
        if let Some(program) = std::env::var_os("BROWSER").filter(|b| !b.is_empty()) {
            return CommandBrowser::new(program).open(url);
        }
        webbrowser::open(url).map_err(|e| format!("could not open the browser: {e}"))
    }
}

/// Runs `program args... URL` directly (no shell, so the URL is never interpreted) and waits for
/// it to exit; a non-zero exit is an error carrying the last line it wrote to stderr.
#[derive(Debug, Clone)]
pub struct CommandBrowser {
    pub program: PathBuf,
    pub args: Vec<String>,
    /// Extra environment for the command (tests choose a consent decision this way).
    pub env: Vec<(OsString, OsString)>,
}

impl CommandBrowser {
    pub fn new(program: impl Into<PathBuf>) -> Self {
        CommandBrowser {
            program: program.into(),
            args: Vec::new(),
            env: Vec::new(),
        }
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }
}

impl Browser for CommandBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let name = self.program.display();
        let output = Command::new(&self.program)
            .args(&self.args)
            .arg(url)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("could not start {name}: {e}"))?;
        if output.status.success() {
            return Ok(());
        }
        let stderr = String::from_utf8_lossy(&output.stderr);
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
        let last: String = last.unwrap_or_default().chars().take(300).collect();
        Err(format!("{name} exited with {}: {last}", output.status))
    }
}

/// Opens `url` on a blocking thread, so a browser command that waits (or performs the callback
/// before exiting, as the test browser does) never holds up the listener.
pub fn open_in_background(
    browser: Arc<dyn Browser>,
    url: String,
) -> tokio::task::JoinHandle<Result<(), String>> {
    tokio::task::spawn_blocking(move || browser.open(&url))
}

// Unix only: the test's browser is a `/bin/sh` script; Windows has no such interpreter to name.
#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn command_browser_passes_the_url_as_one_argument_and_reports_failures() {
        let ok = CommandBrowser::new("/bin/sh")
            .arg("-c")
            .arg(r#"[ "$1" = 'http://x/?a=1&b=$(id)' ] && [ "$WDC_T" = v ]"#)
            .arg("sh")
            .env("WDC_T", "v");
        let opened = open_in_background(Arc::new(ok), "http://x/?a=1&b=$(id)".into()).await;
        assert_eq!(opened.unwrap(), Ok(()));

        let failing = CommandBrowser::new("/bin/sh")
            .arg("-c")
            .arg("echo 'no display' >&2; exit 3")
            .arg("sh");
        let err = failing.open("http://x/").unwrap_err();
        assert!(err.contains("no display"), "{err}");

        let missing = CommandBrowser::new("/nonexistent/browser");
        assert!(
            missing
                .open("http://x/")
                .unwrap_err()
                .contains("could not start")
        );
    }
}
