//! The fixture of the `wdconnect` end-to-end tests: a simulated tenant started in-process with
//! chosen switches, a temporary `--home`, and `wdconnect --home DIR ...` runs with `$BROWSER`
//! pointed at the built `wdc-consent-browser`, the client secret fed on stdin, and the `--json`
//! answer parsed. Every run is kept, so a test can scan all that was printed.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;
use tempfile::TempDir;
use tokio::io::AsyncWriteExt;
use workday_sim::{ClientValues, RequestRecord, SimConfig, SimHandle, Switches};

use crate::ports::{ReservedPort, reserve_port};

/// The longest any one `wdconnect` run may take before the test fails (connect uses
/// `--timeout 20`, so this only catches a hang).
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// The `connect --timeout` the tests use: long enough for a loaded machine, short enough that a
/// sign-in that never comes back fails the test quickly.
pub const CONNECT_TIMEOUT_SECS: u32 = 20;

/// The event Workday sent, from a line of `events --format ndjson`: the fields the export
/// appends (`country`, `ip_tags`, looked up when read) taken off.
pub fn raw_event(line: &str) -> Value {
    let mut v: Value = serde_json::from_str(line).expect("one JSON event per line");
    if let Some(o) = v.as_object_mut() {
        o.remove("country");
        o.remove("ip_tags");
    }
    v
}

/// A simulated tenant whose API client is registered with `redirect_port`.
pub struct Tenant {
    pub sim: SimHandle,
    pub redirect_port: u16,
    /// Keeps `redirect_port` claimed for this test until `wdconnect connect` binds it.
    _reserved: ReservedPort,
}

impl std::fmt::Debug for Tenant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tenant")
            .field("sim", &self.sim)
            .field("redirect_port", &self.redirect_port)
            .finish()
    }
}

impl Tenant {
    /// A tenant with default switches except what `switches` changes.
    pub async fn start(switches: impl FnOnce(&mut Switches)) -> Tenant {
        Self::start_with(|c| switches(&mut c.switches)).await
    }

    /// A tenant with the whole configuration open to change (tenant name, secret...).
    pub async fn start_with(config: impl FnOnce(&mut SimConfig)) -> Tenant {
        let reserved = reserve_port();
        let redirect_port = reserved.port();
        let mut c = SimConfig {
            tenant: "acme_e2e".into(),
            redirect_uri: format!("http://127.0.0.1:{redirect_port}/callback"),
            ..SimConfig::default()
        };
        config(&mut c);
        let sim = workday_sim::start(c)
            .await
            .expect("the simulated tenant starts");
        Tenant {
            sim,
            redirect_port,
            _reserved: reserved,
        }
    }

    pub fn values(&self) -> ClientValues {
        self.sim.values()
    }

    /// The three URLs with the tenant segment replaced by `other` (consistently), on the same
    /// hosts: what an admin gets who copied them from another tenant's page.
    pub fn urls_for_tenant(&self, other: &str) -> [String; 3] {
        let v = self.values();
        let name = "acme_e2e";
        [
            v.rest_api_endpoint.replace(name, other),
            v.token_endpoint.replace(name, other),
            v.authorization_endpoint.replace(name, other),
        ]
    }

    /// Requests that reached the token endpoint.
    pub fn token_calls(&self) -> Vec<RequestRecord> {
        self.requests(|r| r.path.ends_with("/token"))
    }

    /// Requests to the REST API (`/ccx/api/...`).
    pub fn rest_calls(&self) -> Vec<RequestRecord> {
        self.requests(|r| r.path.starts_with("/ccx/api/"))
    }

    pub fn requests(&self, keep: impl Fn(&RequestRecord) -> bool) -> Vec<RequestRecord> {
        self.sim
            .request_log()
            .into_iter()
            .filter(|r| keep(r))
            .collect()
    }
}

