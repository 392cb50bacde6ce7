//! Insights over a connection's activity store: the events of a viewer filter per hour or per
//! day with its top users, tasks and IPs, and the 30-day page of one user (activity over time,
//! IPs, devices, tasks, sessions). Read-only aggregates, each one pass over the matching rows
//! through the store's own filter, so they count exactly what the viewer lists.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::params_from_iter;
use serde::Serialize;

use super::ipinfo::IpInfo;
use super::store::{EventFilter, Store, StoreError, where_clause};
use crate::connections::ConnectorError;
use crate::problem::{Diagnose, Problem};

/// Entries a top list holds.
pub const TOP_N: usize = 10;
/// The days a user page shows: today (on the viewer's clock) and the days before it.
pub const USER_DAYS: i64 = 30;
/// Sessions a user page lists (the most recent).
pub const USER_SESSIONS: usize = 20;
/// A range up to this many hours is charted per hour; a longer one per day.
pub const HOURLY_UP_TO_HOURS: i64 = 48;
/// Beyond this many buckets the chart shrinks to the span its events cover.
const MAX_BUCKETS: i64 = 1500;

const HOUR_MS: i64 = 3_600_000;
const DAY_MS: i64 = 24 * HOUR_MS;

/// The width of one bar of the chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Bucket {
    Hour,
    Day,
}

impl Bucket {
    fn ms(self) -> i64 {
        match self {
            Bucket::Hour => HOUR_MS,
            Bucket::Day => DAY_MS,
        }
    }
}

/// The events of one bucket, which starts at `start` (a local hour or local midnight).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TimeCount {
    pub start: DateTime<Utc>,
    pub count: u64,
}

/// One value of a column and how many matching events carry it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Ranked {
    pub value: String,
    pub count: u64,
}

/// The most frequent values of a column among the matching events, most first (ties by value),
/// and how many different values there are in all. Events without a value are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TopList {
    pub entries: Vec<Ranked>,
    pub distinct: u64,
}

/// What the viewer's chart and top lists show for a filter.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ActivityInsights"))]
pub struct Insights {
    /// Every matching event, the untimed ones included.
    pub total: u64,
    pub bucket: Bucket,
    /// Every bucket of the range in order, empty ones included.
    pub series: Vec<TimeCount>,
    /// Matching events stored without any time (kept by old versions): counted, not charted.
    pub untimed: u64,
    pub users: TopList,
    pub tasks: TopList,
    pub ips: TopList,
    /// The countries of the matching events' IPs (per event), looked up when read; None
    /// without a lookup (no country is guessed).
    pub countries: Option<TopList>,
}

/// One session of a user: its events between the first and the last, from which IPs and devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SessionSummary {
    pub session_id: String,
    pub first: Option<DateTime<Utc>>,
    pub last: Option<DateTime<Utc>>,
    pub count: u64,
    pub ips: Vec<String>,
    pub devices: Vec<String>,
}

/// The last [`USER_DAYS`] days of one user.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct UserInsights {
    pub user: String,
    pub since: DateTime<Utc>,
    pub until: DateTime<Utc>,
    pub total: u64,
    /// Per day.
    pub series: Vec<TimeCount>,
    pub untimed: u64,
    pub first_seen: Option<DateTime<Utc>>,
    pub last_seen: Option<DateTime<Utc>>,
    pub ips: TopList,
    pub devices: TopList,
    pub tasks: TopList,
    pub actions: TopList,
    /// The most recent sessions, newest first.
    pub sessions: Vec<SessionSummary>,
    pub sessions_total: u64,
    /// As in [`Insights::countries`].
    pub countries: Option<TopList>,
}

/// Checks the viewer's UTC offset (minutes east of UTC, what the local clock adds to UTC).
pub fn check_offset(minutes: i32) -> Result<(), Problem> {
    if (-18 * 60..=18 * 60).contains(&minutes) {
        Ok(())
    } else {
        Err(Problem::new(
            "input.bad_utc_offset",
            format!("A UTC offset of {minutes} minutes is not a time zone."),
            "Give the offset of the local clock in minutes, between -1080 and 1080.",
        ))
    }
}

/// Counts per value of one text column; borrowed lookups, so a value is copied once.
#[derive(Default)]
struct Counter(HashMap<String, u64>);

