//! The engine: committed events in (in commit order), findings out, with the state the
//! behavioural rules learn (countries per user and tenant, last location, hourly baselines,
//! open episodes) kept in a serialisable [`State`] that the caller stores beside its cursor.
//!
//! Deduplication: one alert per rule, user and episode. An episode of a rule for a user goes on
//! while matching events come less than [`Config::episode_gap_ms`] apart; its later events join
//! the same alert (same [`Finding::episode`] key) instead of raising another.

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::centroids::distance_km;
pub use crate::event::Event;
use crate::geo::Geo;
use crate::rules::{Rule, SENSITIVE_TASKS, Severity};
use crate::tags::{Tag, Tags};

const HOUR_MS: i64 = 3_600_000;

/// What the admin and the store decide.
#[derive(Debug)]
pub struct Config {
    pub tags: Tags,
    /// Custom rules (Sigma), evaluated on every event.
    pub sigma: Vec<crate::sigma::SigmaRule>,
    /// Accounts that are Integration System Users besides those named `ISU_*` / `isu-*`.
    pub isu_accounts: Vec<String>,
    /// Watched task names (the built-in list plus the admin's).
    pub sensitive_tasks: Vec<String>,
    /// New-country rules stay quiet for events before this instant (ms): the learning period.
    pub learning_until: Option<i64>,
    pub episode_gap_ms: i64,
    /// Travel faster than this between two countries' centres is impossible.
    pub travel_kmh: f64,
    /// Countries closer than this (centre to centre) never make impossible travel: neighbours.
    pub travel_min_km: f64,
    /// A burst is at least this many events in one hour...
    pub burst_min: u32,
    /// ...and this many times the user's usual busy hour (90th percentile of active hours)...
    pub burst_factor: f64,
    /// ...once the user has this many active hours of history.
    pub burst_baseline_hours: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tags: Tags::default(),
            sigma: Vec::new(),
            isu_accounts: Vec::new(),
            sensitive_tasks: SENSITIVE_TASKS.iter().map(|s| s.to_string()).collect(),
            learning_until: None,
            episode_gap_ms: 12 * HOUR_MS,
            travel_kmh: 1000.0,
            travel_min_km: 500.0,
            burst_min: 100,
            burst_factor: 10.0,
            burst_baseline_hours: 8,
        }
    }
}

/// One alert's worth of events found in a batch: a new alert, or more events of an existing
/// episode (same `episode` key) that the store merges into it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// A built-in rule's id, or `sigma:` and a custom rule's file name.
    pub rule: String,
    pub severity: Severity,
    /// Rule, scope (user or country) and the episode's first time: the dedup key.
    pub episode: String,
    pub user: Option<String>,
    /// ms of the first and last event in this finding.
    pub time: i64,
    pub last_time: i64,
    pub summary: String,
    pub events: Vec<i64>,
    pub country: Option<String>,
    pub ip: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Located {
    country: String,
    time: i64,
    ip: String,
    corporate: bool,
    id: i64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct UserState {
    countries: BTreeSet<String>,
    last: Option<Located>,
    /// The hour (ms / 3.6e6) being counted, its count and its events' keys.
    hour: i64,
    hour_count: u32,
    hour_ids: Vec<i64>,
    /// The event counts of the latest closed active hours (the baseline).
    #[serde(default)]
    recent: VecDeque<u32>,
    /// The current hour's burst threshold, set when the hour opens (None: no baseline yet).
    #[serde(default)]
    threshold: Option<u32>,
    burst_hour: Option<i64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Episode {
    key: String,
    last: i64,
}

/// What the behavioural rules have learnt so far; stored with the detection cursor.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    users: HashMap<String, UserState>,
    tenant_countries: BTreeSet<String>,
    episodes: HashMap<String, Episode>,
    /// A hash of each input the admin edits (`tags`, `rules`) as last evaluated: a change
    /// calls for a re-evaluation of the stored events (absent in states of older versions).
    #[serde(default)]
    inputs: BTreeMap<String, String>,
}

impl State {
    /// Countries seen for the tenant so far.
    pub fn tenant_countries(&self) -> impl Iterator<Item = &str> {
        self.tenant_countries.iter().map(String::as_str)
    }

    /// The hash of input `kind` when it was last evaluated.
    pub fn input_hash(&self, kind: &str) -> Option<&str> {
        self.inputs.get(kind).map(String::as_str)
    }

    pub fn set_input_hash(&mut self, kind: &str, hash: &str) {
        self.inputs.insert(kind.to_string(), hash.to_string());
    }
}

/// The rules a re-evaluation of stored events runs: the per-event rules whose inputs the admin
/// changed. The behavioural rules are never replayed (their state is learnt once, in order).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reevaluate {
    /// `risky_ip` and `outside_corporate`: the IP tags or the corporate-only switch changed.
    pub tags: bool,
    /// The custom (Sigma) rules: the rules folder changed.
    pub sigma: bool,
}

