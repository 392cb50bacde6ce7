//! The TypeScript declarations of the values the UI sends and receives, generated from the Rust
//! types themselves into `ui/src/bindings.ts`, and the test that fails when that file is stale:
//! the UI's types cannot drift from what the commands serialise.

use std::path::PathBuf;

use connector::activity::insights::{Bucket, Ranked, SessionSummary, TimeCount, TopList};
use connector::activity::store::{Alert, AlertStatus};
use connector::activity::{
    EventPage, ExportFormat, Insights, StoredEvent, SyncReport, UserInsights,
};
use connector::checks::{Field, Findings, Severity};
use connector::connections::ConnectionView;
use connector::detections::{AlertList, ConnectionAlert, RuleView, RulesView};
use connector::guide::{DomainPermission, Guide, RegisterField, TenantSetting};
use connector::loopback::RedirectHost;
use connector::profile::{ClientAuth, Profile, ProfileFinding, Setting, Subject, SyncSettings};
use connector::settings::AppSettings;
use connector::staged::{Step, StepResult, TestReport, Verdict};
use connector::status::ConnectionState;
use connector::status::{StatusJson, StatusState};
use connector::{Problem, SandboxInfo};
use ts_rs::{Config, TS};

use crate::commands::{
    ActivityFilter, ActivityPage, AlertsQuery, AppInfo, CommandError, Exported, ForwardView,
    PastedDto, ProfileInput, Saved, SignInWaiting, SyncProgressEvent,
};

/// Where the declarations live, from the workspace root.
pub const FILE: &str = "ui/src/bindings.ts";

/// `export type Name = ...;` with the Rust doc comment above it.
fn export<T: TS + ?Sized + 'static>(cfg: &Config) -> String {
    let docs = T::docs()
        .map(|d| format!("{}\n", d.trim_end()))
        .unwrap_or_default();
    format!("{docs}export {}\n", T::decl(cfg))
}

/// The whole of `ui/src/bindings.ts`.
pub fn typescript() -> String {
    // Counts and sizes stay far below 2^53: plain numbers, as `serde_json` writes them.
    let cfg = Config::new().with_large_int("number");
    let decls = [
        export::<Problem>(&cfg),
        export::<CommandError>(&cfg),
        export::<StatusState>(&cfg),
        export::<StatusJson>(&cfg),
        export::<AppInfo>(&cfg),
        export::<SandboxInfo>(&cfg),
        export::<RedirectHost>(&cfg),
        export::<ClientAuth>(&cfg),
        export::<SyncSettings>(&cfg),
        export::<Profile>(&cfg),
        export::<ProfileInput>(&cfg),
        export::<ConnectionState>(&cfg),
        export::<ConnectionView>(&cfg),
        export::<Field>(&cfg),
        export::<Setting>(&cfg),
        export::<Subject>(&cfg),
        export::<Severity>(&cfg),
        export::<ProfileFinding>(&cfg),
        export::<Findings>(&cfg),
        export::<PastedDto>(&cfg),
        export::<Saved>(&cfg),
        export::<DomainPermission>(&cfg),
        export::<TenantSetting>(&cfg),
        export::<RegisterField>(&cfg),
        export::<Guide>(&cfg),
        export::<Step>(&cfg),
        export::<Verdict>(&cfg),
        export::<StepResult>(&cfg),
        export::<TestReport>(&cfg),
        export::<SignInWaiting>(&cfg),
        export::<AppSettings>(&cfg),
        export::<ActivityFilter>(&cfg),
        export::<ActivityPage>(&cfg),
        export::<StoredEvent>(&cfg),
        export::<EventPage>(&cfg),
        export::<SyncProgressEvent<'static>>(&cfg),
        export::<SyncReport>(&cfg),
        export::<ExportFormat>(&cfg),
        export::<Exported>(&cfg),
        export::<Bucket>(&cfg),
        export::<TimeCount>(&cfg),
        export::<Ranked>(&cfg),
        export::<TopList>(&cfg),
        export::<Insights>(&cfg),
        export::<SessionSummary>(&cfg),
        export::<UserInsights>(&cfg),
        export::<AlertStatus>(&cfg),
        export::<Alert>(&cfg),
        export::<ConnectionAlert>(&cfg),
        export::<AlertList>(&cfg),
        export::<AlertsQuery>(&cfg),
        export::<RuleView>(&cfg),
        export::<RulesView>(&cfg),
        export::<ForwardView>(&cfg),
    ];
    format!(
        "// Generated from the Rust types by `src-tauri/src/bindings.rs`; do not edit. After changing\n\
         // one of those types: UPDATE_BINDINGS=1 cargo test -p workday-connector --lib bindings\n\n{}",
        decls.join("\n")
    )
}

/// The checked-in file.
pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("src-tauri sits in the workspace")
        .join(FILE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when a Rust type the UI reads changed and `ui/src/bindings.ts` was not regenerated;
    /// `UPDATE_BINDINGS=1` regenerates it instead.
    #[test]
    fn ui_bindings_are_current() {
        let fresh = typescript();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(path(), &fresh).expect("ui/src/bindings.ts is writable");
            return;
        }
        let stored = std::fs::read_to_string(path()).unwrap_or_default();
        assert!(
            stored == fresh,
            "{FILE} is stale: regenerate it with UPDATE_BINDINGS=1 cargo test -p \
             workday-connector --lib bindings, then commit it"
        );
    }
}
