//! The activity log's data: a deterministic, streaming model of the tenant's user-activity events.
//!
//! Time is cut into one-minute buckets indexed from the Unix epoch. A bucket's event count is a
//! pure function of (seed, bucket) following a weekly rhythm (busy weekday working hours, quiet
//! nights and weekends, UTC), scaled so any seven days hold about `events` events. A bucket's
//! events are generated on demand from an RNG keyed by (seed, bucket), so nothing big is ever
//! materialised and a window is counted from bucket counts plus its generated edge buckets. The
//! data runs on past the start as real time passes: a continuous tenant. The client's own API
//! calls (few) are kept in memory and merged in, each after its bucket's generated events.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value};

use crate::people::{Directory, TASKS, TargetKind, task_id};
use crate::rng::{hash_str, hash3, session_id, unit, wid};

/// Bucket width.
pub const BUCKET_MS: i64 = 60_000;
const MINUTES_PER_WEEK: i64 = 7 * 1440;
/// History the tenant holds before the start day (windows earlier than that are empty), so that
/// no request can make the simulator walk decades of buckets.
pub const HISTORY_DAYS: i64 = 30;
/// Generated buckets kept; a page touches a handful, a sync walks forward.
const CACHE_BUCKETS: usize = 512;
/// Chance that an event has an identical twin right after it.
const TWIN_P: f64 = 0.004;

const DESKTOP_UA: &[&str] = &[
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.51",
];
const PHONE_UA: &[&str] = &[
    "Workday/2024.14.2 (iPhone; iOS 17.4.1; Scale/3.00)",
    "Workday/2024.14.1 (Android 14; Pixel 8)",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
];
const TABLET_UA: &[&str] = &[
    "Workday/2024.14.2 (iPad; iPadOS 17.4.1; Scale/2.00)",
    "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
];

/// The user agent a real tenant logs for API calls: the browser the account consented in, not
/// the caller's HTTP client.
pub const OWN_CALL_USER_AGENT: &str = DESKTOP_UA[0];

/// One event: where it sits in time, its publishing-lag key and its Workday JSON.
#[derive(Debug, Clone)]
pub struct Event {
    /// requestTime in ms since the epoch.
    pub at_ms: i64,
    /// Deterministic key from which the publishing lag is derived.
    pub lag_key: u64,
    /// The JSON as a real tenant serves it (requestTime present, no target href).
    pub json: Value,
    /// Left without requestTime under the `missing_request_times` switch.
    pub may_lose_time: bool,
    /// The target's href under the `target_href` switch.
    pub href: Option<String>,
}

/// How events are rendered: the strictness switches that change a row's shape.
#[derive(Debug, Clone, Copy, Default)]
pub struct Render {
    pub missing_request_times: bool,
    pub target_href: bool,
}

impl Event {
    /// The event's JSON under `r`.
    pub fn render(&self, r: Render) -> Value {
        let mut j = self.json.clone();
        if r.missing_request_times
            && self.may_lose_time
            && let Some(o) = j.as_object_mut()
        {
            o.remove("requestTime");
        }
        if r.target_href
            && let Some(h) = &self.href
            && let Some(t) = j.get_mut("target").and_then(Value::as_object_mut)
        {
            t.insert("href".into(), Value::String(h.clone()));
        }
        j
    }
}

impl Event {
    /// Milliseconds after `at_ms` at which the event becomes visible: between half the maximum
    /// and the maximum, so no event is ever published at once while a lag is set.
    fn lag_ms(&self, max_lag_secs: u64) -> i64 {
        if max_lag_secs == 0 {
            return 0;
        }
        let max_ms = max_lag_secs * 1000;
        let min_ms = max_ms / 2;
        (min_ms + self.lag_key % (max_ms - min_ms + 1)) as i64
    }
}

/// A query window as the API sees it: [from, to) at instant `now`, with the lag setting.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub from_ms: i64,
    pub to_ms: i64,
    pub now_ms: i64,
    pub max_lag_secs: u64,
}

