//! Field encryption of 身份证号 and 手机号 (SEC-46/47). The store seals each value with SM4-GCM,
//! bound by its AAD to table, column and row id so a ciphertext copied to another row or column
//! does not open, and keeps a blind index (HMAC-SM3 of the normalised value under the MAC key,
//! which is never rotated) for equality lookups and the uniqueness of 身份证号. Only exact,
//! whole-value searches are possible on these fields.

use crate::db::{StoreError, StoreResult};
use crate::shared::crypto::{self, KeyRing};

use super::idcard;
use super::model::Member;

/// MAC purpose of the 身份证号 blind index.
const ID_BLIND: &str = "blind.id_number";
/// MAC purpose of the 手机号 blind index.
const PHONE_BLIND: &str = "blind.phone";

/// The sealed columns: (table, column) pairs that hold envelopes.
pub const SEALED_COLUMNS: &[(&str, &str, &str)] = &[
    ("members", "id_number", "id_number_enc"),
    ("members", "phone", "phone_enc"),
    ("member_corrections", "new_value", "new_value_enc"),
];

/// Correction fields whose proposed value is sealed like the record's own.
pub const SEALED_CORRECTIONS: &[&str] = &["id_number", "phone"];

/// The canonical form a 身份证号 is indexed under: no spaces, full-width digits folded,
/// an upper-case `X`.
#[must_use]
pub fn id_key(raw: &str) -> String {
    idcard::normalize(raw)
}

/// The canonical form a 手机号 is indexed under: its digits only, without a `+86` prefix.
#[must_use]
pub fn phone_key(raw: &str) -> String {
    let digits: String = idcard::normalize(raw)
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    match digits.strip_prefix("86") {
        Some(rest) if digits.len() == 13 => rest.to_owned(),
        _ => digits,
    }
}

/// Blind index of a 身份证号.
#[must_use]
pub fn id_blind(keys: &KeyRing, raw: &str) -> Vec<u8> {
    keys.mac(ID_BLIND, id_key(raw).as_bytes()).to_vec()
}

/// Blind index of a 手机号.
#[must_use]
pub fn phone_blind(keys: &KeyRing, raw: &str) -> Vec<u8> {
    keys.mac(PHONE_BLIND, phone_key(raw).as_bytes()).to_vec()
}

/// Seals a value for one column of one row.
#[must_use]
pub fn seal(keys: &KeyRing, table: &str, column: &str, row_id: i64, value: &str) -> Vec<u8> {
    keys.seal(&crypto::aad(table, column, row_id), value.as_bytes())
}

fn decode_error(e: impl std::error::Error + Send + Sync + 'static) -> StoreError {
    StoreError::Db(sqlx::Error::Decode(Box::new(e)))
}

/// Opens a value sealed for this column of this row. A changed bit, a swapped row or an
/// unknown key version is an error, never a wrong value.
///
/// # Errors
/// A decode error when the envelope does not open.
pub fn open(
    keys: &KeyRing,
    table: &str,
    column: &str,
    row_id: i64,
    envelope: &[u8],
) -> StoreResult<String> {
    let plain = keys
        .open(&crypto::aad(table, column, row_id), envelope)
        .map_err(decode_error)?;
    String::from_utf8(plain).map_err(decode_error)
}

/// The sealed columns of a member row, read next to the record and opened into it.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct SealedMember {
    /// Envelope of the 身份证号.
    pub id_number_enc: Option<Vec<u8>>,
    /// Envelope of the 手机号.
    pub phone_enc: Option<Vec<u8>>,
}

impl SealedMember {
    /// Opens both columns into the record.
    ///
    /// # Errors
    /// A decode error when an envelope does not open.
    pub fn open_into(&self, keys: &KeyRing, m: &mut Member) -> StoreResult<()> {
        m.id_number = match &self.id_number_enc {
            Some(e) => open(keys, "members", "id_number", m.id, e)?,
            None => String::new(),
        };
        m.phone = match &self.phone_enc {
            Some(e) => Some(open(keys, "members", "phone", m.id, e)?),
            None => None,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sec_47_blind_index_normalises() {
        let k = KeyRing::generate();
        assert_eq!(
            id_blind(&k, "11010519491231002x"),
            id_blind(&k, "１１０１０５１９４９１２３１００２Ｘ")
        );
        assert_eq!(
            id_blind(&k, " 11010519491231002X "),
            id_blind(&k, "11010519491231002X")
        );
        assert_eq!(
            phone_blind(&k, "+86 139-0000-1111"),
            phone_blind(&k, "13900001111")
        );
        assert_ne!(
            id_blind(&k, "13900001111"),
            phone_blind(&k, "13900001111"),
            "purposes are separated"
        );
        assert_ne!(
            id_blind(&KeyRing::generate(), "11010519491231002X"),
            id_blind(&k, "11010519491231002X"),
            "keyed, not a plain hash"
        );
    }

    #[test]
    fn sec_46_envelopes_are_bound_to_their_place() {
        let k = KeyRing::generate();
        let a = seal(&k, "members", "id_number", 1, "11010519491231002X");
        let b = seal(&k, "members", "id_number", 2, "110105194912310029");
        assert_eq!(
            open(&k, "members", "id_number", 1, &a).unwrap(),
            "11010519491231002X"
        );
        // Swapping two rows' ciphertexts, or moving one to another column, fails.
        assert!(open(&k, "members", "id_number", 2, &a).is_err());
        assert!(open(&k, "members", "id_number", 1, &b).is_err());
        assert!(open(&k, "members", "phone", 1, &a).is_err());
        // Any flipped bit is an error, never garbage.
        for i in 0..a.len() {
            for bit in 0..8 {
                let mut x = a.clone();
                x[i] ^= 1 << bit;
                assert!(
                    open(&k, "members", "id_number", 1, &x).is_err(),
                    "{i}/{bit}"
                );
            }
        }
        assert!(!a.windows(6).any(|w| w == b"110105"), "no plaintext inside");
    }
}