impl Counter {
    fn add(&mut self, v: Option<&str>) {
        let Some(v) = v.filter(|v| !v.is_empty()) else {
            return;
        };
        match self.0.get_mut(v) {
            Some(n) => *n += 1,
            None => {
                self.0.insert(v.to_owned(), 1);
            }
        }
    }

    /// The countries of the addresses counted here, each with the events of its addresses.
    fn countries(&self, info: Option<&mut IpInfo>) -> Option<TopList> {
        let info = info?;
        let mut c = Counter::default();
        for (ip, n) in &self.0 {
            if let Some(country) = info.facts(ip).country.as_deref() {
                match c.0.get_mut(country) {
                    Some(m) => *m += n,
                    None => {
                        c.0.insert(country.to_owned(), *n);
                    }
                }
            }
        }
        Some(c.top(TOP_N))
    }

    fn top(self, n: usize) -> TopList {
        let distinct = self.0.len() as u64;
        let mut all: Vec<Ranked> = self
            .0
            .into_iter()
            .map(|(value, count)| Ranked { value, count })
            .collect();
        all.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        all.truncate(n);
        TopList {
            entries: all,
            distinct,
        }
    }
}

#[derive(Default)]
struct SessionTally {
    first: Option<i64>,
    last: Option<i64>,
    count: u64,
    ips: Vec<String>,
    devices: Vec<String>,
}

fn push_new(list: &mut Vec<String>, v: Option<&str>) {
    if let Some(v) = v.filter(|v| !v.is_empty())
        && !list.iter().any(|x| x == v)
    {
        list.push(v.to_owned());
    }
}

/// What one pass over the matching rows gathers.
#[derive(Default)]
struct Tally {
    total: u64,
    untimed: u64,
    /// Events per local hour (hours since the epoch on the local clock).
    hours: HashMap<i64, u64>,
    first: Option<i64>,
    last: Option<i64>,
    users: Counter,
    tasks: Counter,
    ips: Counter,
    devices: Counter,
    actions: Counter,
    sessions: HashMap<String, SessionTally>,
}

/// Reads the rows matching `filter` once. `detail` adds devices, actions and sessions (the user
/// page); the viewer's lists need only users, tasks and IPs.
fn tally(
    store: &Store,
    filter: &EventFilter,
    offset_ms: i64,
    detail: bool,
) -> Result<Tally, StoreError> {
    let (conn, err) = store.reader();
    let (where_sql, args) = where_clause(conn, filter).map_err(&err)?;
    let columns = if detail {
        "request_time, system_account, task_display_name, ip_address, device_type, \
         activity_action, session_id"
    } else {
        "request_time, system_account, task_display_name, ip_address"
    };
    let mut stmt = conn
        .prepare(&format!("SELECT {columns} FROM events_named{where_sql}"))
        .map_err(&err)?;
    let mut rows = stmt.query(params_from_iter(args)).map_err(&err)?;
    let mut t = Tally::default();
    while let Some(r) = rows.next().map_err(&err)? {
        t.total += 1;
        let at: Option<i64> = r.get(0).map_err(&err)?;
        match at {
            Some(ms) => {
                *t.hours
                    .entry((ms + offset_ms).div_euclid(HOUR_MS))
                    .or_default() += 1;
                t.first = Some(t.first.map_or(ms, |f| f.min(ms)));
                t.last = Some(t.last.map_or(ms, |l| l.max(ms)));
            }
            None => t.untimed += 1,
        }
        // Borrowed from the row: most rows only bump a count.
        let str_at = |i: usize| r.get_ref(i).map(|v| v.as_str_or_null().ok().flatten());
        t.users.add(str_at(1).map_err(&err)?);
        t.tasks.add(str_at(2).map_err(&err)?);
        t.ips.add(str_at(3).map_err(&err)?);
        if detail {
            t.devices.add(str_at(4).map_err(&err)?);
            t.actions.add(str_at(5).map_err(&err)?);
            if let Some(id) = str_at(6).map_err(&err)?.filter(|s| !s.is_empty()) {
                let s = t.sessions.entry(id.to_owned()).or_default();
                s.count += 1;
                if let Some(ms) = at {
                    s.first = Some(s.first.map_or(ms, |f| f.min(ms)));
                    s.last = Some(s.last.map_or(ms, |l| l.max(ms)));
                }
                push_new(&mut s.ips, str_at(3).map_err(&err)?);
                push_new(&mut s.devices, str_at(4).map_err(&err)?);
            }
        }
    }
    Ok(t)
}