impl Reevaluate {
    pub fn any(self) -> bool {
        self.tags || self.sigma
    }
}

#[derive(Debug, Clone)]
struct IpInfo {
    country: Option<String>,
    risky: bool,
    corporate: bool,
}

/// Evaluates the built-in rules.
#[derive(Debug)]
pub struct Engine {
    geo: Geo,
    config: Config,
    ips: HashMap<String, IpInfo>,
}

/// Collects the findings of one batch, merging hits of one episode.
#[derive(Default)]
struct Out {
    findings: Vec<Finding>,
    at: HashMap<String, usize>,
}

impl Engine {
    pub fn new(geo: Geo, config: Config) -> Engine {
        Engine {
            geo,
            config,
            ips: HashMap::new(),
        }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn geo(&self) -> &Geo {
        &self.geo
    }

    /// The country of an address as Workday logs it.
    pub fn country_of(&self, ip: &str) -> Option<String> {
        self.geo.country_of(ip)
    }

    fn ip_info(&mut self, ip: &str) -> IpInfo {
        if let Some(i) = self.ips.get(ip) {
            return i.clone();
        }
        // Distinct addresses are few next to events; the cap keeps a pathological log bounded.
        if self.ips.len() > 200_000 {
            self.ips.clear();
        }
        let parsed: Option<IpAddr> = ip.trim().parse().ok();
        let info = IpInfo {
            country: parsed.and_then(|a| self.geo.country(a)),
            risky: parsed.is_some_and(|a| self.config.tags.has(Tag::Risky, a)),
            corporate: parsed.is_some_and(|a| self.config.tags.has(Tag::Corporate, a)),
        };
        self.ips.insert(ip.to_string(), info.clone());
        info
    }

    fn is_isu(&self, user: &str) -> bool {
        // Checked for every event: no lower-cased copy of the name.
        let prefix = user.get(..4).unwrap_or_default();
        prefix.eq_ignore_ascii_case("isu_")
            || prefix.eq_ignore_ascii_case("isu-")
            || self
                .config
                .isu_accounts
                .iter()
                .any(|a| a.eq_ignore_ascii_case(user))
    }

    fn learnt(&self, t: i64) -> bool {
        self.config.learning_until.is_none_or(|l| t >= l)
    }

    /// Evaluates `events` (in commit order) against `state`, which it updates.
    pub fn evaluate(&mut self, state: &mut State, events: &[Event]) -> Vec<Finding> {
        let mut out = Out::default();
        for e in events {
            self.one(state, e, &mut out, None);
        }
        out.findings
    }

    /// Evaluates `events` again for the rules of `which` only, with `state` holding nothing
    /// but the episodes of this re-evaluation (start from [`State::default`]): what a change of
    /// tags or of the rules folder does over the stored events.
    pub fn reevaluate(
        &mut self,
        state: &mut State,
        events: &[Event],
        which: Reevaluate,
    ) -> Vec<Finding> {
        let mut out = Out::default();
        for e in events {
            self.one(state, e, &mut out, Some(which));
        }
        out.findings
    }

    fn one(&mut self, state: &mut State, e: &Event, out: &mut Out, only: Option<Reevaluate>) {
        let (tag_rules, sigma_rules) = only.map_or((true, true), |o| (o.tags, o.sigma));
        let all_rules = only.is_none();
        // An event without a time cannot be placed in an episode or a baseline.
        let Some(t) = e.request_time else { return };
        let user = e.system_account.as_deref().filter(|u| !u.is_empty());
        let ip = e.ip_address.as_deref().filter(|i| !i.is_empty());
        let info = ip.map(|i| self.ip_info(i));
        let country = info.as_ref().and_then(|i| i.country.clone());
        let who = user.unwrap_or("(no user)");
        let gap = self.config.episode_gap_ms;
        // (rule, scope, event keys, summary), turned into findings at the end.
        let mut hits: Vec<(Rule, String, Vec<i64>, String)> = Vec::new();
        let mut sigma_hits: Vec<(String, Severity, String)> = Vec::new();
        let mut hit = |rule: Rule, scope: &str, events: Vec<i64>, summary: String| {
            hits.push((rule, scope.to_string(), events, summary));
        };

        if let (Some(ip), Some(info)) = (ip, &info)
            && tag_rules
        {
            if info.risky {
                hit(
                    Rule::RiskyIp,
                    who,
                    vec![e.id],
                    format!("{who}: activity from {ip}{}, tagged risky", paren(&country)),
                );
            }
            if self.config.tags.corporate_only && !info.corporate {
                hit(
                    Rule::OutsideCorporate,
                    who,
                    vec![e.id],
                    format!(
                        "{who}: activity from {ip}{}, outside the corporate ranges",
                        paren(&country)
                    ),
                );
            }
        }
        if let Some(task) = e.task_display_name.as_deref()
            && all_rules
            && self
                .config
                .sensitive_tasks
                .iter()
                .any(|s| s.eq_ignore_ascii_case(task.trim()))
        {
            hit(
                Rule::SensitiveTask,
                who,
                vec![e.id],
                format!("{who} ran {task}"),
            );
        }
        if let Some(u) = user
            && all_rules
            && !e.api_call
            && self.is_isu(u)
            && let Some(how) = interactive(e)
        {
            hit(
                Rule::IsuInteractive,
                u,
                vec![e.id],
                format!("{u}: integration system user seen with {how}"),
            );
        }
        if let Some(u) = user
            && all_rules
        {
            self.behaviour(state, e, t, u, ip, info.as_ref(), &country, &mut hit);
        }
        // Custom rules: one Sigma view of the event for all of them.
        if sigma_rules && !self.config.sigma.is_empty() {
            let view = crate::sigma::sigma_event(e, country.as_deref());
            for r in &self.config.sigma {
                if r.matches(&view) {
                    sigma_hits.push((r.id.clone(), r.severity, r.title.clone()));
                }
            }
        }
        let sigma = sigma_hits.into_iter().map(|(id, severity, title)| {
            let summary = format!("{who}: {title}");
            (id, severity, who.to_string(), vec![e.id], summary)
        });
        let built_in = hits.into_iter().map(|(rule, scope, events, summary)| {
            (
                rule.id().to_string(),
                rule.severity(),
                scope,
                events,
                summary,
            )
        });
        for (rule, severity, scope, events, summary) in built_in.chain(sigma) {
            hit_into(
                &mut state.episodes,
                out,
                gap,
                Hit {
                    rule: &rule,
                    severity,
                    scope: &scope,
                    user,
                    t,
                    events,
                    summary,
                    country: country.clone(),
                    ip: ip.map(str::to_string),
                },
            );
        }
    }

    /// The rules that learn: countries (tenant, user, travel) and the hourly burst.
    #[allow(clippy::too_many_arguments)]
    fn behaviour(
        &self,
        state: &mut State,
        e: &Event,
        t: i64,
        u: &str,
        ip: Option<&str>,
        info: Option<&IpInfo>,
        country: &Option<String>,
        hit: &mut impl FnMut(Rule, &str, Vec<i64>, String),
    ) {
        let learnt = self.learnt(t);
        let (travel_kmh, travel_min_km) = (self.config.travel_kmh, self.config.travel_min_km);
        let burst = (
            self.config.burst_min,
            self.config.burst_factor,
            self.config.burst_baseline_hours,
        );

        // Countries: new for the tenant, new for the user, and travel from the last one.
        if let (Some(c), Some(ip), Some(info)) = (country, ip, info) {
            if state.tenant_countries.insert(c.clone()) && learnt {
                hit(
                    Rule::NewCountryTenant,
                    c,
                    vec![e.id],
                    format!("first activity in the tenant from {c} (by {u}, {ip})"),
                );
            }
            let us = user_state(state, u);
            let before: Vec<String> = us.countries.iter().cloned().collect();
            let new_for_user = us.countries.insert(c.clone());
            let last = us.last.replace(Located {
                country: c.clone(),
                time: t,
                ip: ip.to_string(),
                corporate: info.corporate,
                id: e.id,
            });
            // A user's first country is no news (the tenant rule covers a new country).
            if new_for_user && learnt && !before.is_empty() {
                hit(
                    Rule::NewCountryUser,
                    u,
                    vec![e.id],
                    format!(
                        "{u}: first activity from {c} (before: {})",
                        before.join(", ")
                    ),
                );
            }
            if let Some(l) = last
                && l.country != *c
                && !(l.corporate && info.corporate)
                && let Some(km) = distance_km(&l.country, c)
                && km >= travel_min_km
            {
                let minutes = ((t - l.time).abs() as f64 / 60_000.0).max(1.0);
                let kmh = km / (minutes / 60.0);
                if kmh > travel_kmh {
                    hit(
                        Rule::ImpossibleTravel,
                        u,
                        vec![l.id, e.id],
                        format!(
                            "{u}: {} ({}) then {c} ({ip}) {} min apart, {:.0} km between them",
                            l.country,
                            l.ip,
                            minutes.round(),
                            km
                        ),
                    );
                }
            }
        }

        // Burst: this hour's events against the user's usual busy hour (see
        // `usual_busy_hour`).
        let (min, factor, needed) = burst;
        let us = user_state(state, u);
        let h = t.div_euclid(HOUR_MS);
        if h > us.hour {
            if us.hour_count > 0 && us.burst_hour != Some(us.hour) {
                if us.recent.len() == BASELINE_HOURS {
                    us.recent.pop_front();
                }
                us.recent.push_back(us.hour_count);
            }
            us.hour = h;
            us.hour_count = 0;
            us.hour_ids.clear();
            // (A baseline longer than the memory is the whole memory.)
            let needed = (needed as usize).min(BASELINE_HOURS);
            us.threshold = (us.recent.len() >= needed)
                .then(|| usual_busy_hour(&us.recent))
                .map(|m| min.max((factor * f64::from(m)).ceil() as u32));
        }
        // Events older than the hour being counted (published late) do not reopen it.
        if h == us.hour {
            us.hour_count += 1;
            if us.hour_ids.len() < 10_000 {
                us.hour_ids.push(e.id);
            }
            if let Some(threshold) = us.threshold {
                if us.hour_count == threshold {
                    us.burst_hour = Some(h);
                    let ids = us.hour_ids.clone();
                    let usual = usual_busy_hour(&us.recent);
                    hit(
                        Rule::Burst,
                        u,
                        ids,
                        format!(
                            "{u}: {threshold} events within an hour, against {usual} in a \
                             busy hour usually"
                        ),
                    );
                } else if us.hour_count > threshold && us.burst_hour == Some(h) {
                    hit(
                        Rule::Burst,
                        u,
                        vec![e.id],
                        format!("{u}: more events within the same hour"),
                    );
                }
            }
        }
    }
}

/// Active hours a user's burst baseline remembers: a week of them, so that a Monday peak is
/// judged against last week's peaks rather than against the quiet weekend before it.
const BASELINE_HOURS: usize = 168;

/// The user's usual busy hour: the 90th percentile (nearest rank) of `counts`, 0 when empty. A
/// mean lets one unjudged burst raise the bar for the next; a median calls a busy user's
/// ordinary peak hours bursts; the 90th percentile ignores up to a tenth of outliers.
fn usual_busy_hour(counts: &VecDeque<u32>) -> u32 {
    let mut sorted: Vec<u32> = counts.iter().copied().collect();
    sorted.sort_unstable();
    let rank = (sorted.len() * 9).div_ceil(10);
    sorted.get(rank.saturating_sub(1)).copied().unwrap_or(0)
}

/// The state of user `u`, allocating its name only the first time.
fn user_state<'s>(state: &'s mut State, u: &str) -> &'s mut UserState {
    if !state.users.contains_key(u) {
        state.users.insert(u.to_string(), UserState::default());
    }
    state.users.get_mut(u).expect("just inserted")
}

