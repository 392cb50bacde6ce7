//! Runs the real desktop binary under `tauri-driver` (WebKitWebDriver on Linux) for the tests.

use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::webdriver::Session;

/// A running `tauri-driver`; stopped with SIGTERM on drop (never SIGKILL: killed hard it leaves
/// WebKitWebDriver running, holding the output pipe open). The apps it launched are stopped too:
/// the app hides to the tray when WebDriver closes its window, so it would outlive the session.
#[derive(Debug)]
pub struct TauriDriver {
    child: Child,
    pub url: String,
    launched: Vec<std::path::PathBuf>,
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl TauriDriver {
    pub fn start() -> TauriDriver {
        assert!(
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
            "the desktop tests need a display: run them through scripts/test.sh, which starts Xvfb"
        );
        let port = free_port();
        let native_port = free_port();
        // Its output (and that of WebKitWebDriver and the app, which inherit it) goes to a file,
        // never to the test's pipe: a process left behind must not hold CI's output open.
        let log_dir = crate::workspace_root().join("artifacts").join("logs");
        std::fs::create_dir_all(&log_dir).expect("artifacts/logs can be created");
        let log = std::fs::File::create(log_dir.join(format!("tauri-driver-{port}.log")))
            .expect("the tauri-driver log can be created");
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!("tauri-driver could not start ({e}): scripts/test.sh installs it with cargo install")
            });
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tauri-driver did not listen on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        TauriDriver {
            child,
            url,
            launched: Vec::new(),
        }
    }

    /// A WebDriver session on a fresh instance of the app, launched with `args`.
    pub async fn launch(&mut self, app: &Path, args: &[&str]) -> Session {
        self.launched.push(app.to_path_buf());
        let caps = json!({ "tauri:options": { "application": app, "args": args } });
        Session::create(&self.url, caps)
            .await
            .expect("the app starts under tauri-driver")
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        for app in &self.launched {
            let pattern = format!("^{}( |$)", app.display());
            let _ = Command::new("pkill")
                .args(["-TERM", "-f", &pattern])
                .status();
        }
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}
