//! The detections as the app runs them: the admin's settings and IP tag lists (files in the
//! home's `detections/` folder), the engine built from them, detection of each connection's
//! newly committed events after a sync pass, and what the fronts call: alerts with filters,
//! dismissing one, the rules in force, the tags and the country of an address.
//!
//! Files, all optional and editable by hand:
//! - `detections/settings.json`: `{"isu_accounts": [...], "sensitive_tasks": [...],
//!   "corporate_only": false, "geo_database": "/path/GeoLite2-Country.mmdb"}` (extra ISU
//!   accounts, tasks added to the built-in list, the all-use-must-be-corporate switch, and an
//!   admin's own MaxMind database instead of the shipped one);
//! - `detections/risky.txt`, `detections/corporate.txt`: one address or CIDR range a line, `#`
//!   starts a comment;
//! - `rules/*.yml`: custom rules in Sigma over the Workday field names (see `detect::sigma`).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use detect::{Config, Engine, Geo, Reevaluate, Tags, tags::parse_list};
use serde::{Deserialize, Serialize};

use crate::activity::store::{Alert, AlertFilter, AlertStatus, DetectionPass, REEVALUATE_DAYS};
use crate::activity::sync::blocking;
use crate::activity::{Store, SyncError, SyncReport};
use crate::connections::{Connector, ConnectorError};
use crate::problem::{Diagnose, Problem};

pub use detect::{Rule, Severity, Tag};

/// The learning period of the new-country rules: the first days of the log, i.e. the backfill.
pub const LEARNING_DAYS: i64 = 7;

/// Events evaluated per step while a sync commits: about 10 ms of the store and 2 MB beside
/// the sync's own memory (a whole batch after the sync would hold four times as much).
const SYNC_BATCH: usize = 5_000;

/// What the admin sets in `detections/settings.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct DetectionSettings {
    /// Integration System User accounts besides those named `ISU_*` / `isu-*`.
    pub isu_accounts: Vec<String>,
    /// Task names added to the built-in sensitive tasks.
    pub sensitive_tasks: Vec<String>,
    /// All use must come from the ranges tagged corporate.
    pub corporate_only: bool,
    /// An admin's own MMDB file (MaxMind GeoLite2/GeoIP2) instead of the shipped database.
    pub geo_database: Option<PathBuf>,
}

/// A rule in force, as `wdconnect rules` and the app list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RuleView {
    pub id: String,
    pub name: String,
    /// `built-in` or `sigma`.
    pub kind: String,
    /// The file of a Sigma rule.
    pub path: Option<String>,
    pub severity: String,
    pub explanation: String,
    /// False for a rule that cannot fire as things are set (outside-corporate without the
    /// switch, risky IP without a risky tag).
    pub active: bool,
}

/// The rules in force and what decides them.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RulesView {
    pub rules: Vec<RuleView>,
    /// The new-country rules learn until then (None before the first sync).
    pub learning_until: Option<DateTime<Utc>>,
    /// True while the learning period lasts.
    pub learning: bool,
    /// `shipped` or the admin's file.
    pub geo_database: String,
    pub risky_entries: usize,
    pub corporate_entries: usize,
    pub corporate_only: bool,
    /// Files that could not be used (their path and line), each skipped.
    pub load_errors: Vec<Problem>,
}

/// An alert with the connection it belongs to, as the listing across connections gives it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConnectionAlert {
    pub connection: String,
    #[serde(flatten)]
    pub alert: Alert,
}

/// The alerts of several connections, newest first, and the connections whose alerts could not
/// be read (each named in its problem; the others are listed all the same).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AlertList {
    pub alerts: Vec<ConnectionAlert>,
    pub problems: Vec<Problem>,
}

fn failed(code: &str, message: String, fix: impl Into<String>) -> ConnectorError {
    ConnectorError::Failed(Problem::new(code, message, fix))
}

fn invalid(code: &str, message: String, fix: impl Into<String>) -> ConnectorError {
    ConnectorError::Invalid(vec![Problem::new(code, message, fix)])
}

