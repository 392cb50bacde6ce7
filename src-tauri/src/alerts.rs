//! The tray's alert signals: a watcher that looks at the alerts of every connection every 15 s,
//! keeps the count of open ones for the tray's first line, and notifies new high-severity
//! alerts, grouped, never more than one notification a minute.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use connector::activity::store::{AlertFilter, AlertStatus};
use connector::detections::ConnectionAlert;
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::events::Notice;
use crate::state::AppState;
use crate::tray;

/// How often the watcher looks.
pub const WATCH_EVERY: Duration = Duration::from_secs(15);
/// The least time between two alert notifications.
pub const NOTICE_EVERY: Duration = Duration::from_secs(60);

/// A new high-severity alert not told yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAlert {
    pub connection: String,
    pub id: i64,
    pub rule: String,
    pub summary: String,
}

impl From<&ConnectionAlert> for NewAlert {
    fn from(a: &ConnectionAlert) -> Self {
        NewAlert {
            connection: a.connection.clone(),
            id: a.alert.id,
            rule: a.alert.rule.clone(),
            summary: a.alert.summary.clone(),
        }
    }
}

/// What the notifier keeps between looks: the alerts waiting for the next notification and
/// when the last one was shown.
#[derive(Debug, Default)]
pub struct Notifier {
    pending: Vec<NewAlert>,
    last_shown: Option<Instant>,
}

/// Takes the new alerts of one look and answers the notification to show now, if any: every
/// alert waiting, in one notice, unless one was shown less than a minute before `now` (then they
/// wait for a later look). `now` is the caller's clock, so tests can move it.
pub fn grouped_notice(notifier: &mut Notifier, new: Vec<NewAlert>, now: Instant) -> Option<Notice> {
    notifier.pending.extend(new);
    if notifier.pending.is_empty() {
        return None;
    }
    if notifier
        .last_shown
        .is_some_and(|t| now.saturating_duration_since(t) < NOTICE_EVERY)
    {
        return None;
    }
    let pending = std::mem::take(&mut notifier.pending);
    notifier.last_shown = Some(now);
    if let [one] = pending.as_slice() {
        return Some(Notice {
            title: format!("{}: high-severity alert", one.connection),
            body: format!("{} ({}). Open Alerts to review it.", one.summary, one.rule),
        });
    }
    // Per connection, in name order: how many, and which rules.
    let mut per: BTreeMap<&str, (usize, BTreeSet<&str>)> = BTreeMap::new();
    for a in &pending {
        let entry = per.entry(&a.connection).or_default();
        entry.0 += 1;
        entry.1.insert(&a.rule);
    }
    let parts: Vec<String> = per
        .iter()
        .map(|(connection, (n, rules))| {
            let rules: Vec<&str> = rules.iter().copied().collect();
            format!("{connection}: {n} ({})", rules.join(", "))
        })
        .collect();
    Some(Notice {
        title: format!("{} new high-severity alerts", pending.len()),
        body: format!("{}. Open Alerts to review them.", parts.join("; ")),
    })
}

/// The high-severity alerts of a look that were not there before; the first look only learns
/// what exists (alerts raised before the app started are not news).
#[derive(Debug, Default)]
pub struct Seen {
    known: Option<BTreeSet<(String, i64)>>,
}

impl Seen {
    pub fn news(&mut self, high: &[ConnectionAlert]) -> Vec<NewAlert> {
        let now: BTreeSet<(String, i64)> = high
            .iter()
            .map(|a| (a.connection.clone(), a.alert.id))
            .collect();
        let Some(known) = self.known.as_mut() else {
            self.known = Some(now);
            return Vec::new();
        };
        let news = high
            .iter()
            .filter(|a| a.alert.status == AlertStatus::Open)
            .filter(|a| !known.contains(&(a.connection.clone(), a.alert.id)))
            .map(NewAlert::from)
            .collect();
        known.extend(now);
        news
    }
}

/// Counts the open alerts of every connection and re-renders the tray.
async fn recount<R: Runtime>(app: &AppHandle<R>) {
    let state = app.state::<AppState>();
    let open = AlertFilter {
        status: Some(AlertStatus::Open),
        ..AlertFilter::default()
    };
    match state.connector.alerts_of_all(open).await {
        Ok(list) => {
            state
                .open_alerts
                .store(list.alerts.len() as u64, Ordering::Relaxed);
            tray::refresh(app);
        }
        Err(e) => tracing::debug!(error = %e, "open alerts not counted"),
    }
}