fn from_ms(v: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(v).unwrap_or_default()
}

/// Every bucket from the one holding `lo` to the one holding `hi - 1` (UTC ms), with the
/// counts of `hours` summed into them; buckets follow the local clock (`offset_ms`).
fn series(
    hours: &HashMap<i64, u64>,
    bucket: Bucket,
    lo: i64,
    hi: i64,
    offset_ms: i64,
) -> Vec<TimeCount> {
    let width = bucket.ms();
    let first = (lo + offset_ms).div_euclid(width);
    let last = (hi - 1 + offset_ms).div_euclid(width);
    let per_bucket = width / HOUR_MS;
    let mut out: Vec<TimeCount> = (first..=last)
        .map(|b| TimeCount {
            start: from_ms(b * width - offset_ms),
            count: 0,
        })
        .collect();
    for (&hour, &n) in hours {
        let b = hour.div_euclid(per_bucket);
        if (first..=last).contains(&b) {
            out[(b - first) as usize].count += n;
        }
    }
    out
}

/// The bucket for a range of `span_ms`.
pub fn bucket_for(span_ms: i64) -> Bucket {
    if span_ms <= HOURLY_UP_TO_HOURS * HOUR_MS {
        Bucket::Hour
    } else {
        Bucket::Day
    }
}

/// The chart and top lists of the events matching `filter` (`filter.limit` ignored). The range
/// charted is the filter's; an open end is the first matching event, or `now` (or the last
/// event, if later). `utc_offset_minutes` places hour and day boundaries on the local clock;
/// `info` gives the top countries.
pub fn insights(
    store: &Store,
    filter: &EventFilter,
    utc_offset_minutes: i32,
    now: DateTime<Utc>,
    info: Option<&mut IpInfo>,
) -> Result<Insights, StoreError> {
    let offset_ms = i64::from(utc_offset_minutes) * 60_000;
    let t = tally(store, filter, offset_ms, false)?;
    let countries = t.ips.countries(info);
    let (series_, bucket) = match chart_range(filter, &t, now) {
        Some((lo, hi)) => {
            let bucket = bucket_for(hi - lo);
            (series(&t.hours, bucket, lo, hi, offset_ms), bucket)
        }
        None => (Vec::new(), Bucket::Hour),
    };
    Ok(Insights {
        total: t.total,
        bucket,
        series: series_,
        untimed: t.untimed,
        users: t.users.top(TOP_N),
        tasks: t.tasks.top(TOP_N),
        ips: t.ips.top(TOP_N),
        countries,
    })
}

/// `[lo, hi)` in ms of the chart, or None when there is nothing to place on it.
fn chart_range(filter: &EventFilter, t: &Tally, now: DateTime<Utc>) -> Option<(i64, i64)> {
    let now = now.timestamp_millis();
    let lo = filter.since.map(|s| s.timestamp_millis()).or(t.first)?;
    let hi = match filter.until {
        Some(u) => u.timestamp_millis(),
        None => t.last.map_or(now, |l| now.max(l + 1)),
    };
    if hi <= lo {
        return None;
    }
    let bucket = bucket_for(hi - lo);
    if (hi - lo) / bucket.ms() <= MAX_BUCKETS {
        return Some((lo, hi));
    }
    // A range far wider than its events (a From years back): the span they cover.
    let (first, last) = (t.first?, t.last?);
    Some((lo.max(first), hi.min(last + 1)))
}

