//! 国密 cryptography for data at rest (SEC-46/47/49/50): SM4-GCM envelopes under versioned data
//! keys, HMAC-SM3 under a long-lived MAC key, and passphrase sealing for files such as backups.
//!
//! SM4 alone is "hazmat", so it is only ever used inside GCM (`AesGcm<Sm4, U12>`, the generic
//! GCM of `RustCrypto` over any 128-bit block cipher), checked against the RFC 8998 vectors.
//! Keys live in a key file outside the database ([`keyfile`]); the database only ever holds
//! envelopes and MACs.

pub mod keyfile;
mod stream;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::AesGcm;
use aes_gcm::aead::consts::U12;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use hmac::{Hmac, Mac};
use sm3::Sm3;
use sm4::Sm4;
use zeroize::Zeroizing;

pub use stream::{is_sealed, open_stream, open_with_passphrase, seal_stream, seal_with_passphrase};

/// SM4 in Galois/Counter mode with a 96-bit nonce.
type Sm4Gcm = AesGcm<Sm4, U12>;

/// First byte of every field envelope, so a stray plaintext is never taken for one.
const ENVELOPE_MAGIC: u8 = 0x5A;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = 1 + 4 + NONCE_LEN;

/// What can go wrong opening or loading keys. Never carries key material or plaintext.
#[derive(Debug, thiserror::Error)]
pub enum CryptoError {
    /// The bytes are not an envelope of ours.
    #[error("密文格式无效")]
    Malformed,
    /// The envelope names a key version the ring does not hold.
    #[error("缺少第 {0} 版数据密钥")]
    UnknownKeyVersion(u32),
    /// Wrong key, wrong place (AAD) or tampered bytes.
    #[error("密文校验失败")]
    Authentication,
    /// The key file is missing, unreadable, too widely readable or malformed.
    #[error("密钥文件：{0}")]
    KeyFile(String),
    /// Reading or writing a sealed stream failed.
    #[error("读写失败：{0}")]
    Io(#[from] std::io::Error),
}

/// The deployment's keys: one MAC key that never rotates (blind indexes and the audit chain
/// must stay comparable forever) and numbered SM4 data keys, the highest being current.
/// Old versions stay until rotation has re-encrypted every envelope sealed under them.
pub struct KeyRing {
    mac_key: Zeroizing<[u8; 32]>,
    data: BTreeMap<u32, Zeroizing<[u8; 16]>>,
    current: u32,
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("versions", &self.data.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

/// `table‖column‖row_id` as additional data, so an envelope only opens in the cell it was
/// sealed for: swapping two rows' ciphertexts fails (SEC-46).
#[must_use]
pub fn aad(table: &str, column: &str, row_id: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(table.len() + column.len() + 24);
    for part in [table.as_bytes(), column.as_bytes()] {
        out.extend_from_slice(&u32::try_from(part.len()).unwrap_or(u32::MAX).to_be_bytes());
        out.extend_from_slice(part);
    }
    out.extend_from_slice(&row_id.to_be_bytes());
    out
}

/// HMAC-SM3 of `data` under `key`.
#[must_use]
pub fn hmac_sm3(key: &[u8], data: &[u8]) -> [u8; 32] {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut m = <Hmac<Sm3> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!());
    m.update(data);
    m.finalize().into_bytes().into()
}

/// Fills a buffer from the operating system's generator.
pub(crate) fn random_bytes<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    // Without an OS generator no key, nonce or token is safe; there is nothing to fall back to.
    getrandom::fill(&mut b).unwrap_or_else(|e| panic!("操作系统随机数不可用：{e}"));
    b
}

impl KeyRing {
    /// Fresh random keys held in memory only (tests, benches). A deployment loads a key file.
    #[must_use]
    pub fn generate() -> Self {
        let mut data = BTreeMap::new();
        data.insert(1, Zeroizing::new(random_bytes::<16>()));
        Self {
            mac_key: Zeroizing::new(random_bytes::<32>()),
            data,
            current: 1,
        }
    }

    pub(crate) fn from_parts(
        mac_key: [u8; 32],
        data: BTreeMap<u32, [u8; 16]>,
        current: u32,
    ) -> Result<Self, CryptoError> {
        if !data.contains_key(&current) {
            return Err(CryptoError::KeyFile(format!(
                "当前版本 {current} 没有对应的数据密钥"
            )));
        }
        Ok(Self {
            mac_key: Zeroizing::new(mac_key),
            data: data
                .into_iter()
                .map(|(v, k)| (v, Zeroizing::new(k)))
                .collect(),
            current,
        })
    }

    /// The data-key version new envelopes are sealed with.
    #[must_use]
    pub fn current_version(&self) -> u32 {
        self.current
    }

