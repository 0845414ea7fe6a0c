//! Passphrase sealing for whole files (backups, RES-05): PBKDF2-HMAC-SM3 turns the passphrase
//! into an SM4 key, and the file is sealed in 1 MiB SM4-GCM chunks so memory stays bounded
//! whatever the file's size.
//!
//! Each chunk's additional data is the header, its index and whether it is the last one, so
//! chunks cannot be reordered, dropped or the file cut short without failing to open.

use std::io::{Read, Write};

use aes_gcm::aead::{Aead, KeyInit, Payload};
use zeroize::Zeroizing;

use super::{CryptoError, Sm4Gcm, random_bytes};

/// Marks a sealed file; [`is_sealed`] looks for it.
const MAGIC: &[u8; 8] = b"ZHIBUENC";
const FORMAT: u8 = 1;
/// OWASP's floor for PBKDF2 (security.md D3).
const ITERATIONS: u32 = 600_000;
/// Bounds on the count read back, so a forged header cannot make opening run for hours.
const MIN_ITERATIONS: u32 = 100_000;
const MAX_ITERATIONS: u32 = 10_000_000;
const CHUNK: usize = 1 << 20;
const HEADER_LEN: usize = 8 + 1 + 4 + 16 + 8;
const TAG_LEN: usize = 16;

/// Whether these first bytes start a file sealed by [`seal_stream`].
#[must_use]
pub fn is_sealed(prefix: &[u8]) -> bool {
    prefix.starts_with(MAGIC)
}

fn derive(passphrase: &str, salt: &[u8], iterations: u32) -> Zeroizing<[u8; 16]> {
    let mut key = Zeroizing::new([0u8; 16]);
    pbkdf2::pbkdf2_hmac::<sm3::Sm3>(passphrase.as_bytes(), salt, iterations, &mut *key);
    key
}

fn chunk_aad(header: &[u8], index: u64, last: bool) -> Vec<u8> {
    let mut aad = Vec::with_capacity(header.len() + 9);
    aad.extend_from_slice(header);
    aad.extend_from_slice(&index.to_be_bytes());
    aad.push(u8::from(last));
    aad
}

fn nonce(prefix: &[u8], index: u64) -> Result<[u8; 12], CryptoError> {
    let counter = u32::try_from(index).map_err(|_| CryptoError::Malformed)?;
    let mut n = [0u8; 12];
    n[..8].copy_from_slice(prefix);
    n[8..].copy_from_slice(&counter.to_be_bytes());
    Ok(n)
}

/// Reads until `buf` is full or the input ends; returns how many bytes were read.
fn fill(input: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match input.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Seals everything read from `input` into `output` under `passphrase`; returns the number of
/// plaintext bytes.
///
/// # Errors
/// [`CryptoError::Io`] when reading or writing fails.
pub fn seal_stream(
    passphrase: &str,
    mut input: impl Read,
    mut output: impl Write,
) -> Result<u64, CryptoError> {
    let salt = random_bytes::<16>();
    let prefix = random_bytes::<8>();
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.push(FORMAT);
    header.extend_from_slice(&ITERATIONS.to_be_bytes());
    header.extend_from_slice(&salt);
    header.extend_from_slice(&prefix);
    output.write_all(&header)?;
    let gcm = Sm4Gcm::new((&*derive(passphrase, &salt, ITERATIONS)).into());
    // Read one chunk ahead so the last chunk is known when it is sealed.
    let mut cur = vec![0u8; CHUNK];
    let mut next = vec![0u8; CHUNK];
    let mut cur_len = fill(&mut input, &mut cur)?;
    let mut index = 0u64;
    let mut total = 0u64;
    loop {
        let next_len = if cur_len == CHUNK {
            fill(&mut input, &mut next)?
        } else {
            0
        };
        let last = next_len == 0;
        let ct = gcm
            .encrypt(
                (&nonce(&prefix, index)?).into(),
                Payload {
                    msg: &cur[..cur_len],
                    aad: &chunk_aad(&header, index, last),
                },
            )
            .map_err(|_| CryptoError::Malformed)?;
        output.write_all(&ct)?;
        total += cur_len as u64;
        if last {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        cur_len = next_len;
        index += 1;
    }
    output.flush()?;
    Ok(total)
}

/// Opens a stream sealed by [`seal_stream`] into `output`; returns the plaintext length.
/// Output is written chunk by chunk as each chunk verifies: on an error, discard what was
/// written (write to a temporary file and rename it only on success).
///
/// # Errors
/// [`CryptoError::Malformed`] for something that is not a sealed file,
/// [`CryptoError::Authentication`] for a wrong passphrase or tampered, reordered or truncated
/// content, [`CryptoError::Io`] for read and write failures.
pub fn open_stream(
    passphrase: &str,
    mut input: impl Read,
    mut output: impl Write,
) -> Result<u64, CryptoError> {
    let mut header = [0u8; HEADER_LEN];
    if fill(&mut input, &mut header)? != HEADER_LEN || !is_sealed(&header) || header[8] != FORMAT {
        return Err(CryptoError::Malformed);
    }
    let iterations = u32::from_be_bytes([header[9], header[10], header[11], header[12]]);
    if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&iterations) {
        return Err(CryptoError::Malformed);
    }
    let gcm = Sm4Gcm::new((&*derive(passphrase, &header[13..29], iterations)).into());
    let prefix = &header[29..37];
    let mut cur = vec![0u8; CHUNK + TAG_LEN];
    let mut next = vec![0u8; CHUNK + TAG_LEN];
    let mut cur_len = fill(&mut input, &mut cur)?;
    let mut index = 0u64;
    let mut total = 0u64;
    loop {
        let next_len = if cur_len == CHUNK + TAG_LEN {
            fill(&mut input, &mut next)?
        } else {
            0
        };
        let last = next_len == 0;
        let pt = gcm
            .decrypt(
                (&nonce(prefix, index)?).into(),
                Payload {
                    msg: &cur[..cur_len],
                    aad: &chunk_aad(&header, index, last),
                },
            )
            .map_err(|_| CryptoError::Authentication)?;
        output.write_all(&pt)?;
        total += pt.len() as u64;
        if last {
            break;
        }
        std::mem::swap(&mut cur, &mut next);
        cur_len = next_len;
        index += 1;
    }
    output.flush()?;
    Ok(total)
}

/// [`seal_stream`] over bytes in memory.
#[must_use]
pub fn seal_with_passphrase(passphrase: &str, plaintext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(plaintext.len() + HEADER_LEN + TAG_LEN);
    // Reading a slice and writing a Vec cannot fail.
    let _ = seal_stream(passphrase, plaintext, &mut out);
    out
}

/// [`open_stream`] over bytes in memory.
///
/// # Errors
/// As [`open_stream`].
pub fn open_with_passphrase(passphrase: &str, sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(sealed.len());
    open_stream(passphrase, sealed, &mut out)?;
    Ok(out)
}
