//! Reading the five values out of a paste of Workday's "View API Clients" page.

use std::fmt;

use url::Url;

use super::urls::{Shape, classify};
use super::{Field, without_trailing_slash};

/// The values found in a paste; `None` where the paste did not hold that value. Debug never
/// prints the secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct PastedValues {
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub rest_api: Option<String>,
    pub token: Option<String>,
    pub authorization: Option<String>,
}

impl fmt::Debug for PastedValues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PastedValues")
            .field("client_id", &self.client_id)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[redacted]"),
            )
            .field("rest_api", &self.rest_api)
            .field("token", &self.token)
            .field("authorization", &self.authorization)
            .finish()
    }
}

impl PastedValues {
    pub fn get(&self, field: Field) -> Option<&str> {
        self.slot(field).as_deref()
    }

    /// How many of the five values the paste held: a front fills the fields only when this is
    /// more than zero, and otherwise lets the paste land as typed.
    pub fn count(&self) -> usize {
        Field::ALL
            .iter()
            .filter(|f| self.get(**f).is_some())
            .count()
    }

    fn slot(&self, field: Field) -> &Option<String> {
        match field {
            Field::ClientId => &self.client_id,
            Field::ClientSecret => &self.client_secret,
            Field::RestApi => &self.rest_api,
            Field::Token => &self.token,
            Field::Authorization => &self.authorization,
        }
    }

    fn slot_mut(&mut self, field: Field) -> &mut Option<String> {
        match field {
            Field::ClientId => &mut self.client_id,
            Field::ClientSecret => &mut self.client_secret,
            Field::RestApi => &mut self.rest_api,
            Field::Token => &mut self.token,
            Field::Authorization => &mut self.authorization,
        }
    }
}

/// Labels as Workday shows them, plus the short form admins write by hand.
const LABELS: [(&str, Field); 6] = [
    ("Workday REST API Endpoint", Field::RestApi),
    ("REST API Endpoint", Field::RestApi),
    ("Token Endpoint", Field::Token),
    ("Authorization Endpoint", Field::Authorization),
    ("Client ID", Field::ClientId),
    ("Client Secret", Field::ClientSecret),
];

/// If `line` starts with a known label, the field and what follows the label (maybe empty).
fn labelled(line: &str) -> Option<(Field, &str)> {
    LABELS.iter().find_map(|(label, field)| {
        let head = line.get(..label.len())?;
        let rest = &line[label.len()..];
        let boundary = rest.is_empty() || rest.starts_with(|c: char| c.is_whitespace() || c == ':');
        (head.eq_ignore_ascii_case(label) && boundary).then(|| {
            (
                *field,
                rest.trim_start_matches(|c: char| c.is_whitespace() || c == ':')
                    .trim(),
            )
        })
    })
}

/// Whether `value` can be the value of `field`: guards a label on its own line against taking
/// the next label's text (e.g. an empty "Client Secret" followed by "Client Grant Type").
fn plausible(field: Field, value: &str) -> bool {
    match field {
        // Workday's IDs and secrets are long opaque strings (the ID alone is about 48 characters);
        // a short word on the next line is another label or value, not one of them.
        Field::ClientId | Field::ClientSecret => {
            value.len() >= 16 && !value.chars().any(char::is_whitespace)
        }
        Field::RestApi | Field::Token | Field::Authorization => {
            let lower = value.to_ascii_lowercase();
            lower.starts_with("https://") || lower.starts_with("http://")
        }
    }
}

/// The field a bare, unlabelled URL belongs to, judged only by its unmistakable path shape.
fn classify_bare_url(line: &str) -> Option<Field> {
    let text = without_trailing_slash(line);
    let lower = text.to_ascii_lowercase();
    if text.chars().any(char::is_whitespace)
        || !(lower.starts_with("https://") || lower.starts_with("http://"))
    {
        return None;
    }
    let url = Url::parse(text).ok()?;
    match classify(url.path()) {
        Shape::Rest(_) => Some(Field::RestApi),
        Shape::Token(_) => Some(Field::Token),
        Shape::Authorize(_) => Some(Field::Authorization),
        _ => None,
    }
}

/// Reads the values out of text copied from Workday's "View API Clients" page (or the "Register
/// API Client" result): `Label<tab or spaces>value` lines, or a label on its own line with the
/// value on the next. Only labelled values are taken, except that a bare URL on its own line is
/// recognised by its shape (REST, token or authorization). Values are returned as pasted (trimmed);
/// check them with the `check_*` functions.
pub fn parse_view_api_clients(text: &str) -> PastedValues {
    let mut found = PastedValues::default();
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();

    let mut bare: Vec<(Field, &str)> = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let line = lines[i];
        i += 1;
        if let Some((field, rest)) = labelled(line) {
            let value = if !rest.is_empty() {
                Some(rest)
            } else {
                // The label stands alone: the value is the next line, unless that is a label too.
                match lines.get(i) {
                    Some(next) if labelled(next).is_none() && plausible(field, next) => {
                        i += 1;
                        Some(*next)
                    }
                    _ => None,
                }
            };
            if let Some(value) = value {
                let slot = found.slot_mut(field);
                // The first labelled value wins: a page lists each value once.
                if slot.is_none() {
                    *slot = Some(value.to_owned());
                }
            }
        } else if let Some(field) = classify_bare_url(line) {
            bare.push((field, line));
        }
    }

    // Bare URLs only fill gaps, and only when one URL of that shape appeared: two would be a guess.
    for field in [Field::RestApi, Field::Token, Field::Authorization] {
        let mut of_field = bare.iter().filter(|(f, _)| *f == field).map(|(_, l)| *l);
        if let (Some(only), None) = (of_field.next(), of_field.next()) {
            let slot = found.slot_mut(field);
            if slot.is_none() {
                *slot = Some(only.to_owned());
            }
        }
    }
    found
}
