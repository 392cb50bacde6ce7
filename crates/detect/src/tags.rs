//! IP tags: addresses and CIDR ranges the admin marks risky (e.g. a Tor exit list) or corporate,
//! read from list files of one address or range a line (`#` starts a comment), and the switch
//! that says all use must come from the corporate ranges.

use std::net::IpAddr;

use ipnet::IpNet;

/// The two tags an address can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tag {
    Risky,
    Corporate,
}

impl Tag {
    pub const ALL: [Tag; 2] = [Tag::Risky, Tag::Corporate];

    pub fn as_str(self) -> &'static str {
        match self {
            Tag::Risky => "risky",
            Tag::Corporate => "corporate",
        }
    }

    pub fn parse(s: &str) -> Option<Tag> {
        Tag::ALL
            .into_iter()
            .find(|t| t.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// A line of a list file that is neither an address nor a range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: \"{text}\" is not an IP address or CIDR range ({detail})")]
pub struct BadEntry {
    pub line: usize,
    pub text: String,
    pub detail: String,
}

/// One address (taken as a /32 or /128) or one CIDR range, with host bits allowed and dropped.
pub fn parse_entry(text: &str) -> Result<IpNet, String> {
    let t = text.trim();
    if t.contains('/') {
        t.parse::<IpNet>()
            .map(|n| n.trunc())
            .map_err(|_| "expected an address/prefix such as 203.0.113.0/24".to_string())
    } else {
        t.parse::<IpAddr>()
            .map(IpNet::from)
            .map_err(|_| "expected an address such as 203.0.113.7 or a range".to_string())
    }
}

/// A list file's text: every entry, or every bad line (nothing is taken from a file with one).
pub fn parse_list(text: &str) -> Result<Vec<IpNet>, Vec<BadEntry>> {
    let mut nets = Vec::new();
    let mut bad = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        match parse_entry(line) {
            Ok(n) => nets.push(n),
            Err(detail) => bad.push(BadEntry {
                line: i + 1,
                text: line.to_string(),
                detail,
            }),
        }
    }
    if bad.is_empty() { Ok(nets) } else { Err(bad) }
}

/// The tags in force.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tags {
    pub risky: Vec<IpNet>,
    pub corporate: Vec<IpNet>,
    /// All use must come from the corporate ranges: anything else is an alert.
    pub corporate_only: bool,
}

impl Tags {
    pub fn list(&self, tag: Tag) -> &[IpNet] {
        match tag {
            Tag::Risky => &self.risky,
            Tag::Corporate => &self.corporate,
        }
    }

    pub fn list_mut(&mut self, tag: Tag) -> &mut Vec<IpNet> {
        match tag {
            Tag::Risky => &mut self.risky,
            Tag::Corporate => &mut self.corporate,
        }
    }

    pub fn has(&self, tag: Tag, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        self.list(tag).iter().any(|n| n.contains(&ip))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_files_take_addresses_ranges_and_comments() {
        let nets = parse_list("# Tor exits\n185.220.101.1\n\n10.0.0.0/8 # office\n2001:db8::/32\n")
            .unwrap();
        assert_eq!(nets.len(), 3);
        let tags = Tags {
            risky: nets,
            ..Tags::default()
        };
        assert!(tags.has(Tag::Risky, "185.220.101.1".parse().unwrap()));
        assert!(tags.has(Tag::Risky, "10.9.8.7".parse().unwrap()));
        assert!(tags.has(Tag::Risky, "::ffff:10.9.8.7".parse().unwrap()));
        assert!(!tags.has(Tag::Risky, "185.220.101.2".parse().unwrap()));
        assert!(!tags.has(Tag::Corporate, "10.9.8.7".parse().unwrap()));
    }

    #[test]
    fn a_bad_line_is_named_and_nothing_is_taken() {
        let bad = parse_list("1.2.3.4\n10.0.0.0/33\nhello\n").unwrap_err();
        assert_eq!(bad.len(), 2);
        assert_eq!(bad[0].line, 2);
        assert_eq!(bad[1].text, "hello");
        assert!(bad[0].to_string().starts_with("line 2: \"10.0.0.0/33\""));
    }
}
