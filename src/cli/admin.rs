//! `zhibu admin`: create accounts, reset passwords, back up and restore, check the audit
//! chain. Every change is audited as the command line.

use std::io::Read;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::audit::{self, Actor, AuditEvent};
use crate::auth::Role;
use crate::auth::users::{self, By, CreateUser};
use crate::config::Config;

/// Administration commands.
#[derive(Debug, Subcommand)]
pub enum AdminCmd {
    /// Create an account, active at once. The password is read from standard input. The 三员
    /// roles obey `auth.max_per_admin_role` here too: to replace one, disable the old account
    /// first or raise the limit in the configuration file.
    #[command(
        about = "创建账号，立即生效，密码从标准输入读取。三员角色的人数同样受配置项 auth.max_per_admin_role 限制：\
                 如需更换，请先停用原账号，或在配置文件中调高上限",
        long_about = None
    )]
    CreateUser {
        /// Login name (3–32 letters, digits, . _ -).
        #[arg(
            long,
            value_name = "用户名",
            help = "登录名（3–32 位字母、数字或 . _ -）"
        )]
        username: String,
        /// Name shown in the interface.
        #[arg(long, value_name = "显示名", help = "界面上显示的名称")]
        display_name: String,
        /// One of: `system_admin` (系统管理员), `security_admin` (安全管理员), `audit_admin` (审计管理员),
        /// `org_admin` (组织管理员), officer (支部委员), member (党员).
        #[arg(long, value_name = "角色",
              value_parser = ["system_admin", "security_admin", "audit_admin", "org_admin", "officer", "member"],
              help = "system_admin（系统管理员）、security_admin（安全管理员）、audit_admin（审计管理员）、\
                      org_admin（组织管理员）、officer（支部委员）或 member（党员）")]
        role: String,
        /// Organisation id (required for `org_admin`, officer and member unless --member is given).
        #[arg(
            long,
            value_name = "组织编号",
            help = "所属组织的编号（org_admin、officer、member 必填，给出 --member 时除外）"
        )]
        org: Option<i64>,
        /// Link the account to this member record (its 党支部 becomes the account's organisation).
        #[arg(
            long,
            value_name = "党员编号",
            help = "关联到该党员记录（账号的组织即其所在党支部）"
        )]
        member: Option<i64>,
        /// Read the password from standard input (required, so it never appears in the shell history).
        #[arg(
            long,
            required = true,
            help = "从标准输入读取密码（必须给出，以免密码留在命令历史中）"
        )]
        password_stdin: bool,
    },
    /// Reset an account's password: prints an activation code (or reads a password from
    /// standard input) that expires after `auth.activation_code_days`, forces a change at next
    /// login, signs the account out everywhere and tells its owner at the next login.
    #[command(
        about = "重置账号密码：打印激活码（或从标准输入读取新密码），在配置项 auth.activation_code_days 规定的天数内有效；\
                 下次登录须修改密码，该账号的全部登录被注销，本人下次登录时会看到重置提醒",
        long_about = None
    )]
    ResetPassword {
        /// Login name.
        #[arg(long, value_name = "用户名", help = "登录名")]
        username: String,
        /// Read the new password from standard input instead of generating one.
        #[arg(long, help = "从标准输入读取新密码，不生成激活码")]
        password_stdin: bool,
    },
    /// Remove an account's second factor (lost phone and recovery codes): the account must
    /// enrol again at next login, and is signed out everywhere.
    #[command(
        about = "清除账号的两步验证（手机和恢复码都丢失时）：该账号的全部登录被注销，下次登录后须重新启用",
        long_about = None
    )]
    ResetSecondFactor {
        /// Login name.
        #[arg(long, value_name = "用户名", help = "登录名")]
        username: String,
    },
    /// Issue accounts to every member of an organisation (and below) who has none, and write
    /// the printable slips with their one-time activation codes to an .xlsx file.
    #[command(
        about = "为组织（含下级）中尚无账号的党员开通账号，并把含一次性激活码、可打印的开通通知写入 .xlsx 文件",
        long_about = None
    )]
    IssueAccounts {
        /// Organisation id.
        #[arg(long, value_name = "组织编号", help = "组织编号")]
        org: i64,
        /// Destination .xlsx file for the slips (must not exist).
        #[arg(
            long,
            value_name = "文件",
            help = "写入开通通知的 .xlsx 文件（不能已存在）"
        )]
        out: PathBuf,
    },
    /// Write a consistent snapshot of the live database to FILE (the server may keep running).
    /// The file is readable by its owner only. With --passphrase-file, or the passphrase in
    /// `ZHIBU_BACKUP_PASSPHRASE`, it is encrypted (SM4-GCM, key from the passphrase).
    #[command(
        about = "把运行中的数据库一致地备份到文件（服务无须停止），文件仅所有者可读写。\
                 给出 --passphrase-file 或环境变量 ZHIBU_BACKUP_PASSPHRASE 时加密备份\
                 （SM4-GCM，密钥由口令派生）",
        long_about = None
    )]
    Backup {
        /// Destination file (must not exist).
        #[arg(value_name = "文件", help = "备份文件（不能已存在）")]
        file: PathBuf,
        /// Encrypt with the passphrase in this file (first line; at least 12 characters).
        #[arg(
            long,
            value_name = "口令文件",
            help = "用此文件第一行的口令加密（至少 12 个字符）"
        )]
        passphrase_file: Option<PathBuf>,
    },
    /// Replace the database's contents with a backup made by `admin backup`. All-or-nothing.
    /// An encrypted backup needs its passphrase: --passphrase-file, `ZHIBU_BACKUP_PASSPHRASE`,
    /// or typed when asked.
    #[command(
        about = "用 admin backup 生成的备份整体替换数据库内容，要么全部恢复，要么不做任何改动。\
                 加密的备份需要口令：--passphrase-file、环境变量 ZHIBU_BACKUP_PASSPHRASE，或在提示时输入",
        long_about = None
    )]
    Restore {
        /// The backup file.
        #[arg(value_name = "文件", help = "备份文件")]
        file: PathBuf,
        /// Read the backup's passphrase from this file.
        #[arg(long, value_name = "口令文件", help = "从此文件读取备份口令")]
        passphrase_file: Option<PathBuf>,
    },
    /// Check the audit log's chain: prints the first changed or removed row and exits
    /// non-zero, or the number of rows when it is intact.
    #[command(
        about = "校验审计日志的完整性链：完好时打印记录条数，否则打印第一条被篡改或删除的记录并以非零状态退出",
        long_about = None
    )]
    VerifyAudit,
    /// Add a new data key to the key file and re-encrypt every 身份证号 and 手机号 with it, in
    /// batches (stop the server first). `--resume` continues an interrupted rotation.
    #[command(
        about = "在密钥文件中加入新版数据密钥，并用它分批重新加密全部身份证号和手机号（请先停止服务）；\
                 --resume 继续被中断的轮换",
        long_about = None
    )]
    RotateKey {
        /// Continue an interrupted rotation under the current key; add no new key.
        #[arg(long, help = "继续被中断的轮换：沿用当前密钥，不加入新密钥")]
        resume: bool,
        /// Rows per transaction. The default is in the help text, as clap words it in English.
        #[arg(
            long,
            default_value_t = 500,
            hide_default_value = true,
            value_name = "条数",
            help = "每个事务重新加密的行数（默认 500）"
        )]
        batch_size: i64,
    },
}

