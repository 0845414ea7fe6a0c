//! Time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) and recovery codes: pure
//! functions, no IO and no clock of their own, so the RFC test vectors run as unit tests.
//!
//! SHA-1, 6 digits and 30-second steps are what every authenticator app understands; this is
//! the one place SHA-1 is allowed (D4, SEC-50), and only as the HMAC inside TOTP.

use std::fmt::Write as _;

use hmac::{Hmac, Mac};
use sha1::Sha1;

use crate::shared::token::{constant_time_eq, random_bytes};

/// Length of a time step in seconds.
pub const STEP_SECS: i64 = 30;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted either side of the current one, for clocks that drift a little.
pub const WINDOW: i64 = 1;
/// Bytes of a new secret (160 bits, the HMAC-SHA1 block the RFC recommends).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes issued at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// A new random secret.
#[must_use]
pub fn new_secret() -> [u8; SECRET_BYTES] {
    random_bytes::<SECRET_BYTES>()
}

/// RFC 4226 HOTP value for `counter`, truncated to `digits` decimal digits.
#[must_use]
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> u32 {
    // HMAC accepts keys of any length, so this cannot fail.
    let Ok(mut mac) = Hmac::<Sha1>::new_from_slice(secret) else {
        return 0;
    };
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = usize::from(h[19] & 0x0f);
    let bin = (u32::from(h[offset] & 0x7f) << 24)
        | (u32::from(h[offset + 1]) << 16)
        | (u32::from(h[offset + 2]) << 8)
        | u32::from(h[offset + 3]);
    bin % 10u32.pow(digits)
}

/// The time step a Unix time falls in (times before 1970 fall in step 0).
#[must_use]
pub fn step_of(unix_secs: i64) -> i64 {
    unix_secs.max(0) / STEP_SECS
}

/// The code for a step, zero-padded.
#[must_use]
pub fn code_at(secret: &[u8], step: i64) -> String {
    let v = hotp(secret, u64::try_from(step.max(0)).unwrap_or(0), DIGITS);
    format!("{v:0width$}", width = DIGITS as usize)
}

/// Keeps only the digits a user typed (authenticator apps show `123 456`).
#[must_use]
pub fn normalize_code(input: &str) -> Option<String> {
    let d: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (d.len() == DIGITS as usize && d.bytes().all(|b| b.is_ascii_digit())).then_some(d)
}

/// Checks a code against the steps around `unix_secs`. Returns the matching step only when it
/// is later than `last_step`, so a code that was accepted once can never be used again
/// (SEC-08), nor can an older one inside the window.
#[must_use]
pub fn verify(secret: &[u8], input: &str, unix_secs: i64, last_step: i64) -> Option<i64> {
    let code = normalize_code(input)?;
    let now = step_of(unix_secs);
    let mut found = None;
    // Every candidate is compared, so timing does not tell which step matched.
    for step in (now - WINDOW)..=(now + WINDOW) {
        if step >= 0 && constant_time_eq(code_at(secret, step).as_bytes(), code.as_bytes()) {
            found = Some(step);
        }
    }
    found.filter(|s| *s > last_step)
}

const B32: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// RFC 4648 base32 without padding, as authenticator apps expect the secret.
#[must_use]
pub fn base32(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(5) * 8);
    let (mut buf, mut bits) = (0u32, 0u32);
    for b in data {
        buf = (buf << 8) | u32::from(*b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(B32[((buf >> bits) & 31) as usize]));
        }
    }
    if bits > 0 {
        out.push(char::from(B32[((buf << (5 - bits)) & 31) as usize]));
    }
    out
}

/// Decodes base32 (case-insensitive, spaces and padding ignored).
#[must_use]
pub fn base32_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let (mut buf, mut bits) = (0u32, 0u32);
    for c in s.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let v = B32
            .iter()
            .position(|x| char::from(*x) == c.to_ascii_uppercase())?;
        buf = (buf << 5) | u32::try_from(v).ok()?;
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push(u8::try_from((buf >> bits) & 0xff).ok()?);
        }
    }
    Some(out)
}

