//! The staged connection test: token, then users, then the activity log; each step with its own
//! verdict, HTTP status, the Workday permission it needs, and the fix when it fails.

use std::time::Instant;

use chrono::{Duration as ChronoDuration, Timelike, Utc};
use serde::Serialize;
use workday_client::rest::{ActivityQuery, ApiError, Page, RestClient};

use crate::problem::{Diagnose, Problem};
use crate::status::Status;
use crate::tokens::{TokenError, TokenManager};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "StepName"))]
pub enum Step {
    Token,
    Users,
    ActivityLog,
}

impl Step {
    pub fn title(self) -> &'static str {
        match self {
            Step::Token => "Token",
            Step::Users => "Users",
            Step::ActivityLog => "Activity log",
        }
    }

    /// What Workday must grant for this step to pass.
    pub fn needs(self) -> &'static str {
        match self {
            Step::Token => {
                "A registered API client (Client ID and Client Secret) and a sign-in that granted a refresh token"
            }
            Step::Users => {
                "Staffing functional area on the API client; domain Worker Data: Public Worker Reports (View, Get)"
            }
            Step::ActivityLog => {
                "System functional area on the API client; domain System Auditing (View, Get); user activity logging enabled"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub enum Verdict {
    Pass,
    /// Passed, with something the admin should know (e.g. an empty activity log).
    Warn,
    Fail,
    /// Not run because an earlier step failed.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct StepResult {
    pub step: Step,
    pub title: &'static str,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub http_status: Option<u16>,
    pub needs: &'static str,
    /// What was seen, for a person ("1 of 40 workers visible").
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub detail: Option<String>,
    /// The failure or the warning, with its code and fix.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub problem: Option<Problem>,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TestReport {
    pub connection: String,
    pub passed: bool,
    pub steps: Vec<StepResult>,
    /// The status this outcome puts the connection in.
    #[cfg_attr(feature = "ts", ts(as = "crate::status::StatusJson"))]
    pub status: Status,
}

/// Runs the three steps against the tenant.
pub async fn run(connection: &str, tokens: &TokenManager, rest: &RestClient) -> TestReport {
    let mut steps = Vec::with_capacity(3);

    let started = Instant::now();
    let token = tokens.access_token().await;
    let token_result = match &token {
        Ok(_) => result(
            Step::Token,
            Verdict::Pass,
            started,
            None,
            Some("A fresh access token was issued.".into()),
            None,
        ),
        Err(e) => result(
            Step::Token,
            Verdict::Fail,
            started,
            token_status(e),
            None,
            Some(e.problem()),
        ),
    };
    steps.push(token_result);

    let status = match token {
        Err(e) => {
            steps.push(skipped(Step::Users));
            steps.push(skipped(Step::ActivityLog));
            if matches!(e, TokenError::NotSignedIn) {
                // Never signed in (or disconnected): nothing was refused, there is simply no token.
                Status::NotConfigured
            } else if e.needs_sign_in() {
                Status::SignInRequired(e.problem().message)
            } else if is_unreachable_token(&e) {
                Status::Offline(e.problem().message)
            } else {
                Status::Degraded(e.problem().message)
            }
        }
        Ok(_) => {
            let users = users_step(tokens, rest).await;
            let activity = activity_step(tokens, rest).await;
            let status = status_after(&users, &activity);
            steps.push(users.0);
            steps.push(activity.0);
            status
        }
    };

    let passed = steps
        .iter()
        .all(|s| matches!(s.verdict, Verdict::Pass | Verdict::Warn));
    TestReport {
        connection: connection.to_string(),
        passed,
        steps,
        status,
    }
}

type StepOutcome = (StepResult, Option<ApiError>);

/// What a REST step saw when its call succeeded.
struct Seen {
    verdict: Verdict,
    detail: String,
    warning: Option<Problem>,
}

/// Runs one REST step: the call (with a refresh and one retry on 401), then its verdict.
async fn rest_step<Fut>(
    step: Step,
    tokens: &TokenManager,
    call: impl Fn(secrecy::SecretString) -> Fut,
    judge: impl FnOnce(&Page) -> Seen,
) -> StepOutcome
where
    Fut: std::future::Future<Output = Result<Page, ApiError>>,
{
    let started = Instant::now();
    match with_token(tokens, call).await {
        Ok(page) => {
            let seen = judge(&page);
            let r = result(
                step,
                seen.verdict,
                started,
                Some(200),
                Some(seen.detail),
                seen.warning,
            );
            (r, None)
        }
        Err(Failure::Api(e)) => {
            let r = result(
                step,
                Verdict::Fail,
                started,
                e.http_status(),
                None,
                Some(api_problem(&e)),
            );
            (r, Some(e))
        }
        Err(Failure::Token(e)) => {
            let r = result(step, Verdict::Fail, started, None, None, Some(e.problem()));
            (r, None)
        }
    }
}

async fn users_step(tokens: &TokenManager, rest: &RestClient) -> StepOutcome {
    let call = |t: secrecy::SecretString| async move { rest.workers(&t, 1, 0).await };
    rest_step(Step::Users, tokens, call, |page| Seen {
        verdict: Verdict::Pass,
        detail: format!("{} workers visible to the API client.", page.total),
        warning: None,
    })
    .await
}

async fn activity_step(tokens: &TokenManager, rest: &RestClient) -> StepOutcome {
    // A settled window: events are published late, so read up to two minutes ago.
    let to = Utc::now().with_nanosecond(0).unwrap_or_else(Utc::now) - ChronoDuration::minutes(2);
    let query = ActivityQuery {
        from: to - ChronoDuration::minutes(8),
        to,
        limit: 1,
        offset: 0,
    };
    let call = |t: secrecy::SecretString| async move { rest.activity(&t, &query).await };
    rest_step(Step::ActivityLog, tokens, call, |page| {
        if page.total == 0 {
            Seen {
                verdict: Verdict::Warn,
                detail: "0 events in the last ten minutes.".into(),
                warning: Some(Problem::new(
                    "activity.empty",
                    "The activity log answered, but it holds no events for the last ten minutes.",
                    "If the tenant was in use, check Edit Tenant Setup - System > Enable User Activity Logging in Workday.",
                )),
            }
        } else {
            Seen {
                verdict: Verdict::Pass,
                detail: format!("{} events in the last ten minutes (up to two minutes ago).", page.total),
                warning: None,
            }
        }
    })
    .await
}

enum Failure {
    Api(ApiError),
    Token(TokenError),
}

/// Calls with the current token; on 401 refreshes once and calls again.
async fn with_token<T, F, Fut>(tokens: &TokenManager, call: F) -> Result<T, Failure>
where
    F: Fn(secrecy::SecretString) -> Fut,
    Fut: std::future::Future<Output = Result<T, ApiError>>,
{
    let token = tokens.access_token().await.map_err(Failure::Token)?;
    match call(token).await {
        Err(e) if e.http_status() == Some(401) => {
            tokens.invalidate().await;
            let token = tokens.access_token().await.map_err(Failure::Token)?;
            call(token).await.map_err(Failure::Api)
        }
        other => other.map_err(Failure::Api),
    }
}

fn status_after(users: &StepOutcome, activity: &StepOutcome) -> Status {
    let failures: Vec<&StepResult> = [&users.0, &activity.0]
        .into_iter()
        .filter(|r| r.verdict == Verdict::Fail)
        .collect();
    if failures.is_empty() {
        return Status::Connected;
    }
    let unreachable = [&users.1, &activity.1]
        .into_iter()
        .flatten()
        .any(is_unreachable_api);
    let reason = failures
        .iter()
        .map(|r| {
            format!(
                "{}: {}",
                r.title,
                r.problem
                    .as_ref()
                    .map(|p| p.message.as_str())
                    .unwrap_or("failed")
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    if unreachable {
        Status::Offline(reason)
    } else {
        Status::Degraded(reason)
    }
}

fn api_problem(e: &ApiError) -> Problem {
    Problem::new(e.code(), e.message(), e.fix())
}

fn is_unreachable_api(e: &ApiError) -> bool {
    matches!(e.http_status(), None | Some(429) | Some(500..=599))
}

fn is_unreachable_token(e: &TokenError) -> bool {
    matches!(e, TokenError::OAuth(o) if o.is_transient() || o.http_status() == Some(503))
}

fn token_status(e: &TokenError) -> Option<u16> {
    match e {
        TokenError::OAuth(o) => o.http_status(),
        _ => None,
    }
}

fn result(
    step: Step,
    verdict: Verdict,
    started: Instant,
    http_status: Option<u16>,
    detail: Option<String>,
    problem: Option<Problem>,
) -> StepResult {
    StepResult {
        step,
        title: step.title(),
        verdict,
        http_status,
        needs: step.needs(),
        detail,
        problem,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}

fn skipped(step: Step) -> StepResult {
    StepResult {
        step,
        title: step.title(),
        verdict: Verdict::Skipped,
        http_status: None,
        needs: step.needs(),
        detail: Some("Not run: the token step failed.".into()),
        problem: None,
        duration_ms: 0,
    }
}
