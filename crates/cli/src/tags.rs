//! `wdconnect tags list|add|remove|import|corporate-only`: the risky and corporate IP tags,
//! kept as list files in the home's `detections/` folder. A change re-evaluates the last 30
//! days of every connection's stored events for the tag rules at once, and says what it raised.

use connector::Problem;
use connector::connections::{Connector, ConnectorError};
use connector::detections::Tag;

use crate::args::TagsAction;
use crate::output::{self, EXIT_OK};

fn tag(text: &str) -> Result<Tag, ConnectorError> {
    Tag::parse(text).ok_or_else(|| {
        ConnectorError::Invalid(vec![Problem::new(
            "input.bad_tag",
            format!("\"{text}\" is not a tag."),
            "Use risky or corporate.",
        )])
    })
}

pub async fn run(connector: &Connector, action: TagsAction, json: bool) -> u8 {
    match act(connector, action, json).await {
        Ok(()) => EXIT_OK,
        Err(e) => output::failure(json, &e),
    }
}

/// Re-evaluates every store after a change: `{"reevaluated": {NAME: {"events", "alerts_raised"}}}`
/// merged into the JSON answer, a line per connection on a terminal. A store that cannot be
/// read is named with its problem; the change itself stands (the next sync tries again).
async fn reevaluate(connector: &Connector, json: bool) -> serde_json::Value {
    let mut out = serde_json::Map::new();
    let passes = match connector.detect_all().await {
        Ok(p) => p,
        Err(e) => {
            if !json {
                for p in e.problems() {
                    eprintln!("Not re-evaluated: {} {}", p.message, p.fix);
                }
            }
            return serde_json::json!({ "errors": e.problems() });
        }
    };
    for (name, pass) in passes {
        match pass {
            Ok(p) => {
                if !json {
                    println!(
                        "{name}: {} stored events of the last 30 days re-evaluated, {} new \
                         alert{}.",
                        p.events_reevaluated,
                        p.alerts_raised,
                        if p.alerts_raised == 1 { "" } else { "s" }
                    );
                }
                out.insert(
                    name,
                    serde_json::json!({
                        "events_reevaluated": p.events_reevaluated,
                        "alerts_raised": p.alerts_raised,
                    }),
                );
            }
            Err(e) => {
                if !json {
                    for p in e.problems() {
                        eprintln!("{name}: not re-evaluated: {} {}", p.message, p.fix);
                    }
                }
                out.insert(name, serde_json::json!({ "errors": e.problems() }));
            }
        }
    }
    serde_json::Value::Object(out)
}

async fn act(connector: &Connector, action: TagsAction, json: bool) -> Result<(), ConnectorError> {
    let done = |verb: &str, n: usize, t: Tag, again: serde_json::Value| {
        if json {
            output::print_json(
                &serde_json::json!({ verb: n, "tag": t.as_str(), "reevaluated": again }),
            );
        }
    };
    let say = |verb: &str, n: usize, t: Tag| {
        if !json {
            println!(
                "{verb} {n} {} entr{}.",
                t.as_str(),
                if n == 1 { "y" } else { "ies" }
            );
        }
    };
    match action {
        TagsAction::List => {
            let risky = connector.tag_entries(Tag::Risky)?;
            let corporate = connector.tag_entries(Tag::Corporate)?;
            let only = connector.detection_settings()?.corporate_only;
            let r: Vec<String> = risky.iter().map(ToString::to_string).collect();
            let c: Vec<String> = corporate.iter().map(ToString::to_string).collect();
            if json {
                output::print_json(&serde_json::json!({
                    "risky": r, "corporate": c, "corporate_only": only,
                }));
            } else {
                println!("risky ({}):", r.len());
                for e in &r {
                    println!("  {e}");
                }
                println!("corporate ({}):", c.len());
                for e in &c {
                    println!("  {e}");
                }
                println!("corporate only: {}", if only { "on" } else { "off" });
            }
        }
        TagsAction::Add { tag: t, entries } => {
            let t = tag(&t)?;
            let n = connector.add_tags(t, &entries)?;
            say("added", n, t);
            done("added", n, t, reevaluate(connector, json).await);
        }
        TagsAction::Remove { tag: t, entries } => {
            let t = tag(&t)?;
            let n = connector.remove_tags(t, &entries)?;
            say("removed", n, t);
            done("removed", n, t, reevaluate(connector, json).await);
        }
        TagsAction::Import { tag: t, file } => {
            let t = tag(&t)?;
            let n = connector.import_tags(t, &file)?;
            say("added", n, t);
            done("added", n, t, reevaluate(connector, json).await);
        }
        TagsAction::CorporateOnly { state } => {
            let on = match state.to_ascii_lowercase().as_str() {
                "on" | "true" | "yes" => true,
                "off" | "false" | "no" => false,
                _ => {
                    return Err(ConnectorError::Invalid(vec![Problem::new(
                        "input.bad_switch",
                        format!("\"{state}\" is not on or off."),
                        "Use `wdconnect tags corporate-only on` or `... off`.",
                    )]));
                }
            };
            connector.set_corporate_only(on)?;
            if !json {
                println!("corporate only: {}", if on { "on" } else { "off" });
            }
            let again = reevaluate(connector, json).await;
            if json {
                output::print_json(
                    &serde_json::json!({ "corporate_only": on, "reevaluated": again }),
                );
            }
        }
    }
    Ok(())
}
