//! `zhibu admin rotate-key` (SEC-49): adds a data-key version to the key file, then re-seals
//! every 身份证号 and 手机号 envelope under it in batches, each its own transaction, printing
//! progress. Envelopes name their key version, so `--resume` after an interruption only
//! rewrites what is still under an older key. Older versions stay in the file.

use crate::audit::{self, Actor, AuditEvent};
use crate::config::Config;
use crate::members::rekey;
use crate::shared::crypto::keyfile;

/// Runs the rotation; with `resume`, continues one that was interrupted without adding a key.
///
/// # Errors
/// The key file cannot be read or written, or the database fails (batches done stay done).
pub async fn rotate(config: Config, resume: bool, batch: i64) -> anyhow::Result<()> {
    let path = config.security.key_path(&config.database.url);
    if !resume {
        let mut ring = keyfile::load(&path)?;
        let v = ring.add_version();
        // The new key is on disk before anything is sealed with it.
        keyfile::save(&ring, &path)?;
        println!(
            "已在密钥文件 {} 中加入第 {v} 版数据密钥，请在完成后重新备份该文件。",
            path.display()
        );
    }
    let app = super::open(config).await?;
    let current = app.keys.current_version();
    println!("正在用第 {current} 版数据密钥重新加密（每批 {batch} 条）…");
    let r = rekey::reencrypt(&app.db, &app.keys, batch, None, |column, n| {
        println!("  {column}：累计 {n} 个");
    })
    .await?;
    let stale = rekey::stale_envelopes(&app.db, &app.keys).await?;
    let detail = format!("数据密钥第 {current} 版，重新加密 {} 个", r.rewritten);
    audit::record_alone(
        &app.db,
        &Actor::cli("admin rotate-key"),
        app.now(),
        AuditEvent::success("system.rotate_key", "key", current).detail(detail),
    )
    .await?;
    app.db.close().await;
    if stale > 0 {
        anyhow::bail!("仍有 {stale} 个号码未使用新密钥，请执行 zhibu admin rotate-key --resume");
    }
    println!(
        "完成：重新加密 {} 个号码，全部使用第 {current} 版数据密钥。",
        r.rewritten
    );
    Ok(())
}