    /// Every data-key version held, oldest first.
    #[must_use]
    pub fn versions(&self) -> Vec<u32> {
        self.data.keys().copied().collect()
    }

    /// Adds a new random data key and makes it current; returns its version. Save the ring
    /// ([`keyfile::save`]) before sealing anything with it.
    pub fn add_version(&mut self) -> u32 {
        let v = self.data.keys().next_back().copied().unwrap_or(0) + 1;
        self.data.insert(v, Zeroizing::new(random_bytes::<16>()));
        self.current = v;
        v
    }

    /// Drops a data key that no envelope uses any more. The current key is never dropped.
    pub fn retire_version(&mut self, version: u32) -> bool {
        version != self.current && self.data.remove(&version).is_some()
    }

    /// Seals `plaintext` for the place named by `aad` with the current data key. The envelope
    /// is `0x5A ‖ version (u32 BE) ‖ nonce (96-bit random) ‖ ciphertext ‖ tag`; the version is
    /// also bound as additional data.
    #[must_use]
    pub fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
        let version = self.current;
        let nonce = random_bytes::<NONCE_LEN>();
        let mut out = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        out.push(ENVELOPE_MAGIC);
        out.extend_from_slice(&version.to_be_bytes());
        out.extend_from_slice(&nonce);
        let key = self.data.get(&version).map_or([0u8; 16], |k| **k);
        let full_aad = bound_aad(aad, version);
        // Encryption into a Vec only fails for messages beyond GCM's 64 GiB limit.
        let ct = cipher(&key)
            .encrypt(
                (&nonce).into(),
                Payload {
                    msg: plaintext,
                    aad: &full_aad,
                },
            )
            .unwrap_or_default();
        out.extend_from_slice(&ct);
        out
    }

    /// Opens an envelope sealed for `aad` under any version still in the ring.
    ///
    /// # Errors
    /// [`CryptoError::Malformed`], [`CryptoError::UnknownKeyVersion`] or
    /// [`CryptoError::Authentication`] (wrong place, wrong key or tampered bytes).
    pub fn open(&self, aad: &[u8], envelope: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let version = Self::envelope_version(envelope).ok_or(CryptoError::Malformed)?;
        if envelope.len() < HEADER_LEN + TAG_LEN {
            return Err(CryptoError::Malformed);
        }
        let key = self
            .data
            .get(&version)
            .ok_or(CryptoError::UnknownKeyVersion(version))?;
        let nonce = &envelope[5..HEADER_LEN];
        let full_aad = bound_aad(aad, version);
        cipher(key)
            .decrypt(
                nonce.into(),
                Payload {
                    msg: &envelope[HEADER_LEN..],
                    aad: &full_aad,
                },
            )
            .map_err(|_| CryptoError::Authentication)
    }

    /// Opens an envelope holding UTF-8 text.
    ///
    /// # Errors
    /// As [`KeyRing::open`], and [`CryptoError::Malformed`] for bytes that are not UTF-8.
    pub fn open_string(&self, aad: &[u8], envelope: &[u8]) -> Result<String, CryptoError> {
        String::from_utf8(self.open(aad, envelope)?).map_err(|_| CryptoError::Malformed)
    }

    /// The data-key version an envelope was sealed with, or `None` when it is not an envelope.
    #[must_use]
    pub fn envelope_version(envelope: &[u8]) -> Option<u32> {
        match envelope {
            [ENVELOPE_MAGIC, a, b, c, d, ..] => Some(u32::from_be_bytes([*a, *b, *c, *d])),
            _ => None,
        }
    }

    /// HMAC-SM3 under the MAC key, separated by purpose (`"blind.id_number"`,
    /// `"audit.chain"` …) so one use can never stand in for another (SEC-47).
    #[must_use]
    pub fn mac(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let sub = Zeroizing::new(hmac_sm3(&*self.mac_key, purpose.as_bytes()));
        hmac_sm3(&*sub, data)
    }

    /// A value that identifies this ring's MAC key without revealing it, stored in the
    /// database so a deployment started with the wrong key file refuses to run.
    #[must_use]
    pub fn check_value(&self) -> String {
        hex::encode(&self.mac("key.check", b"zhibu")[..16])
    }

    pub(crate) fn parts(&self) -> (&[u8; 32], impl Iterator<Item = (u32, &[u8; 16])>, u32) {
        (
            &self.mac_key,
            self.data.iter().map(|(v, k)| (*v, &**k)),
            self.current,
        )
    }
}

fn cipher(key: &[u8; 16]) -> Sm4Gcm {
    Sm4Gcm::new(key.into())
}

fn bound_aad(aad: &[u8], version: u32) -> Vec<u8> {
    let mut v = Vec::with_capacity(aad.len() + 4);
    v.extend_from_slice(aad);
    v.extend_from_slice(&version.to_be_bytes());
    v
}
