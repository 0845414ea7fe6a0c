//! Temporary stand-in for the shared key ring with the same API (`seal`, `open`, `mac`, `aad`);
//! replaced by `crate::shared::crypto` and `app.keys`.

use std::sync::OnceLock;

use hmac::{Hmac, Mac};
use sm3::Sm3;

use crate::app::App;
use crate::shared::token::{constant_time_eq, random_bytes};

/// Opening failed.
#[derive(Debug)]
pub struct CryptoError;

/// In-memory keys.
pub struct KeyRing {
    key: [u8; 32],
}

fn hm(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let Ok(mut m) = Hmac::<Sm3>::new_from_slice(key) else {
        return [0; 32];
    };
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

impl KeyRing {
    fn stream(&self, nonce: &[u8], n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n);
        let mut i = 0u32;
        while out.len() < n {
            out.extend_from_slice(&hm(&self.key, &[b"ks", nonce, &i.to_be_bytes()]));
            i += 1;
        }
        out.truncate(n);
        out
    }

    /// Seals.
    #[must_use]
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let nonce = random_bytes::<12>();
        let ks = self.stream(&nonce, plaintext.len());
        let ct: Vec<u8> = plaintext.iter().zip(ks).map(|(a, b)| a ^ b).collect();
        let tag = hm(&self.key, &[b"tag", aad, &nonce, &ct]);
        [nonce.as_slice(), &ct, &tag].concat()
    }

    /// Opens.
    ///
    /// # Errors
    /// Tampered or misplaced envelopes.
    pub fn open(&self, aad: &[u8], env: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if env.len() < 44 {
            return Err(CryptoError);
        }
        let (nonce, rest) = env.split_at(12);
        let (ct, tag) = rest.split_at(rest.len() - 32);
        if !constant_time_eq(&hm(&self.key, &[b"tag", aad, nonce, ct]), tag) {
            return Err(CryptoError);
        }
        let ks = self.stream(nonce, ct.len());
        Ok(ct.iter().zip(ks).map(|(a, b)| a ^ b).collect())
    }

    /// Keyed digest by purpose.
    #[must_use]
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        hm(&self.key, &[purpose.as_bytes(), &[0], data])
    }
}

/// Additional data binding an envelope to its place.
#[must_use]
pub fn aad(table: &str, column: &str, row_id: i64) -> Vec<u8> {
    format!("{table}.{column}.{row_id}").into_bytes()
}

/// The ring of this process.
pub fn keys(_app: &App) -> &'static KeyRing {
    static K: OnceLock<KeyRing> = OnceLock::new();
    K.get_or_init(|| KeyRing {
        key: random_bytes::<32>(),
    })
}