struct Hit<'a> {
    rule: &'a str,
    severity: Severity,
    scope: &'a str,
    user: Option<&'a str>,
    t: i64,
    events: Vec<i64>,
    summary: String,
    country: Option<String>,
    ip: Option<String>,
}

fn hit_into(episodes: &mut HashMap<String, Episode>, out: &mut Out, gap: i64, h: Hit<'_>) {
    let scope = format!("{}|{}", h.rule, h.scope);
    let key = match episodes.get_mut(&scope) {
        Some(ep) if h.t - ep.last <= gap => {
            ep.last = ep.last.max(h.t);
            ep.key.clone()
        }
        _ => {
            let key = format!("{scope}|{}", h.t);
            episodes.insert(
                scope,
                Episode {
                    key: key.clone(),
                    last: h.t,
                },
            );
            key
        }
    };
    match out.at.get(&key) {
        Some(&i) => {
            let f = &mut out.findings[i];
            f.events.extend(h.events);
            f.time = f.time.min(h.t);
            f.last_time = f.last_time.max(h.t);
        }
        None => {
            out.at.insert(key.clone(), out.findings.len());
            out.findings.push(Finding {
                rule: h.rule.to_string(),
                severity: h.severity,
                episode: key,
                user: h.user.map(str::to_string),
                time: h.t,
                last_time: h.t,
                summary: h.summary,
                events: h.events,
                country: h.country,
                ip: h.ip,
            });
        }
    }
}

fn paren(country: &Option<String>) -> String {
    country
        .as_ref()
        .map(|c| format!(" ({c})"))
        .unwrap_or_default()
}

/// How an event shows a person at a browser or an app: its device type or its user agent.
fn interactive(e: &Event) -> Option<String> {
    const DEVICES: &[&str] = &[
        "desktop", "computer", "phone", "tablet", "mobile", "browser",
    ];
    if let Some(d) = e.device_type.as_deref()
        && DEVICES.iter().any(|x| d.trim().eq_ignore_ascii_case(x))
    {
        return Some(format!("device type {d}"));
    }
    if let Some(ua) = e.user_agent.as_deref()
        && (ua.starts_with("Mozilla/") || ua.starts_with("Workday/"))
    {
        return Some("a web or app user agent".to_string());
    }
    None
}
