//! `zhibu serve`: migrate, create the first administrator on an empty database (or the demo
//! organisation with `--demo`), then serve until SIGTERM / Ctrl-C, draining requests and
//! letting background jobs finish their current unit.

use std::future::Future;
use std::sync::Arc;

use anyhow::bail;
use clap::Args;

use crate::app::App;
use crate::app::router::build;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::Role;
use crate::auth::users::{self, By, CreateUser};
use crate::config::Config;
use crate::web::AppState;

/// Options of `serve`.
#[derive(Debug, Args)]
pub struct ServeOpts {
    /// Address and port to listen on, e.g. 0.0.0.0:8080 (default 127.0.0.1:8080).
    #[arg(
        long,
        value_name = "地址",
        help = "监听的地址和端口，例如 0.0.0.0:8080（默认 127.0.0.1:8080）"
    )]
    pub listen: Option<String>,
    /// Fill an empty database with the fictitious demo organisation; every page then shows
    /// a 演示数据 banner.
    #[arg(
        long,
        help = "向空数据库填充虚构的演示组织，此后每个页面都显示“演示数据”横幅"
    )]
    pub demo: bool,
}

/// Runs the server.
///
/// # Errors
/// Start-up failures (bad settings, database unreachable, port taken).
pub async fn run(config: Config, opts: ServeOpts) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let addr = config.listen_addr()?;
    let app = prepare(config, &opts).await?;
    // Bound only once the data is ready, so a port that answers is a server that serves.
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|e| anyhow::anyhow!("无法监听 {addr}: {e}"))?;
    serve_app(app, listener, shutdown_signal(), started).await
}

/// Runs the server on a listener the caller bound, until `shutdown` completes. Tests bind
/// port 0 and read the address from the listener, so no port is picked and then lost to
/// another process before it is bound.
///
/// # Errors
/// Start-up failures (bad settings, database unreachable).
pub async fn run_on(
    config: Config,
    opts: ServeOpts,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send,
) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let app = prepare(config, &opts).await?;
    serve_app(app, listener, shutdown, started).await
}

/// Opens and migrates the database, then fills it with the demo organisation or creates the
/// first administrator as the options ask.
async fn prepare(config: Config, opts: &ServeOpts) -> anyhow::Result<Arc<App>> {
    let app = super::open(config).await?;
    let users = crate::auth::service::count_users(&mut app.db.conn().await?.exec()).await?;
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
    Ok(app)
}

/// Serves requests and runs the jobs until `shutdown`, then drains both.
async fn serve_app(
    app: Arc<App>,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send,
    started: std::time::Instant,
) -> anyhow::Result<()> {
    let url = crate::config::redact_url(&app.config.database.url);
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
        shutdown.await;
        stop.cancel();
    };
    crate::web::server::serve(listener, router, opts, signal).await?;
    jobs.shutdown().await;
    app.db.close().await;
    println!("支部已停止");
    Ok(())
}

async fn bootstrap_admin(app: &App) -> anyhow::Result<()> {
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
    let created = match users::create(app, &actor, By::Server, input).await {
        Ok(c) => c,
        Err(e) => {
            // Another server started on the same empty database at the same moment and created
            // it first (the one-per-role rule or the unique name refused this one): carry on as
            // on any later start, rather than failing this server's start.
            let users = crate::auth::service::count_users(&mut app.db.conn().await?.exec()).await?;
            if users > 0 {
                tracing::info!("the first administrator was created by another server");
                return Ok(());
            }
            bail!("{e}");
        }
    };
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