fn store_failed(e: crate::activity::StoreError) -> ConnectorError {
    ConnectorError::Failed(e.problem())
}

/// Writes a text file by temp file and rename, so a crash leaves the old list or the new one.
fn write_text_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    crate::paths::create_private_dir(dir).map_err(std::io::Error::other)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

impl Connector {
    /// The folder of the detection settings and tag lists.
    pub fn detections_dir(&self) -> PathBuf {
        self.home().root().join("detections")
    }

    fn settings_path(&self) -> PathBuf {
        self.detections_dir().join("settings.json")
    }

    /// The folder of the custom Sigma rules.
    pub fn rules_dir(&self) -> PathBuf {
        self.home().root().join("rules")
    }

    /// The list file of `tag`.
    pub fn tag_file(&self, tag: Tag) -> PathBuf {
        self.detections_dir().join(format!("{}.txt", tag.as_str()))
    }

    /// The detection settings (defaults when the file is absent).
    pub fn detection_settings(&self) -> Result<DetectionSettings, ConnectorError> {
        let path = self.settings_path();
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                failed(
                    "detections.bad_settings",
                    format!(
                        "The detection settings {} are not valid: {e}.",
                        path.display()
                    ),
                    "Correct the file (see the README's Detections section) or delete it to \
                     go back to the defaults.",
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(DetectionSettings::default()),
            Err(e) => Err(failed(
                "detections.unreadable",
                format!(
                    "The detection settings {} could not be read: {e}.",
                    path.display()
                ),
                "Check the file's permissions.",
            )),
        }
    }

    pub fn save_detection_settings(&self, s: &DetectionSettings) -> Result<(), ConnectorError> {
        let path = self.settings_path();
        crate::files::write_json_atomically(&path, s).map_err(|e| {
            failed(
                "detections.write_failed",
                format!(
                    "The detection settings {} could not be written: {e}.",
                    path.display()
                ),
                "Check that the folder is writable.",
            )
        })
    }

    /// The entries of one tag's list file (empty when absent); a bad line is an error naming
    /// the file and the line.
    pub fn tag_entries(&self, tag: Tag) -> Result<Vec<ipnet::IpNet>, ConnectorError> {
        let path = self.tag_file(tag);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => {
                return Err(failed(
                    "detections.unreadable",
                    format!(
                        "The {} list {} could not be read: {e}.",
                        tag.as_str(),
                        path.display()
                    ),
                    "Check the file's permissions.",
                ));
            }
        };
        parse_list(&text).map_err(|bad| {
            ConnectorError::Failed(Problem::new(
                "detections.bad_tag_file",
                format!(
                    "{}:{}: {}",
                    path.display(),
                    bad[0].line,
                    bad.iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                "Correct or delete the line: one IP address or CIDR range a line, `#` for \
                 comments.",
            ))
        })
    }

    /// The tags in force.
    pub fn tags(&self) -> Result<Tags, ConnectorError> {
        Ok(Tags {
            risky: self.tag_entries(Tag::Risky)?,
            corporate: self.tag_entries(Tag::Corporate)?,
            corporate_only: self.detection_settings()?.corporate_only,
        })
    }

    /// Adds addresses or ranges to a tag; all are checked first, and one bad entry changes
    /// nothing. Returns how many were new.
    pub fn add_tags(&self, tag: Tag, entries: &[String]) -> Result<usize, ConnectorError> {
        let mut parsed = Vec::new();
        let mut bad = Vec::new();
        for e in entries {
            match detect::tags::parse_entry(e) {
                Ok(n) => parsed.push(n),
                Err(detail) => bad.push(Problem::new(
                    "input.bad_cidr",
                    format!("\"{e}\" is not an IP address or CIDR range: {detail}."),
                    "Give an address (203.0.113.7, 2001:db8::1) or a range (203.0.113.0/24); \
                     nothing was changed.",
                )),
            }
        }
        if !bad.is_empty() {
            return Err(ConnectorError::Invalid(bad));
        }
        let mut list = self.tag_entries(tag)?;
        let before = list.len();
        for n in parsed {
            if !list.contains(&n) {
                list.push(n);
            }
        }
        let added = list.len() - before;
        self.write_tag_list(tag, &list)?;
        Ok(added)
    }

