//! `wdconnect run [--once]`: the headless collector. Syncs every connection and forwards to every
//! destination until SIGTERM or Ctrl-C (then each forwarder finishes the batch in flight and
//! stops), or with `--once` one sync pass and one forwarding pass that delivers everything
//! pending. Logs one line per event to stderr or `--log-file`; never a secret.

use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use connector::Problem;
use connector::activity::SyncOptions;
use connector::connections::Connector;
use connector::forwarding::{PassEvent, PassOptions};
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::args::RunArgs;
use crate::output::{self, EXIT_FAILED, EXIT_OK, EXIT_USAGE};

/// Where the log lines go; shared by every task.
#[derive(Clone)]
struct Log(Arc<Mutex<Box<dyn Write + Send>>>);

impl Log {
    fn open(path: Option<&Path>) -> Result<Log, Problem> {
        let out: Box<dyn Write + Send> = match path {
            None => Box::new(std::io::stderr()),
            Some(p) => {
                let mut options = std::fs::OpenOptions::new();
                options.create(true).append(true);
                let file = connector::paths::private_mode(&mut options)
                    .open(p)
                    .map_err(|e| {
                        Problem::new(
                            "input.log_file",
                            format!("The log file {} cannot be written: {e}.", p.display()),
                            "Give --log-file a path in a writable directory.",
                        )
                    })?;
                Box::new(file)
            }
        };
        Ok(Log(Arc::new(Mutex::new(out))))
    }

    fn line(&self, level: &str, text: &str) {
        let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut out = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let _ = writeln!(out, "{now} {level:<5} {text}");
        let _ = out.flush();
    }

    fn problem(&self, level: &str, what: &str, p: &Problem) {
        self.line(
            level,
            &format!("{what}: {} [{}] fix: {}", p.message, p.code, p.fix),
        );
    }
}

/// What `--once` reports.
#[derive(Debug, Default, Serialize)]
struct OnceReport {
    synced: Vec<String>,
    sync_failed: Vec<Problem>,
    forwarded: Vec<connector::forwarding::PassReport>,
    forward_failed: Vec<Problem>,
}

pub async fn run(connector: Arc<Connector>, args: &RunArgs, json: bool) -> u8 {
    let log = match Log::open(args.log_file.as_deref()) {
        Ok(l) => l,
        Err(p) => {
            output::problems(json, &[p]);
            return EXIT_USAGE;
        }
    };
    let connections = match connector.list() {
        Ok(all) => all,
        Err(e) => return output::failure(json, &e),
    };
    let stop = CancellationToken::new();
    spawn_signal_watch(stop.clone(), log.clone());
    let sync_options = SyncOptions {
        backfill_days: args.backfill_days,
        ..SyncOptions::default()
    };
    let pass = PassOptions {
        batch_events: args.batch_events as usize,
        give_up_after: args.once.then(|| Duration::from_secs(args.give_up_after)),
        ..PassOptions::default()
    };
    log.line(
        "info",
        &format!(
            "wdconnect run{}: {} connection(s), {} destination(s)",
            if args.once { " --once" } else { "" },
            connections.len(),
            connections
                .iter()
                .map(|c| c.profile.forward.len())
                .sum::<usize>()
        ),
    );
    if args.once {
        return once(
            &connector,
            &connections,
            args,
            &sync_options,
            &pass,
            &stop,
            &log,
            json,
        )
        .await;
    }
    let mut tasks = tokio::task::JoinSet::new();
    for c in &connections {
        let name = c.profile.name.clone();
        if !args.no_sync {
            let (connector, stop, log, options) = (
                connector.clone(),
                stop.clone(),
                log.clone(),
                sync_options.clone(),
            );
            let interval = Duration::from_secs(c.profile.sync.poll_interval_secs.max(1));
            let name = name.clone();
            tasks.spawn(async move {
                sync_loop(&connector, &name, &options, interval, &stop, &log).await;
            });
        }
        for d in &c.profile.forward {
            let (connector, stop, log, pass) =
                (connector.clone(), stop.clone(), log.clone(), pass.clone());
            let (name, dest) = (name.clone(), d.name.clone());
            let flush = Duration::from_secs(args.flush_interval);
            tasks.spawn(async move {
                forward_loop(&connector, &name, &dest, &pass, flush, &stop, &log).await;
            });
        }
    }
    if tasks.is_empty() {
        log.line(
            "warn",
            "nothing to run: no connection to sync and no destination to forward to",
        );
        return EXIT_OK;
    }
    while tasks.join_next().await.is_some() {}
    log.line("info", "stopped");
    EXIT_OK
}

