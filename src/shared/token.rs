//! Random tokens and keyed digests for secrets that are stored hashed (session tokens,
//! one-time codes). SM3 keeps us inside the 国密 algorithm allow-list (SEC-50).

use sm3::{Digest, Sm3};

/// Fills a buffer from the operating system's CSPRNG.
///
/// # Panics
/// Never in practice: the OS random source failing means the process cannot work safely,
/// so we abort rather than hand out predictable tokens.
#[must_use]
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    if let Err(e) = getrandom::fill(&mut buf) {
        // A broken CSPRNG must stop the process, never produce weak tokens.
        tracing::error!(error = %e, "operating system random source failed");
        std::process::abort();
    }
    buf
}

/// A 256-bit random token, URL-safe.
#[must_use]
pub fn new_token() -> String {
    hex::encode(random_bytes::<32>())
}

/// A short random id for requests (64 bits).
#[must_use]
pub fn request_id() -> String {
    hex::encode(random_bytes::<8>())
}

/// SM3 digest in hex; used to store session tokens so a database leak does not leak sessions.
#[must_use]
pub fn sm3_hex(data: &[u8]) -> String {
    hex::encode(Sm3::digest(data))
}

/// Compares two byte strings in time independent of where they differ.
#[must_use]
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A password made of letters and digits from an alphabet without look-alike characters,
/// long enough to meet every role's policy (≥ 12 with three classes).
#[must_use]
pub fn one_time_password() -> String {
    const LOWER: &[u8] = b"abcdefghjkmnpqrstuvwxyz";
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGIT: &[u8] = b"23456789";
    let bytes = random_bytes::<16>();
    let mut out = String::with_capacity(16);
    for (i, b) in bytes.iter().enumerate() {
        let set = match i % 4 {
            0 | 2 => LOWER,
            1 => UPPER,
            _ => DIGIT,
        };
        out.push(char::from(set[usize::from(*b) % set.len()]));
    }
    out
}

/// Characters of activation codes: no 0/O or 1/I/l to misread on a printed slip.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// An activation code as printed and shown: ten characters (50 bits; the account locks after a
/// few wrong tries) in two groups of five, `ABCDE-FGHJK`, easy to type on a phone.
#[must_use]
pub fn activation_code() -> String {
    let bytes = random_bytes::<10>();
    let mut out = String::with_capacity(11);
    for (i, b) in bytes.iter().enumerate() {
        if i == 5 {
            out.push('-');
        }
        out.push(char::from(
            CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()],
        ));
    }
    out
}

/// An activation code as it is hashed and compared: typed in any case, with or without the
/// hyphen and spaces.
#[must_use]
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\u{3000}'))
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_codes_are_short_unambiguous_and_forgiving() {
        let c = activation_code();
        assert_eq!(c.len(), 11);
        assert_eq!(c.as_bytes()[5], b'-');
        assert!(
            c.chars()
                .all(|ch| ch == '-' || CODE_ALPHABET.contains(&(ch as u8)))
        );
        assert_eq!(normalize_code(&c.to_lowercase()), c.replace('-', ""));
        assert_eq!(normalize_code("abcde fghjk"), "ABCDEFGHJK");
        assert_ne!(activation_code(), activation_code());
    }

    #[test]
    fn sm3_known_answer_abc() {
        // GB/T 32905-2016 example 1.
        assert_eq!(
            sm3_hex(b"abc"),
            "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
        );
    }

    #[test]
    fn tokens_are_long_and_distinct() {
        let a = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, new_token());
        let p = one_time_password();
        assert_eq!(p.len(), 16);
        assert!(p.chars().any(|c| c.is_ascii_digit()));
        assert!(p.chars().any(|c| c.is_ascii_uppercase()));
    }

    #[test]
    fn constant_time_eq_works() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }
}
