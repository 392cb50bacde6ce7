//! The real desktop binary under Xvfb: its window opens on the app's UI, and launched with
//! `--sandbox` it starts the simulated tenant and shows the sandbox connection.

use std::time::Duration;

use e2e::desktop::TauriDriver;

#[tokio::test(flavor = "multi_thread")]
async fn window_shows_the_app_and_the_sandbox_tenant() {
    let app = e2e::binary("workday-connector");
    let mut driver = TauriDriver::start();
    let home = tempfile::tempdir().unwrap();
    let home_arg = home.path().to_str().unwrap();
    let session = driver
        .launch(&app, &["--sandbox", "--home", home_arg])
        .await;

    let title = session
        .wait_for_text("h1", Duration::from_secs(60), |t| t == "Workday Connector")
        .await
        .expect("the window shows the app's title");
    assert_eq!(title, "Workday Connector");
    assert_eq!(session.title().await.unwrap(), "Workday Connector");

    let card = session
        .wait_for_text(
            "[data-connection=\"sandbox\"]",
            Duration::from_secs(60),
            |t| t.contains("Simulation"),
        )
        .await
        .expect("the sandbox connection appears, labelled as a simulation");
    assert!(card.contains("acme_sandbox"), "{card}");
    session
        .screenshot(&e2e::screenshot_dir().join("home-sandbox.png"))
        .await
        .expect("a screenshot of the home screen");
    session.delete().await.unwrap();
}