    /// Removes entries from a tag; returns how many were there.
    pub fn remove_tags(&self, tag: Tag, entries: &[String]) -> Result<usize, ConnectorError> {
        let mut parsed = Vec::new();
        for e in entries {
            parsed.push(detect::tags::parse_entry(e).map_err(|detail| {
                invalid(
                    "input.bad_cidr",
                    format!("\"{e}\" is not an IP address or CIDR range: {detail}."),
                    "Give an entry as `wdconnect tags list` shows it; nothing was changed.",
                )
            })?);
        }
        let mut list = self.tag_entries(tag)?;
        let before = list.len();
        list.retain(|n| !parsed.contains(n));
        let removed = before - list.len();
        self.write_tag_list(tag, &list)?;
        Ok(removed)
    }

    /// Adds every entry of a list file (a Tor exit list, say); a file with a bad line adds
    /// nothing and names the line.
    pub fn import_tags(&self, tag: Tag, file: &Path) -> Result<usize, ConnectorError> {
        let text = std::fs::read_to_string(file).map_err(|e| {
            invalid(
                "input.unreadable_file",
                format!("{} could not be read: {e}.", file.display()),
                "Give the path of a text file with one address or range a line.",
            )
        })?;
        let nets = parse_list(&text).map_err(|bad| {
            ConnectorError::Invalid(
                bad.iter()
                    .map(|b| {
                        Problem::new(
                            "input.bad_cidr",
                            format!("{}:{}: {b}", file.display(), b.line),
                            "Correct or delete the line (one address or CIDR range a line, `#` \
                             for comments); nothing was imported.",
                        )
                    })
                    .collect(),
            )
        })?;
        let strings: Vec<String> = nets.iter().map(ToString::to_string).collect();
        self.add_tags(tag, &strings)
    }

    fn write_tag_list(&self, tag: Tag, list: &[ipnet::IpNet]) -> Result<(), ConnectorError> {
        let path = self.tag_file(tag);
        let mut text = format!(
            "# IP addresses and CIDR ranges tagged {}: one a line, `#` starts a comment.\n",
            tag.as_str()
        );
        for n in list {
            text.push_str(&n.to_string());
            text.push('\n');
        }
        write_text_atomically(&path, &text).map_err(|e| {
            failed(
                "detections.write_failed",
                format!(
                    "The {} list {} could not be written: {e}.",
                    tag.as_str(),
                    path.display()
                ),
                "Check that the folder is writable; nothing was changed.",
            )
        })
    }

    /// Sets the all-use-must-be-corporate switch.
    pub fn set_corporate_only(&self, on: bool) -> Result<(), ConnectorError> {
        let mut s = self.detection_settings()?;
        s.corporate_only = on;
        self.save_detection_settings(&s)
    }

    pub(crate) fn geo(&self, settings: &DetectionSettings) -> Result<Geo, ConnectorError> {
        match &settings.geo_database {
            None => Ok(Geo::shipped()),
            Some(path) => Geo::open(path).map_err(|e| {
                failed(
                    "detections.bad_geo_database",
                    format!("{e}."),
                    "Point `geo_database` in the detection settings at a MaxMind \
                     GeoLite2/GeoIP2 Country or City file, or remove it to use the shipped \
                     database.",
                )
            }),
        }
    }

    /// The country (ISO code) of an address as the detections see it; None for private,
    /// loopback and unknown addresses.
    pub fn country_of(&self, ip: &str) -> Result<Option<String>, ConnectorError> {
        let settings = self.detection_settings()?;
        Ok(self.geo(&settings)?.country_of(ip))
    }

