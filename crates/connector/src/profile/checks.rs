//! The checks of a connection: its name, Workday's five values (by `workday_client::endpoints`)
//! and its settings, in one findings call that the fronts and the store all use.

use secrecy::{ExposeSecret, SecretString};
use workday_client::endpoints::{self, Severity, scrub_secret};

use super::errors::ProfileError;
use super::model::{Findings, NAME_MAX_CHARS, Profile, ProfileFinding, Setting, Subject};
use crate::problem::Diagnose;

/// Trims `name` and checks it: non-empty, at most 64 characters, only letters, digits, spaces,
/// `-`, `_` and `.` (it becomes part of keyring entry names and appears in menus and commands).
pub fn validate_name(name: &str) -> Result<String, ProfileError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(ProfileError::NameEmpty);
    }
    let chars = name.chars().count();
    if chars > NAME_MAX_CHARS {
        return Err(ProfileError::NameInvalid {
            reason: format!("it has {chars} characters; at most {NAME_MAX_CHARS} are allowed"),
        });
    }
    if let Some(bad) = name
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, ' ' | '-' | '_' | '.')))
    {
        let shown = if bad.is_control() {
            format!("U+{:04X}", u32::from(bad))
        } else {
            format!("'{bad}'")
        };
        return Err(ProfileError::NameInvalid {
            reason: format!("it contains {shown}"),
        });
    }
    Ok(name.to_owned())
}

/// Checks a whole profile: its name, the Client ID and the three endpoints (one by one and
/// against each other, by `workday_client::endpoints`), and the settings' ranges. `Ok` holds the
/// warnings; `Err` every finding, errors and warnings alike, so a front can show all at once.
pub fn check_profile(p: &Profile) -> Result<Vec<ProfileFinding>, Vec<ProfileFinding>> {
    let mut findings: Vec<ProfileFinding> = Vec::new();

    if let Err(e) = validate_name(&p.name) {
        let problem = e.problem();
        findings.push(ProfileFinding {
            field: Subject::Setting(Setting::Name),
            severity: Severity::Error,
            code: e.code(),
            message: problem.message,
            fix: problem.fix,
        });
    }
    findings.extend(
        endpoints::check_client_id(&p.client_id)
            .findings
            .into_iter()
            .map(ProfileFinding::from),
    );
    let checked = endpoints::check_all(
        &p.rest_api_endpoint,
        &p.token_endpoint,
        &p.authorization_endpoint,
    );
    findings.extend(
        match checked {
            Ok(c) => c.warnings,
            Err(all) => all,
        }
        .into_iter()
        .map(ProfileFinding::from),
    );
    findings.extend(check_settings(p));

    if findings.iter().any(ProfileFinding::is_error) {
        Err(findings)
    } else {
        Ok(findings)
    }
}

/// Checks a connection's name, its Client ID, its three endpoints (one by one and against each
/// other) and its settings, and the client secret when one is given (the wizard checks it on
/// submit; `wdconnect add` asks for it last). With a secret, no finding names it: a secret pasted
/// into a URL field would otherwise come back as that URL's tenant or host.
pub fn findings(profile: &Profile, client_secret: Option<&SecretString>) -> Findings {
    let mut all = match check_profile(profile) {
        Ok(warnings) => warnings,
        Err(all) => all,
    };
    let Some(secret) = client_secret.map(ExposeSecret::expose_secret) else {
        return Findings(all);
    };
    all.extend(
        endpoints::check_client_secret(secret, &profile.client_id)
            .findings
            .into_iter()
            .map(ProfileFinding::from),
    );
    for f in &mut all {
        f.message = scrub_secret(&f.message, secret);
        f.fix = scrub_secret(&f.fix, secret);
    }
    Findings(all)
}

fn check_settings(p: &Profile) -> Vec<ProfileFinding> {
    use Severity::{Error, Warning};
    let s = &p.sync;
    let mut out = Vec::new();
    let mut error = |setting, code, message| {
        out.push(ProfileFinding::setting(setting, Error, code, message));
    };

    if p.redirect_port == 0 {
        error(
            Setting::RedirectPort,
            "settings.redirect_port_invalid",
            "The redirect port is 0; the redirect URI needs a fixed port.".to_owned(),
        );
    }
    if !(1..=1000).contains(&s.page_size) {
        error(
            Setting::PageSize,
            "settings.page_size_out_of_range",
            format!(
                "The page size is {}; Workday returns 1 to 1000 activity rows per page.",
                s.page_size
            ),
        );
    }
    if s.backfill_days > 30 {
        error(
            Setting::BackfillDays,
            "settings.backfill_days_out_of_range",
            format!(
                "The backfill is {} days; at most 30 days are read back.",
                s.backfill_days
            ),
        );
    }
    if s.poll_interval_secs < 60 {
        error(
            Setting::PollInterval,
            "settings.poll_interval_too_short",
            format!(
                "The poll interval is {} s; polling more often than once a minute loads the tenant.",
                s.poll_interval_secs
            ),
        );
    }
    if s.publish_lag_secs > 3600 {
        error(
            Setting::PublishLag,
            "settings.publish_lag_out_of_range",
            format!(
                "The publishing lag is {} s; at most 3600 s (one hour) is allowed.",
                s.publish_lag_secs
            ),
        );
    }
    // Written so that NaN fails too.
    if !(s.rate_limit_per_sec > 0.0 && s.rate_limit_per_sec <= 50.0) {
        error(
            Setting::RateLimit,
            "settings.rate_limit_out_of_range",
            format!(
                "The rate limit is {} requests per second; it must be above 0 and at most 50.",
                s.rate_limit_per_sec
            ),
        );
    }
    // A backfill longer than what is kept would be read and deleted again on every first sync.
    if s.retention_days != 0 && s.retention_days < s.backfill_days {
        error(
            Setting::RetentionDays,
            "settings.retention_shorter_than_backfill",
            format!(
                "Events are kept {} days but {} days are read back on the first sync.",
                s.retention_days, s.backfill_days
            ),
        );
    }
    // Works where the user may bind it, but on unix a port below 1024 needs privileges.
    if (1..1024).contains(&p.redirect_port) {
        out.push(ProfileFinding::setting(
            Setting::RedirectPort,
            Warning,
            "settings.redirect_port_privileged",
            format!(
                "The redirect port {} is below 1024; on Linux and macOS the app may not be \
                 allowed to listen on it.",
                p.redirect_port
            ),
        ));
    }
    out
}

/// The name's own error when the name is wrong (its code is what callers match on), else every
/// finding of [`findings`] when one of them is an error.
pub(super) fn refuse_invalid(profile: &Profile) -> Result<(), ProfileError> {
    validate_name(&profile.name)?;
    let findings = findings(profile, None);
    if findings.has_errors() {
        Err(ProfileError::Invalid {
            findings: findings.into_vec(),
        })
    } else {
        Ok(())
    }
}
