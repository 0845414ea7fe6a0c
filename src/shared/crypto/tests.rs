//! Known-answer tests for the primitives and the envelope's guarantees (SEC-46/47/49/50).
#![allow(clippy::unwrap_used, reason = "tests fail loudly by design")]

use aes_gcm::aead::generic_array::GenericArray;
use aes_gcm::aead::{Aead, Payload};
use sm4::cipher::{BlockEncrypt, KeyInit as _};

use std::os::unix::fs::PermissionsExt;

use super::*;

fn unhex(s: &str) -> Vec<u8> {
    hex::decode(s).unwrap()
}

#[test]
fn sec_50_sm4_block_known_answer() {
    let k = unhex("0123456789abcdeffedcba9876543210");
    let sm4 = Sm4::new(GenericArray::from_slice(&k));
    let mut block = GenericArray::clone_from_slice(&k);
    sm4.encrypt_block(&mut block);
    assert_eq!(hex::encode(block), "681edf34d206965e86b3e94f536e4246");
}

#[test]
fn sec_50_sm3_and_hmac_sm3_known_answers() {
    use sm3::Digest;
    assert_eq!(
        hex::encode(Sm3::digest(b"abc")),
        "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    );
    // Computed independently with Python's hmac over OpenSSL's SM3.
    assert_eq!(
        hex::encode(hmac_sm3(b"key", b"The quick brown fox")),
        "8d54716c0553990422ad09e63a7237386696a8952f64e546a4dee3b89a931a35"
    );
}

#[test]
fn sec_46_sm4_gcm_rfc8998_vector() {
    let key: [u8; 16] = unhex("0123456789ABCDEFFEDCBA9876543210")
        .try_into()
        .unwrap();
    let nonce = unhex("00001234567800000000ABCD");
    let aad = unhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2");
    let pt = unhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD\
         EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA",
    );
    let out = cipher(&key)
        .encrypt(
            GenericArray::from_slice(&nonce),
            Payload {
                msg: &pt,
                aad: &aad,
            },
        )
        .unwrap();
    let (ct, tag) = out.split_at(pt.len());
    assert_eq!(
        hex::encode(ct),
        "17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735\
         d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d"
    );
    assert_eq!(hex::encode(tag), "83de3541e4c2b58177e065a9bf7b62ec");
}

#[test]
fn sec_46_envelope_round_trip_and_binding() {
    let ring = KeyRing::generate();
    let a = aad("members", "id_number", 1);
    let b = aad("members", "id_number", 2);
    let env = ring.seal(&a, "110105194912310021".as_bytes());
    assert_eq!(ring.open_string(&a, &env).unwrap(), "110105194912310021");
    assert!(!env.windows(6).any(|w| w == b"110105"));
    // Another row, another column or another deployment cannot open it.
    assert!(matches!(
        ring.open(&b, &env),
        Err(CryptoError::Authentication)
    ));
    let other_col = aad("members", "phone", 1);
    assert!(ring.open(&other_col, &env).is_err());
    assert!(KeyRing::generate().open(&a, &env).is_err());
    // Every flipped bit is an error, never garbage.
    for i in 0..env.len() {
        let mut bad = env.clone();
        bad[i] ^= 0x01;
        assert!(ring.open(&a, &bad).is_err(), "bit flip at {i} opened");
    }
    assert!(matches!(
        ring.open(&a, b"plain"),
        Err(CryptoError::Malformed)
    ));
    assert_ne!(ring.seal(&a, b"x"), ring.seal(&a, b"x"), "nonces repeat");
}

#[test]
fn sec_49_rotation_keeps_old_envelopes_readable() {
    let mut ring = KeyRing::generate();
    let a = aad("t", "c", 7);
    let old = ring.seal(&a, b"secret");
    assert_eq!(KeyRing::envelope_version(&old), Some(1));
    assert_eq!(ring.add_version(), 2);
    let new = ring.seal(&a, b"secret");
    assert_eq!(KeyRing::envelope_version(&new), Some(2));
    assert_eq!(ring.open(&a, &old).unwrap(), b"secret");
    assert!(!ring.retire_version(2), "the current key is never retired");
    assert!(ring.retire_version(1));
    assert!(matches!(
        ring.open(&a, &old),
        Err(CryptoError::UnknownKeyVersion(1))
    ));
    assert_eq!(ring.open(&a, &new).unwrap(), b"secret");
}

#[test]
fn sec_47_mac_is_keyed_and_separated_by_purpose() {
    let ring = KeyRing::generate();
    let x = ring.mac("blind.id_number", b"110105194912310021");
    assert_eq!(x, ring.mac("blind.id_number", b"110105194912310021"));
    assert_ne!(x, ring.mac("blind.phone", b"110105194912310021"));
    assert_ne!(
        x,
        KeyRing::generate().mac("blind.id_number", b"110105194912310021")
    );
    assert_eq!(ring.check_value().len(), 32);
}

#[test]
fn sec_49_debug_shows_no_key_material() {
    let ring = KeyRing::generate();
    let dbg = format!("{ring:?}");
    let (mac, mut data, _) = ring.parts();
    assert!(!dbg.contains(&hex::encode(mac)));
    assert!(!dbg.contains(&hex::encode(data.next().unwrap().1)));
    assert!(dbg.contains("versions"));
}

#[test]
fn sec_65_key_file_round_trip_and_permissions() {
    let dir = std::env::temp_dir().join(format!("zhibu-keys-{}", hex::encode(random_bytes::<6>())));
    let path = dir.join("zhibu.keys");
    assert!(
        keyfile::load_or_create(&path, false).is_err(),
        "created without leave"
    );
    let (mut ring, created) = keyfile::load_or_create(&path, true).unwrap();
    assert!(created);
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
    ring.add_version();
    keyfile::save(&ring, &path).unwrap();
    let back = keyfile::load(&path).unwrap();
    assert_eq!(back.versions(), vec![1, 2]);
    assert_eq!(back.current_version(), 2);
    assert_eq!(back.check_value(), ring.check_value());
    let a = aad("t", "c", 1);
    assert_eq!(back.open(&a, &ring.seal(&a, b"v")).unwrap(), b"v");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert!(matches!(keyfile::load(&path), Err(CryptoError::KeyFile(_))));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn res_05_passphrase_sealing_round_trip_and_tamper() {
    let data: Vec<u8> = (0..(2 * 1024 * 1024 + 123))
        .map(|i: i32| u8::try_from(i % 251).unwrap())
        .collect();
    let sealed = seal_with_passphrase("正确的口令 horse", &data);
    assert!(stream::is_sealed(&sealed));
    assert_eq!(
        open_with_passphrase("正确的口令 horse", &sealed).unwrap(),
        data
    );
    assert!(matches!(
        open_with_passphrase("wrong", &sealed),
        Err(CryptoError::Authentication)
    ));
    // Cut at the first chunk boundary: the shortened file must not pass as complete.
    let cut = &sealed[..37 + (1 << 20) + 16];
    assert!(open_with_passphrase("正确的口令 horse", cut).is_err());
    let mut bad = sealed.clone();
    let last = bad.len() - 1;
    bad[last] ^= 1;
    assert!(open_with_passphrase("正确的口令 horse", &bad).is_err());
    assert!(matches!(
        open_with_passphrase("x", b"not sealed at all, just text"),
        Err(CryptoError::Malformed)
    ));
    let empty = seal_with_passphrase("p", b"");
    assert_eq!(open_with_passphrase("p", &empty).unwrap(), b"");
}
