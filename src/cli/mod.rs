//! The command line: `serve`, `migrate`, `config`, `demo` and `admin`. Each command finds its
//! settings the same way (defaults → `--config` file → environment → flags) and calls the
//! services; none of them writes SQL of its own.

mod admin;
mod keys;
pub mod serve;
mod sheets;
mod zh;

pub use zh::command;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};

use crate::app::App;
use crate::config::{Config, Overrides};
use crate::db::Db;
use crate::shared::SystemClock;
use crate::shared::crypto::{KeyRing, keyfile};

/// The command line. Parse it with `zh::parse` or build it with [`command`], not with
/// `Cli::parse`: clap's own words (headings, `-h`, `-V`, usage errors) are put into Chinese
/// there. Doc comments are for developers; users read the `about` and `help` attributes, which
/// take precedence over them.
#[derive(Debug, Parser)]
#[command(
    name = "zhibu",
    version,
    about = "支部：基层党组织工作平台（组织、党员、组织生活、积分、组织关系转接、通知公告、党建群、群机器人）",
    long_about = None,
    propagate_version = true
)]
pub struct Cli {
    /// Settings file in TOML (see `zhibu config example`).
    #[arg(
        long,
        global = true,
        value_name = "文件",
        help = "TOML 格式的配置文件（带说明的样例见 zhibu config example）"
    )]
    pub config: Option<PathBuf>,
    /// Database address: <sqlite://PATH> or <postgres://USER:PASSWORD@HOST/DB>. Overrides the
    /// settings file and `ZHIBU_DATABASE_URL` / `DATABASE_URL`.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        help = "数据库地址：sqlite://路径 或 postgres://用户:密码@主机/库名；\
                  优先于配置文件和环境变量 ZHIBU_DATABASE_URL、DATABASE_URL"
    )]
    pub database: Option<String>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web server (web pages and the JSON API). Creates and migrates the database.
    #[command(about = "启动网页与 JSON 接口服务，自动创建并迁移数据库", long_about = None)]
    Serve(serve::ServeOpts),
    /// Apply database migrations, or show which are applied (`migrate status`).
    #[command(about = "执行数据库迁移，或用 migrate status 查看迁移情况", long_about = None)]
    Migrate {
        /// `status` to only list the migrations.
        #[arg(value_parser = ["status"], value_name = "status",
              help = "填 status 时只列出各迁移是否已应用，不执行迁移")]
        action: Option<String>,
    },
    /// Print the documented example settings, or check a settings file without starting.
    #[command(subcommand, about = "打印带说明的配置样例，或检查配置文件（不启动服务）", long_about = None)]
    Config(ConfigCmd),
    /// Fill an empty database with the fictitious demo organisation and exit.
    #[command(about = "向空数据库填充虚构的演示组织后退出", long_about = None)]
    Demo,
    /// Accounts, backups and restores, the audit chain and the data key.
    #[command(subcommand, about = "账号、备份与恢复、审计日志校验和数据密钥轮换", long_about = None)]
    Admin(admin::AdminCmd),
    /// Import data from a spreadsheet (checks every row; writes nothing if any row is wrong).
    #[command(subcommand, about = "从表格导入数据（逐行检查，任何一行有误都不写入）", long_about = None)]
    Import(sheets::ImportCmd),
    /// Export data to a spreadsheet.
    #[command(subcommand, about = "把数据导出为表格", long_about = None)]
    Export(sheets::ExportCmd),
}

/// `config` subcommands.
#[derive(Debug, Subcommand)]
pub enum ConfigCmd {
    /// Print every setting with its default and an explanation.
    #[command(about = "打印全部配置项及其默认值和说明", long_about = None)]
    Example,
    /// Check a settings file and report the first problem.
    #[command(about = "检查配置文件，报告发现的第一个问题", long_about = None)]
    Check {
        /// The file to check.
        #[arg(value_name = "文件", help = "要检查的配置文件")]
        file: PathBuf,
    },
}

