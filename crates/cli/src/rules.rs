//! `wdconnect rules [NAME]`: the detection rules in force, the learning period and the files
//! that could not be used.

use connector::connections::Connector;

use crate::output::{self, EXIT_OK};

pub fn run(connector: &Connector, name: Option<String>, json: bool) -> u8 {
    let view = match connector.rules(name.as_deref()) {
        Ok(v) => v,
        Err(e) => return output::failure(json, &e),
    };
    if json {
        output::print_json(&view);
        return EXIT_OK;
    }
    for r in &view.rules {
        let state = if r.active { "" } else { " (inactive)" };
        println!(
            "{:<20} {:<7} {:<9} {}{state}",
            r.id, r.severity, r.kind, r.name
        );
        if let Some(p) = &r.path {
            println!("{:<20} {p}", "");
        }
        println!("{:<20} {}", "", r.explanation);
    }
    match (view.learning, view.learning_until) {
        (true, Some(until)) => println!(
            "\nLearning: the new-country rules learn the usual countries until {} (the first \
             seven days of the log).",
            until.format("%Y-%m-%d %H:%M UTC")
        ),
        (false, Some(_)) => println!("\nLearning period: over."),
        _ => {}
    }
    println!(
        "IP tags: {} risky, {} corporate{}; countries from the {} database.",
        view.risky_entries,
        view.corporate_entries,
        if view.corporate_only {
            " (all use must be corporate)"
        } else {
            ""
        },
        view.geo_database
    );
    output::warnings(&view.load_errors);
    EXIT_OK
}