    /// The engine for a store whose backfill started at `origin`.
    fn engine(&self, origin: Option<DateTime<Utc>>) -> Result<Engine, ConnectorError> {
        let settings = self.detection_settings()?;
        let mut config = Config {
            tags: self.tags()?,
            // A file that does not load is skipped here and named by `rules`.
            sigma: detect::sigma::load_dir(&self.rules_dir()).0,
            isu_accounts: settings.isu_accounts.clone(),
            learning_until: origin
                .map(|o| (o + chrono::Duration::days(LEARNING_DAYS)).timestamp_millis()),
            ..Config::default()
        };
        config
            .sensitive_tasks
            .extend(settings.sensitive_tasks.iter().cloned());
        Ok(Engine::new(self.geo(&settings)?, config))
    }

    /// Detection over a store's events committed since the last pass (see [`Store::detect`]),
    /// after re-evaluating the last [`REEVALUATE_DAYS`] days of the events evaluated before when
    /// the tags or the rules folder changed since (see [`Store::reevaluate`]).
    pub(crate) async fn detect_store(
        &self,
        store: &Arc<Mutex<Store>>,
    ) -> Result<DetectionPass, ConnectorError> {
        let origin = blocking(store, |s| s.checkpoint())
            .await
            .map_err(store_failed)?
            .map(|c| c.origin);
        let mut engine = self.engine(origin)?;
        let tags = tags_hash(&engine.config().tags);
        let rules = rules_hash(&self.rules_dir());
        let since = Utc::now() - chrono::Duration::days(REEVALUATE_DAYS);
        blocking(store, move |s| {
            let which = reevaluation_due(s, &engine, &tags, &rules)?;
            let mut again = DetectionPass::default();
            if which.any() {
                again = s.reevaluate(&mut engine, which, since)?;
            }
            record_inputs(s, &tags, &rules)?;
            let mut pass = s.detect(&mut engine)?;
            pass.events_reevaluated = again.events_reevaluated;
            pass.alerts_raised += again.alerts_raised;
            pass.alerts_extended += again.alerts_extended;
            Ok(pass)
        })
        .await
        .map_err(store_failed)
    }

    /// Detection while a sync pass commits: after each commit `committed` tells of, the events
    /// not evaluated yet, [`SYNC_BATCH`] at a time so that the pass's next commit never waits
    /// long. Alerts come as the pass goes, and what the pass leaves for
    /// [`Connector::detect_after_sync`] is only its last windows: the backfill's detection is
    /// no longer done after the last request. Does nothing when the tags or the rules changed
    /// since the last detection: the re-evaluation that calls for comes first, after the pass.
    /// A failure here stops it quietly; the detection after the pass meets and reports it.
    pub(crate) async fn detect_while_syncing(
        &self,
        store: &Arc<Mutex<Store>>,
        mut committed: tokio::sync::watch::Receiver<()>,
    ) {
        let mut engine = None;
        while committed.changed().await.is_ok() {
            // Built after the first commit: the pass keeps its checkpoint (the origin that
            // ends the learning days) before it, on a first sync.
            if engine.is_none() {
                match self.engine_for_new_events(store).await {
                    Some(e) => engine = Some(e),
                    None => return,
                }
            }
            loop {
                let Some(mut e) = engine.take() else { return };
                let step = blocking(store, move |s| {
                    s.detect_some(&mut e, SYNC_BATCH, 1)
                        .map(|(_, more)| (e, more))
                })
                .await;
                match step {
                    Ok((e, more)) => {
                        engine = Some(e);
                        if !more {
                            break;
                        }
                    }
                    Err(error) => {
                        tracing::debug!(%error, "detection during the sync stopped");
                        return;
                    }
                }
            }
        }
    }

