//! Carries the connector's one status channel to the UI (an event), the tray (re-rendered) and
//! the desktop (a notification when a connection needs the user, and when it recovers).

use std::collections::BTreeMap;

use connector::Status;
use connector::status::ConnectionState;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;

use crate::state::AppState;
use crate::tray;

pub fn forward_status<R: Runtime>(app: AppHandle<R>) {
    tauri::async_runtime::spawn(async move {
        let mut rx = app.state::<AppState>().connector.hub().subscribe();
        let mut previous = rx.borrow_and_update().clone();
        tray::refresh(&app);
        while rx.changed().await.is_ok() {
            let now = rx.borrow_and_update().clone();
            let _ = app.emit("status-changed", &now);
            tray::refresh(&app);
            let notify = app.state::<AppState>().settings.lock().await.notifications;
            if notify {
                for n in notifications(&previous, &now) {
                    if let Err(e) = app
                        .notification()
                        .builder()
                        .title(&n.title)
                        .body(&n.body)
                        .show()
                    {
                        tracing::debug!(error = %e, "notification not shown");
                    }
                }
            }
            previous = now;
        }
    });
}

#[derive(Debug, PartialEq, Eq)]
pub struct Notice {
    pub title: String,
    pub body: String,
}

/// The notifications a status change deserves: entering a state that needs the user (once per
/// kind of trouble), and recovering from one.
pub fn notifications(
    before: &BTreeMap<String, ConnectionState>,
    after: &BTreeMap<String, ConnectionState>,
) -> Vec<Notice> {
    let mut out = Vec::new();
    for (name, now) in after {
        let was = before
            .get(name)
            .map(|s| &s.status)
            .unwrap_or(&Status::NotConfigured);
        let same_kind = std::mem::discriminant(was) == std::mem::discriminant(&now.status);
        if now.status.needs_user() && !same_kind {
            let fix = now
                .last_error
                .as_ref()
                .map(|p| format!(" {}", p.fix))
                .unwrap_or_default();
            out.push(Notice {
                title: format!("{name}: {}", now.status.label()),
                body: format!("{}{fix}", now.status.reason().unwrap_or_default()),
            });
        } else if was.needs_user() && now.status == Status::Connected {
            out.push(Notice {
                title: format!("{name}: connected again"),
                body: "The connection works again.".into(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn states(list: &[(&str, Status)]) -> BTreeMap<String, ConnectionState> {
        list.iter()
            .map(|(n, s)| {
                (
                    n.to_string(),
                    ConnectionState {
                        status: s.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect()
    }

    #[test]
    fn notifies_when_the_user_must_act_and_when_it_recovers_not_on_every_check() {
        let ok = states(&[("acme", Status::Connected)]);
        let locked = states(&[("acme", Status::SignInRequired("revoked".into()))]);
        let n = notifications(&ok, &locked);
        assert_eq!(n.len(), 1);
        assert_eq!(n[0].title, "acme: Sign-in required");
        assert!(
            notifications(&locked, &locked).is_empty(),
            "no repeat while nothing changed"
        );
        let back = notifications(&locked, &ok);
        assert_eq!(back[0].title, "acme: connected again");
        assert!(notifications(&ok, &ok).is_empty());
    }
}