/// The last [`USER_DAYS`] days up to `now` of `user` (matched as the viewer's user filter:
/// exactly, any letter case), per local day, with its IPs, devices, tasks, actions and sessions.
/// The app's own calls are left out, as the viewer leaves them out by default.
pub fn user_insights(
    store: &Store,
    user: &str,
    utc_offset_minutes: i32,
    now: DateTime<Utc>,
    info: Option<&mut IpInfo>,
) -> Result<UserInsights, StoreError> {
    let offset_ms = i64::from(utc_offset_minutes) * 60_000;
    let today = (now.timestamp_millis() + offset_ms).div_euclid(DAY_MS) * DAY_MS - offset_ms;
    let since = from_ms(today - (USER_DAYS - 1) * DAY_MS);
    let filter = EventFilter {
        since: Some(since),
        until: Some(now),
        user: Some(user.to_owned()),
        ..Default::default()
    };
    let t = tally(store, &filter, offset_ms, true)?;
    let countries = t.ips.countries(info);
    // Today's bar whole, however little of it has passed.
    let days = series(
        &t.hours,
        Bucket::Day,
        since.timestamp_millis(),
        today + DAY_MS,
        offset_ms,
    );
    let sessions_total = t.sessions.len() as u64;
    let mut sessions: Vec<SessionSummary> = t
        .sessions
        .into_iter()
        .map(|(session_id, s)| SessionSummary {
            session_id,
            first: s.first.map(from_ms),
            last: s.last.map(from_ms),
            count: s.count,
            ips: s.ips,
            devices: s.devices,
        })
        .collect();
    sessions.sort_by(|a, b| {
        b.last
            .cmp(&a.last)
            .then_with(|| a.session_id.cmp(&b.session_id))
    });
    sessions.truncate(USER_SESSIONS);
    Ok(UserInsights {
        user: user.to_owned(),
        since,
        until: now,
        total: t.total,
        series: days,
        untimed: t.untimed,
        first_seen: t.first.map(from_ms),
        last_seen: t.last.map(from_ms),
        ips: t.ips.top(TOP_N),
        devices: t.devices.top(TOP_N),
        tasks: t.tasks.top(TOP_N),
        actions: t.actions.top(TOP_N),
        sessions,
        sessions_total,
        countries,
    })
}

impl crate::connections::Connector {
    /// [`insights`] of the stored events of `connection` matching `filter`, now.
    pub async fn activity_insights(
        &self,
        connection: &str,
        filter: EventFilter,
        utc_offset_minutes: i32,
    ) -> Result<Insights, ConnectorError> {
        filter.check().map_err(ConnectorError::Failed)?;
        check_offset(utc_offset_minutes).map_err(|p| ConnectorError::Invalid(vec![p]))?;
        let store = self.open_store(connection)?;
        let mut info = self.ip_info();
        tokio::task::spawn_blocking(move || {
            insights(
                &store,
                &filter,
                utc_offset_minutes,
                Utc::now(),
                Some(&mut info),
            )
        })
        .await
        .map_err(super::unreadable)?
        .map_err(|e| ConnectorError::Failed(e.problem()))
    }