/// Entry point of the binary.
#[must_use]
pub fn run() -> ExitCode {
    let cli = zh::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("无法启动运行时: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(dispatch(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("错误: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn env_pairs() -> Vec<(String, String)> {
    std::env::vars()
        .filter(|(k, _)| k.starts_with("ZHIBU_") || k == "DATABASE_URL")
        .collect()
}

/// Loads the settings for a command.
///
/// # Errors
/// Invalid settings.
pub fn load_config(
    cli_config: Option<&std::path::Path>,
    database: Option<String>,
    listen: Option<String>,
) -> anyhow::Result<Config> {
    Ok(Config::load(
        cli_config,
        &env_pairs(),
        &Overrides { listen, database },
    )?)
}

/// Connects, migrates and assembles the core.
///
/// # Errors
/// Connection or migration failures.
pub async fn open(config: Config) -> anyhow::Result<Arc<App>> {
    let db = Db::connect(&config.database.url, config.database.max_connections).await?;
    crate::db::migrate::run(&db).await?;
    crate::db::maintenance::self_check(&db).await?;
    let keys = open_keys(&db, &config).await?;
    let app = App::new(db, config, Arc::new(SystemClock), keys);
    seal_plaintext(&app.db, &app.keys).await?;
    // Seal rows from before the audit chain now rather than in the first write (SEC-26).
    crate::audit::service::ensure_anchored(&app.db).await?;
    let demo = crate::auth::service::get_setting(&mut app.db.conn().await?.exec(), "demo").await?;
    app.set_demo(demo.as_deref() == Some("true"));
    Ok(app)
}

/// Seals 身份证号 and 手机号 that an older version stored in clear (SEC-46), right after
/// migrating; does nothing once done.
async fn seal_plaintext(db: &Db, keys: &crate::shared::crypto::KeyRing) -> anyhow::Result<()> {
    let n =
        crate::members::rekey::seal_pending(db, keys, crate::members::rekey::DEFAULT_BATCH).await?;
    if n > 0 {
        tracing::info!(values = n, "existing identity and phone numbers encrypted");
        println!("已加密保存原有的 {n} 个身份证号、手机号，并清除了明文。");
    }
    Ok(())
}

/// Loads the key file, creating it only for a database that has never held anything sealed,
/// and refuses a key file that is not the one the database was sealed with (SEC-49).
async fn open_keys(db: &Db, config: &Config) -> anyhow::Result<KeyRing> {
    let path = config.security.key_path(&config.database.url);
    let stored =
        crate::auth::service::get_setting(&mut db.conn().await?.exec(), "key_check").await?;
    let (keys, created) = keyfile::load_or_create(&path, stored.is_none())?;
    if created {
        tracing::warn!(
            "已生成密钥文件 {}：请另行备份并妥善保管，丢失后加密数据无法恢复",
            path.display()
        );
    }
    match stored {
        None => {
            crate::auth::service::put_setting(
                &mut db.conn().await?.exec(),
                "key_check",
                &keys.check_value(),
            )
            .await?;
        }
        Some(c) if c != keys.check_value() => anyhow::bail!(
            "密钥文件 {} 与数据库不匹配：请使用该数据库原来的密钥文件",
            path.display()
        ),
        Some(_) => {}
    }
    Ok(keys)
}

fn init_tracing(level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(level)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false)
        .try_init();
}

async fn dispatch(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Config(ConfigCmd::Example) => {
            print!("{}", crate::config::EXAMPLE);
            Ok(())
        }
        Command::Config(ConfigCmd::Check { file }) => {
            let c = Config::load(Some(&file), &[], &Overrides::default())?;
            println!(
                "配置文件有效：监听 {}，数据库 {}",
                c.server.listen,
                crate::config::redact_url(&c.database.url)
            );
            Ok(())
        }
        Command::Serve(opts) => {
            let listen = opts.listen.clone();
            let config = load_config(cli.config.as_deref(), cli.database, listen)?;
            init_tracing(&config.log.level);
            serve::run(config, opts).await
        }
        Command::Migrate { action } => {
            let config = load_config(cli.config.as_deref(), cli.database, None)?;
            let db = Db::connect(&config.database.url, 2).await?;
            if action.is_none() {
                crate::db::migrate::run(&db).await?;
                let keys = open_keys(&db, &config).await?;
                seal_plaintext(&db, &keys).await?;
            }
            for m in crate::db::migrate::status(&db).await? {
                println!(
                    "{:>4}  {}  {}",
                    m.version,
                    if m.applied { "已应用" } else { "待应用" },
                    m.description
                );
            }
            db.close().await;
            Ok(())
        }
        Command::Demo => {
            let config = load_config(cli.config.as_deref(), cli.database, None)?;
            let app = open(config).await?;
            crate::demo::seed(&app).await?;
            println!("演示数据已生成。登录账号见 README。");
            app.db.close().await;
            Ok(())
        }
        Command::Import(cmd) => {
            let config = load_config(cli.config.as_deref(), cli.database, None)?;
            sheets::run_import(config, cmd).await
        }
        Command::Export(cmd) => {
            let config = load_config(cli.config.as_deref(), cli.database, None)?;
            sheets::run_export(config, cmd).await
        }
        Command::Admin(cmd) => {
            let config = load_config(cli.config.as_deref(), cli.database, None)?;
            admin::run(config, cmd).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_cli() {
        command().debug_assert();
    }
}
