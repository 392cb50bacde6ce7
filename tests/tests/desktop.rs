//! The real desktop binary under Xvfb: its window opens on the app's UI, and launched with
//! `--sandbox` it starts the simulated tenant and shows its values.

use std::time::Duration;

use e2e::desktop::TauriDriver;

#[tokio::test(flavor = "multi_thread")]
async fn window_shows_the_app_and_the_sandbox_tenant() {
    let app = e2e::binary("workday-connector");
    let mut driver = TauriDriver::start();
    let session = driver.launch(&app, &["--sandbox"]).await;

    let title = session
        .wait_for_text("h1", Duration::from_secs(60), |t| t == "Workday Connector")
        .await
        .expect("the window shows the app's title");
    assert_eq!(title, "Workday Connector");
    assert_eq!(session.title().await.unwrap(), "Workday Connector");

    let heading = session
        .wait_for_text("#sandbox-title", Duration::from_secs(60), |t| {
            t.contains("is running")
        })
        .await
        .expect("the sandbox tenant starts and its card appears");
    assert!(heading.contains("acme_sandbox"), "{heading}");
    let badge = session.find(".badge.simulated").await.unwrap();
    assert_eq!(session.text(&badge).await.unwrap(), "Simulation");
    let values = session.find(".values").await.unwrap();
    let values = session.text(&values).await.unwrap();
    assert!(
        values.contains("http://127.0.0.1:8413/callback"),
        "{values}"
    );
    assert!(
        values.contains("/ccx/oauth2/acme_sandbox/token"),
        "{values}"
    );

    session
        .screenshot(&e2e::screenshot_dir().join("home-sandbox.png"))
        .await
        .expect("a screenshot of the home screen");
    session.delete().await.unwrap();
}
