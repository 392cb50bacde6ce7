//! `wdconnect tags list|add|remove|import|corporate-only`: the risky and corporate IP tags,
//! kept as list files in the home's `detections/` folder.

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

pub fn run(connector: &Connector, action: TagsAction, json: bool) -> u8 {
    match act(connector, action, json) {
        Ok(()) => EXIT_OK,
        Err(e) => output::failure(json, &e),
    }
}

fn act(connector: &Connector, action: TagsAction, json: bool) -> Result<(), ConnectorError> {
    let done = |verb: &str, n: usize, t: Tag| {
        if json {
            output::print_json(&serde_json::json!({ verb: n, "tag": t.as_str() }));
        } else {
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
            done("added", connector.add_tags(t, &entries)?, t);
        }
        TagsAction::Remove { tag: t, entries } => {
            let t = tag(&t)?;
            done("removed", connector.remove_tags(t, &entries)?, t);
        }
        TagsAction::Import { tag: t, file } => {
            let t = tag(&t)?;
            done("added", connector.import_tags(t, &file)?, t);
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
            if json {
                output::print_json(&serde_json::json!({ "corporate_only": on }));
            } else {
                println!("corporate only: {}", if on { "on" } else { "off" });
            }
        }
    }
    Ok(())
}
