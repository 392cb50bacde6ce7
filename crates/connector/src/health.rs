//! The health monitor: one task per connection that re-tests on a schedule (refreshing the token
//! early on the way) and so keeps the status on the one channel current. A connection that needs
//! a new sign-in is not called again until its status changes.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::connections::Connector;
use crate::status::Status;

/// Watches one connection on the current tokio runtime until `cancel` fires.
pub fn spawn_monitor(
    connector: Arc<Connector>,
    name: String,
    every: Duration,
    cancel: CancellationToken,
) -> JoinHandle<()> {
    tokio::spawn(monitor(connector, name, every, cancel))
}

/// The monitor itself, for callers that spawn it on a runtime of their own.
pub async fn monitor(
    connector: Arc<Connector>,
    name: String,
    every: Duration,
    cancel: CancellationToken,
) {
    {
        let mut changes = connector.hub().subscribe();
        loop {
            let status = connector.hub().get(&name).status;
            let should_check = !matches!(
                status,
                Status::SignInRequired(_) | Status::NotConfigured | Status::SigningIn
            );
            if should_check && let Err(e) = connector.test(&name).await {
                tracing::warn!(connection = %name, error = %e, "scheduled check failed to run");
            }
            // Wake at the next scheduled check, or early when this connection's state changes
            // (e.g. a new sign-in after "sign-in required").
            let next = tokio::time::sleep(every);
            tokio::pin!(next);
            loop {
                tokio::select! {
                    _ = cancel.cancelled() => return,
                    _ = &mut next => break,
                    changed = changes.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        let now = changes.borrow_and_update().get(&name).map(|s| s.status.clone());
                        let was_waiting = !should_check;
                        if was_waiting && matches!(now, Some(Status::Connected)) {
                            break;
                        }
                    }
                }
            }
        }
    }
}