    /// The engine for the events not evaluated yet, or `None` when a re-evaluation is due
    /// first (the tags or the rules changed) or the store or settings cannot be read.
    async fn engine_for_new_events(&self, store: &Arc<Mutex<Store>>) -> Option<Engine> {
        let origin = blocking(store, |s| s.checkpoint()).await.ok()?;
        let engine = self.engine(origin.map(|c| c.origin)).ok()?;
        let tags = tags_hash(&engine.config().tags);
        let rules = rules_hash(&self.rules_dir());
        let r = blocking(store, move |s| {
            if reevaluation_due(s, &engine, &tags, &rules)?.any() {
                return Ok(None);
            }
            record_inputs(s, &tags, &rules)?;
            Ok(Some(engine))
        })
        .await;
        r.ok().flatten()
    }

    /// Runs detection after a sync pass, whatever its outcome (a failed pass may still have
    /// committed windows). A detection failure never fails the sync: it becomes a warning.
    pub(crate) async fn detect_after_sync(
        &self,
        store: &Arc<Mutex<Store>>,
        outcome: Result<SyncReport, SyncError>,
    ) -> Result<SyncReport, SyncError> {
        let detection = self.detect_store(store).await;
        match (outcome, detection) {
            (Ok(mut report), Err(e)) => {
                report.warnings.extend(e.problems());
                Ok(report)
            }
            (outcome, _) => outcome,
        }
    }

    /// Evaluates the stored events of `connection` not evaluated yet (what a sync does after
    /// each pass; for a store filled before detections existed, or after changing the tags).
    pub async fn detect(&self, connection: &str) -> Result<DetectionPass, ConnectorError> {
        let store = Arc::new(Mutex::new(self.open_store(connection)?));
        self.detect_store(&store).await
    }

    /// Detection over the store of every connection that has one: what a change of the tags
    /// calls for at once (rather than at each connection's next sync), as it re-evaluates the
    /// last [`REEVALUATE_DAYS`] days of each store. One result per store.
    pub async fn detect_all(
        &self,
    ) -> Result<Vec<(String, Result<DetectionPass, ConnectorError>)>, ConnectorError> {
        let mut out = Vec::new();
        for c in self.list()? {
            let name = c.profile.name;
            if self.activity_store_path(&name).exists() {
                let pass = self.detect(&name).await;
                out.push((name, pass));
            }
        }
        Ok(out)
    }

    /// `filter` with its rule spelled as stored (a built-in rule's id, a custom rule's id); an
    /// unknown rule is an input error.
    fn resolve_rule(&self, filter: AlertFilter) -> Result<AlertFilter, ConnectorError> {
        let rule = match &filter.rule {
            None => None,
            Some(r) => match Rule::parse(r) {
                Some(b) => Some(b.id().to_string()),
                None => {
                    let (custom, _) = detect::sigma::load_dir(&self.rules_dir());
                    match custom.iter().find(|c| c.id.eq_ignore_ascii_case(r.trim())) {
                        Some(c) => Some(c.id.clone()),
                        None => return Err(unknown_rule(r)),
                    }
                }
            },
        };
        Ok(AlertFilter { rule, ..filter })
    }

    /// The alerts of `connection` matching `filter`, newest first. An unknown rule is an input
    /// error.
    pub async fn alerts(
        &self,
        connection: &str,
        filter: AlertFilter,
    ) -> Result<Vec<Alert>, ConnectorError> {
        let filter = self.resolve_rule(filter)?;
        let store = self.open_store(connection)?;
        tokio::task::spawn_blocking(move || store.alerts(&filter))
            .await
            .map_err(|e| {
                failed(
                    "store.unavailable",
                    format!("The store task failed: {e}."),
                    "Try again.",
                )
            })?
            .map_err(store_failed)
    }