/// One finished `wdconnect` run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The command line, for failure messages.
    pub args: String,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// stdout as the one JSON document `--json` prints.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("{self}\nstdout is not one JSON document: {e}"))
    }

    /// Asserts exit 0 and returns the JSON answer.
    pub fn ok(&self) -> Value {
        assert_eq!(self.code, 0, "expected success:\n{self}");
        self.json()
    }

    /// Asserts the exit code and that `{"errors": [...]}` holds `code`; returns that error, after
    /// checking each error has a non-empty one-line message and fix.
    pub fn error(&self, exit: i32, code: &str) -> Problem {
        assert_eq!(self.code, exit, "expected exit {exit}:\n{self}");
        let errors = self.errors();
        assert!(!errors.is_empty(), "no errors reported:\n{self}");
        for e in &errors {
            assert!(
                !e.message.trim().is_empty() && !e.message.contains('\n'),
                "a message must be one non-empty line: {e:?}\n{self}"
            );
            assert!(!e.fix.trim().is_empty(), "an empty fix: {e:?}\n{self}");
        }
        errors
            .into_iter()
            .find(|e| e.code == code)
            .unwrap_or_else(|| panic!("no error with code {code}:\n{self}"))
    }

    /// The `errors` of a failure answer.
    pub fn errors(&self) -> Vec<Problem> {
        let json = self.json();
        let list = json["errors"]
            .as_array()
            .unwrap_or_else(|| panic!("no \"errors\" array:\n{self}"));
        list.iter()
            .map(|e| Problem {
                code: e["code"].as_str().unwrap_or_default().to_string(),
                message: e["message"].as_str().unwrap_or_default().to_string(),
                fix: e["fix"].as_str().unwrap_or_default().to_string(),
            })
            .collect()
    }

    /// The step of a `test --json` report (`token`, `users`, `activity_log`).
    pub fn step(&self, name: &str) -> Value {
        let json = self.json();
        json["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["step"] == name))
            .cloned()
            .unwrap_or_else(|| panic!("no step {name}:\n{self}"))
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "$ wdconnect {}\nexit {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        )
    }
}

/// `{code, message, fix}` as `--json` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub code: String,
    pub message: String,
    pub fix: String,
}

impl Problem {
    /// Message and fix, for "says something useful" checks.
    pub fn text(&self) -> String {
        format!("{} {}", self.message, self.fix)
    }
}

/// A temporary home for `wdconnect`, and the runs made in it.
pub struct Cli {
    home: TempDir,
    /// Outside the home: the consent browser's log holds codes and states, not for the home scan.
    scratch: TempDir,
    runs: Mutex<Vec<Run>>,
}

impl std::fmt::Debug for Cli {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cli").field("home", &self.home()).finish()
    }
}

impl Default for Cli {
    fn default() -> Self {
        Self::new()
    }
}

impl Cli {
    pub fn new() -> Cli {
        Cli {
            home: tempfile::Builder::new()
                .prefix("wdc-e2e-home.")
                .tempdir()
                .expect("a temporary home"),
            scratch: tempfile::Builder::new()
                .prefix("wdc-e2e-scratch.")
                .tempdir()
                .expect("a scratch directory"),
            runs: Mutex::new(Vec::new()),
        }
    }

    pub fn home(&self) -> &Path {
        self.home.path()
    }

    pub fn scratch(&self) -> &Path {
        self.scratch.path()
    }

    pub fn config_file(&self) -> PathBuf {
        self.home().join("connections.json")
    }

    /// A stored secret of `profile` (`client-secret` or `refresh-token`), read through the
    /// connector by `wdc-keyring`, built for the same target as `wdconnect`: on every OS it
    /// sees the store (and this home's service in it) exactly as `wdconnect` does.
    pub fn keyring(&self, profile: &str, kind: &str) -> Option<String> {
        let out = crate::command("wdc-keyring")
            .arg(crate::native_path(self.home()))
            .args(["get", profile, kind])
            .stdin(Stdio::null())
            .output()
            .expect("wdc-keyring runs");
        match out.status.code() {
            Some(0) => Some(String::from_utf8_lossy(&out.stdout).into_owned()),
            Some(1) => None,
            _ => panic!(
                "wdc-keyring could not read the store: {}",
                String::from_utf8_lossy(&out.stderr)
            ),
        }
    }

    /// Stores a secret of `profile` through `wdc-keyring` (as an older version of the app left
    /// it), in the store `wdconnect` of the target under test reads.
    pub fn set_keyring(&self, profile: &str, kind: &str, value: &str) {
        use std::io::Write;
        let mut child = crate::command("wdc-keyring")
            .arg(crate::native_path(self.home()))
            .args(["set", profile, kind])
            .stdin(Stdio::piped())
            .spawn()
            .expect("wdc-keyring runs");
        child
            .stdin
            .take()
            .expect("a stdin pipe")
            .write_all(value.as_bytes())
            .expect("the secret is written");
        assert!(child.wait().expect("wdc-keyring ends").success());
    }

