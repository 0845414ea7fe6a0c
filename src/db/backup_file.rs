//! Backup files on disk (RES-05): only the owner can read them (mode 0600 from the moment they
//! exist), and they can be sealed with a passphrase.
//!
//! A snapshot is first written inside a private directory (mode 0700) next to the destination,
//! so neither `VACUUM INTO` nor `pg_dump`, which create files with the process umask, ever
//! leaves a readable file where others can open it. It is then narrowed to 0600, sealed if
//! asked, and linked into place without replacing an existing file.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::{BufReader, BufWriter, Read};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use crate::shared::crypto::{self, CryptoError};

/// Shortest passphrase accepted for sealing a backup.
pub const MIN_PASSPHRASE_CHARS: usize = 12;

/// A private working directory, removed with everything in it when dropped.
pub struct WorkDir(PathBuf);

impl WorkDir {
    /// Creates `.zhibu-backup-<random>` (mode 0700) in `parent`.
    ///
    /// # Errors
    /// When the directory cannot be created.
    pub fn new_in(parent: &Path) -> anyhow::Result<Self> {
        let dir = parent.join(format!(
            ".zhibu-backup-{}",
            crate::shared::token::request_id()
        ));
        DirBuilder::new()
            .mode(0o700)
            .create(&dir)
            .with_context(|| format!("无法在 {} 中创建临时目录", parent.display()))?;
        Ok(Self(dir))
    }

    /// A path inside the directory.
    #[must_use]
    pub fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The directory a destination file goes in (`.` for a bare file name).
#[must_use]
pub fn parent_of(dest: &Path) -> PathBuf {
    match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Narrows a file to owner read/write and checks that it holds.
///
/// # Errors
/// When the mode cannot be set.
pub fn make_private(path: &Path) -> anyhow::Result<()> {
    std::fs::set_permissions(path, Permissions::from_mode(0o600))?;
    let mode = std::fs::metadata(path)?.permissions().mode() & 0o777;
    if mode != 0o600 {
        bail!("无法将 {} 设为仅所有者可读写", path.display());
    }
    Ok(())
}

/// Creates a new file with mode 0600 (never an existing one).
///
/// # Errors
/// When the file exists or cannot be created.
pub fn create_private(path: &Path) -> anyhow::Result<File> {
    OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("无法创建 {}", path.display()))
}

/// Moves a finished file from the work directory to `dest`, never replacing a file there.
///
/// # Errors
/// When `dest` appeared meanwhile, or the move fails.
pub fn publish(done: &Path, dest: &Path) -> anyhow::Result<()> {
    // A hard link fails if the destination exists, unlike a rename.
    match std::fs::hard_link(done, dest) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("备份文件 {} 已存在，请换一个文件名", dest.display())
        }
        Err(_) => {
            if dest.exists() {
                bail!("备份文件 {} 已存在，请换一个文件名", dest.display());
            }
            std::fs::rename(done, dest)?;
        }
    }
    make_private(dest)?;
    if let Ok(d) = std::fs::File::open(parent_of(dest)) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Checks a passphrase chosen for sealing.
///
/// # Errors
/// When it is too short.
pub fn check_new_passphrase(p: &str) -> anyhow::Result<()> {
    if p.chars().count() < MIN_PASSPHRASE_CHARS {
        bail!("备份口令至少需要 {MIN_PASSPHRASE_CHARS} 个字符");
    }
    Ok(())
}

/// Seals a finished snapshot with the passphrase into a new 0600 file, in bounded memory.
///
/// # Errors
/// When the snapshot cannot be read or the sealed file written.
pub fn seal_file(plain: &Path, sealed: &Path, passphrase: &str) -> anyhow::Result<()> {
    let input = BufReader::new(File::open(plain)?);
    let out = create_private(sealed)?;
    crypto::seal_stream(passphrase, input, BufWriter::new(&out)).context("备份加密失败")?;
    out.sync_all()?;
    Ok(())
}

/// Whether a backup file is sealed with a passphrase.
///
/// # Errors
/// When the file cannot be read.
pub fn is_sealed(path: &Path) -> anyhow::Result<bool> {
    let mut head = [0u8; 16];
    let mut f = File::open(path).with_context(|| format!("找不到备份文件 {}", path.display()))?;
    let n = f.read(&mut head)?;
    Ok(crypto::is_sealed(&head[..n]))
}

/// Opens a sealed backup into a new 0600 file in `work`; a wrong passphrase changes nothing.
///
/// # Errors
/// A wrong passphrase or a damaged file, with a message in Chinese and English.
pub fn open_file(sealed: &Path, work: &WorkDir, passphrase: &str) -> anyhow::Result<PathBuf> {
    let input = BufReader::new(File::open(sealed)?);
    let path = work.file("restore");
    let out = create_private(&path)?;
    match crypto::open_stream(passphrase, input, BufWriter::new(&out)) {
        Ok(_) => {}
        Err(CryptoError::Authentication | CryptoError::Malformed) => bail!(
            "备份口令不正确，或备份文件已损坏；数据库未作任何改动（wrong backup passphrase or damaged backup file; nothing was changed）"
        ),
        Err(e) => return Err(anyhow::Error::new(e).context("备份解密失败")),
    }
    Ok(path)
}
