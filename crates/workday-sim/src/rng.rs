//! Deterministic hashing (everything seeded derives from these) and unpredictable secrets.

use rand::Rng;
use rand::distr::Alphanumeric;

/// SplitMix64's finaliser: a cheap, well-mixed 64-bit hash step.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A deterministic hash of three words (seed, key, salt).
pub fn hash3(a: u64, b: u64, c: u64) -> u64 {
    mix(a ^ mix(b ^ mix(c)))
}

/// Maps a hash to [0, 1).
pub fn unit(x: u64) -> f64 {
    (x >> 11) as f64 / (1u64 << 53) as f64
}

/// A Workday-style instance id (WID): 32 lowercase hex digits.
pub fn wid(h: u64) -> String {
    format!("{:016x}{:016x}", h, mix(h ^ 0x5717))
}

/// A Workday session id as real rows show it: 6 lowercase hex digits (`c7c6ff`).
pub fn session_id(h: u64) -> String {
    format!("{:06x}", h & 0xff_ffff)
}

/// A fresh unpredictable alphanumeric string (tokens, codes, secrets).
pub fn secret(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// A deterministic hash of a string (for ids of named things).
pub fn hash_str(salt: u64, s: &str) -> u64 {
    s.bytes().fold(mix(salt), |h, b| mix(h ^ b as u64))
}