    /// Every file under the home with its bytes, for "nothing changed" checks.
    pub fn snapshot(&self) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
        fn walk(dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, out);
                } else {
                    out.insert(path.clone(), std::fs::read(&path).unwrap_or_default());
                }
            }
        }
        let mut out = std::collections::BTreeMap::new();
        walk(self.home(), &mut out);
        out
    }

    /// A `wdconnect --home DIR ARGS... --json` run to configure.
    pub fn cmd<I, S>(&self, args: I) -> Cmd<'_>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Cmd {
            cli: self,
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            stdin: None,
            json: true,
            closed_stdout: false,
        }
    }

    /// `add NAME` with the tenant's five values (and this secret instead of the real one).
    pub async fn add_with_secret(&self, name: &str, tenant: &Tenant, secret: &str) -> Run {
        let v = tenant.values();
        self.cmd(["add", name])
            .values(
                &v.client_id,
                &v.rest_api_endpoint,
                &v.token_endpoint,
                &v.authorization_endpoint,
            )
            .arg("--redirect-port")
            .arg(tenant.redirect_port.to_string())
            .stdin(secret)
            .run()
            .await
    }

    /// `add NAME` with the tenant's five values; must succeed.
    pub async fn add(&self, name: &str, tenant: &Tenant) -> Run {
        let run = self
            .add_with_secret(name, tenant, &tenant.values().client_secret)
            .await;
        run.ok();
        run
    }

    /// `connect NAME --timeout 20` through the consent browser, with extra browser environment
    /// (`WDC_CONSENT`, `WDC_CONSENT_PRELUDE`).
    pub async fn connect_with(&self, name: &str, env: &[(&str, &str)]) -> Run {
        let mut cmd = self.cmd(["connect", name, "--timeout"]);
        cmd = cmd.arg(CONNECT_TIMEOUT_SECS.to_string());
        for (k, v) in env {
            cmd = cmd.env(k, v);
        }
        cmd.run().await
    }

    /// `connect NAME`; must succeed.
    pub async fn connect(&self, name: &str) -> Run {
        let run = self.connect_with(name, &[]).await;
        assert_eq!(run.json()["connected"], name, "{run}");
        run
    }

    /// `test NAME --json`.
    pub async fn test(&self, name: &str) -> Run {
        self.cmd(["test", name]).run().await
    }

    /// The `status` object of `name` from `status --json` (`{"state": ..., "reason": ...}`).
    pub async fn status(&self, name: &str) -> Value {
        let run = self.cmd(["status"]).run().await;
        let json = run.ok();
        json["connections"]
            .as_array()
            .and_then(|all| all.iter().find(|c| c["name"] == name))
            .map(|c| c["status"].clone())
            .unwrap_or_else(|| panic!("{name} is not in the status:\n{run}"))
    }

    /// The names `list --json` shows.
    pub async fn names(&self) -> Vec<String> {
        let json = self.cmd(["list"]).run().await.ok();
        json["connections"]
            .as_array()
            .expect("a connections array")
            .iter()
            .map(|c| c["name"].as_str().unwrap_or_default().to_string())
            .collect()
    }

    /// The consent browser's log of this home's sign-ins.
    pub fn consent_log(&self) -> String {
        std::fs::read_to_string(self.consent_log_path()).unwrap_or_default()
    }

    fn consent_log_path(&self) -> PathBuf {
        self.scratch().join("consent.log")
    }

    /// Every run so far.
    pub fn runs(&self) -> Vec<Run> {
        self.runs.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Drop for Cli {
    fn drop(&mut self) {
        // Best effort: leave nothing of this home in the credential store. The profiles are those
        // in its config file and every name a run was given (`add NAME`, `connect NAME`, ...).
        let mut names: Vec<String> = self
            .runs()
            .iter()
            .filter_map(|r| r.args.split(' ').nth(1).map(str::to_owned))
            .filter(|n| !n.starts_with('-'))
            .collect();
        names.sort();
        names.dedup();
        let _ = crate::command("wdc-keyring")
            .arg(crate::native_path(self.home()))
            .arg("clear")
            .args(names)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

/// A `wdconnect` command line being built.
#[derive(Debug)]
pub struct Cmd<'a> {
    cli: &'a Cli,
    args: Vec<String>,
    /// `None`: remove the variable.
    env: Vec<(OsString, Option<OsString>)>,
    stdin: Option<String>,
    json: bool,
    /// Stdout is a pipe whose reader has gone (`| head` that stopped reading).
    closed_stdout: bool,
}

impl Cmd<'_> {
    /// Runs with stdout on a pipe whose reading end is closed before the command starts, as
    /// after `| head -1` has read its line: every write to stdout fails with a broken pipe.
    pub fn closed_stdout(mut self) -> Self {
        self.closed_stdout = true;
        self
    }

    pub fn arg(mut self, arg: impl Into<String>) -> Self {
        self.args.push(arg.into());
        self
    }

    /// `--client-id ... --rest-endpoint ... --token-endpoint ... --authorize-endpoint ...`
    pub fn values(self, client_id: &str, rest: &str, token: &str, authorize: &str) -> Self {
        self.arg("--client-id")
            .arg(client_id)
            .arg("--rest-endpoint")
            .arg(rest)
            .arg("--token-endpoint")
            .arg(token)
            .arg("--authorize-endpoint")
            .arg(authorize)
    }

    pub fn env(mut self, key: impl Into<OsString>, value: impl Into<OsString>) -> Self {
        self.env.push((key.into(), Some(value.into())));
        self
    }

    pub fn env_remove(mut self, key: impl Into<OsString>) -> Self {
        self.env.push((key.into(), None));
        self
    }

    /// Feeds the client secret on stdin (adds `--client-secret-stdin`).
    pub fn stdin(mut self, secret: &str) -> Self {
        self.args.push("--client-secret-stdin".into());
        self.stdin = Some(secret.to_string());
        self
    }

    /// Feeds `text` on stdin without adding a flag (e.g. a token with `--token-stdin`).
    pub fn input(mut self, text: &str) -> Self {
        self.stdin = Some(text.to_string());
        self
    }

    /// Human output instead of `--json`.
    pub fn human(mut self) -> Self {
        self.json = false;
        self
    }

    pub async fn run(self) -> Run {
        let mut args = self.args.clone();
        if self.json {
            args.push("--json".into());
        }
        let mut cmd = tokio::process::Command::from(crate::command("wdconnect"));
        cmd.arg("--home")
            .arg(crate::native_path(self.cli.home()))
            .args(&args)
            .env(
                "BROWSER",
                crate::native_path(&crate::binary("wdc-consent-browser")),
            )
            .env(
                "WDC_CONSENT_LOG",
                crate::native_path(&self.cli.consent_log_path()),
            )
            // Everything is on loopback: a proxy from the environment must not intercept it.
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("WDCONNECT_HOME")
            .stdin(if self.stdin.is_some() {
                Stdio::piped()
            } else {
                Stdio::null()
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if self.closed_stdout {
            let (reader, writer) = std::io::pipe().expect("a pipe");
            drop(reader);
            cmd.stdout(writer);
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        let shown = args.join(" ");
        let mut child = cmd.spawn().expect("wdconnect starts");
        if let Some(secret) = &self.stdin {
            let mut pipe = child.stdin.take().expect("a stdin pipe");
            // A command that refuses its options exits before it reads stdin; the
            // closed pipe is then its answer, not a failure of the test.
            match pipe.write_all(secret.as_bytes()).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => panic!("the secret is written: {e}"),
            }
            drop(pipe);
        }
        let out = tokio::time::timeout(RUN_LIMIT, child.wait_with_output())
            .await
            .unwrap_or_else(|_| panic!("`wdconnect {shown}` ran over {RUN_LIMIT:?}"))
            .expect("wdconnect's output is read");
        let run = Run {
            args: shown,
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: without_wine_noise(&String::from_utf8_lossy(&out.stderr)),
        };
        self.cli
            .runs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(run.clone());
        run
    }
}

/// stderr as the program wrote it. Under Wine, the emulator's own client library sometimes adds a
/// line of its own when the program's stdout is a closed pipe ("wine client error:318: sendmsg:
/// ..."); it is Wine's, not the program's, and a native Windows run never prints it.
fn without_wine_noise(stderr: &str) -> String {
    if !crate::under_wine() {
        return stderr.to_owned();
    }
    stderr
        .split_inclusive('\n')
        .filter(|line| !line.starts_with("wine client error:"))
        .collect()
}