/// The secret in groups of four for typing by hand.
#[must_use]
pub fn grouped(b32: &str) -> String {
    b32.as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Percent-encodes a label part of an `otpauth://` URI.
fn uri_part(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

/// The `otpauth://totp/…` URI an authenticator app reads from the QR code.
#[must_use]
pub fn otpauth_uri(issuer: &str, account: &str, secret: &[u8]) -> String {
    let (i, a) = (uri_part(issuer), uri_part(account));
    format!(
        "otpauth://totp/{i}:{a}?secret={}&issuer={i}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECS}",
        base32(secret)
    )
}

/// Recovery-code alphabet: no look-alike characters (0/o, 1/l/i).
const RC_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

/// A new recovery code, `xxxxx-xxxxx` (10 characters from 31, about 49 bits; they are
/// single use and every wrong one counts toward the account lockout).
#[must_use]
pub fn new_recovery_code() -> String {
    let bytes = random_bytes::<10>();
    let mut s = String::with_capacity(11);
    for (i, b) in bytes.iter().enumerate() {
        if i == 5 {
            s.push('-');
        }
        // 256 is not a multiple of 31; the small bias is irrelevant at this length.
        s.push(char::from(RC_ALPHABET[usize::from(*b) % RC_ALPHABET.len()]));
    }
    s
}

/// The canonical form of a typed recovery code, or `None` when it cannot be one.
#[must_use]
pub fn normalize_recovery(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect();
    (s.len() == 10 && s.bytes().all(|b| RC_ALPHABET.contains(&b)))
        .then(|| format!("{}-{}", &s[..5], &s[5..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The SHA-1 seed of RFC 6238 Appendix B.
    const SEED: &[u8] = b"12345678901234567890";

    #[test]
    fn sec_08_rfc_6238_sha1_vectors() {
        // (time, 8-digit TOTP) from RFC 6238 Appendix B.
        let vectors = [
            (59, 94_287_082),
            (1_111_111_109, 7_081_804),
            (1_111_111_111, 14_050_471),
            (1_234_567_890, 89_005_924),
            (2_000_000_000, 69_279_037),
            (20_000_000_000, 65_353_130),
        ];
        for (t, want) in vectors {
            let step = u64::try_from(step_of(t)).unwrap();
            assert_eq!(hotp(SEED, step, 8), want, "t={t}");
            // The 6-digit code is the last six digits of the same value.
            assert_eq!(
                code_at(SEED, step_of(t)),
                format!("{:06}", want % 1_000_000)
            );
        }
    }

    #[test]
    fn sec_08_rfc_4226_hotp_vectors() {
        let want = [
            755_224, 287_082, 359_152, 969_429, 338_314, 254_676, 287_922, 162_583, 399_871,
            520_489,
        ];
        for (c, w) in want.into_iter().enumerate() {
            assert_eq!(hotp(SEED, c as u64, 6), w, "counter {c}");
        }
    }

    #[test]
    fn sec_08_window_and_replay() {
        let t = 1_111_111_111;
        let s = step_of(t);
        let code = code_at(SEED, s);
        assert_eq!(verify(SEED, &code, t, 0), Some(s));
        // One step of drift either way is accepted, two are not.
        assert_eq!(verify(SEED, &code, t + 30, 0), Some(s));
        assert_eq!(verify(SEED, &code, t - 30, 0), Some(s));
        assert_eq!(verify(SEED, &code, t + 60, 0), None);
        // The same code after it was accepted, and an older one, are refused.
        assert_eq!(verify(SEED, &code, t, s), None);
        assert_eq!(verify(SEED, &code_at(SEED, s - 1), t, s), None);
        assert_eq!(verify(SEED, &code_at(SEED, s + 1), t, s), Some(s + 1));
        assert_eq!(
            verify(SEED, &format!("{} {}", &code[..3], &code[3..]), t, 0),
            Some(s)
        );
        assert_eq!(verify(SEED, "12345", t, 0), None);
        assert_eq!(verify(SEED, "abcdef", t, 0), None);
    }

    #[test]
    fn base32_round_trips_rfc_4648() {
        assert_eq!(base32(b"foobar"), "MZXW6YTBOI");
        assert_eq!(base32(b"f"), "MY");
        assert_eq!(base32(SEED), "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
        assert_eq!(base32_decode("mzxw 6ytb oi").unwrap(), b"foobar");
        assert!(base32_decode("1").is_none());
        let s = new_secret();
        assert_eq!(base32_decode(&base32(&s)).unwrap(), s);
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn otpauth_uri_is_escaped() {
        let u = otpauth_uri("支部", "sys 1", SEED);
        assert!(u.starts_with("otpauth://totp/%E6%94%AF%E9%83%A8:sys%201?secret=GEZDG"));
        assert!(u.ends_with("&algorithm=SHA1&digits=6&period=30"));
    }

    #[test]
    fn recovery_codes_normalise() {
        let c = new_recovery_code();
        assert_eq!(c.len(), 11);
        assert_eq!(normalize_recovery(&c).as_deref(), Some(c.as_str()));
        assert_eq!(
            normalize_recovery(&c.to_uppercase().replace('-', " ")).as_deref(),
            Some(c.as_str())
        );
        assert_eq!(normalize_recovery("abc"), None);
        assert_eq!(normalize_recovery("0000000000"), None);
    }
}
