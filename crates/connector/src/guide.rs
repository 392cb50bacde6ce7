//! What the admin must do in Workday before the app can connect: the security group and its
//! domain permissions, the tenant settings, and the "Register API Client" values with the exact
//! redirect URI. One source for the CLI's `guide` and the desktop wizard.

use serde::Serialize;

use crate::loopback::{self, RedirectHost};

/// One domain permission the consenting account's security group needs.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DomainPermission {
    pub functional_area: &'static str,
    pub domain: &'static str,
    /// Report/task permissions.
    pub report_task: &'static str,
    /// Integration permissions.
    pub integration: &'static str,
    /// Which step of the staged test fails without it.
    pub needed_for: &'static str,
}

pub const DOMAIN_PERMISSIONS: &[DomainPermission] = &[
    DomainPermission {
        functional_area: "System",
        domain: "Set Up: Tenant Setup - Security",
        report_task: "View, Modify",
        integration: "Get, Put",
        needed_for: "Managing the API client and OAuth settings",
    },
    DomainPermission {
        functional_area: "System",
        domain: "Set Up: Tenant Setup - System",
        report_task: "Modify",
        integration: "-",
        needed_for: "Enabling user activity logging",
    },
    DomainPermission {
        functional_area: "System",
        domain: "Security Administration",
        report_task: "View, Modify",
        integration: "Get, Put",
        needed_for: "Maintaining the security group",
    },
    DomainPermission {
        functional_area: "System",
        domain: "System Auditing",
        report_task: "View",
        integration: "Get",
        needed_for: "Reading the activity log (test step 3)",
    },
    DomainPermission {
        functional_area: "Staffing",
        domain: "Worker Data: Public Worker Reports",
        report_task: "View",
        integration: "Get",
        needed_for: "Reading users (test step 2)",
    },
];

/// A setting in a Workday task, with the task to search for.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TenantSetting {
    pub task: &'static str,
    pub setting: &'static str,
    pub value: &'static str,
    pub why: &'static str,
}

pub const TENANT_SETTINGS: &[TenantSetting] = &[
    TenantSetting {
        task: "Edit Tenant Setup - System",
        setting: "Enable User Activity Logging",
        value: "Checked",
        why: "Without it the activity log stays empty.",
    },
    TenantSetting {
        task: "Edit Tenant Setup - Security",
        setting: "OAuth 2.0 Clients Enabled",
        value: "Checked",
        why: "Without it the token endpoint answers invalid_client.",
    },
];

/// One field of Workday's "Register API Client" form and the value to enter.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RegisterField {
    pub field: &'static str,
    pub value: String,
    pub note: &'static str,
}

/// The "Register API Client" values for a connection whose redirect listener uses `port` and
/// `host`: the Redirection URI must match character for character.
pub fn register_api_client(port: u16, host: RedirectHost) -> Vec<RegisterField> {
    vec![
        RegisterField {
            field: "Client Name",
            value: "Workday Connector".into(),
            note: "Any name you will recognise.",
        },
        RegisterField {
            field: "Client Grant Type",
            value: "Authorization Code Grant".into(),
            note: "",
        },
        RegisterField {
            field: "Access Token Type",
            value: "Bearer".into(),
            note: "",
        },
        RegisterField {
            field: "Redirection URI",
            value: loopback::redirect_uri(port, host),
            note: "Character for character: Workday keeps one exact URI per client.",
        },
        RegisterField {
            field: "Support Proof Key for Code Exchange (PKCE)",
            value: "Checked".into(),
            note: "Recommended.",
        },
        RegisterField {
            field: "Enforce 60 Minute Access Token Expiry",
            value: "Checked".into(),
            note: "Recommended.",
        },
        RegisterField {
            field: "Non-Expiring Refresh Tokens",
            value: "Yes".into(),
            note: "Otherwise the connection breaks when the token expires.",
        },
        RegisterField {
            field: "Scope (Functional Areas)",
            value: "Staffing, System".into(),
            note: "Staffing for users, System for the activity log.",
        },
    ]
}

/// Notes that save the admin a support ticket.
pub const NOTES: &[&str] = &[
    "Use the task \"Register API Client\", not \"Register API Client for Integrations\".",
    "After changing the security group's permissions, run \"Activate Pending Security Policy Changes\".",
    "The account that signs in needs a UI sign-in: Integration System Users usually have \"Do Not Allow UI Sessions\" and cannot consent in a browser.",
    "Tenants that sign in through SAML SSO need the SSO switch of the connection (it adds redirect=n to the sign-in URL).",
    "Implementation (impl) tenants are refreshed weekly by Workday, which breaks the connection: sign in again after a refresh.",
    "\"Generate New API Client Secret\" breaks existing connections: paste the new secret into the connection.",
    "Then open \"View API Clients\" and copy the five values: Client ID, Client Secret, Workday REST API Endpoint, Token Endpoint, Authorization Endpoint.",
];

/// The whole guide, for `wdconnect guide --json` and the wizard.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Guide {
    pub security_group_permissions: &'static [DomainPermission],
    pub tenant_settings: &'static [TenantSetting],
    pub register_api_client: Vec<RegisterField>,
    pub notes: &'static [&'static str],
}

pub fn guide(port: u16, host: RedirectHost) -> Guide {
    Guide {
        security_group_permissions: DOMAIN_PERMISSIONS,
        tenant_settings: TENANT_SETTINGS,
        register_api_client: register_api_client(port, host),
        notes: NOTES,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_exact_redirect_uri_for_the_port_and_form() {
        let fields = register_api_client(9001, RedirectHost::Localhost);
        let uri = fields
            .iter()
            .find(|f| f.field == "Redirection URI")
            .unwrap();
        assert_eq!(uri.value, "http://localhost:9001/callback");
    }

    #[test]
    fn lists_the_permissions_the_staged_test_needs() {
        let domains: Vec<_> = DOMAIN_PERMISSIONS.iter().map(|p| p.domain).collect();
        assert!(domains.contains(&"System Auditing"));
        assert!(domains.contains(&"Worker Data: Public Worker Reports"));
    }
}