/// Looks every [`WATCH_EVERY`] for as long as the app runs.
pub fn watch<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut seen = Seen::default();
        let mut notifier = Notifier::default();
        loop {
            recount(&app).await;
            let state = app.state::<AppState>();
            let high = AlertFilter {
                severity: Some("high".into()),
                ..AlertFilter::default()
            };
            let news = match state.connector.alerts_of_all(high).await {
                Ok(list) => seen.news(&list.alerts),
                Err(e) => {
                    tracing::debug!(error = %e, "high-severity alerts not read");
                    Vec::new()
                }
            };
            if let Some(n) = grouped_notice(&mut notifier, news, Instant::now()) {
                let notify = state.settings.lock().await.notifications;
                if notify
                    && let Err(e) = app
                        .notification()
                        .builder()
                        .title(&n.title)
                        .body(&n.body)
                        .show()
                {
                    tracing::debug!(error = %e, "alert notification not shown");
                }
            }
            // A dismiss or a reopen (`AppState::alerts_changed`) counts again at once.
            tokio::select! {
                _ = tokio::time::sleep(WATCH_EVERY) => {}
                _ = state.alerts_changed.notified() => {}
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(connection: &str, id: i64, rule: &str) -> NewAlert {
        NewAlert {
            connection: connection.into(),
            id,
            rule: rule.into(),
            summary: format!("{rule} summary {id}"),
        }
    }

    #[test]
    fn one_new_alert_is_told_by_itself() {
        let mut n = Notifier::default();
        let t0 = Instant::now();
        assert_eq!(grouped_notice(&mut n, Vec::new(), t0), None, "nothing new");
        let notice = grouped_notice(&mut n, vec![new("acme", 7, "risky_ip")], t0).unwrap();
        assert_eq!(notice.title, "acme: high-severity alert");
        assert_eq!(
            notice.body,
            "risky_ip summary 7 (risky_ip). Open Alerts to review it."
        );
    }

    #[test]
    fn alerts_of_one_look_are_grouped_per_connection() {
        let mut n = Notifier::default();
        let notice = grouped_notice(
            &mut n,
            vec![
                new("sandbox", 1, "impossible_travel"),
                new("acme", 2, "risky_ip"),
                new("sandbox", 3, "isu_interactive"),
                new("sandbox", 4, "impossible_travel"),
            ],
            Instant::now(),
        )
        .unwrap();
        assert_eq!(notice.title, "4 new high-severity alerts");
        assert_eq!(
            notice.body,
            "acme: 1 (risky_ip); sandbox: 3 (impossible_travel, isu_interactive). Open Alerts \
             to review them."
        );
    }

    #[test]
    fn never_more_than_one_notice_a_minute_and_nothing_is_lost() {
        let mut n = Notifier::default();
        let t0 = Instant::now();
        assert!(grouped_notice(&mut n, vec![new("acme", 1, "risky_ip")], t0).is_some());
        // Looks within the minute hold their alerts back.
        let t15 = t0 + Duration::from_secs(15);
        assert_eq!(
            grouped_notice(&mut n, vec![new("acme", 2, "risky_ip")], t15),
            None
        );
        let t59 = t0 + Duration::from_secs(59);
        assert_eq!(
            grouped_notice(&mut n, vec![new("acme", 3, "burst")], t59),
            None
        );
        // A minute on, the held-back alerts come in one notice.
        let t60 = t0 + Duration::from_secs(60);
        let later = grouped_notice(&mut n, Vec::new(), t60).unwrap();
        assert_eq!(later.title, "2 new high-severity alerts");
        assert!(
            later.body.starts_with("acme: 2 (burst, risky_ip)"),
            "{later:?}"
        );
        // And the minute starts again from that notice.
        assert_eq!(
            grouped_notice(
                &mut n,
                vec![new("acme", 4, "risky_ip")],
                t60 + Duration::from_secs(30)
            ),
            None
        );
        assert!(grouped_notice(&mut n, Vec::new(), t60 + Duration::from_secs(60)).is_some());
        assert_eq!(
            grouped_notice(&mut n, Vec::new(), t60 + Duration::from_secs(200)),
            None
        );
    }

    fn alert(connection: &str, id: i64, status: AlertStatus) -> ConnectionAlert {
        let t = chrono::Utc::now();
        ConnectionAlert {
            connection: connection.into(),
            alert: connector::activity::store::Alert {
                id,
                rule: "risky_ip".into(),
                severity: "high".into(),
                status,
                user: Some("ann".into()),
                time: t,
                last_time: t,
                summary: "From a risky address".into(),
                country: None,
                ip: None,
                event_count: 1,
            },
        }
    }

    #[test]
    fn the_first_look_learns_and_later_looks_find_only_new_open_alerts() {
        let mut seen = Seen::default();
        let before = [alert("acme", 1, AlertStatus::Open)];
        assert!(
            seen.news(&before).is_empty(),
            "alerts from before the start"
        );
        assert!(seen.news(&before).is_empty());
        let later = [
            alert("acme", 1, AlertStatus::Open),
            alert("acme", 2, AlertStatus::Open),
            alert("sandbox", 1, AlertStatus::Open),
            alert("acme", 3, AlertStatus::Dismissed),
        ];
        let news: Vec<(String, i64)> = seen
            .news(&later)
            .into_iter()
            .map(|a| (a.connection, a.id))
            .collect();
        assert_eq!(news, [("acme".to_string(), 2), ("sandbox".to_string(), 1)]);
        assert!(seen.news(&later).is_empty(), "told once");
    }
}
