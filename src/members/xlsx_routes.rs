//! Spreadsheet pages: the import template, upload and check, confirmation, and the export of
//! the filtered roster.

use askama::Template;
use axum::extract::{Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;

use crate::audit::{self, AuditEvent};
use crate::auth::extract::User;
use crate::shared::text::{datetime, ymd};
use crate::web::error::{AppError, AppResult};
use crate::web::extract::PathId;
use crate::web::layout::{PageCtx, redirect_with, render_status};
use crate::web::{AppState, Reg};

use super::import::{self, CellError};
use super::roster_page::{RosterQuery, org_choices};
use super::service;
use super::sheet::MAX_FILE_BYTES;

use super::views::Opt;
use super::workbook::{self, Watermark};
use crate::shared::error::DomainError;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/members/import", import_form)
        .get("/members/import/template", template)
        .post_upload("/members/import", MAX_FILE_BYTES + 64 * 1024, upload)
        .post("/members/import/{id}/commit", commit)
        .get("/members/export", export)
}

#[derive(Template)]
#[template(path = "members/import.html")]
struct ImportPage {
    page: PageCtx,
    orgs: Vec<Opt>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "members/import_preview.html")]
struct PreviewPage {
    page: PageCtx,
    file_name: String,
    org_name: String,
    total: usize,
    inserts: usize,
    updates: usize,
    errors: Vec<CellError>,
    upload_id: i64,
}

fn xlsx(name: &str, bytes: Vec<u8>) -> Response {
    crate::web::download::private(bytes, crate::web::download::XLSX, name)
}

async fn import_page(
    st: &AppState,
    u: &User,
    selected: &str,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let orgs = org_choices(st, u, selected, true, None).await?;
    let page = PageCtx::new(st, u, "批量导入党员", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            ("批量导入".into(), None),
        ]);
    render_status(status, &ImportPage { page, orgs, error })
}

async fn import_form(State(st): State<AppState>, u: User) -> AppResult<Response> {
    import_page(&st, &u, "", None, StatusCode::OK).await
}

async fn template(State(st): State<AppState>, u: User) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let codes = service::codes(&st.app).await?;
    let bytes = workbook::template(&codes.names("ethnicity"), &codes.names("education"))
        .map_err(|e| AppError::Internal(e.into()))?;
    Ok(xlsx("党员信息导入模板.xlsx", bytes))
}

/// Reads the form: the branch and the file (size-checked while streaming).
async fn read_upload(mut mp: Multipart) -> Result<(String, String, Vec<u8>), String> {
    let (mut org, mut name, mut bytes) = (String::new(), String::new(), Vec::new());
    while let Some(mut field) = mp
        .next_field()
        .await
        .map_err(|_| "上传未完成，请重试".to_owned())?
    {
        match field.name() {
            Some("org_id") => org = field.text().await.map_err(|_| "表单内容有误".to_owned())?,
            Some("file") => {
                name = field
                    .file_name()
                    .unwrap_or("upload.xlsx")
                    .chars()
                    .take(100)
                    .collect();
                while let Some(chunk) = field
                    .chunk()
                    .await
                    .map_err(|_| "文件过大（上限 10 MB）或上传中断".to_owned())?
                {
                    if bytes.len() + chunk.len() > MAX_FILE_BYTES {
                        return Err("文件过大（上限 10 MB）".into());
                    }
                    bytes.extend_from_slice(&chunk);
                }
            }
            _ => return Err("表单包含不允许提交的字段".into()),
        }
    }
    if bytes.is_empty() {
        return Err("请选择要上传的 Excel 文件".into());
    }
    Ok((org, name, bytes))
}

