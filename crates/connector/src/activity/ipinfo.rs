//! What the viewer, the exports and the insights show beside an address: its country and its IP
//! tags, computed when events are read (never stored: tags change, and a new database places
//! addresses anew), from the detection settings in force, cached per distinct address.

use std::collections::HashMap;
use std::net::IpAddr;

use detect::{Geo, Tag, Tags};

use super::store::StoredEvent;
use crate::connections::Connector;

/// Distinct addresses cached in one query; a pathological log stays bounded.
const CACHE_MAX: usize = 200_000;

/// The country and tags of one address.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IpFacts {
    /// ISO country code; None for private, loopback and unknown addresses.
    pub country: Option<String>,
    /// `risky`, `corporate` (in that order), the tags whose lists hold the address.
    pub tags: Vec<String>,
}

/// The lookup of one query: the IP-to-country database and the tags, built once.
pub struct IpInfo {
    geo: Option<Geo>,
    tags: Tags,
    cache: HashMap<String, IpFacts>,
}

impl std::fmt::Debug for IpInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IpInfo")
            .field("geo", &self.geo)
            .field("cached", &self.cache.len())
            .finish_non_exhaustive()
    }
}

impl IpInfo {
    pub fn new(geo: Option<Geo>, tags: Tags) -> IpInfo {
        IpInfo {
            geo,
            tags,
            cache: HashMap::new(),
        }
    }

    /// The country and tags of `ip` as Workday logs it (text); nothing for an unparsable one.
    pub fn facts(&mut self, ip: &str) -> &IpFacts {
        if !self.cache.contains_key(ip) {
            if self.cache.len() >= CACHE_MAX {
                self.cache.clear();
            }
            let parsed: Option<IpAddr> = ip.trim().parse().ok();
            let facts = match parsed {
                None => IpFacts::default(),
                Some(a) => IpFacts {
                    country: self.geo.as_ref().and_then(|g| g.country(a)),
                    tags: Tag::ALL
                        .into_iter()
                        .filter(|t| self.tags.has(*t, a))
                        .map(|t| t.as_str().to_string())
                        .collect(),
                },
            };
            self.cache.insert(ip.to_string(), facts);
        }
        &self.cache[ip]
    }

    /// Fills an event's `country` and `ip_tags` from its address.
    pub fn enrich(&mut self, e: &mut StoredEvent) {
        let facts = match e.ip_address.as_deref() {
            Some(ip) if !ip.is_empty() => self.facts(ip).clone(),
            _ => IpFacts::default(),
        };
        e.country = facts.country;
        e.ip_tags = facts.tags;
    }
}

impl Connector {
    /// The lookup the fronts read events with, from the detection settings in force. A file
    /// that cannot be used (bad settings, a tag list with a bad line, an unreadable database)
    /// is left out rather than failing the viewer: `wdconnect rules` and the Alerts screen name
    /// it with its fix.
    pub fn ip_info(&self) -> IpInfo {
        let settings = self.detection_settings().unwrap_or_else(|e| {
            tracing::warn!(problems = ?e.problems(), "detection settings left out of the viewer");
            Default::default()
        });
        let geo = self
            .geo(&settings)
            .inspect_err(|e| {
                tracing::warn!(problems = ?e.problems(), "no countries in the viewer");
            })
            .ok();
        let entries = |tag| {
            self.tag_entries(tag).unwrap_or_else(|e| {
                tracing::warn!(problems = ?e.problems(), "a tag list left out of the viewer");
                Vec::new()
            })
        };
        let tags = Tags {
            risky: entries(Tag::Risky),
            corporate: entries(Tag::Corporate),
            corporate_only: settings.corporate_only,
        };
        IpInfo::new(geo, tags)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn countries_and_tags_of_addresses() {
        let tags = Tags {
            risky: vec!["185.220.101.0/24".parse().unwrap()],
            corporate: vec![
                "10.0.0.0/8".parse().unwrap(),
                "185.220.101.7/32".parse().unwrap(),
            ],
            corporate_only: false,
        };
        let mut info = IpInfo::new(Some(Geo::shipped()), tags);
        let de = info.facts("80.128.0.1").clone();
        assert_eq!(de.country.as_deref(), Some("DE"));
        assert!(de.tags.is_empty());
        let private = info.facts("10.1.2.3").clone();
        assert_eq!(private.country, None, "a private address has no country");
        assert_eq!(private.tags, ["corporate"]);
        assert_eq!(info.facts("185.220.101.7").tags, ["risky", "corporate"]);
        assert_eq!(info.facts("not an ip"), &IpFacts::default());
        let mut none = IpInfo::new(None, Tags::default());
        assert_eq!(none.facts("80.128.0.1"), &IpFacts::default());
    }
}
