//! Runs the real desktop binary under `tauri-driver` (WebKitWebDriver on Linux) for the tests,
//! and the simulated tenant as a process of its own for the tests that bring their own tenant.

use std::io::BufRead;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::ports::{ReservedPort, reserve_port};
use crate::webdriver::Session;

/// A running `tauri-driver`; stopped with SIGTERM on drop (never SIGKILL: killed hard it leaves
/// WebKitWebDriver running, holding the output pipe open). The apps it launched are stopped too:
/// an app that hides to the tray instead of quitting was seen outliving its session.
#[derive(Debug)]
pub struct TauriDriver {
    child: Child,
    pub url: String,
    /// Each app launched, as the command line `pkill -f` finds it by (unique: `--home` differs).
    launched: Vec<String>,
    /// Its `--port` and `--native-port`, claimed while it runs.
    _ports: [ReservedPort; 2],
}

impl TauriDriver {
    /// Starts `tauri-driver` with extra environment variables, which WebKitWebDriver and the apps
    /// it launches inherit: e.g. `BROWSER` (the opener plugin runs `xdg-open`, which, outside a
    /// desktop environment, hands the URL to `$BROWSER`) and `WDC_CONSENT`.
    pub fn start(env: &[(&str, &std::ffi::OsStr)]) -> TauriDriver {
        assert!(
            std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
            "the desktop tests need a display: run them through scripts/test.sh, which starts Xvfb"
        );
        let ports = [reserve_port(), reserve_port()];
        let (port, native_port) = (ports[0].port(), ports[1].port());
        // Its output (and that of WebKitWebDriver and the app, which inherit it) goes to a file,
        // never to the test's pipe: a process left behind must not hold CI's output open.
        let log_dir = crate::workspace_root().join("artifacts").join("logs");
        std::fs::create_dir_all(&log_dir).expect("artifacts/logs can be created");
        let log = std::fs::File::create(log_dir.join(format!("tauri-driver-{port}.log")))
            .expect("the tauri-driver log can be created");
        let child = Command::new("tauri-driver")
            .args(["--port", &port.to_string(), "--native-port", &native_port.to_string()])
            .envs(env.iter().copied())
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
            _ports: ports,
        }
    }

    /// A WebDriver session on a fresh instance of the app, launched with `args`.
    pub async fn launch(&mut self, app: &Path, args: &[&str]) -> Session {
        let mut line = app.display().to_string();
        for arg in args {
            line.push(' ');
            line.push_str(arg);
        }
        self.launched.push(line);
        let caps = json!({ "tauri:options": { "application": app, "args": args } });
        Session::create(&self.url, caps)
            .await
            .expect("the app starts under tauri-driver")
    }
}

impl Drop for TauriDriver {
    fn drop(&mut self) {
        for line in &self.launched {
            end_processes(&format!("^{}( |$)", regex_escape(line)));
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

/// Ends the processes whose command line matches `pattern` (`pkill -f`), and waits until they
/// are gone (at most 10 s, then SIGKILL): an app still exiting holds the single-instance name,
/// and the next test's launch would hand itself over to it and exit.
pub fn end_processes(pattern: &str) {
    let signal = |sig: &str| {
        let _ = Command::new("pkill")
            .args([sig, "-f", "--", pattern])
            .status();
    };
    let alive = || {
        Command::new("pgrep")
            .args(["-f", "--", pattern])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    };
    signal("-TERM");
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive() {
        if Instant::now() >= deadline {
            signal("-KILL");
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn regex_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// `workday-sim --json` as a child process: the values it printed on its first line, killed on
/// drop.
#[derive(Debug)]
pub struct SimProcess {
    child: Child,
    /// `client_id`, `client_secret`, `rest_api_endpoint`, `token_endpoint`,
    /// `authorization_endpoint`, `redirect_uri`, `control_url`.
    pub values: serde_json::Value,
}

impl SimProcess {
    /// Starts the simulator with `--json` and the given switches; waits (bounded) for its values.
    pub fn start(args: &[&str]) -> SimProcess {
        let mut child = Command::new(crate::binary("workday-sim"))
            .arg("--json")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("workday-sim starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        // Reads the first line, then drains the rest so the simulator never blocks on a full pipe.
        std::thread::spawn(move || {
            let mut lines = std::io::BufReader::new(stdout).lines();
            let _ = tx.send(lines.next());
            for _ in lines {}
        });
        let first = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(Some(Ok(line))) => line,
            other => {
                let _ = child.kill();
                let _ = child.wait();
                panic!("workday-sim printed no values line: {other:?}");
            }
        };
        let values: serde_json::Value =
            serde_json::from_str(&first).expect("workday-sim --json prints one JSON object");
        SimProcess { child, values }
    }

    /// One of the values as a string.
    pub fn value(&self, key: &str) -> &str {
        self.values[key]
            .as_str()
            .unwrap_or_else(|| panic!("workday-sim printed no {key}: {}", self.values))
    }
}

impl Drop for SimProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
