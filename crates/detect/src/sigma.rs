//! Custom rules in Sigma: YAML files in a rules folder, evaluated per event with `sigma-rust`
//! over the event's Workday field names (`systemAccount`, `ipAddress`, `taskDisplayName`,
//! `deviceType`, `userAgent`, `sessionId`, `activityAction`, plus `country`). A file that does
//! not parse is reported with its path and line and the others still load.

use std::path::{Path, PathBuf};

use crate::event::Event;
use crate::rules::Severity;

/// One loaded Sigma rule.
#[derive(Debug)]
pub struct SigmaRule {
    /// `sigma:` and the file name without its extension: what alerts and filters use.
    pub id: String,
    pub title: String,
    pub description: String,
    pub severity: Severity,
    pub path: PathBuf,
    rule: sigma_rust::Rule,
}

/// A rule file that could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}:{line}: {message}", path.display())]
pub struct LoadError {
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
}

impl SigmaRule {
    /// Parses one rule file's text.
    pub fn parse(path: &Path, text: &str) -> Result<SigmaRule, LoadError> {
        let rule = sigma_rust::rule_from_yaml(text).map_err(|e| LoadError {
            path: path.to_path_buf(),
            line: e.location().map_or(1, |l| l.line()),
            message: e.to_string(),
        })?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // `sigma-rust` keeps the level's type private: its name is enough.
        let level = rule
            .level
            .as_ref()
            .map(|l| format!("{l:?}").to_ascii_lowercase())
            .unwrap_or_default();
        let severity = match level.as_str() {
            "high" | "critical" => Severity::High,
            "medium" => Severity::Medium,
            _ => Severity::Low,
        };
        Ok(SigmaRule {
            id: format!("sigma:{stem}"),
            title: rule.title.clone(),
            description: rule.description.clone().unwrap_or_default(),
            severity,
            path: path.to_path_buf(),
            rule,
        })
    }

    pub fn matches(&self, event: &sigma_rust::Event) -> bool {
        self.rule.is_match(event)
    }
}

/// The event as Sigma sees it: its Workday fields by name, and the country of its address.
pub fn sigma_event(e: &Event, country: Option<&str>) -> sigma_rust::Event {
    let mut s = sigma_rust::Event::new();
    for name in [
        "systemAccount",
        "ipAddress",
        "taskDisplayName",
        "deviceType",
        "userAgent",
        "sessionId",
        "activityAction",
    ] {
        if let Some(v) = e.field(name) {
            s.insert(name, v);
        }
    }
    if let Some(c) = country {
        s.insert("country", c);
    }
    s
}

/// Every `*.yml` / `*.yaml` file of `dir` (sorted by name; none when it does not exist), and
/// the files that could not be used.
pub fn load_dir(dir: &Path) -> (Vec<SigmaRule>, Vec<LoadError>) {
    let mut rules = Vec::new();
    let mut errors = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return (rules, errors);
    };
    let mut paths: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.extension()
                .is_some_and(|x| x.eq_ignore_ascii_case("yml") || x.eq_ignore_ascii_case("yaml"))
        })
        .collect();
    paths.sort();
    for path in paths {
        let parsed = std::fs::read_to_string(&path)
            .map_err(|e| LoadError {
                path: path.clone(),
                line: 0,
                message: e.to_string(),
            })
            .and_then(|text| SigmaRule::parse(&path, &text));
        match parsed {
            Ok(r) => rules.push(r),
            Err(e) => errors.push(e),
        }
    }
    (rules, errors)
}