    /// [`user_insights`] of `user` in the store of `connection`, up to now.
    pub async fn user_insights(
        &self,
        connection: &str,
        user: &str,
        utc_offset_minutes: i32,
    ) -> Result<UserInsights, ConnectorError> {
        let user = user.trim().to_owned();
        if user.is_empty() {
            return Err(ConnectorError::Invalid(vec![Problem::new(
                "input.missing_user",
                "No user was given.",
                "Name the user's system account, as the viewer's User column shows it.",
            )]));
        }
        check_offset(utc_offset_minutes).map_err(|p| ConnectorError::Invalid(vec![p]))?;
        let store = self.open_store(connection)?;
        let mut info = self.ip_info();
        tokio::task::spawn_blocking(move || {
            user_insights(
                &store,
                &user,
                utc_offset_minutes,
                Utc::now(),
                Some(&mut info),
            )
        })
        .await
        .map_err(super::unreadable)?
        .map_err(|e| ConnectorError::Failed(e.problem()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::activity::row::key_window;
    use serde_json::{Value, json};

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn ev(t: DateTime<Utc>, user: &str, task: &str, ip: &str, session: &str) -> Value {
        json!({
            "requestTime": t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            "systemAccount": user,
            "taskDisplayName": task,
            "activityAction": if task.starts_with("Edit") { "WRITE" } else { "READ" },
            "ipAddress": ip,
            "deviceType": if user == "bob" { "Phone" } else { "Desktop" },
            "sessionId": session,
        })
    }

    const OWN: &str = "privacy/activityLogging/userActivity (GET) (v1 -  )";

    /// A store of three days from 2026-04-15 00:00 UTC: ann every 20 minutes (View Worker from
    /// 10.0.0.1), bob every hour of the last day (Edit Worker from 10.0.0.2), the app's own
    /// call every 10 minutes from 10.0.0.9, and one event without a time.
    fn store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("i.sqlite3")).unwrap();
        let t0 = at("2026-04-15T00:00:00Z");
        s.start_at(t0).unwrap();
        let mut events = Vec::new();
        for i in 0..(3 * 72) {
            let t = t0 + chrono::Duration::minutes(20 * i);
            events.push(ev(
                t,
                "ann",
                "View Worker",
                "10.0.0.1",
                &format!("a{}", i / 9),
            ));
        }
        for h in 48..72 {
            let t = t0 + chrono::Duration::hours(h) + chrono::Duration::minutes(5);
            events.push(ev(t, "bob", "Edit Worker", "10.0.0.2", "b1"));
        }
        for i in 0..(6 * 72) {
            let t = t0 + chrono::Duration::minutes(10 * i + 1);
            events.push(ev(t, "ann", OWN, "10.0.0.9", "own"));
        }
        events.push(json!({"systemAccount": "carl", "taskDisplayName": "Hire"}));
        // Keyed without a window start, the untimed one is kept with no time at all (as old
        // versions kept such events).
        s.commit_window(&key_window(events), t0 + chrono::Duration::days(3))
            .unwrap();
        (dir, s)
    }

    fn count_of(list: &TopList, value: &str) -> Option<u64> {
        list.entries
            .iter()
            .find(|r| r.value == value)
            .map(|r| r.count)
    }

    #[test]
    fn counts_equal_the_events_and_own_calls_stay_hidden() {
        let (_dir, s) = store();
        let now = at("2026-04-18T00:00:00Z");
        let all = EventFilter::default();
        let i = insights(&s, &all, 0, now, None).unwrap();
        assert_eq!(i.total, s.count_matching(&all).unwrap());
        assert_eq!(i.total, 216 + 24 + 1);
        assert_eq!(i.untimed, 1);
        assert_eq!(i.series.iter().map(|b| b.count).sum::<u64>(), i.total - 1);
        // Three days: per day, from the first event to now.
        assert_eq!(i.bucket, Bucket::Day);
        let days: Vec<(String, u64)> = i
            .series
            .iter()
            .map(|b| (b.start.to_rfc3339(), b.count))
            .collect();
        assert_eq!(
            days,
            vec![
                ("2026-04-15T00:00:00+00:00".into(), 72),
                ("2026-04-16T00:00:00+00:00".into(), 72),
                ("2026-04-17T00:00:00+00:00".into(), 72 + 24),
            ]
        );
        for user in ["ann", "bob", "carl"] {
            let one = EventFilter {
                user: Some(user.into()),
                ..Default::default()
            };
            assert_eq!(
                count_of(&i.users, user),
                Some(s.count_matching(&one).unwrap()),
                "{user}"
            );
        }
        assert_eq!(i.users.distinct, 3);
        assert_eq!(count_of(&i.tasks, "View Worker"), Some(216));
        assert_eq!(count_of(&i.tasks, OWN), None, "own calls hidden");
        assert_eq!(count_of(&i.ips, "10.0.0.9"), None, "own calls hidden");
        assert_eq!(i.ips.entries[0].value, "10.0.0.1", "most first");
        assert_eq!(i.countries, None, "no country is guessed");

        let shown = insights(
            &s,
            &EventFilter {
                include_own_calls: true,
                ..Default::default()
            },
            0,
            now,
            None,
        )
        .unwrap();
        assert_eq!(shown.total, i.total + 432);
        assert_eq!(count_of(&shown.tasks, OWN), Some(432));
        assert_eq!(count_of(&shown.users, "ann"), Some(216 + 432));
    }

    #[test]
    fn top_countries_count_the_events_of_their_addresses() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        let t0 = at("2026-04-15T00:00:00Z");
        s.start_at(t0).unwrap();
        let m = |n| t0 + chrono::Duration::minutes(n);
        let events = vec![
            ev(m(1), "ann", "View Worker", "80.128.0.1", "s1"),
            ev(m(2), "ann", "View Worker", "80.128.0.1", "s1"),
            ev(m(3), "bob", "View Worker", "2003::1", "s2"),
            ev(m(4), "bob", "View Worker", "10.0.0.2", "s2"),
        ];
        s.commit_window(&key_window(events), t0 + chrono::Duration::hours(1))
            .unwrap();
        let mut info = IpInfo::new(Some(detect::Geo::shipped()), detect::Tags::default());
        let now = at("2026-04-15T02:00:00Z");
        let i = insights(&s, &EventFilter::default(), 0, now, Some(&mut info)).unwrap();
        let countries = i.countries.expect("a lookup gives countries");
        // Per event; the private address has no country and is not counted.
        assert_eq!(countries.distinct, 1);
        assert_eq!(count_of(&countries, "DE"), Some(3));
        let u = user_insights(&s, "bob", 0, now, Some(&mut info)).unwrap();
        assert_eq!(count_of(&u.countries.unwrap(), "DE"), Some(1));
    }