impl Window {
    fn contains(&self, e: &Event) -> bool {
        e.at_ms >= self.from_ms && e.at_ms < self.to_ms
    }
    fn visible(&self, e: &Event) -> bool {
        self.contains(e) && e.at_ms + e.lag_ms(self.max_lag_secs) <= self.now_ms
    }
}

/// What an own-call event records.
#[derive(Debug, Clone)]
pub struct OwnCall {
    pub at_ms: i64,
    pub account: String,
    /// The task name, `{area}/{path} ({METHOD}) (v1 -  )`.
    pub task: String,
    pub session: String,
}

/// The dataset: parameters plus a small cache of generated buckets and the own-call events.
#[derive(Debug)]
pub struct Dataset {
    seed: u64,
    /// Expected events per minute of weight 1.0.
    per_weight: f64,
    origin_ms: i64,
    dir: Arc<Directory>,
    rest_base: String,
    cache: Mutex<HashMap<i64, Arc<Vec<Event>>>>,
    /// Own-call events sorted by `at_ms`.
    own: Mutex<Vec<Arc<Event>>>,
}

/// The weekly rhythm: relative activity of the minute `m` (UTC), counted from the Unix epoch.
pub fn weight(m: i64) -> f64 {
    let dow = (m.div_euclid(1440) + 3).rem_euclid(7); // 1970-01-01 was a Thursday; 0 = Monday
    let hour = m.rem_euclid(1440) / 60;
    match (dow >= 5, hour) {
        (false, 12) => 0.7,
        (false, 8..=17) => 1.0,
        (false, 6..=7 | 18..=20) => 0.35,
        (false, _) => 0.05,
        (true, 9..=20) => 0.08,
        (true, _) => 0.03,
    }
}

fn format_ms(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%.3fZ")
        .to_string()
}

impl Dataset {
    /// `events` is the expected count over any seven days; `start_ms` fixes the history origin.
    pub fn new(
        seed: u64,
        events: u64,
        start_ms: i64,
        dir: Arc<Directory>,
        rest_base: String,
    ) -> Dataset {
        // The rhythm is weekly-periodic, so its sum over any 10,080 consecutive minutes is this.
        let week: f64 = (0..MINUTES_PER_WEEK).map(weight).sum();
        let day_ms = 86_400_000;
        Dataset {
            seed,
            per_weight: events as f64 / week,
            origin_ms: start_ms.div_euclid(day_ms) * day_ms - HISTORY_DAYS * day_ms,
            dir,
            rest_base,
            cache: Mutex::new(HashMap::new()),
            own: Mutex::new(Vec::new()),
        }
    }

    /// Number of generated events in bucket `m` (twins included), without generating them.
    pub fn bucket_count(&self, m: i64) -> usize {
        if m * BUCKET_MS < self.origin_ms {
            return 0;
        }
        let noise = 0.8 + 0.4 * unit(hash3(self.seed, m as u64, 1));
        let lambda = self.per_weight * weight(m) * noise;
        (lambda + unit(hash3(self.seed, m as u64, 2))).floor() as usize
    }

    /// The generated events of bucket `m`, sorted by time, from the cache when possible.
    fn bucket(&self, m: i64) -> Arc<Vec<Event>> {
        if let Some(b) = self.lock_cache().get(&m) {
            return b.clone();
        }
        let b = Arc::new(self.generate(m));
        let mut cache = self.lock_cache();
        if cache.len() >= CACHE_BUCKETS {
            cache.clear();
        }
        cache.insert(m, b.clone());
        b
    }