async fn upload(
    State(st): State<AppState>,
    u: User,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    if !u.scope().has_member_area() {
        return Err(AppError::Forbidden);
    }
    let mp = mp.map_err(|_| AppError::BadRequest("invalid_form", "请以文件上传表单提交".into()))?;
    let (org, file_name, bytes) = match read_upload(mp).await {
        Ok(x) => x,
        Err(m) => return import_page(&st, &u, "", Some(m), StatusCode::UNPROCESSABLE_ENTITY).await,
    };
    let org_id = org.trim().parse::<i64>().map_err(|_| AppError::NotFound)?;
    let (org, checked) = match import::check(&st.app, u.scope(), org_id, bytes.clone()).await {
        Ok(x) => x,
        Err(DomainError::Invalid(m)) => {
            return import_page(&st, &u, &org, Some(m), StatusCode::UNPROCESSABLE_ENTITY).await;
        }
        Err(e) => return Err(e.into()),
    };
    let detail = format!(
        "检查 {} 行，问题 {} 处",
        checked.rows.len(),
        checked.errors.len()
    );
    let upload_id =
        super::uploads::keep(&st.app, &u.actor(), &org, &file_name, &bytes, detail).await?;
    let page = PageCtx::new(&st, &u, "导入检查结果", "members")
        .await?
        .crumbs(vec![
            ("党员花名册".into(), Some("/members".into())),
            ("批量导入".into(), Some("/members/import".into())),
            ("检查结果".into(), None),
        ]);
    let status = if checked.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let p = PreviewPage {
        page,
        file_name,
        org_name: org.name,
        total: checked.rows.len(),
        inserts: checked.inserts(),
        updates: checked.updates(),
        errors: checked.errors,
        upload_id,
    };
    render_status(status, &p)
}

async fn commit(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (org_id, bytes) = super::uploads::take(&st.app, u.0.user_id, id).await?;
    let result = import::commit(&st.app, &u.actor(), u.scope(), org_id, bytes).await;
    super::uploads::discard(&st.app, u.0.user_id, id).await?;
    match result {
        Ok((ins, upd)) => Ok(redirect_with(
            &st,
            &format!("/members?org={org_id}"),
            "success",
            &format!("导入完成：新增 {ins} 人，更新 {upd} 人"),
        )),
        Err(DomainError::Invalid(m)) => {
            import_page(
                &st,
                &u,
                &org_id.to_string(),
                Some(m),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct ExportOpts {
    #[serde(default)]
    unmask: Option<String>,
}

/// Most rows one export may hold.
const EXPORT_MAX: i64 = 100_000;

async fn export(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<RosterQuery>,
    Query(o): Query<ExportOpts>,
) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::Export).await?;
    let today = st.app.clock.today();
    let unmasked = o.unmask.as_deref() == Some("1");
    let (rows, _) = service::roster(
        &st.app,
        u.scope(),
        q.org_id()?,
        q.filter(today),
        EXPORT_MAX,
        0,
    )
    .await?;
    if unmasked {
        // Full numbers leave the system only after a fresh confirmation (SEC-16).
        u.require_recent_auth(&st).await?;
    }
    let data: Vec<_> = rows
        .into_iter()
        .map(|r| (r.m, r.org_name, r.group_name))
        .collect();
    let actor = u.actor();
    let mark = Watermark {
        text: format!("{} {}", u.0.display_name, datetime(st.app.now())),
        request_id: actor.request_id.clone(),
    };
    let detail = format!(
        "导出 {} 人{}",
        data.len(),
        if unmasked {
            "，含完整身份证号和手机号"
        } else {
            "（已隐藏号码）"
        }
    );
    // The export is refused if its audit row cannot be written (SEC-28).
    audit::record_alone(
        &st.app.db,
        &actor,
        st.app.now(),
        AuditEvent::success("member.export", "roster", "").detail(detail),
    )
    .await?;
    let bytes =
        tokio::task::spawn_blocking(move || workbook::export(&data, unmasked, &mark, today))
            .await
            .map_err(|e| AppError::Internal(e.into()))?
            .map_err(|e| AppError::Internal(e.into()))?;
    Ok(xlsx(&format!("党员花名册-{}.xlsx", ymd(today)), bytes))
}
