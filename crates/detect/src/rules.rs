//! The built-in rules: each named, with a severity and a one-line explanation.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Low, Severity::Medium, Severity::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL
            .into_iter()
            .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A built-in rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    ImpossibleTravel,
    NewCountryUser,
    NewCountryTenant,
    RiskyIp,
    OutsideCorporate,
    IsuInteractive,
    SensitiveTask,
    Burst,
}

impl Rule {
    pub const ALL: [Rule; 8] = [
        Rule::ImpossibleTravel,
        Rule::NewCountryUser,
        Rule::NewCountryTenant,
        Rule::RiskyIp,
        Rule::OutsideCorporate,
        Rule::IsuInteractive,
        Rule::SensitiveTask,
        Rule::Burst,
    ];

    /// The stable id alerts and filters use.
    pub fn id(self) -> &'static str {
        match self {
            Rule::ImpossibleTravel => "impossible_travel",
            Rule::NewCountryUser => "new_country_user",
            Rule::NewCountryTenant => "new_country_tenant",
            Rule::RiskyIp => "risky_ip",
            Rule::OutsideCorporate => "outside_corporate",
            Rule::IsuInteractive => "isu_interactive",
            Rule::SensitiveTask => "sensitive_task",
            Rule::Burst => "burst",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Rule::ImpossibleTravel => "Impossible travel",
            Rule::NewCountryUser => "New country for the user",
            Rule::NewCountryTenant => "New country for the tenant",
            Rule::RiskyIp => "Activity from a risky IP",
            Rule::OutsideCorporate => "Activity outside the corporate ranges",
            Rule::IsuInteractive => "Integration System User used interactively",
            Rule::SensitiveTask => "Sensitive security task",
            Rule::Burst => "Burst of activity",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            Rule::ImpossibleTravel | Rule::RiskyIp | Rule::IsuInteractive => Severity::High,
            Rule::NewCountryUser | Rule::OutsideCorporate | Rule::SensitiveTask | Rule::Burst => {
                Severity::Medium
            }
            Rule::NewCountryTenant => Severity::Low,
        }
    }

    pub fn explanation(self) -> &'static str {
        match self {
            Rule::ImpossibleTravel => {
                "One user active from two countries too far apart for the time between them \
                 (not when both addresses are tagged corporate)."
            }
            Rule::NewCountryUser => {
                "Activity from a country this user was never seen in, after the learning period \
                 (the first seven days of the log)."
            }
            Rule::NewCountryTenant => {
                "Activity from a country no user of the tenant was seen in, after the learning \
                 period."
            }
            Rule::RiskyIp => "Activity from an address or range tagged risky.",
            Rule::OutsideCorporate => {
                "Activity from outside the ranges tagged corporate, where all use must be \
                 corporate."
            }
            Rule::IsuInteractive => {
                "An Integration System User (listed, or named ISU_*/isu-*) seen with a browser \
                 device type or web user agent: ISUs are for API use only."
            }
            Rule::SensitiveTask => {
                "A security-sensitive task (API clients, tenant security setup, security groups \
                 and policies, ISUs, passwords) was run."
            }
            Rule::Burst => {
                "A user's events in one hour far above that user's own hourly baseline (mass \
                 report runs or exports)."
            }
        }
    }

    /// Rules that learn from the user's or the tenant's past (what a false-positive rate is
    /// measured on); the others match one event against a list.
    pub fn behavioural(self) -> bool {
        matches!(
            self,
            Rule::ImpossibleTravel | Rule::NewCountryUser | Rule::NewCountryTenant | Rule::Burst
        )
    }

    pub fn parse(id: &str) -> Option<Rule> {
        Rule::ALL
            .into_iter()
            .find(|r| r.id().eq_ignore_ascii_case(id.trim()))
    }
}

/// The security-sensitive tasks watched by default, as Workday names them; the admin can add.
pub const SENSITIVE_TASKS: &[&str] = &[
    "Register API Client",
    "Register API Client for Integrations",
    "Edit API Client",
    "Manage OAuth 2.0 Clients",
    "View API Clients",
    "Edit Tenant Setup - Security",
    "Edit Tenant Setup - System",
    "Maintain Permissions for Security Group",
    "Activate Pending Security Policy Changes",
    "Create Integration System User",
    "Create Security Group",
    "Edit Domain Security Policy Permissions",
    "Maintain Password Rules",
    "Reset Password",
];