    /// The alerts matching `filter` of every connection that has an activity log, newest first.
    /// A connection whose log cannot be read is named in `problems`; the others are listed.
    pub async fn alerts_of_all(&self, filter: AlertFilter) -> Result<AlertList, ConnectorError> {
        let filter = self.resolve_rule(filter)?;
        // Only logs that exist: listing alerts must not create an empty log for a connection
        // never synced.
        let names: Vec<String> = self
            .list()?
            .into_iter()
            .map(|c| c.profile.name)
            .filter(|n| self.activity_store_path(n).exists())
            .collect();
        let mut list = AlertList {
            alerts: Vec::new(),
            problems: Vec::new(),
        };
        for name in names {
            match self.alerts(&name, filter.clone()).await {
                Ok(alerts) => list
                    .alerts
                    .extend(alerts.into_iter().map(|alert| ConnectionAlert {
                        connection: name.clone(),
                        alert,
                    })),
                Err(e) => list.problems.extend(e.problems()),
            }
        }
        list.alerts.sort_by(|a, b| {
            (b.alert.time, &a.connection, b.alert.id).cmp(&(
                a.alert.time,
                &b.connection,
                a.alert.id,
            ))
        });
        if let Some(limit) = filter.limit {
            list.alerts.truncate(limit as usize);
        }
        Ok(list)
    }

    /// Sets an alert's status (dismiss, or open again); returns the alert as it now is.
    pub fn set_alert_status(
        &self,
        connection: &str,
        id: i64,
        status: AlertStatus,
    ) -> Result<Alert, ConnectorError> {
        let store = self.open_store(connection)?;
        if !store.set_alert_status(id, status).map_err(store_failed)? {
            return Err(invalid(
                "alerts.not_found",
                format!("Connection \"{connection}\" has no alert {id}."),
                format!("List its alerts with `wdconnect alerts \"{connection}\" --status all`."),
            ));
        }
        store.alert(id).map_err(store_failed)?.ok_or_else(|| {
            failed(
                "alerts.not_found",
                format!("Alert {id} is gone."),
                "Try again.",
            )
        })
    }

    /// Alert `id` of `connection`; one it does not have is an input error.
    pub fn alert(&self, connection: &str, id: i64) -> Result<Alert, ConnectorError> {
        let stored = self.get(connection)?.profile.name;
        self.open_store(&stored)?
            .alert(id)
            .map_err(store_failed)?
            .ok_or_else(|| {
                invalid(
                    "alerts.not_found",
                    format!("Connection \"{stored}\" has no alert {id}."),
                    format!("List its alerts with `wdconnect alerts \"{stored}\" --status all`."),
                )
            })
    }

    /// The keys of an alert's events (what the viewer opens).
    pub fn alert_event_ids(&self, connection: &str, id: i64) -> Result<Vec<i64>, ConnectorError> {
        self.open_store(connection)?
            .alert_event_ids(id)
            .map_err(store_failed)
    }

    /// The rules in force for `connection` (or in general, without one): every built-in rule,
    /// whether it can fire as set, the learning period, and the files that could not be used.
    pub fn rules(&self, connection: Option<&str>) -> Result<RulesView, ConnectorError> {
        let mut load_errors = Vec::new();
        let settings = self.detection_settings().unwrap_or_else(|e| {
            load_errors.extend(e.problems());
            DetectionSettings::default()
        });
        let mut entries = |tag| {
            self.tag_entries(tag).unwrap_or_else(|e| {
                load_errors.extend(e.problems());
                Vec::new()
            })
        };
        let (risky, corporate) = (entries(Tag::Risky).len(), entries(Tag::Corporate).len());
        let geo_database = match &settings.geo_database {
            None => "shipped".to_string(),
            Some(p) => {
                if let Err(e) = self.geo(&settings) {
                    load_errors.extend(e.problems());
                }
                p.display().to_string()
            }
        };
        let origin = match connection {
            Some(c) => self.activity_checkpoint(c)?.map(|c| c.origin),
            None => None,
        };
        let learning_until = origin.map(|o| o + chrono::Duration::days(LEARNING_DAYS));
        let (custom, errors) = detect::sigma::load_dir(&self.rules_dir());
        load_errors.extend(errors.iter().map(|e| {
            Problem::new(
                "detections.bad_rule_file",
                e.to_string(),
                "Correct the rule file (Sigma YAML) or move it out of the rules folder; the \
                 other rules are in force.",
            )
        }));
        let mut rules: Vec<RuleView> = Rule::ALL
            .into_iter()
            .map(|r| RuleView {
                id: r.id().to_string(),
                name: r.name().to_string(),
                kind: "built-in".to_string(),
                path: None,
                severity: r.severity().as_str().to_string(),
                explanation: r.explanation().to_string(),
                active: match r {
                    Rule::OutsideCorporate => settings.corporate_only,
                    Rule::RiskyIp => risky > 0,
                    _ => true,
                },
            })
            .collect();
        rules.extend(custom.iter().map(|c| RuleView {
            id: c.id.clone(),
            name: c.title.clone(),
            kind: "sigma".to_string(),
            path: Some(c.path.display().to_string()),
            severity: c.severity.as_str().to_string(),
            explanation: c.description.trim().to_string(),
            active: true,
        }));
        Ok(RulesView {
            rules,
            learning: learning_until.is_some_and(|l| Utc::now() < l),
            learning_until,
            geo_database,
            risky_entries: risky,
            corporate_entries: corporate,
            corporate_only: settings.corporate_only,
            load_errors,
        })
    }
}

