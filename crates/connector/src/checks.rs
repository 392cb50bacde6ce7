//! What the fronts need to check a connection's values: the one findings call (written beside
//! the profile it checks, [`crate::profile::findings`]) that the wizard as typed, `wdconnect add`
//! before and after it asks for the secret, and the profile store before it writes all use; and
//! the reader of a pasted "View API Clients" page, so no front reaches below this crate.

pub use crate::profile::{Findings, findings};
pub use workday_client::endpoints::{Field, PastedValues, Severity, parse_view_api_clients};

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::profile::Profile;

    const SECRET: &str = "s3cr3tVALUEthatMustNeverLeak0123456789";

    fn sandbox_like(name: &str) -> Profile {
        let mut p = Profile::new(name);
        p.client_id = "ZmM1YjE2YTgtNTc0Ni00".into();
        p.rest_api_endpoint = "https://wd5-services1.myworkday.com/ccx/api/v1/acme".into();
        p.token_endpoint = "https://wd5-services1.myworkday.com/ccx/oauth2/acme/token".into();
        p.authorization_endpoint = "https://wd5.myworkday.com/acme/authorize".into();
        p
    }

    #[test]
    fn a_bad_name_is_one_finding() {
        let all = findings(&sandbox_like("a/b"), None);
        let codes: Vec<_> = all.as_slice().iter().map(|f| f.code).collect();
        assert_eq!(codes, ["profile.name_invalid"]);
        assert!(all.has_errors());
        assert_eq!(all.errors().len(), 1);
        assert!(all.warnings().is_empty());
    }

    #[test]
    fn good_values_pass_and_the_secret_is_checked_when_given() {
        let p = sandbox_like("acme");
        assert_eq!(findings(&p, None), Findings::default());
        let same = SecretString::from(p.client_id.clone());
        let all = findings(&p, Some(&same));
        assert_eq!(all.errors()[0].code, "client_secret.same_as_id");
        let empty = SecretString::from(" ".to_owned());
        assert_eq!(
            findings(&p, Some(&empty)).errors()[0].code,
            "client_secret.empty"
        );
    }

    #[test]
    fn no_finding_names_the_secret_pasted_into_a_url_field() {
        let mut p = sandbox_like("acme");
        p.rest_api_endpoint = format!("https://wd5-services1.myworkday.com/ccx/api/v1/{SECRET}");
        p.token_endpoint = format!("https://{SECRET}.example.com/ccx/oauth2/x/token");
        p.client_id = SECRET.into();
        let lower = SECRET.to_ascii_lowercase();
        let named = |all: &Findings| {
            serde_json::to_string(all)
                .unwrap()
                .to_ascii_lowercase()
                .contains(&lower)
        };
        // Without the secret nothing can be scrubbed: the tenant and host are named as typed.
        assert!(named(&findings(&p, None)));
        let all = findings(&p, Some(&SecretString::from(SECRET.to_owned())));
        assert!(all.has_errors());
        assert!(!named(&all), "{all:#?}");
        assert!(
            all.as_slice()
                .iter()
                .any(|f| f.message.contains("[client secret]")),
            "{all:#?}"
        );
    }
}
