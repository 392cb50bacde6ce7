//! Query-string and form-body parameters, parsed strictly (repeats are visible to the caller).

use url::form_urlencoded;

/// Decoded name/value pairs in order of appearance.
#[derive(Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: &[u8]) -> Params {
        Params(
            form_urlencoded::parse(raw)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    pub fn from_query(raw: Option<&str>) -> Params {
        Params::parse(raw.unwrap_or("").as_bytes())
    }

    /// The value of `name`; `Err(name)` when it appears more than once (RFC 6749 forbids it).
    pub fn get(&self, name: &str) -> Result<Option<&str>, String> {
        let mut it = self.0.iter().filter(|(k, _)| k == name);
        let first = it.next().map(|(_, v)| v.as_str());
        if it.next().is_some() {
            Err(format!("parameter {name} appears more than once"))
        } else {
            Ok(first)
        }
    }
}
