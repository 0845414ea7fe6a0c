//! Pages for the record of a meeting: writing, submitting and correcting the minutes, photos
//! and attachments, the higher committee's review, and the .docx / .zip exports.

use axum::extract::{Multipart, Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::auth::extract::User;
use crate::orgs::focus::org_param;
use crate::web::error::{AppError, AppResult};
use crate::web::extract::{PathId, PathIds, ValidForm};
use crate::web::layout::{PageCtx, redirect_with, render_form, year_param};
use crate::web::upload::fields_and_files;
use crate::web::{AppState, Reg};

use super::checkin;
use super::export;
use super::minutes::{self, Saved};
use super::model::{Minutes, VoteRecord};
use super::service::{self, MeetingError};
use super::views::MinutesPage;

/// Hard cap on an upload request; the configured limit (at most 100 MiB) is checked while
/// reading.
const UPLOAD_CAP: usize = 100 * 1024 * 1024 + 64 * 1024;

/// Registers the routes.
pub fn routes(r: Reg) -> Reg {
    r.get("/meetings/{id}/minutes", minutes_form)
        .post("/meetings/{id}/minutes", minutes_save)
        .post_upload("/meetings/{id}/files", UPLOAD_CAP, upload)
        .get("/meetings/{id}/files/{fid}", file)
        .post("/meetings/{id}/review", review)
        .post("/meetings/{id}/electorate", electorate)
        .post("/meetings/{id}/decision", publish_decision)
        .get("/meetings/{id}/minutes.docx", docx)
        .get("/meetings/export", export_year)
}

async fn minutes_page(
    st: &AppState,
    u: &User,
    id: i64,
    minutes: Option<Minutes>,
    error: Option<String>,
) -> AppResult<Response> {
    let (m, _) = service::get_managed(&st.app, u.scope(), id).await?;
    if m.is_cancelled() {
        return Ok(redirect_with(
            st,
            &format!("/meetings/{id}"),
            "error",
            "该会议已取消",
        ));
    }
    let mv = minutes::load(&st.app, u.scope(), id).await?;
    let (_, att) = checkin::attendance(&st.app, u.scope(), id).await?;
    let mut minutes = minutes.unwrap_or_else(|| match &mv.current {
        Some(r) => r.minutes.clone(),
        None => mv.draft.clone(),
    });
    // Offer the agenda as vote topics the first time.
    if minutes.votes.is_empty() && mv.current.is_none() && m.is_general() {
        minutes.votes = m
            .agenda_items()
            .into_iter()
            .filter(|a| {
                a.contains("接收") || a.contains("转正") || a.contains("表决") || a.contains("选举")
            })
            .map(|topic| VoteRecord {
                kind: super::model::VoteKind::of_topic(&topic).code().into(),
                topic,
                method: "secret".into(),
                ..VoteRecord::default()
            })
            .collect();
    }
    let vote_rows = minutes.votes.len() + 2;
    let title = if m.is_held() {
        "更正会议记录"
    } else {
        "填写会议记录"
    };
    let page = PageCtx::new(st, u, title, "meetings").await?.crumbs(vec![
        ("组织生活".into(), Some("/meetings".into())),
        (m.title.clone(), Some(format!("/meetings/{id}"))),
        (title.into(), None),
    ]);
    render_form(
        error.is_some(),
        &MinutesPage {
            page,
            held: m.is_held(),
            m,
            minutes,
            att,
            error,
            vote_rows,
            kinds: [
                ("ordinary", "一般表决"),
                ("membership", "接收、转正预备党员"),
                ("election", "选举"),
            ],
            election_word: if super::model::Readings::of(&st.app.config.meetings).election
                == "at_least"
            {
                "不少于"
            } else {
                "超过"
            },
        },
    )
}

async fn minutes_form(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
) -> AppResult<Response> {
    minutes_page(&st, &u, id, None, None).await
}

/// Reads the minutes form: fixed fields plus numbered vote rows (`vote_0_topic` …).
fn read_minutes(pairs: &[(String, String)]) -> Result<(Minutes, String, String), String> {
    let mut m = Minutes::default();
    let (mut action, mut reason) = (String::new(), String::new());
    let mut rows: std::collections::BTreeMap<usize, VoteRecord> = std::collections::BTreeMap::new();
    for (k, v) in pairs {
        match k.as_str() {
            "speeches" => m.speeches.clone_from(v),
            "decisions" => m.decisions.clone_from(v),
            "absence_notes" => m.absence_notes.clone_from(v),
            "action" => action.clone_from(v),
            "reason" => reason.clone_from(v),
            _ => {
                let Some((i, field)) = k.strip_prefix("vote_").and_then(|r| r.split_once('_'))
                else {
                    continue;
                };
                let Ok(i) = i.parse::<usize>() else { continue };
                if i >= 60 {
                    continue;
                }
                let row = rows.entry(i).or_default();
                let num = || -> Result<i64, String> {
                    if v.trim().is_empty() {
                        Ok(0)
                    } else {
                        v.trim().parse().map_err(|_| format!("票数须为整数：{v}"))
                    }
                };
                match field {
                    "topic" => v.trim().clone_into(&mut row.topic),
                    "yes" => row.yes = num()?,
                    "no" => row.no = num()?,
                    "abstain" => row.abstain = num()?,
                    "written" => row.written_yes = num()?,
                    "method" => row.method.clone_from(v),
                    "kind" => v.trim().clone_into(&mut row.kind),
                    "seats" => row.seats = num()?,
                    "issued" => row.ballots_issued = num()?,
                    "returned" => row.ballots_returned = num()?,
                    "candidates" => row.candidates = super::elections::parse_candidates(v)?,
                    _ => {}
                }
            }
        }
    }
    m.votes = rows.into_values().filter(|r| !r.topic.is_empty()).collect();
    Ok((m, action, reason))
}

async fn minutes_save(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(pairs): ValidForm<Vec<(String, String)>>,
) -> AppResult<Response> {
    let (m, action, reason) = match read_minutes(&pairs) {
        Ok(x) => x,
        Err(e) => return minutes_page(&st, &u, id, None, Some(e)).await,
    };
    let submit = action == "submit";
    match minutes::save(
        &st.app,
        &u.actor(),
        u.scope(),
        id,
        m.clone(),
        submit,
        &reason,
    )
    .await
    {
        Ok(Saved::Draft) => Ok(redirect_with(
            &st,
            &format!("/meetings/{id}/minutes"),
            "success",
            "草稿已保存",
        )),
        Ok(Saved::Submitted) => Ok(redirect_with(
            &st,
            &format!("/meetings/{id}"),
            "success",
            "会议记录已提交并锁定",
        )),
        Ok(Saved::Corrected) => Ok(redirect_with(
            &st,
            &format!("/meetings/{id}"),
            "success",
            "更正已保存为新的版本",
        )),
        Err(MeetingError::Invalid(e) | MeetingError::Refused(_, e)) => {
            minutes_page(&st, &u, id, Some(m), Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn upload(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    mp: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> AppResult<Response> {
    service::get_managed(&st.app, u.scope(), id).await?;
    let to = format!("/meetings/{id}");
    let max =
        usize::try_from(st.app.config.meetings.attachment_max_mib).unwrap_or(10) * 1024 * 1024;
    let too_big = format!(
        "文件不能超过 {} MB",
        st.app.config.meetings.attachment_max_mib
    );
    let Ok(mut mp) = mp else {
        return Ok(redirect_with(&st, &to, "error", "请选择要上传的文件"));
    };
    let (fields, files) = match fields_and_files(&mut mp, "file", max, 1).await {
        Ok(x) => x,
        Err(e) => return Ok(redirect_with(&st, &to, "error", &e.message(&too_big)?)),
    };
    let mut reason = String::new();
    for (k, v) in fields {
        match k.as_str() {
            "reason" => reason = v,
            "_csrf" => {}
            _ => {
                return Err(AppError::BadRequest(
                    "unexpected_field",
                    "表单包含不允许提交的字段".into(),
                ));
            }
        }
    }
    let Some((name, bytes)) = files.into_iter().next() else {
        return Ok(redirect_with(&st, &to, "error", "请选择要上传的文件"));
    };
    let file = (name.as_str(), bytes.as_slice());
    match super::files::upload(&st.app, &u.actor(), u.scope(), id, file, &reason).await {
        Ok(_) => Ok(redirect_with(&st, &to, "success", "文件已上传")),
        Err(MeetingError::Invalid(m) | MeetingError::Refused(_, m)) => {
            Ok(redirect_with(&st, &to, "error", &m))
        }
        Err(e) => Err(e.into()),
    }
}

async fn file(
    State(st): State<AppState>,
    u: User,
    PathIds(id, fid): PathIds,
) -> AppResult<Response> {
    let (info, bytes) = super::files::file(&st.app, u.scope(), id, fid).await?;
    Ok(crate::web::download::private(
        bytes,
        &info.content_type,
        &info.filename,
    ))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ReviewForm {
    #[serde(default)]
    comment: String,
}

async fn review(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<ReviewForm>,
) -> AppResult<Response> {
    let to = format!("/meetings/{id}");
    match minutes::review(&st.app, &u.actor(), u.scope(), id, &f.comment).await {
        Ok(()) => Ok(redirect_with(&st, &to, "success", "已标记为已审阅")),
        Err(MeetingError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionForm {
    #[serde(default)]
    decision: String,
}

/// The committee publishes a decision of a held meeting to every member (MEET-02): the record
/// itself stays with the committee.
async fn publish_decision(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<DecisionForm>,
) -> AppResult<Response> {
    let to = format!("/meetings/{id}");
    let done = if f.decision.trim().is_empty() {
        "已撤回向党员公开的决定"
    } else {
        "决定已向党员公开"
    };
    match super::access::publish_decision(&st.app, &u.actor(), u.scope(), id, &f.decision).await {
        Ok(()) => Ok(redirect_with(&st, &to, "success", done)),
        Err(MeetingError::Invalid(m)) => Ok(redirect_with(&st, &to, "error", &m)),
        Err(e) => Err(e.into()),
    }
}

async fn docx(State(st): State<AppState>, u: User, PathId(id): PathId) -> AppResult<Response> {
    let (name, bytes) = export::record_docx(&st.app, &u.actor(), u.scope(), id).await?;
    Ok(crate::web::download::private(
        bytes,
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        &name,
    ))
}

#[derive(Deserialize)]
struct ExportQuery {
    #[serde(default)]
    org: String,
    #[serde(default)]
    year: String,
}

async fn export_year(
    State(st): State<AppState>,
    u: User,
    Query(q): Query<ExportQuery>,
) -> AppResult<Response> {
    crate::limits::account(&st, &u, crate::limits::Kind::Export).await?;
    let org = org_param(&st, &u, &q.org).await?;
    let year = year_param(&st, &q.year);
    match export::year_zip(&st.app, &u.actor(), u.scope(), org, year).await {
        Ok((name, bytes)) => Ok(crate::web::download::private(
            bytes,
            "application/zip",
            &name,
        )),
        Err(MeetingError::Invalid(m)) => Ok(redirect_with(
            &st,
            &format!("/compliance?org={org}&year={year}"),
            "error",
            &m,
        )),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ElectorateForm {
    member_id: String,
    #[serde(default)]
    reason: String,
}

/// Leaves a voting member out of 应到会有表决权 for a recognised reason, or counts them again.
async fn electorate(
    State(st): State<AppState>,
    u: User,
    PathId(id): PathId,
    ValidForm(f): ValidForm<ElectorateForm>,
) -> AppResult<Response> {
    let member = f
        .member_id
        .trim()
        .parse::<i64>()
        .map_err(|_| AppError::NotFound)?;
    let to = format!("/meetings/{id}?roll=1#roll");
    let done = if f.reason.trim().is_empty() {
        "已计入应到会有表决权人数"
    } else {
        "已按规定不计入应到会有表决权人数"
    };
    match super::electorate::exclude(&st.app, &u.actor(), u.scope(), id, member, &f.reason).await {
        Ok(()) => Ok(redirect_with(&st, &to, "success", done)),
        Err(MeetingError::Invalid(m) | MeetingError::Refused(_, m)) => {
            Ok(redirect_with(&st, &to, "error", &m))
        }
        Err(e) => Err(e.into()),
    }
}
