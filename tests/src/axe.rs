//! Accessibility audits of the desktop app's screens with axe-core, run in the app's own webview
//! through WebDriver (so colour contrast is judged on the real rendering). axe-core comes from
//! the UI's npm packages (`ui/node_modules/axe-core`, a dev dependency).

use serde_json::Value;

use crate::webdriver::Session;

/// axe-core's script, read from the UI's packages.
fn source() -> Result<String, String> {
    let path = crate::workspace_root()
        .join("ui")
        .join("node_modules")
        .join("axe-core")
        .join("axe.min.js");
    std::fs::read_to_string(&path).map_err(|e| {
        format!(
            "{} could not be read ({e}): run `npm ci` in ui/",
            path.display()
        )
    })
}

/// The violations of an axe-core audit of the page as it is now, one line each (rule, what it
/// asks, where); empty when the page passes. `within` narrows the audit to a CSS selector.
pub async fn audit(session: &Session, within: &str) -> Result<Vec<String>, String> {
    let loaded = session
        .execute("return typeof window.axe === 'object';", vec![])
        .await?;
    if loaded != Value::Bool(true) {
        // Handed over as a WebDriver script, not a page resource: the app's CSP stays as it is.
        session
            .execute(&format!("{}\nreturn true;", source()?), vec![])
            .await?;
    }
    let found = session
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             window.axe.run(document.querySelector(arguments[0]) || document, \
               { resultTypes: ['violations'] })\
             .then((r) => done(r.violations.map((v) => v.id + ': ' + v.help + ' (' + \
               v.nodes.map((n) => n.target.join(' ')).join(', ') + ')')),\
                   (e) => done(['axe-core failed: ' + e]));",
            vec![Value::String(within.to_string())],
        )
        .await?;
    Ok(found
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default())
}
