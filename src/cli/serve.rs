//! `zhibu serve`: migrate, create the first administrator on an empty database (or the demo
//! organisation with `--demo`), then serve until SIGTERM / Ctrl-C, draining requests.

use std::net::SocketAddr;
use std::time::Duration;

use anyhow::bail;
use clap::Args;

use crate::audit::{self, Actor, AuditEvent};
use crate::auth::Role;
use crate::auth::users::{self, CreateUser};
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
    spawn_housekeeping(app.clone());
    spawn_event_consumers(app.clone());
    println!(
        "支部已启动：http://{} （数据库 {url}，用时 {} 毫秒）",
        listener.local_addr()?,
        started.elapsed().as_millis()
    );
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
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
    let (_, password) = users::create(app, &actor, input)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let ev =
        AuditEvent::success("system.bootstrap", "system", "").detail("创建首个系统管理员 admin");
    audit::record_alone(&app.db, &actor, app.now(), ev).await?;
    println!("══════════════════════════════════════════════");
    println!("首次启动：已创建系统管理员账号");
    println!("  用户名：admin");
    println!("  一次性密码：{password}");
    println!("此密码只显示这一次，首次登录后必须修改。");
    println!("══════════════════════════════════════════════");
    Ok(())
}

/// Removes expired sessions every ten minutes.
fn spawn_housekeeping(app: std::sync::Arc<crate::app::App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            let now = app.now();
            let idle = time::Duration::minutes(i64::from(
                app.config
                    .auth
                    .idle_timeout_minutes
                    .max(app.config.auth.idle_timeout_minutes_admin),
            ));
            let res = async {
                let mut tx = app.db.begin().await?;
                let n = crate::auth::store::purge_sessions(&mut tx.exec(), now, now - idle).await?;
                tx.commit().await?;
                Ok::<u64, crate::db::StoreError>(n)
            }
            .await;
            if let Err(e) = res {
                tracing::warn!(error = %e, "session purge failed");
            }
            // Keep SQLite's query planner statistics current (PostgreSQL has autovacuum).
            if let crate::db::Db::Sqlite(p) = &app.db
                && let Err(e) = sqlx::query("PRAGMA optimize").execute(p).await
            {
                tracing::warn!(error = %e, "PRAGMA optimize failed");
            }
        }
    });
}

/// Posts automatic points from new events every 15 seconds. Points pages also catch up when
/// they are opened, so the interval only bounds how stale a ranking can be.
fn spawn_event_consumers(app: std::sync::Arc<crate::app::App>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(15));
        loop {
            tick.tick().await;
            if let Err(e) = crate::points::service::sync(&app).await {
                tracing::warn!(error = %e, "points from events failed; will retry");
            }
        }
    });
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
