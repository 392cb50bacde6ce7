//! The one error model: every failure that reaches a person is a stable code, a one-line message
//! and a fix that names what to change where.

use serde::{Deserialize, Serialize};

/// What the CLI prints, `--json` emits and the shell serialises to the UI, unchanged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Problem {
    /// Stable, dotted, machine-readable: `area.reason`, e.g. `sandbox.port_busy`.
    pub code: String,
    /// One line, for a person, never containing a secret or a raw HTTP body.
    pub message: String,
    /// What to change where: the Workday task, the field, the setting, the command.
    pub fix: String,
}

impl Problem {
    pub fn new(
        code: impl Into<String>,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            fix: fix.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} [{}]\n  fix: {}", self.message, self.code, self.fix)
    }
}

/// Implemented by each error type of the crate, so every front renders failures the same way.
pub trait Diagnose {
    fn problem(&self) -> Problem;

    /// True when the failure is the person's input (a name, a value, an option) rather than the
    /// machine, the tenant or a file: the CLI exits 2 for these, 1 for the rest. Each error type
    /// says so itself; a code's prefix is not asked.
    fn is_input(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_to_the_three_fields_the_ui_reads() {
        let p = Problem::new("sandbox.port_busy", "Port 8413 is busy.", "Free it.");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"code": "sandbox.port_busy", "message": "Port 8413 is busy.", "fix": "Free it."})
        );
    }

    #[test]
    fn display_names_code_and_fix() {
        let p = Problem::new("a.b", "Broken.", "Mend it.");
        assert_eq!(p.to_string(), "Broken. [a.b]\n  fix: Mend it.");
    }
}