    #[test]
    fn the_filter_is_honoured_and_a_short_range_is_charted_per_hour() {
        let (_dir, s) = store();
        let since = at("2026-04-17T00:00:00Z");
        let f = EventFilter {
            since: Some(since),
            until: Some(since + chrono::Duration::hours(24)),
            task: Some("edit".into()),
            ..Default::default()
        };
        let i = insights(&s, &f, 0, at("2026-04-20T00:00:00Z"), None).unwrap();
        assert_eq!(i.total, 24);
        assert_eq!(i.bucket, Bucket::Hour);
        assert_eq!(i.series.len(), 24);
        assert!(i.series.iter().all(|b| b.count == 1), "{:?}", i.series);
        assert_eq!(i.series[0].start, since);
        assert_eq!(i.users.entries.len(), 1);
        assert_eq!(count_of(&i.users, "bob"), Some(24));
        assert_eq!(i.tasks.entries.len(), 1);
        assert_eq!(count_of(&i.ips, "10.0.0.2"), Some(24));

        // Nothing matches: no bars, empty lists.
        let none = EventFilter {
            user: Some("nobody".into()),
            ..Default::default()
        };
        let i = insights(&s, &none, 0, at("2026-04-20T00:00:00Z"), None).unwrap();
        assert_eq!((i.total, i.series.len(), i.users.distinct), (0, 0, 0));
    }

    #[test]
    fn days_follow_the_local_clock() {
        let (_dir, s) = store();
        let f = EventFilter {
            user: Some("bob".into()),
            ..Default::default()
        };
        // UTC+10: bob's day (2026-04-17 00:05 to 23:05 UTC) spans two local days.
        let i = insights(&s, &f, 600, at("2026-04-20T00:00:00Z"), None).unwrap();
        assert_eq!(i.bucket, Bucket::Day);
        assert_eq!(
            i.series[0].start,
            at("2026-04-16T14:00:00Z"),
            "local midnight"
        );
        assert_eq!(i.series[0].count, 14, "00:05 to 13:05 UTC");
        assert_eq!(i.series[1].count, 10);
        assert_eq!(i.series.iter().map(|b| b.count).sum::<u64>(), 24);
        assert!(check_offset(600).is_ok());
        assert_eq!(
            check_offset(24 * 60).unwrap_err().code,
            "input.bad_utc_offset"
        );
    }

    #[test]
    fn a_user_page_holds_the_last_30_days_of_that_user_alone() {
        let (_dir, s) = store();
        let now = at("2026-04-18T00:00:00Z");
        let u = user_insights(&s, "ANN", 0, now, None).unwrap();
        assert_eq!(
            u.total, 216,
            "own calls and other users left out; any letter case"
        );
        assert_eq!(u.series.len(), 30);
        assert_eq!(u.series.iter().map(|b| b.count).sum::<u64>(), 216);
        assert_eq!(
            u.since,
            at("2026-03-20T00:00:00Z"),
            "today and the 29 days before"
        );
        assert_eq!(u.series[29].start, at("2026-04-18T00:00:00Z"));
        assert_eq!(u.series[28].count, 72);
        assert_eq!(u.first_seen, Some(at("2026-04-15T00:00:00Z")));
        assert_eq!(u.last_seen, Some(at("2026-04-17T23:40:00Z")));
        assert_eq!(count_of(&u.ips, "10.0.0.1"), Some(216));
        assert_eq!(u.ips.distinct, 1);
        assert_eq!(count_of(&u.devices, "Desktop"), Some(216));
        assert_eq!(count_of(&u.actions, "READ"), Some(216));
        assert_eq!(u.sessions_total, 24);
        assert_eq!(u.sessions.len(), USER_SESSIONS);
        let newest = &u.sessions[0];
        assert_eq!(newest.session_id, "a23");
        assert_eq!(newest.count, 9);
        assert_eq!(newest.first, Some(at("2026-04-17T21:00:00Z")));
        assert_eq!(newest.last, Some(at("2026-04-17T23:40:00Z")));
        assert_eq!(newest.ips, vec!["10.0.0.1".to_string()]);

        // Thirty days on, the page is empty: nothing older than 30 days counts.
        let later = user_insights(&s, "ann", 0, now + chrono::Duration::days(30), None).unwrap();
        assert_eq!((later.total, later.sessions_total), (0, 0));
    }
}