/// The environment variable that may hold the backup passphrase (never a command-line
/// argument, which other users can read in the process list).
const PASSPHRASE_ENV: &str = "ZHIBU_BACKUP_PASSPHRASE";

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches('\r')
        .to_owned()
}

/// The passphrase from the file or the environment, if either is given.
fn given_passphrase(file: Option<&PathBuf>) -> anyhow::Result<Option<String>> {
    let p = match file {
        Some(f) => Some(first_line(
            &std::fs::read_to_string(f)
                .with_context(|| format!("无法读取口令文件 {}", f.display()))?,
        )),
        None => std::env::var(PASSPHRASE_ENV).ok(),
    };
    match p {
        Some(p) if p.is_empty() => bail!("备份口令为空"),
        p => Ok(p),
    }
}

/// Asks for the passphrase on the terminal without echoing it (or reads a line from a pipe).
fn ask_passphrase() -> anyhow::Result<String> {
    use std::io::IsTerminal;
    let tty = std::io::stdin().is_terminal();
    let stty = |arg: &str| {
        let _ = std::process::Command::new("stty")
            .arg(arg)
            .stdin(std::process::Stdio::inherit())
            .status();
    };
    if tty {
        eprint!("备份文件已加密，请输入备份口令：");
        stty("-echo");
    }
    let mut line = String::new();
    let read = std::io::stdin().read_line(&mut line);
    if tty {
        stty("echo");
        eprintln!();
    }
    read.context("无法读取备份口令")?;
    let p = first_line(&line);
    if p.is_empty() {
        bail!("备份口令为空");
    }
    Ok(p)
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
    if let AdminCmd::RotateKey { resume, batch_size } = cmd {
        return super::keys::rotate(config, resume, batch_size).await;
    }
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
            let created = users::create(&app, &Actor::cli("admin create-user"), By::Server, input)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("已创建账号（编号 {}），首次登录时需修改密码。", created.id);
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
            let actor = Actor::cli("admin reset-password");
            let c = users::reset_password(&app, &actor, By::Server, id, given.clone())
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            if given.is_none() {
                println!("激活码：{}", c.code);
            }
            println!(
                "密码已重置，该账号的所有登录已注销；{} 前须用新密码登录并立即修改。",
                crate::shared::text::ymd(c.expires_at.date())
            );
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
        AdminCmd::Backup {
            file,
            passphrase_file,
        } => {
            let pass = given_passphrase(passphrase_file.as_ref())?;
            crate::db::maintenance::backup(&app.db, &url, &file, pass.as_deref()).await?;
            let sealed = if pass.is_some() {
                "（已加密）"
            } else {
                ""
            };
            let ev = AuditEvent::success("system.backup", "system", "")
                .detail(format!("{}{sealed}", file.display()));
            audit::record_alone(&app.db, &Actor::cli("admin backup"), app.now(), ev).await?;
            println!("备份完成：{}", file.display());
            Ok(())
        }
        AdminCmd::Restore {
            file,
            passphrase_file,
        } => {
            let mut pass = given_passphrase(passphrase_file.as_ref())?;
            if pass.is_none() && crate::db::maintenance::is_sealed(&file)? {
                pass = Some(ask_passphrase()?);
            }
            crate::db::maintenance::restore(&app.db, &url, &file, pass.as_deref()).await?;
            let ev = AuditEvent::success("system.restore", "system", "")
                .detail(file.display().to_string());
            audit::record_alone(&app.db, &Actor::cli("admin restore"), app.now(), ev).await?;
            println!("已从 {} 恢复数据。", file.display());
            Ok(())
        }
        AdminCmd::VerifyAudit => {
            let check = crate::audit::service::verify(&app.db).await?;
            if check.is_intact() {
                println!("{}", check.message());
                Ok(())
            } else {
                Err(anyhow::anyhow!("{}", check.message()))
            }
        }
        // Handled before the database was opened.
        AdminCmd::RotateKey { .. } => Ok(()),
    };
    app.db.close().await;
    result
}