/// A hash of the tags in force: a change re-evaluates `risky_ip` and `outside_corporate`.
/// The rules whose events evaluated before must be evaluated again: those of the tags or the
/// rules folder, if either changed since the last detection (by its hash) and can raise
/// something. Nothing before any event was evaluated.
fn reevaluation_due(
    s: &Store,
    engine: &Engine,
    tags: &str,
    rules: &str,
) -> Result<Reevaluate, crate::activity::StoreError> {
    let (cursor, state) = s.detection_state()?;
    let changed = |kind: &str, hash: &str| cursor > 0 && state.input_hash(kind) != Some(hash);
    let config = engine.config();
    Ok(Reevaluate {
        // Only a tag that can raise something is worth reading 30 days for.
        tags: changed("tags", tags)
            && (!config.tags.risky.is_empty() || config.tags.corporate_only),
        sigma: changed("rules", rules) && !config.sigma.is_empty(),
    })
}

/// Records the tags and rules the events from now on are evaluated with (after any
/// re-evaluation they called for: a crash before it leaves it due).
fn record_inputs(
    s: &mut Store,
    tags: &str,
    rules: &str,
) -> Result<(), crate::activity::StoreError> {
    let (_, state) = s.detection_state()?;
    if state.input_hash("tags") != Some(tags) {
        s.set_input_hash("tags", tags)?;
    }
    if state.input_hash("rules") != Some(rules) {
        s.set_input_hash("rules", rules)?;
    }
    Ok(())
}

fn tags_hash(tags: &Tags) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    for (name, list) in [("risky", &tags.risky), ("corporate", &tags.corporate)] {
        let mut entries: Vec<String> = list.iter().map(ToString::to_string).collect();
        entries.sort();
        h.update(format!("{name}:{}\n", entries.join(",")));
    }
    h.update(format!("corporate_only:{}\n", tags.corporate_only));
    hex(&h.finalize())
}

/// A hash of the rules folder's rule files (names and contents, as `load_dir` reads them): a
/// file added, edited or removed re-evaluates the custom rules.
fn rules_hash(dir: &Path) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.flatten().map(|e| e.path()).collect())
        .unwrap_or_default();
    paths.retain(|p| {
        p.extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("yml") || x.eq_ignore_ascii_case("yaml"))
    });
    paths.sort();
    for p in paths {
        let text = std::fs::read(&p).unwrap_or_default();
        h.update(p.file_name().unwrap_or_default().as_encoded_bytes());
        h.update([0]);
        h.update((text.len() as u64).to_le_bytes());
        h.update(&text);
    }
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The error for a rule id that no rule has.
pub fn unknown_rule(r: &str) -> ConnectorError {
    let ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
    invalid(
        "input.unknown_rule",
        format!("There is no rule \"{r}\"."),
        format!(
            "Use one of: {} or a custom rule's sigma:NAME (`wdconnect rules` lists them).",
            ids.join(", ")
        ),
    )
}