#[allow(clippy::too_many_arguments)]
async fn once(
    connector: &Connector,
    connections: &[connector::connections::ConnectionView],
    args: &RunArgs,
    sync_options: &SyncOptions,
    pass: &PassOptions,
    stop: &CancellationToken,
    log: &Log,
    json: bool,
) -> u8 {
    let mut report = OnceReport::default();
    if !args.no_sync {
        for c in connections {
            let name = &c.profile.name;
            log.line("info", &format!("sync {name}: started"));
            let outcome = tokio::select! {
                r = connector.sync_pass(name, sync_options, |_| {}) => Some(r),
                _ = stop.cancelled() => None,
            };
            match outcome {
                Some(Ok(r)) => {
                    log.line(
                        "info",
                        &format!(
                            "sync {name}: {} new events, {} stored, synced until {}",
                            r.events_stored, r.events_total, r.synced_until
                        ),
                    );
                    report.synced.push(name.clone());
                }
                Some(Err(f)) => {
                    for p in f.error.problems() {
                        log.problem("error", &format!("sync {name}"), &p);
                        report.sync_failed.push(p);
                    }
                }
                None => break,
            }
        }
    }
    for c in connections {
        for d in &c.profile.forward {
            let what = format!("forward {}/{}", c.profile.name, d.name);
            let outcome = connector
                .forward_pass(&c.profile.name, &d.name, pass, stop, |e| {
                    pass_event(log, &what, e)
                })
                .await;
            match outcome {
                Ok(r) => {
                    log.line(
                        "info",
                        &format!(
                            "{what}: {} events delivered in {} batches, cursor at {}{}",
                            r.delivered,
                            r.batches,
                            r.cursor,
                            if r.stopped { " (stopped)" } else { "" }
                        ),
                    );
                    report.forwarded.push(r);
                }
                Err(f) => {
                    log.problem("error", &what, &f.problem);
                    report.forwarded.push(f.report);
                    report.forward_failed.push(f.problem);
                }
            }
        }
    }
    let failed = !report.sync_failed.is_empty() || !report.forward_failed.is_empty();
    if json {
        output::print_json(&report);
    }
    if failed { EXIT_FAILED } else { EXIT_OK }
}

fn pass_event(log: &Log, what: &str, e: &PassEvent) {
    match e {
        PassEvent::Delivered {
            events,
            cursor,
            kind,
        } => log.line(
            "info",
            &format!(
                "{what}: batch of {events} {}s accepted, cursor at {cursor}",
                kind.name()
            ),
        ),
        PassEvent::Retrying { problem, wait } => log.problem(
            "warn",
            &format!("{what}: retrying in {:.1}s", wait.as_secs_f64()),
            problem,
        ),
    }
}

async fn sync_loop(
    connector: &Connector,
    name: &str,
    options: &SyncOptions,
    interval: Duration,
    stop: &CancellationToken,
    log: &Log,
) {
    loop {
        // A sync stopped midway loses nothing: windows commit whole, and the next run resumes.
        let outcome = tokio::select! {
            r = connector.sync_pass(name, options, |_| {}) => r,
            _ = stop.cancelled() => return,
        };
        match outcome {
            Ok(r) => log.line(
                "info",
                &format!(
                    "sync {name}: {} new events, {} stored",
                    r.events_stored, r.events_total
                ),
            ),
            Err(f) => {
                for p in f.error.problems() {
                    log.problem(
                        if f.transient { "warn" } else { "error" },
                        &format!("sync {name}"),
                        &p,
                    );
                }
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = stop.cancelled() => return,
        }
    }
}

async fn forward_loop(
    connector: &Connector,
    connection: &str,
    dest: &str,
    pass: &PassOptions,
    flush: Duration,
    stop: &CancellationToken,
    log: &Log,
) {
    let what = format!("forward {connection}/{dest}");
    loop {
        let wait = match connector
            .forward_pass(connection, dest, pass, stop, |e| pass_event(log, &what, e))
            .await
        {
            Ok(r) if r.stopped => return,
            Ok(_) => flush,
            Err(f) => {
                // Refused or wrong settings: nothing changes by itself, so look again rarely
                // (a person may fix the receiver or the settings meanwhile).
                log.problem("error", &what, &f.problem);
                Duration::from_secs(60)
            }
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = stop.cancelled() => return,
        }
    }
}

/// SIGTERM (service managers) and Ctrl-C both stop the run cleanly.
fn spawn_signal_watch(stop: CancellationToken, log: Log) {
    tokio::spawn(async move {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let mut term = match signal(SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    log.line("warn", &format!("SIGTERM cannot be watched: {e}"));
                    let _ = tokio::signal::ctrl_c().await;
                    stop.cancel();
                    return;
                }
            };
            tokio::select! {
                _ = term.recv() => log.line("info", "SIGTERM: finishing the batches in flight, then stopping"),
                _ = tokio::signal::ctrl_c() => log.line("info", "Ctrl-C: finishing the batches in flight, then stopping"),
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
            log.line(
                "info",
                "Ctrl-C: finishing the batches in flight, then stopping",
            );
        }
        stop.cancel();
    });
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Log")
    }
}
