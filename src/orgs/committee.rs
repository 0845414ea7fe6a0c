//! Committee terms (届, ELEC-01) and officer appointments (ROLE-02), with their checks and audit
//! rows. Reached through `orgs::service`, like every use case of the area.

use time::Date;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{OrgAction, Scope};
use crate::db::StoreError;
use crate::members;

use super::model::{OrgKind, Post, term_end};
use super::service::{OrgError, get_checked};
use super::store::{self, NewOfficer};

/// Records a new committee term (ELEC-01: 3 or 5 years).
///
/// # Errors
/// Denied or invalid.
pub async fn add_term(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    started_on: Date,
    years: i64,
    note: Option<&str>,
) -> Result<i64, OrgError> {
    let org = get_checked(app, scope, id, OrgAction::Edit).await?;
    if !org.kind().has_terms() {
        return Err(OrgError::Invalid("党小组不实行届期".into()));
    }
    if years != 3 && years != 5 {
        return Err(OrgError::Invalid("届期只能是 3 年或 5 年".into()));
    }
    if started_on > app.clock.today() {
        return Err(OrgError::Invalid("换届日期不能晚于今天".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if store::list_terms(&mut w.exec(), id)
                .await?
                .first()
                .is_some_and(|t| t.started_on >= started_on)
            {
                return Err(OrgError::Invalid("换届日期应晚于上一届的换届日期".into()));
            }
            let tid = store::insert_term(&mut w.exec(), id, started_on, years, note, now)
                .await
                .map_err(|e| match e {
                    StoreError::Constraint => OrgError::Invalid("届期只能是 3 年或 5 年".into()),
                    e => e.into(),
                })?;
            let end = term_end(started_on, years);
            let ev = AuditEvent::success("org.term_add", "org", id)
                .org(id)
                .detail(format!(
                    "{} 起，{years} 年，至 {}",
                    crate::shared::text::ymd(started_on),
                    crate::shared::text::ymd(end)
                ));
            w.audit(ev).await?;
            Ok(tid)
        })
        .await
}

/// Appoints a member of the organisation to a post.
///
/// # Errors
/// Denied or invalid (post not fitting the kind, post already held, member not in the org).
pub async fn add_officer(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    post: Post,
    member_id: i64,
    started_on: Date,
) -> Result<i64, OrgError> {
    let org = get_checked(app, scope, id, OrgAction::Appoint).await?;
    if !post.fits(org.kind()) {
        return Err(OrgError::Invalid(format!(
            "{}不设{}",
            org.kind().label(),
            post.label()
        )));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            // A group leader comes from the group's branch; everyone else from the subtree itself.
            let pool_path = if org.kind() == OrgKind::Group {
                let parent = org
                    .parent_id
                    .ok_or_else(|| OrgError::Invalid("党小组缺少所属支部".into()))?;
                store::get(&mut w.exec(), parent).await?.path
            } else {
                org.path.clone()
            };
            if started_on > app.clock.today() {
                return Err(OrgError::Invalid("任职日期不能晚于今天".into()));
            }
            let Some(name) =
                members::service::name_in_subtree(&mut w.exec(), member_id, &pool_path).await?
            else {
                return Err(OrgError::Invalid("所选党员不在本组织".into()));
            };
            // ROLE-07, RIGHT-01: a 预备党员 has no right to be elected, so holds no committee post.
            let (member, _) =
                members::service::get_unscoped(&mut w.exec(), &app.keys, member_id).await?;
            if post != Post::GroupLeader
                && member.category() == members::model::Category::Probationary
            {
                return Err(OrgError::Invalid(format!(
                    "{name}是预备党员，没有被选举权，不能担任{}（《中国共产党基层组织选举工作条例》第五条）",
                    post.label()
                )));
            }
            // ROLE-07, RIGHT-02: during 留党察看 a member has no right to be elected.
            if member.under_observation(app.clock.today()) {
                return Err(OrgError::Invalid(format!(
                    "{name}正在留党察看期间，没有被选举权，不能担任{}（《中国共产党基层组织选举工作条例》第五条）",
                    post.label()
                )));
            }
            let current = store::list_officers(&mut w.exec(), id).await?;
            if post.is_single()
                && current
                    .iter()
                    .any(|o| o.ended_on.is_none() && o.post == post.code())
            {
                return Err(OrgError::Invalid(format!(
                    "本组织已有在任{}，请先免去其职务",
                    post.label()
                )));
            }
            let term = store::list_terms(&mut w.exec(), id)
                .await?
                .into_iter()
                .find(|t| t.ended_on.is_none())
                .map(|t| t.id);
            let no = NewOfficer {
                term_id: term,
                post: post.code(),
                member_id: Some(member_id),
                person_name: &name,
                started_on,
            };
            let oid = store::insert_officer(&mut w.exec(), id, &no, now).await?;
            let ev = AuditEvent::success("org.officer_add", "org", id)
                .org(id)
                .detail(format!("{}：{name}", post.label()));
            w.audit(ev).await?;
            Ok(oid)
        })
        .await
}

/// What an appointment should be told, though it stands: a 书记 or 副书记 with less than a
/// year of 党龄 (ROLE-03, "一般应当"), and committee posts in a branch of fewer than seven
/// 正式党员, which has a 书记 and no committee (ORG-08).
///
/// # Errors
/// Storage failures.
pub async fn appointment_notes(
    app: &App,
    org: &super::model::Org,
    post: Post,
    member_id: i64,
) -> Result<Vec<String>, OrgError> {
    let mut notes = Vec::new();
    let mut conn = app.db.conn().await?;
    let (member, _) =
        members::service::get_unscoped(&mut conn.exec(), &app.keys, member_id).await?;
    let today = app.clock.today();
    if matches!(post, Post::Secretary | Post::DeputySecretary)
        && member.party_years(today).is_none_or(|y| y < 1)
    {
        notes.push(format!(
            "{}党龄不足一年；党支部书记一般应当具有 1 年以上党龄（《中国共产党支部工作条例（试行）》第二十三条）",
            member.name
        ));
    }
    let committee_post = !matches!(
        post,
        Post::Secretary | Post::DeputySecretary | Post::GroupLeader
    );
    if committee_post && org.kind().is_branch() {
        let full = members::service::counts_under(&mut conn.exec(), &org.path)
            .await?
            .full;
        if full < 7 {
            notes.push(format!(
                "本支部正式党员 {full} 人，不足 7 人的党支部不设支部委员会，只设 1 名书记，必要时设 1 名副书记（《中国共产党支部工作条例（试行）》第六章）"
            ));
        }
    }
    Ok(notes)
}

/// Ends an appointment.
///
/// # Errors
/// Denied, or invalid when the appointment is not open in this organisation.
pub async fn end_officer(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    officer_id: i64,
    on_date: Date,
) -> Result<(), OrgError> {
    get_checked(app, scope, id, OrgAction::Appoint).await?;
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if on_date > app.clock.today() {
                return Err(OrgError::Invalid("免职日期不能晚于今天".into()));
            }
            if !store::end_officer(&mut w.exec(), id, officer_id, on_date).await? {
                return Err(OrgError::Invalid(
                    "该任职记录不存在、已免职，或免职日期早于任职日期".into(),
                ));
            }
            w.audit(
                AuditEvent::success("org.officer_end", "org", id)
                    .org(id)
                    .detail(format!("任职记录 {officer_id}")),
            )
            .await?;
            Ok(())
        })
        .await
}
