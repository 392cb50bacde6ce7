//! `wdconnect sync` (one pass or polling, a progress bar on a terminal, plain lines otherwise)
//! and `wdconnect events` (filters, table/CSV/NDJSON, to stdout or a file).

use std::io::{IsTerminal, Write};
use std::time::Duration;

use chrono::{DateTime, Utc};
use connector::Problem;
use connector::activity::{EventFilter, SyncOptions, SyncProgress, SyncReport, export};
use connector::connections::{Connector, ConnectorError};
use indicatif::{ProgressBar, ProgressStyle};

use crate::args::{EventFormat, EventsArgs, SyncArgs};
use crate::output::{self, EXIT_FAILED, EXIT_OK};

/// The actions Workday documents for `activityAction`.
const ACTIONS: &[&str] = &["READ", "WRITE", "OTHER"];

pub async fn sync(connector: &Connector, name: &str, args: &SyncArgs, json: bool) -> u8 {
    let options = SyncOptions {
        backfill_days: args.backfill_days,
        ..SyncOptions::default()
    };
    let interval = match connector.get(name) {
        Ok(c) => Duration::from_secs(c.profile.sync.poll_interval_secs.max(1)),
        Err(e) => return output::failure(json, &e),
    };
    loop {
        let bar = (!json && std::io::stderr().is_terminal()).then(|| {
            let b = ProgressBar::new(0);
            b.set_style(
                ProgressStyle::with_template("{spinner} [{bar:30}] {pos}/{len} windows  {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar())
                    .progress_chars("=> "),
            );
            b
        });
        let outcome = connector
            .sync_pass(name, &options, |p| show_progress(bar.as_ref(), json, p))
            .await;
        if let Some(b) = &bar {
            b.finish_and_clear();
        }
        match outcome {
            Ok(report) => print_report(json, &report),
            Err(failure) => {
                let code = output::failure(json, &failure.error);
                // Polling goes on through what passes by itself (the connector's own test:
                // network, 5xx, 429, a locked or busy store); what needs a person stops it.
                if args.once || !failure.transient {
                    return code;
                }
            }
        }
        if args.once {
            return EXIT_OK;
        }
        if !json {
            eprintln!("next sync in {}s (Ctrl-C stops)", interval.as_secs());
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = tokio::signal::ctrl_c() => return EXIT_OK,
        }
    }
}

fn show_progress(bar: Option<&ProgressBar>, json: bool, p: &SyncProgress) {
    let eta = p
        .eta_secs
        .map(|s| format!("{s:.0}s left"))
        .unwrap_or_default();
    let msg = format!(
        "{} new events, {:.0}/s, {eta}",
        p.events_stored, p.events_per_sec
    );
    match bar {
        Some(b) => {
            b.set_length(p.windows_total as u64);
            b.set_position(p.windows_done as u64);
            b.set_message(msg);
        }
        // Not a terminal: one plain line per window on stderr, keeping stdout for the report.
        None if !json => eprintln!("window {}/{}: {msg}", p.windows_done, p.windows_total),
        None => {}
    }
}

fn print_report(json: bool, r: &SyncReport) {
    if json {
        output::print_json(r);
        return;
    }
    println!(
        "Synced \"{}\" up to {}: {} windows, {} events read, {} new, {} stored in all ({:.1}s).",
        r.connection,
        r.synced_until,
        r.windows,
        r.events_read,
        r.events_stored,
        r.events_total,
        r.elapsed_secs
    );
    if r.events_untimed > 0 {
        println!(
            "{} of the events read came without a time; each is placed at the start of the \
             window that returned it, marked as estimated.",
            r.events_untimed
        );
    }
    if r.events_pruned > 0 {
        println!(
            "{} events older than the connection keeps (its retention) were deleted.",
            r.events_pruned
        );
    }
    // Counted apart: they are the tenant's log of this connector's requests, not people's work.
    println!(
        "Of those stored, {} are API calls (this connector's own requests), hidden unless \
         --include-own-calls.",
        r.own_calls_total
    );
    output::warnings(&r.warnings);
}

/// A refused input (exit 2) with its fix.
pub(crate) fn usage(code: &str, message: String, fix: &str) -> ConnectorError {
    ConnectorError::Invalid(vec![Problem::new(code, message, fix)])
}

/// RFC 3339, or a span before now: `90s`, `30m`, `2h`, `7d`, `2w`.
pub fn parse_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    let t = text.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit())?);
    let n: i64 = num.parse().ok()?;
    let secs = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 604_800,
        _ => return None,
    };
    Some(now - chrono::Duration::seconds(n.checked_mul(secs)?))
}

