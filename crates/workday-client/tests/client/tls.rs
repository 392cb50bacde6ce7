//! The client against the simulated tenant over HTTPS: trusted through the CA file the tenant
//! writes (`extra_ca_file`, i.e. `WDC_EXTRA_CA_FILE`), refused without it. No plaintext fallback.

use std::time::Duration;

use chrono::{Duration as ChronoDuration, Utc};
use workday_client::errors::NetworkKind;
use workday_client::http::{HttpOptions, http_client};
use workday_client::rest::{ActivityQuery, ApiError, whole_seconds};
use workday_client::retry::RetryPolicy;

use crate::common::*;

fn client_trusting(ca_file: Option<&str>) -> reqwest::Client {
    http_client(&HttpOptions {
        connect_timeout: Duration::from_secs(3),
        request_timeout: Duration::from_secs(10),
        extra_ca_file: ca_file.map(Into::into),
        ..HttpOptions::default()
    })
    .expect("client")
}

#[tokio::test]
async fn the_client_signs_in_and_reads_over_tls_through_the_sim_ca() {
    let mut env = start(|c| {
        c.tls = true;
        c.users = 7;
    })
    .await;
    let ca = env
        .v
        .tls_ca_file
        .clone()
        .expect("the values name the CA file");
    assert!(env.v.token_endpoint.starts_with("https://127.0.0.1:"));
    assert!(env.v.rest_api_endpoint.starts_with("https://127.0.0.1:"));
    assert!(
        env.v
            .authorization_endpoint
            .starts_with("https://127.0.0.1:")
    );
    assert_eq!(
        std::fs::read_to_string(&ca).expect("CA file"),
        env.sim.tls_ca_pem().unwrap()
    );

    env.http = client_trusting(Some(&ca));
    let at = env.sign_in().await.access_token;
    let rest = env.rest(RetryPolicy::fast(1));
    assert_eq!(rest.workers(&at, 5, 0).await.expect("workers").total, 7);
    let to = whole_seconds(Utc::now()) - ChronoDuration::minutes(2);
    rest.activity(
        &at,
        &ActivityQuery {
            from: to - ChronoDuration::minutes(30),
            to,
            limit: 10,
            offset: 0,
        },
    )
    .await
    .expect("activity over TLS");

    // The OS store alone does not know the CA: the call fails, with no retry over plain HTTP.
    env.http = client_trusting(None);
    env.sim.clear_request_log();
    let e = env
        .rest(RetryPolicy::fast(1))
        .workers(&at, 5, 0)
        .await
        .expect_err("an unknown CA is refused");
    assert!(
        matches!(
            e,
            ApiError::Network {
                kind: NetworkKind::Tls,
                ..
            }
        ),
        "a TLS failure: {e:?}"
    );
    assert!(
        env.sim.request_log().is_empty(),
        "no request reached the tenant"
    );
}
