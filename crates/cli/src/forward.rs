//! `wdconnect forward add|list|test|remove`: a connection's forwarding destinations, their
//! tokens (read from stdin, kept in the OS credential store) and where their delivery stands.

use std::io::Read;

use connector::Problem;
use connector::connections::{Connector, ConnectorError};
use connector::forwarding::{ForwardStatus, NewDestination};
use secrecy::SecretString;

use crate::args::ForwardCommand;
use crate::output::{self, EXIT_OK};

pub async fn run(connector: &Connector, command: ForwardCommand, json: bool) -> u8 {
    let result = match command {
        ForwardCommand::Add {
            connection,
            name,
            to,
            format,
            ca,
            token_stdin,
        } => {
            let token = if token_stdin {
                match read_token() {
                    Ok(t) => Some(t),
                    Err(p) => return output::failure(json, &ConnectorError::Invalid(vec![p])),
                }
            } else {
                None
            };
            let new = NewDestination {
                name,
                url: to,
                format,
                ca_file: ca,
                token,
            };
            connector.forward_add(&connection, new).await.map(|s| {
                if json {
                    output::print_json(&serde_json::json!({"added": s}));
                } else {
                    println!(
                        "Destination \"{}\" added to \"{}\": {}. Next: wdconnect forward test \"{}\" {}",
                        s.name, s.connection, s.url, s.connection, s.name
                    );
                }
            })
        }
        ForwardCommand::List { connection } => connector
            .forward_list(connection.as_deref())
            .map(|all| {
                if json {
                    output::print_json(&serde_json::json!({"destinations": all}));
                } else if all.is_empty() {
                    println!(
                        "No destinations yet. Add one: wdconnect forward add CONNECTION --name NAME --to URL"
                    );
                } else {
                    for s in &all {
                        println!("{:<20} {}", s.connection, status_line(s));
                    }
                }
            }),
        ForwardCommand::Test {
            connection,
            destination,
        } => connector
            .forward_test(&connection, &destination)
            .await
            .map(|s| {
                if json {
                    output::print_json(&serde_json::json!({"tested": s.name, "accepted": true, "destination": s}));
                } else {
                    println!(
                        "{} accepted the test event (marked \"test\": true, user wdconnect-test).",
                        s.url
                    );
                }
            }),
        ForwardCommand::Remove {
            connection,
            destination,
        } => connector
            .forward_remove(&connection, &destination)
            .await
            .map(|name| {
                if json {
                    output::print_json(&serde_json::json!({"removed": name}));
                } else {
                    println!("Destination \"{name}\" removed, with its token and its cursor.");
                }
            }),
    };
    match result {
        Ok(()) => EXIT_OK,
        Err(e) => output::failure(json, &e),
    }
}

/// One line of a destination's state, for `forward list` and `status`.
pub fn status_line(s: &ForwardStatus) -> String {
    let mut line = format!(
        "{:<16} {:<40} {} delivered, {} pending",
        s.name, s.url, s.delivered, s.pending
    );
    if s.alerts_delivered + s.alerts_pending > 0 {
        line.push_str(&format!(
            "; alerts {} delivered, {} pending",
            s.alerts_delivered, s.alerts_pending
        ));
    }
    if let Some(e) = &s.last_error {
        line.push_str(&format!("; last error: {} [{}]", e.message, e.code));
    }
    line
}

/// The token from standard input, without its trailing line break. Never from an argument:
/// arguments show in process lists and shell history.
fn read_token() -> Result<SecretString, Problem> {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).map_err(|e| {
        Problem::new(
            "input.stdin_unreadable",
            format!("Could not read the token from standard input: {e}."),
            "Pipe the token in, e.g. `printf %s \"$TOKEN\" | wdconnect forward add ... --token-stdin`.",
        )
    })?;
    Ok(SecretString::from(
        s.trim_end_matches(['\r', '\n']).to_string(),
    ))
}
