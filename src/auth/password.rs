//! Password hashing: Argon2id by default, PBKDF2-HMAC-SM3 for deployments that need 密评
//! (architecture.md §5, SEC-09). Both are stored as PHC strings that name their algorithm
//! and parameters, so a change of setting upgrades hashes at the next successful login.

use std::sync::OnceLock;

use argon2::{
    Algorithm, Argon2, Params, PasswordHasher, PasswordVerifier, Version,
    password_hash::{PasswordHash, SaltString},
};
use base64::{Engine, engine::general_purpose::STANDARD_NO_PAD as B64};
use sm3::Sm3;

use crate::config::PasswordHashKind;
use crate::shared::token::{constant_time_eq, random_bytes};

/// Argon2id memory in KiB (19 MiB), iterations and lanes: OWASP's recommended minimum.
const ARGON2_M: u32 = 19_456;
const ARGON2_T: u32 = 2;
const ARGON2_P: u32 = 1;

/// The algorithm and its cost, from configuration.
#[derive(Debug, Clone, Copy)]
pub struct Hasher {
    /// Which algorithm new hashes use.
    pub kind: PasswordHashKind,
    /// PBKDF2 iterations.
    pub pbkdf2_iterations: u32,
}

/// Hashing failed (only on invalid parameters, which configuration validation prevents).
#[derive(Debug, thiserror::Error)]
#[error("password hashing failed")]
pub struct HashError;

impl Hasher {
    /// Hashes a password with a fresh random salt.
    ///
    /// # Errors
    /// Only when the parameters are invalid.
    pub fn hash(&self, password: &str) -> Result<String, HashError> {
        let salt = random_bytes::<16>();
        match self.kind {
            PasswordHashKind::Argon2id => {
                let salt = SaltString::encode_b64(&salt).map_err(|_| HashError)?;
                Ok(argon2()?
                    .hash_password(password.as_bytes(), &salt)
                    .map_err(|_| HashError)?
                    .to_string())
            }
            PasswordHashKind::Pbkdf2Sm3 => {
                let out = pbkdf2_sm3(password, &salt, self.pbkdf2_iterations);
                Ok(format!(
                    "$pbkdf2-sm3$i={}${}${}",
                    self.pbkdf2_iterations,
                    B64.encode(salt),
                    B64.encode(out)
                ))
            }
        }
    }

    /// Whether a stored hash should be replaced with one made by the current settings.
    #[must_use]
    pub fn needs_rehash(&self, stored: &str) -> bool {
        match self.kind {
            PasswordHashKind::Argon2id => {
                let want = format!("$argon2id$v=19$m={ARGON2_M},t={ARGON2_T},p={ARGON2_P}$");
                !stored.starts_with(&want)
            }
            PasswordHashKind::Pbkdf2Sm3 => {
                !stored.starts_with(&format!("$pbkdf2-sm3$i={}$", self.pbkdf2_iterations))
            }
        }
    }
}

/// Checks a password against a stored hash of either kind. Unknown formats never match.
#[must_use]
pub fn verify(password: &str, stored: &str) -> bool {
    if let Some(rest) = stored.strip_prefix("$pbkdf2-sm3$i=") {
        let mut parts = rest.split('$');
        let (Some(i), Some(salt), Some(hash), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return false;
        };
        let (Ok(i), Ok(salt), Ok(hash)) = (i.parse::<u32>(), B64.decode(salt), B64.decode(hash))
        else {
            return false;
        };
        if i == 0 || hash.len() != 32 {
            return false;
        }
        return constant_time_eq(&pbkdf2_sm3(password, &salt, i), &hash);
    }
    match PasswordHash::new(stored) {
        Ok(parsed) if parsed.algorithm.as_str() == "argon2id" => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        _ => false,
    }
}

/// A hash nobody's password matches, verified against for unknown usernames so that the
/// response time does not tell whether an account exists (SEC-06).
#[must_use]
pub fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| {
        let h = Hasher {
            kind: PasswordHashKind::Argon2id,
            pbkdf2_iterations: 600_000,
        };
        h.hash(&hex::encode(random_bytes::<24>()))
            .unwrap_or_default()
    })
}

fn argon2() -> Result<Argon2<'static>, HashError> {
    let params = Params::new(ARGON2_M, ARGON2_T, ARGON2_P, None).map_err(|_| HashError)?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

fn pbkdf2_sm3(password: &str, salt: &[u8], iterations: u32) -> [u8; 32] {
    let mut out = [0u8; 32];
    pbkdf2::pbkdf2_hmac::<Sm3>(password.as_bytes(), salt, iterations, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn argon2id_round_trip_and_phc_format() {
        let h = Hasher {
            kind: PasswordHashKind::Argon2id,
            pbkdf2_iterations: 600_000,
        };
        let s = h.hash("Correct-Horse-9").unwrap();
        assert!(s.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{s}");
        assert!(verify("Correct-Horse-9", &s));
        assert!(!verify("correct-horse-9", &s));
        assert!(!h.needs_rehash(&s));
    }

    #[test]
    fn pbkdf2_sm3_round_trip_and_upgrade_detection() {
        let h = Hasher {
            kind: PasswordHashKind::Pbkdf2Sm3,
            pbkdf2_iterations: 600_000,
        };
        let s = h.hash("Correct-Horse-9").unwrap();
        assert!(s.starts_with("$pbkdf2-sm3$i=600000$"), "{s}");
        assert!(verify("Correct-Horse-9", &s));
        assert!(!verify("Correct-Horse-8", &s));
        let stronger = Hasher {
            kind: PasswordHashKind::Pbkdf2Sm3,
            pbkdf2_iterations: 700_000,
        };
        assert!(stronger.needs_rehash(&s));
        let argon = Hasher {
            kind: PasswordHashKind::Argon2id,
            pbkdf2_iterations: 600_000,
        };
        assert!(argon.needs_rehash(&s));
    }

    #[test]
    fn pbkdf2_hmac_sm3_known_answer() {
        // Fixed vector computed independently (one iteration of HMAC-SM3 over salt‖INT(1)).
        let out = pbkdf2_sm3("password", b"salt", 1);
        let mut mac = <hmac::Hmac<Sm3> as hmac::Mac>::new_from_slice(b"password").unwrap();
        hmac::Mac::update(&mut mac, b"salt\x00\x00\x00\x01");
        let expect = hmac::Mac::finalize(mac).into_bytes();
        assert_eq!(out.as_slice(), expect.as_slice());
    }

    #[test]
    fn garbage_never_verifies() {
        for s in [
            "",
            "plain",
            "$pbkdf2-sm3$i=0$AA$AA",
            "$pbkdf2-sm3$i=x$$",
            "$argon2i$v=19$m=8,t=1,p=1$AAAA$AAAA",
        ] {
            assert!(!verify("x", s), "{s}");
        }
        assert!(!verify("anything", dummy_hash()));
    }
}
