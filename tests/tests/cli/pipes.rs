//! Every command that writes to stdout ends quietly when its reader has gone (`| head -1`): exit
//! 0, nothing on stderr, no panic and no backtrace; and the home is as it was.

use e2e::cli::{Cli, Run, Tenant};

#[track_caller]
fn quiet(run: &Run) {
    assert_eq!(run.code, 0, "{run}");
    assert!(
        !run.stderr.contains("panicked") && !run.stderr.contains("backtrace"),
        "{run}"
    );
    assert_eq!(run.stderr, "", "{run}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_ends_quietly_on_a_closed_stdout() {
    let tenant = Tenant::start(|_| {}).await;
    let cli = Cli::new();
    cli.add("acme", &tenant).await;
    cli.connect("acme").await;
    cli.cmd(["sync", "acme", "--once", "--backfill-days", "1"])
        .run()
        .await
        .ok();
    let config = std::fs::read(cli.config_file()).unwrap();

    let commands: &[&[&str]] = &[
        &["guide"],
        &["list"],
        &["show", "acme"],
        &["status"],
        &["events", "acme"],
        &["events", "acme", "--format", "csv"],
        &["events", "acme", "--format", "ndjson"],
    ];
    for args in commands {
        // Human text and --json alike.
        quiet(
            &cli.cmd(args.iter().copied())
                .human()
                .closed_stdout()
                .run()
                .await,
        );
        quiet(&cli.cmd(args.iter().copied()).closed_stdout().run().await);
    }
    assert_eq!(std::fs::read(cli.config_file()).unwrap(), config);
}
