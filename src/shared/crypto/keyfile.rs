//! The key file (SEC-49/65): a small TOML file outside the database, mode 0600, holding the MAC
//! key and the numbered data keys. A file that group or others can read is refused, and
//! writes go through a temporary file and a rename so a crash never leaves half a key file.
//!
//! ```toml
//! mac_key = "…64 hex digits…"
//! current = 2
//! [data_keys]
//! 1 = "…32 hex digits…"
//! 2 = "…32 hex digits…"
//! ```

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use serde::Deserialize;
use zeroize::Zeroizing;

use super::{CryptoError, KeyRing};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileKeys {
    mac_key: String,
    current: u32,
    data_keys: BTreeMap<String, String>,
}

fn bytes<const N: usize>(hex_text: &str, what: &str) -> Result<[u8; N], CryptoError> {
    let raw = Zeroizing::new(
        hex::decode(hex_text.trim())
            .map_err(|_| CryptoError::KeyFile(format!("{what} 不是十六进制")))?,
    );
    <[u8; N]>::try_from(raw.as_slice())
        .map_err(|_| CryptoError::KeyFile(format!("{what} 长度应为 {} 位十六进制", N * 2)))
}

/// Reads a key file, refusing one that group or others may read.
///
/// # Errors
/// [`CryptoError::KeyFile`] with the reason.
pub fn load(path: &Path) -> Result<KeyRing, CryptoError> {
    let meta = fs::metadata(path)
        .map_err(|e| CryptoError::KeyFile(format!("无法读取 {}：{e}", path.display())))?;
    if meta.permissions().mode() & 0o077 != 0 {
        return Err(CryptoError::KeyFile(format!(
            "{} 的权限过宽，请执行 chmod 600",
            path.display()
        )));
    }
    let text = Zeroizing::new(
        fs::read_to_string(path)
            .map_err(|e| CryptoError::KeyFile(format!("无法读取 {}：{e}", path.display())))?,
    );
    let parsed: FileKeys = toml::from_str(&text)
        .map_err(|_| CryptoError::KeyFile(format!("{} 格式无效", path.display())))?;
    let mac_key = bytes::<32>(&parsed.mac_key, "mac_key")?;
    let mut data = BTreeMap::new();
    for (v, k) in &parsed.data_keys {
        let version: u32 = v
            .parse()
            .map_err(|_| CryptoError::KeyFile(format!("数据密钥版本 {v} 无效")))?;
        data.insert(version, bytes::<16>(k, &format!("data_keys.{v}"))?);
    }
    KeyRing::from_parts(mac_key, data, parsed.current)
}

/// Writes the ring to `path` with mode 0600, atomically (a temporary file renamed over it).
///
/// # Errors
/// [`CryptoError::KeyFile`] when the file cannot be written.
pub fn save(ring: &KeyRing, path: &Path) -> Result<(), CryptoError> {
    let tmp = write_temp(ring, path)?;
    fs::rename(&tmp, path).map_err(|e| {
        let _ = fs::remove_file(&tmp);
        write_error(path, &e)
    })
}

/// Writes the ring to `path` only when no file is there yet. Two processes starting at once
/// cannot both create one: the hard link fails for the second, which then loads the first's.
fn create(ring: &KeyRing, path: &Path) -> Result<bool, CryptoError> {
    let tmp = write_temp(ring, path)?;
    let linked = fs::hard_link(&tmp, path);
    let _ = fs::remove_file(&tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(write_error(path, &e)),
    }
}

fn write_error(path: &Path, e: &std::io::Error) -> CryptoError {
    CryptoError::KeyFile(format!("无法写入 {}：{e}", path.display()))
}

fn write_temp(ring: &KeyRing, path: &Path) -> Result<std::path::PathBuf, CryptoError> {
    let (mac, data, current) = ring.parts();
    let mut text = Zeroizing::new(String::from(
        "# 支部密钥文件：请与数据库分开保管和备份，丢失后加密数据无法恢复。权限必须为 600。\n",
    ));
    let _ = write!(
        text,
        "mac_key = \"{}\"\ncurrent = {current}\n\n[data_keys]\n",
        hex::encode(mac)
    );
    for (v, k) in data {
        let _ = writeln!(text, "{v} = \"{}\"", hex::encode(k));
    }
    let fail = |e: std::io::Error| write_error(path, &e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(fail)?;
    }
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{}.tmp", hex::encode(super::random_bytes::<6>())));
    let tmp = std::path::PathBuf::from(name);
    let mut f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    f.write_all(text.as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| {
            let _ = fs::remove_file(&tmp);
            write_error(path, &e)
        })?;
    Ok(tmp)
}

/// Loads the key file, or creates one with fresh keys when there is none and `may_create`
/// says the database holds nothing sealed yet. Returns the ring and whether it was created.
///
/// # Errors
/// [`CryptoError::KeyFile`].
pub fn load_or_create(path: &Path, may_create: bool) -> Result<(KeyRing, bool), CryptoError> {
    if path.exists() {
        return load(path).map(|k| (k, false));
    }
    if !may_create {
        return Err(CryptoError::KeyFile(format!(
            "找不到 {}，而数据库中已有用它加密的数据；请恢复原密钥文件",
            path.display()
        )));
    }
    let ring = KeyRing::generate();
    if create(&ring, path)? {
        Ok((ring, true))
    } else {
        load(path).map(|k| (k, false))
    }
}
