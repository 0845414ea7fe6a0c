//! `zhibu import members` and `zhibu export members`: the roster spreadsheet from the command
//! line, with the same checks as the web (every problem listed; nothing written on any error).

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Subcommand;

use crate::audit::{self, Actor, AuditEvent};
use crate::auth::Scope;
use crate::config::Config;
use crate::members::service::RosterFilter;
use crate::members::workbook::{self, Watermark};
use crate::members::{import, service};

/// What to import.
#[derive(Debug, Subcommand)]
pub enum ImportCmd {
    /// Import a roster workbook (.xlsx, the template's columns) into one 党支部.
    #[command(about = "把花名册表格（.xlsx，按模板的列）导入一个党支部", long_about = None)]
    Members {
        /// The workbook.
        #[arg(value_name = "文件", help = "花名册表格")]
        file: PathBuf,
        /// Id of the 党支部 to import into (shown on its page and in `/api/v1/orgs`).
        #[arg(
            long,
            value_name = "支部编号",
            help = "导入到哪个党支部（编号见该支部的页面或 /api/v1/orgs）"
        )]
        org: i64,
        /// Only check and report; write nothing.
        #[arg(long, help = "只检查并报告问题，不写入数据")]
        dry_run: bool,
    },
}

/// What to export.
#[derive(Debug, Subcommand)]
pub enum ExportCmd {
    /// Export the roster of an organisation and everything below it.
    #[command(about = "导出组织及其全部下级的花名册", long_about = None)]
    Members {
        /// Destination .xlsx file.
        #[arg(value_name = "文件", help = "导出到的 .xlsx 文件")]
        file: PathBuf,
        /// Organisation id.
        #[arg(long, value_name = "组织编号", help = "组织编号")]
        org: i64,
        /// Include full 身份证号 and 手机号 (recorded in the audit log).
        #[arg(long, help = "导出完整的身份证号和手机号（记入审计日志）")]
        unmask: bool,
    },
}

/// Runs `import`.
///
/// # Errors
/// Any problem in the file (listed), or storage failures; the exit status is then non-zero.
pub async fn run_import(config: Config, cmd: ImportCmd) -> anyhow::Result<()> {
    let ImportCmd::Members { file, org, dry_run } = cmd;
    let bytes = std::fs::read(&file).with_context(|| format!("无法读取 {}", file.display()))?;
    let app = super::open(config).await?;
    let scope = Scope::operator();
    let (target, checked) = import::check(&app, &scope, org, bytes.clone())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    for e in &checked.errors {
        eprintln!(
            "第 {} 行 {}列（{}）：{}",
            e.row, e.column, e.header, e.message
        );
    }
    if !checked.errors.is_empty() {
        app.db.close().await;
        bail!("发现 {} 处问题，未导入任何数据", checked.errors.len());
    }
    println!(
        "检查通过：{} 行，将新增 {} 人、更新 {} 人（{}）",
        checked.rows.len(),
        checked.inserts(),
        checked.updates(),
        target.name
    );
    if !dry_run {
        let (ins, upd) = import::commit(&app, &Actor::cli("import members"), &scope, org, bytes)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        println!("导入完成：新增 {ins} 人，更新 {upd} 人");
    }
    app.db.close().await;
    Ok(())
}

/// Runs `export`.
///
/// # Errors
/// Unknown organisation or storage failures.
pub async fn run_export(config: Config, cmd: ExportCmd) -> anyhow::Result<()> {
    let ExportCmd::Members { file, org, unmask } = cmd;
    let app = super::open(config).await?;
    let scope = Scope::operator();
    let filter = RosterFilter {
        statuses: vec!["normal".into(), "stopped".into()],
        ..RosterFilter::default()
    };
    let (rows, _) = service::roster(&app, &scope, Some(org), filter, 1_000_000, 0)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let data: Vec<_> = rows
        .into_iter()
        .map(|r| (r.m, r.org_name, r.group_name))
        .collect();
    let actor = Actor::cli("export members");
    let detail = format!(
        "导出 {} 人{}",
        data.len(),
        if unmask {
            "，含完整身份证号和手机号"
        } else {
            "（已隐藏号码）"
        }
    );
    audit::record_alone(
        &app.db,
        &actor,
        app.now(),
        AuditEvent::success("member.export", "roster", "").detail(detail),
    )
    .await?;
    let mark = Watermark {
        text: format!("命令行 {}", crate::shared::text::datetime(app.now())),
        request_id: actor.request_id.clone(),
    };
    let bytes = workbook::export(&data, unmask, &mark, app.clock.today())?;
    std::fs::write(&file, bytes).with_context(|| format!("无法写入 {}", file.display()))?;
    println!("已导出 {} 人到 {}", data.len(), file.display());
    app.db.close().await;
    Ok(())
}
