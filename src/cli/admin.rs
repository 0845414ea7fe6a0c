//! `zhibu admin`: create accounts, reset passwords, back up and restore. Every action is
//! audited as the command line.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::audit::{self, Actor, AuditEvent};
use crate::auth::Role;
use crate::auth::users::{self, CreateUser};
use crate::config::Config;

/// Administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Create an account. The password is read from standard input.
    CreateUser {
        /// Login name (3–32 letters, digits, . _ -).
        #[arg(long)]
        username: String,
        /// Name shown in the interface.
        #[arg(long)]
        display_name: String,
        /// One of: system_admin (系统管理员), security_admin (安全管理员), audit_admin (审计管理员),
        /// org_admin (组织管理员), officer (支部委员), member (党员).
        #[arg(long, value_parser = ["system_admin", "security_admin", "audit_admin", "org_admin", "officer", "member"])]
        role: String,
        /// Organisation id (required for org_admin, officer and member unless --member is given).
        #[arg(long)]
        org: Option<i64>,
        /// Link the account to this member record (its 党支部 becomes the account's organisation).
        #[arg(long)]
        member: Option<i64>,
        /// Read the password from standard input (required, so it never appears in the shell history).
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Reset an account's password: prints a one-time password (or reads one from standard
    /// input), forces a change at next login and signs the account out everywhere.
    ResetPassword {
        /// Login name.
        #[arg(long)]
        username: String,
        /// Read the new password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Remove an account's second factor (lost phone and recovery codes): the account must
    /// enrol again at next login, and is signed out everywhere.
    ResetSecondFactor {
        /// Login name.
        #[arg(long)]
        username: String,
    },
    /// Issue accounts to every member of an organisation (and below) who has none, and write
    /// the printable slips with their one-time activation codes to an .xlsx file.
    IssueAccounts {
        /// Organisation id.
        #[arg(long)]
        org: i64,
        /// Destination .xlsx file for the slips (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Write a consistent snapshot of the live database to FILE (the server may keep running).
    Backup {
        /// Destination file (must not exist).
        file: PathBuf,
    },
    /// Replace the database's contents with a backup made by `admin backup`. All-or-nothing.
    Restore {
        /// The backup file.
        file: PathBuf,
    },
}

fn read_stdin_password() -> anyhow::Result<String> {
    let mut s = String::new();
    std::io::stdin()
        .read_to_string(&mut s)
        .context("无法读取标准输入")?;
    let p = s.trim_end_matches(['\n', '\r']).to_owned();
    if p.is_empty() {
        bail!("标准输入中没有密码");
    }
    Ok(p)
}

/// Runs an admin command.
///
/// # Errors
/// The command's failure, worded for the operator.
pub async fn run(config: Config, cmd: AdminCmd) -> anyhow::Result<()> {
    let url = config.database.url.clone();
    let app = super::open(config).await?;
    let result = match cmd {
        AdminCmd::CreateUser {
            username,
            display_name,
            role,
            org,
            member,
            ..
        } => {
            let role = Role::from_code(&role).context("未知角色")?;
            let password = read_stdin_password()?;
            let input = CreateUser {
                username,
                display_name,
                role,
                org_id: org,
                member_id: member,
                password: Some(password),
                must_change: true,
            };
            let (id, _) = users::create(&app, &Actor::cli("admin create-user"), input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已创建账号（编号 {id}），首次登录时需修改密码。");
            Ok(())
        }
        AdminCmd::ResetPassword {
            username,
            password_stdin,
        } => {
            let given = if password_stdin {
                Some(read_stdin_password()?)
            } else {
                None
            };
            let id = users::id_by_username(&app, &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let pw =
                users::reset_password(&app, &Actor::cli("admin reset-password"), id, given.clone())
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
            if given.is_none() {
                println!("一次性密码：{pw}");
            }
            println!("密码已重置，该账号的所有登录已注销，下次登录时需修改密码。");
            Ok(())
        }
        AdminCmd::ResetSecondFactor { username } => {
            let id = users::id_by_username(&app, &username)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            crate::auth::mfa::reset_by_operator(&app, &Actor::cli("admin reset-second-factor"), id)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已清除该账号的两步验证，其所有登录已注销；下次登录后需重新启用。");
            Ok(())
        }
        AdminCmd::IssueAccounts { org, out } => {
            if out.exists() {
                bail!("文件 {} 已存在，请换一个文件名", out.display());
            }
            let slips = crate::members::accounts::issue(
                &app,
                &Actor::cli("admin issue-accounts"),
                &crate::auth::Scope::operator(),
                org,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            let address = app.config.server.public_url.clone();
            std::fs::write(
                &out,
                crate::members::accounts::slips_workbook(&slips, &address)?,
            )?;
            println!(
                "已为 {} 名党员开通账号，开通通知已写入 {}（激活码只在此文件中出现，请妥善保管）",
                slips.len(),
                out.display()
            );
            Ok(())
        }
        AdminCmd::Backup { file } => {
            crate::db::maintenance::backup(&app.db, &url, &file).await?;
            let ev = AuditEvent::success("system.backup", "system", "")
                .detail(file.display().to_string());
            audit::record_alone(&app.db, &Actor::cli("admin backup"), app.now(), ev).await?;
            println!("备份完成：{}", file.display());
            Ok(())
        }
        AdminCmd::Restore { file } => {
            crate::db::maintenance::restore(&app.db, &url, &file).await?;
            let ev = AuditEvent::success("system.restore", "system", "")
                .detail(file.display().to_string());
            audit::record_alone(&app.db, &Actor::cli("admin restore"), app.now(), ev).await?;
            println!("已从 {} 恢复数据。", file.display());
            Ok(())
        }
    };
    app.db.close().await;
    result
}