    fn lock_cache(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Arc<Vec<Event>>>> {
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lock_own(&self) -> std::sync::MutexGuard<'_, Vec<Arc<Event>>> {
        self.own.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn generate(&self, m: i64) -> Vec<Event> {
        let n = self.bucket_count(m);
        let mut rng = SmallRng::seed_from_u64(hash3(self.seed, m as u64, 3));
        let mut offsets: Vec<i64> = (0..n).map(|_| rng.random_range(0..BUCKET_MS)).collect();
        offsets.sort_unstable();
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let k = out.len();
            let at = m * BUCKET_MS + offsets[k];
            let e = self.make_event(&mut rng, m, at, k as u64);
            if out.len() + 1 < n && rng.random_bool(TWIN_P) {
                out.push(e.clone());
            }
            out.push(e);
        }
        out
    }

    fn make_event(&self, rng: &mut SmallRng, m: i64, at: i64, k: u64) -> Event {
        let people = &self.dir.people;
        // Skewed towards the first people: a few accounts do most of the work.
        let ui = ((rng.random::<f64>().powi(2)) * people.len() as f64) as usize;
        let p = &people[ui.min(people.len() - 1)];
        // A session lasts a 45-minute slot per user (staggered), and fixes device, IP and agent.
        let slot = (m + ui as i64 * 7).div_euclid(45);
        let sh = hash3(self.seed ^ 0x5e55, ui as u64, slot as u64);
        let (device, uas) = match sh % 100 {
            0..=79 => ("Desktop", DESKTOP_UA),
            80..=94 => ("Phone", PHONE_UA),
            _ => ("Tablet", TABLET_UA),
        };
        let ip = if device == "Desktop" && (sh >> 8) % 10 < 8 {
            p.office_ip.clone()
        } else {
            format!(
                "{}.{}.{}",
                p.roaming_prefix,
                (sh >> 16) % 256,
                1 + (sh >> 24) % 254
            )
        };
        let ua = uas[((sh >> 32) % uas.len() as u64) as usize];
        let ti = self.dir.pick_task(rng.random());
        let task = &TASKS[ti];
        let mut href = None;
        let mut worker = |id: &str, name: &str| {
            href = Some(format!("{}/workers/{}", self.rest_base, id));
            obj(&[("id", id.to_string()), ("descriptor", name.to_string())])
        };
        let target = match task.target {
            TargetKind::None => None,
            TargetKind::Worker => {
                let w = &people[rng.random_range(0..people.len())];
                Some(worker(&w.wid, &w.name))
            }
            TargetKind::SelfWorker => Some(worker(&p.wid, &p.name)),
            TargetKind::TenantSetup(name) => Some(obj(&[
                ("id", wid(hash_str(0x5e7, name))),
                ("descriptor", name.to_string()),
            ])),
            TargetKind::PaySlip => {
                let period = m.div_euclid(1440 * 14);
                Some(obj(&[
                    ("id", wid(hash3(self.seed, ui as u64, period as u64))),
                    (
                        "descriptor",
                        format!(
                            "Pay Slip: {} ({})",
                            p.name,
                            format_ms(period * 1440 * 14 * BUCKET_MS)[..10].to_owned()
                        ),
                    ),
                ]))
            }
            TargetKind::Report => Some(obj(&[
                ("id", wid(hash3(0x4e9, ti as u64, 0))),
                ("descriptor", "Workers by Organization".to_string()),
            ])),
        };
        // Every field is optional in Workday's answer; each but requestTime is absent now and then.
        let mut j = Map::new();
        // Always drawn, so the switch changes no other event of the dataset.
        let may_lose_time = rng.random_bool(0.001);
        j.insert("requestTime".into(), Value::String(format_ms(at)));
        let mut put = |rng: &mut SmallRng, absent_p: f64, key: &str, v: Value| {
            if !rng.random_bool(absent_p) {
                j.insert(key.to_string(), v);
            }
        };
        put(
            rng,
            0.005,
            "systemAccount",
            Value::String(p.username.clone()),
        );
        put(
            rng,
            0.003,
            "activityAction",
            Value::String(task.action.to_string()),
        );
        put(
            rng,
            0.003,
            "taskDisplayName",
            Value::String(task.name.to_string()),
        );
        put(rng, 0.005, "taskId", Value::String(task_id(ti)));
        put(rng, 0.01, "sessionId", Value::String(session_id(sh)));
        put(rng, 0.01, "ipAddress", Value::String(ip));
        put(rng, 0.02, "userAgent", Value::String(ua.to_string()));
        put(rng, 0.02, "deviceType", Value::String(device.to_string()));
        if let Some(t) = target {
            put(rng, 0.01, "target", t);
        }
        Event {
            at_ms: at,
            lag_key: hash3(self.seed, m as u64, 0x1a9 ^ (k << 8)),
            json: Value::Object(j),
            may_lose_time,
            href,
        }
    }

    /// Logs an event someone did in the tenant at `at_ms`, with `json` as Workday's answer
    /// carries it (which may leave requestTime out, or hold any text a user could make the
    /// tenant log): served and counted like the client's own calls.
    pub fn record_event(&self, at_ms: i64, json: Value) {
        let mut own = self.lock_own();
        let e = Arc::new(Event {
            at_ms,
            lag_key: hash3(self.seed, 0x0e, own.len() as u64),
            json,
            may_lose_time: false,
            href: None,
        });
        let pos = own.partition_point(|x| x.at_ms <= e.at_ms);
        own.insert(pos, e);
    }

    /// Logs one of the client's own API calls as an event.
    pub fn record_own(&self, call: OwnCall) {
        let mut own = self.lock_own();
        let ordinal = own.len() as u64;
        let mut j = Map::new();
        j.insert("requestTime".into(), Value::String(format_ms(call.at_ms)));
        j.insert("systemAccount".into(), Value::String(call.account));
        j.insert("activityAction".into(), Value::String("READ".into()));
        j.insert(
            "taskId".into(),
            Value::String(wid(hash_str(0xca11, &call.task))),
        );
        j.insert("taskDisplayName".into(), Value::String(call.task));
        j.insert("sessionId".into(), Value::String(call.session));
        j.insert("ipAddress".into(), Value::String("127.0.0.1".into()));
        j.insert(
            "userAgent".into(),
            Value::String(OWN_CALL_USER_AGENT.into()),
        );
        j.insert("deviceType".into(), Value::String("Desktop".into()));
        let e = Arc::new(Event {
            at_ms: call.at_ms,
            lag_key: hash3(self.seed, 0x0c, ordinal),
            json: Value::Object(j),
            may_lose_time: false,
            href: None,
        });
        let pos = own.partition_point(|x| x.at_ms <= e.at_ms);
        own.insert(pos, e);
    }

    /// Inclusive bucket range that can hold events of [from, min(to, now]).
    fn buckets(&self, from_ms: i64, to_ms: i64, now_ms: i64) -> Option<(i64, i64)> {
        let lo = from_ms.max(self.origin_ms);
        let hi = to_ms.min(now_ms + 1); // exclusive
        (hi > lo).then(|| (lo.div_euclid(BUCKET_MS), (hi - 1).div_euclid(BUCKET_MS)))
    }

    /// Generated events of bucket `m` visible in `w`, counted without generating when the bucket
    /// lies wholly inside the window and is wholly published.
    fn visible_gen_count(&self, m: i64, w: &Window) -> usize {
        let start = m * BUCKET_MS;
        let end = start + BUCKET_MS;
        let max_lag_ms = w.max_lag_secs as i64 * 1000;
        if start >= w.from_ms && end <= w.to_ms && end - 1 + max_lag_ms <= w.now_ms {
            return self.bucket_count(m);
        }
        self.bucket(m).iter().filter(|e| w.visible(e)).count()
    }

    fn own_visible(&self, w: &Window) -> Vec<Arc<Event>> {
        let own = self.lock_own();
        let lo = own.partition_point(|e| e.at_ms < w.from_ms);
        own[lo..]
            .iter()
            .take_while(|e| e.at_ms < w.to_ms)
            .filter(|e| w.visible(e))
            .cloned()
            .collect()
    }

    /// Number of events visible in `w`.
    pub fn count(&self, w: &Window) -> u64 {
        let own = self.own_visible(w).len() as u64;
        let Some((lo, hi)) = self.buckets(w.from_ms, w.to_ms, w.now_ms) else {
            return own;
        };
        own + (lo..=hi)
            .map(|m| self.visible_gen_count(m, w) as u64)
            .sum::<u64>()
    }

    /// Events visible in `w` at positions [offset, offset + limit) of the window's sequence
    /// (buckets in time order; within a bucket generated events, then own calls).
    pub fn page(&self, w: &Window, offset: u64, limit: usize, r: Render) -> Vec<Value> {
        let mut out = Vec::with_capacity(limit.min(1000));
        let Some((lo, hi)) = self.buckets(w.from_ms, w.to_ms, w.now_ms) else {
            return out;
        };
        let own = self.own_visible(w);
        let mut oi = 0;
        let mut skip = offset;
        for m in lo..=hi {
            if out.len() >= limit {
                break;
            }
            let end = (m + 1) * BUCKET_MS;
            let own_start = oi;
            while oi < own.len() && own[oi].at_ms < end {
                oi += 1;
            }
            let n = (self.visible_gen_count(m, w) + oi - own_start) as u64;
            if skip >= n {
                skip -= n;
                continue;
            }
            let gen_events = self.bucket(m);
            let seq = merged(
                gen_events.iter().filter(|e| w.visible(e)),
                &own[own_start..oi],
            );
            for e in seq.into_iter().skip(skip as usize).take(limit - out.len()) {
                out.push(e.render(r));
            }
            skip = 0;
        }
        out
    }

    /// Every event that has happened (requestTime <= now) in [from, to), published or not, in
    /// the same order as `page`.
    pub fn ground_truth(&self, from_ms: i64, to_ms: i64, now_ms: i64, r: Render) -> Vec<Value> {
        let mut out = Vec::new();
        let Some((lo, hi)) = self.buckets(from_ms, to_ms, now_ms) else {
            return out;
        };
        let inside = |e: &Event| e.at_ms >= from_ms && e.at_ms < to_ms && e.at_ms <= now_ms;
        let own: Vec<Arc<Event>> = self
            .lock_own()
            .iter()
            .filter(|e| inside(e))
            .cloned()
            .collect();
        let mut oi = 0;
        for m in lo..=hi {
            let own_start = oi;
            while oi < own.len() && own[oi].at_ms < (m + 1) * BUCKET_MS {
                oi += 1;
            }
            // Not through the cache: a truth query may span days and must not evict hot pages.
            let generated = self.generate(m);
            let seq = merged(generated.iter().filter(|e| inside(e)), &own[own_start..oi]);
            out.extend(seq.into_iter().map(|e| e.render(r)));
        }
        out
    }
}

/// One bucket's generated events and own calls (both sorted) merged ascending by time; at equal
/// times generated events come first.
fn merged<'e>(generated: impl Iterator<Item = &'e Event>, own: &'e [Arc<Event>]) -> Vec<&'e Event> {
    let mut out: Vec<&Event> = generated.collect();
    if own.is_empty() {
        return out;
    }
    for e in own {
        let pos = out.partition_point(|x| x.at_ms <= e.at_ms);
        out.insert(pos, e);
    }
    out
}

fn obj(fields: &[(&str, String)]) -> Value {
    Value::Object(
        fields
            .iter()
            .map(|(k, v)| (k.to_string(), Value::String(v.clone())))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ds(events: u64) -> Dataset {
        Dataset::new(
            7,
            events,
            1_776_000_000_000,
            Arc::new(Directory::new(7, 40, false)),
            "http://x".into(),
        )
    }

    #[test]
    fn seven_days_hold_about_the_requested_events() {
        let d = ds(1_000_000);
        let end = 1_776_000_000_000i64.div_euclid(BUCKET_MS);
        let n: usize = (end - MINUTES_PER_WEEK..end)
            .map(|m| d.bucket_count(m))
            .sum();
        assert!((n as f64 - 1e6).abs() < 5_000.0, "{n}");
    }

    #[test]
    fn counting_matches_generation() {
        let d = ds(200_000);
        let m = 1_776_000_000_000i64.div_euclid(BUCKET_MS) - 600;
        for k in 0..30 {
            assert_eq!(d.bucket(m + k).len(), d.bucket_count(m + k));
        }
    }
}
