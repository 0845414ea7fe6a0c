//! `zhibu serve`: migrate, create the first administrator on an empty database (or the demo
//! organisation with `--demo`), then serve until SIGTERM / Ctrl-C, draining requests and
//! letting background jobs finish their current unit.

use anyhow::bail;
use clap::Args;

use crate::audit::{self, Actor, AuditEvent};
use crate::auth::Role;
use crate::auth::users::{self, By, CreateUser};
use crate::config::Config;
use crate::web::{AppState, build};

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeOpts {
    /// Address and port to listen on, e.g. 0.0.0.0:8080 (default 127.0.0.1:8080).
    #[arg(long, value_name = "ADDR")]
    pub listen: Option<String>,
    /// Fill an empty database with the fictitious demo organisation; every page then shows
    /// a 演示数据 banner.
    #[arg(long)]
    pub demo: bool,
}

/// Runs the server.
///
/// # Errors
/// Start-up failures (bad settings, database unreachable, port taken).
pub async fn run(config: Config, opts: ServeOpts) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let addr = config.listen_addr()?;
    let url = crate::config::redact_url(&config.database.url);
    let app = super::open(config).await?;
    let users = crate::auth::store::count_users(&mut app.db.conn().await?.exec()).await?;
    if opts.demo {
        if users == 0 {
            crate::demo::seed(&app).await?;
            println!("已生成演示数据（账号与密码见 README 的“演示账号”一节）。");
        } else if !app.is_demo() {
            bail!(
                "数据库中已有数据，不能再填充演示数据。请换一个数据库文件，例如 --database sqlite://data/demo.db"
            );
        }
    } else if users == 0 {
        bootstrap_admin(&app).await?;
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("无法监听 {addr}: {e}"))?;
    let (router, _) = build(AppState::new(app.clone()));
    let stop = tokio_util::sync::CancellationToken::new();
    let jobs = crate::jobs::start(&app, stop.clone());
    println!(
        "支部已启动：http://{} （数据库 {url}，用时 {} 毫秒）",
        listener.local_addr()?,
        started.elapsed().as_millis()
    );
    let opts = crate::web::server::ServeOptions::from_config(&app.config);
    // The signal stops the jobs between units while the server drains its requests.
    let signal = async move {
        shutdown_signal().await;
        stop.cancel();
    };
    crate::web::server::serve(listener, router, opts, signal).await?;
    jobs.shutdown().await;
    app.db.close().await;
    println!("支部已停止");
    Ok(())
}

async fn bootstrap_admin(app: &crate::app::App) -> anyhow::Result<()> {
    let actor = Actor::cli("serve");
    let input = CreateUser {
        username: "admin".into(),
        display_name: "系统管理员".into(),
        role: Role::SystemAdmin,
        org_id: None,
        member_id: None,
        password: None,
        must_change: true,
    };
    let created = users::create(app, &actor, By::Server, input)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let Some(c) = created.credential else {
        anyhow::bail!("首个系统管理员未能创建");
    };
    let ev =
        AuditEvent::success("system.bootstrap", "system", "").detail("创建首个系统管理员 admin");
    audit::record_alone(&app.db, &actor, app.now(), ev).await?;
    println!("══════════════════════════════════════════════");
    println!("首次启动：已创建系统管理员账号");
    println!("  用户名：admin");
    println!("  一次性密码：{}", c.code);
    println!(
        "此密码只显示这一次，{} 前有效，首次登录后必须修改。",
        crate::shared::text::ymd(c.expires_at.date())
    );
    println!("三员分立：安全管理员和审计管理员请在服务器上用 zhibu admin create-user 创建。");
    println!("══════════════════════════════════════════════");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}