fn filter(args: &EventsArgs) -> Result<EventFilter, ConnectorError> {
    let now = Utc::now();
    let time = |flag: &str, v: &Option<String>| -> Result<Option<DateTime<Utc>>, ConnectorError> {
        v.as_ref()
            .map(|t| {
                parse_time(t, now).ok_or_else(|| {
                    usage(
                        "input.bad_time",
                        format!("--{flag} {t:?} is not a time."),
                        "Give an RFC 3339 time like 2026-04-17T08:00:00Z, or a span before now \
                         like 30m, 2h or 7d.",
                    )
                })
            })
            .transpose()
    };
    let since = time("since", &args.since)?;
    let until = time("until", &args.until)?;
    if let (Some(s), Some(u)) = (since, until)
        && s >= u
    {
        return Err(usage(
            "input.time_order",
            format!("--since ({s}) is not before --until ({u})."),
            "Swap them, or widen the range.",
        ));
    }
    if args.limit == Some(0) {
        return Err(usage(
            "input.bad_limit",
            "--limit 0 would show nothing.".into(),
            "Give a limit of 1 or more, or leave it out for every event.",
        ));
    }
    let action = match &args.action {
        None => None,
        Some(a) => match ACTIONS.iter().find(|k| k.eq_ignore_ascii_case(a)) {
            Some(k) => Some(k.to_string()),
            None => {
                return Err(usage(
                    "input.bad_action",
                    format!("--action {a:?} is not an activity action."),
                    "Use READ, WRITE or OTHER.",
                ));
            }
        },
    };
    Ok(EventFilter {
        since,
        until,
        user: args.user.clone(),
        task: args.task.clone(),
        action,
        ip: args.ip.clone(),
        device: None,
        limit: args.limit,
        include_own_calls: args.include_own_calls,
        alert: args.alert,
    })
}

pub async fn events(connector: &Connector, name: &str, args: &EventsArgs, json: bool) -> u8 {
    let f = match filter(args) {
        Ok(f) => f,
        Err(e) => return output::failure(json, &e),
    };
    // An alert the connection does not have is a typo, not an empty result.
    if let Some(id) = args.alert
        && let Err(e) = connector.alert(name, id)
    {
        return output::failure(json, &e);
    }
    let out: Box<dyn Write + Send> = match &args.output {
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        Some(path) => match connector::paths::create_private_file(path) {
            Ok(f) => Box::new(std::io::BufWriter::new(f)),
            Err(e) => {
                output::problems(
                    json,
                    &[Problem::new(
                        "export.unwritable",
                        format!("{} could not be written: {e}.", path.display()),
                        "Choose a file in a folder you can write to.",
                    )],
                );
                return EXIT_FAILED;
            }
        },
    };
    let format = match args.format {
        // --json without another format: the viewer's rows as one JSON document.
        EventFormat::Table if json => export::TextFormat::Json,
        EventFormat::Table => export::TextFormat::Table,
        EventFormat::Csv => export::TextFormat::Csv,
        EventFormat::Ndjson => export::TextFormat::Ndjson,
    };
    // Streamed from the store: one event in memory at a time, whatever the count.
    let sink = (
        export::EventWriter::new(format, out),
        None::<std::io::Error>,
    );
    let written = match connector
        .for_each_event(name, f, sink, |(w, failed), e| match w.write(&e) {
            Ok(()) => true,
            Err(err) => {
                *failed = Some(err);
                false
            }
        })
        .await
    {
        Ok((_, (w, None))) => w.finish(),
        Ok((_, (_, Some(err)))) => Err(err),
        Err(e) => return output::failure(json, &e),
    };
    if let Err(e) = written {
        // A closed pipe (`| head`) is not a failure worth a message.
        if !output::is_closed_pipe(&e) {
            output::problems(
                json,
                &[Problem::new(
                    "export.write_failed",
                    format!("The events could not be written: {e}."),
                    "Check the disk or the pipe the output goes to.",
                )],
            );
            return EXIT_FAILED;
        }
    }
    EXIT_OK
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_or_spans_before_now() {
        let now = DateTime::parse_from_rfc3339("2026-04-17T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            parse_time("2h", now),
            Some(now - chrono::Duration::hours(2))
        );
        assert_eq!(parse_time("7d", now), Some(now - chrono::Duration::days(7)));
        assert_eq!(
            parse_time("2026-04-17T07:00:00+01:00", now),
            Some(now - chrono::Duration::hours(2))
        );
        for bad in ["", "h", "2x", "yesterday", "-2h"] {
            assert_eq!(parse_time(bad, now), None, "{bad}");
        }
    }
}
