//! Use cases for member records. Every function checks the caller's `Scope` first; status,
//! category and branch change only through recorded events; writes carry their audit row.

use time::Date;

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, OrgAction, Scope};
use crate::db::StoreError;
use crate::orgs::model::{Org, OrgKind};

use super::events::{self, MemberEvent, NewEvent};
use super::model::{
    Category, CodeSets, EventKind, FieldError, Member, RawFields, Status, validate,
};
use super::store::{self, MemberRow};
use crate::shared::error::DomainError;

/// The code tables (民族, 学历, 学位, 党籍状态).
///
/// # Errors
/// Storage failures.
pub async fn codes(app: &App) -> Result<CodeSets, DomainError> {
    Ok(store::code_sets(&mut app.db.conn().await?.exec()).await?)
}

/// A page of the roster and the number of matching rows. `filter.roots` is replaced by what
/// the caller may see (narrowed to `org` when given).
///
/// # Errors
/// Denied when the organisation is not visible.
pub async fn roster(
    app: &App,
    scope: &Scope,
    org: Option<i64>,
    mut filter: RosterFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<MemberRow>, i64), DomainError> {
    if !scope.has_member_area() {
        return Err(Denial::Forbidden.into());
    }
    filter.roots = match org {
        Some(id) => {
            let o = crate::orgs::service::get_checked(app, scope, id, OrgAction::View).await?;
            scope.visible_within(&o)?
        }
        None => scope.visible_members(),
    };
    // SEC-47: a whole 身份证号 or 手机号 typed into the search box is found through its blind
    // index; parts of these numbers cannot be searched, they are stored sealed.
    if let Some(q) = filter.name.clone() {
        if super::idcard::parse(&q).is_ok() {
            filter.id_number_bidx = Some(super::sealing::id_blind(&app.keys, &q));
            filter.name = None;
        } else if let Some(p) = super::validate::normalize_phone(&q) {
            filter.phone_bidx = Some(super::sealing::phone_blind(&app.keys, &p));
            filter.name = None;
        }
    }
    let mut conn = app.db.conn().await?;
    let total = store::count(&mut conn.exec(), &filter).await?;
    let rows = store::list(&mut conn.exec(), &app.keys, &filter, limit, offset).await?;
    Ok((rows, total))
}

/// One record with its branch, 党小组 and history.
#[derive(Debug, Clone)]
pub struct MemberDetail {
    /// The record.
    pub member: Member,
    /// Branch.
    pub org: Org,
    /// 党小组.
    pub group: Option<Org>,
    /// Events, oldest first.
    pub events: Vec<MemberEvent>,
}

/// Loads a record after checking the action.
///
/// # Errors
/// `NotFound` for unknown and out-of-scope ids alike.
pub async fn detail(
    app: &App,
    scope: &Scope,
    id: i64,
    action: MemberAction,
) -> Result<MemberDetail, DomainError> {
    let mut conn = app.db.conn().await?;
    let (member, path) = match store::get(&mut conn.exec(), &app.keys, id).await {
        Ok(x) => x,
        Err(StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    scope.check_member(action, &path, id)?;
    let org = crate::orgs::service::get_unscoped(&mut conn.exec(), member.org_id).await?;
    let group = match member.group_id {
        Some(g) => Some(crate::orgs::service::get_unscoped(&mut conn.exec(), g).await?),
        None => None,
    };
    let events = events::list(&mut conn.exec(), id).await?;
    Ok(MemberDetail {
        member,
        org,
        group,
        events,
    })
}

/// Where and how a new record enters.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// The 党支部.
    pub org_id: i64,
    /// The 党小组, if any.
    pub group_id: Option<i64>,
    /// 人员类别.
    pub category: Category,
    /// How the member enters the branch.
    pub entry: Entry,
    /// For 转入: the sending organisation and the number of the letter brought.
    pub letter: Option<(String, String)>,
}

/// How a new record enters its branch.
#[derive(Debug, Clone, Copy, Default)]
pub struct Entry {
    /// 建档登记, 发展入党 or 转入.
    pub kind: EventKind,
    /// When the member entered the branch (for 发展: the 入党日期, DEV-20).
    pub on: Option<Date>,
}

/// Checks that a 党小组 belongs to the branch.
async fn check_group(app: &App, branch: &Org, group_id: Option<i64>) -> Result<(), DomainError> {
    let Some(g) = group_id else { return Ok(()) };
    let group = crate::orgs::service::get_unscoped(&mut app.db.conn().await?.exec(), g)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => DomainError::Invalid("所选党小组不存在".into()),
            e => e.into(),
        })?;
    if group.parent_id != Some(branch.id) || group.kind() != OrgKind::Group || !group.is_active() {
        return Err(DomainError::Invalid("所选党小组不属于该党支部".into()));
    }
    Ok(())
}

/// Refuses a 身份证号 registered on another record, saying where when the caller may see it.
pub(super) async fn check_unique(
    app: &App,
    scope: &Scope,
    id_number: &str,
    except: Option<i64>,
) -> Result<(), DomainError> {
    let found =
        store::find_by_id_number(&mut app.db.conn().await?.exec(), &app.keys, id_number).await?;
    match found {
        Some((id, name, org_name, path)) if Some(id) != except => {
            let msg = if scope.check_member(MemberAction::View, &path, id).is_ok() {
                format!("该公民身份号码已登记在“{org_name}”的党员“{name}”名下")
            } else {
                "该公民身份号码已在系统中其他组织登记，请联系上级党组织核实".to_owned()
            };
            Err(DomainError::Fields(vec![FieldError {
                field: "id_number",
                label: "公民身份号码",
                message: msg,
            }]))
        }
        _ => Ok(()),
    }
}

/// Creates a record in a branch, with the event that brings it there.
///
/// # Errors
/// Denied, field errors (all of them), or invalid entry.
pub async fn create(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    place: Placement,
    raw: &RawFields,
) -> Result<i64, DomainError> {
    let Placement {
        org_id,
        group_id,
        category,
        entry,
        letter,
    } = place;
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    scope.check_member(MemberAction::Edit, &org.path, 0)?;
    if !org.kind().is_branch() || !org.is_active() {
        return Err(DomainError::Invalid(
            "党员须登记在党支部（党小组在党支部下选择）".into(),
        ));
    }
    check_group(app, &org, group_id).await?;
    let codes = codes(app).await?;
    let today = app.clock.today();
    let fields = validate(raw, category, &codes, today).map_err(DomainError::Fields)?;
    if !entry.kind.is_entry() {
        return Err(DomainError::Invalid("请选择进入本支部的方式".into()));
    }
    if entry.kind == EventKind::Develop && category != Category::Probationary {
        return Err(DomainError::Invalid("新发展的党员为预备党员".into()));
    }
    let on = match entry.kind {
        EventKind::Develop => fields.joined_on,
        _ => entry.on.unwrap_or(today),
    };
    if on > today || on < fields.joined_on {
        return Err(DomainError::Invalid(
            "进入本支部的日期应在入党日期之后、今天之前".into(),
        ));
    }
    check_unique(app, scope, &fields.id_number, None).await?;
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = store::insert(
                &mut w.exec(),
                &app.keys,
                org.id,
                group_id,
                category.code(),
                &fields,
                now,
            )
            .await
            .map_err(|e| match e {
                StoreError::Duplicate => DomainError::Invalid("该公民身份号码已登记".into()),
                e => e.into(),
            })?;
            let ev = NewEvent {
                member_id: id,
                kind: entry.kind,
                occurred_on: on,
                from_org_id: None,
                to_org_id: Some(org.id),
                note: "",
                recorded_by: actor.user_id,
                recorded_by_name: &actor.name,
            };
            events::insert(&mut w.exec(), &ev, now).await?;
            if let (EventKind::TransferIn, Some((from, letter_ref))) = (entry.kind, &letter) {
                let t = crate::transfers::service::NewTransfer {
                    member_id: id,
                    kind: "incoming",
                    status: "received",
                    to_org_id: Some(org.id),
                    other_org_name: from,
                    letter_ref,
                    issued_on: Some(on),
                    requested_by: actor.user_id,
                    ..Default::default()
                };
                crate::transfers::service::insert_transfer(&mut w.exec(), &t, now).await?;
            }
            let a = AuditEvent::success("member.create", "member", id)
                .org(org.id)
                .detail(entry.kind.label());
            w.audit(a).await?;
            Ok(id)
        })
        .await
}

/// Edits the fields of a record (not its branch, category or status).
///
/// # Errors
/// Denied or field errors.
pub async fn update(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    group_id: Option<i64>,
    raw: &RawFields,
) -> Result<(), DomainError> {
    let d = detail(app, scope, id, MemberAction::Edit).await?;
    check_group(app, &d.org, group_id).await?;
    let codes = codes(app).await?;
    let fields = validate(raw, d.member.category(), &codes, app.clock.today())
        .map_err(DomainError::Fields)?;
    check_unique(app, scope, &fields.id_number, Some(id)).await?;
    let changed = changed_items(&d.member, &fields, group_id);
    if changed.is_empty() {
        return Ok(());
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            store::update(&mut w.exec(), &app.keys, id, group_id, &fields, now).await?;
            // The audit row names the items changed, never their values (SEC-25).
            let a = AuditEvent::success("member.update", "member", id)
                .org(d.org.id)
                .detail(changed.join("、"));
            w.audit(a).await?;
            Ok(())
        })
        .await
}

fn changed_items(
    m: &Member,
    f: &super::model::MemberFields,
    group_id: Option<i64>,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |label: &'static str, same: bool| {
        if !same {
            out.push(label);
        }
    };
    check("姓名", m.name == f.name);
    check("性别", m.gender == f.gender);
    check("公民身份号码", m.id_number == f.id_number);
    check("出生日期", m.birth_date == f.birth_date);
    check("民族", m.ethnicity == f.ethnicity);
    check("学历", m.education == f.education);
    check("学位", m.degree == f.degree);
    check("入党日期", m.joined_on == f.joined_on);
    check("转正日期", m.converted_on == f.converted_on);
    check("工作岗位", m.job_title == f.job_title);
    check("联系电话", m.phone == f.phone);
    check("籍贯", m.native_place == f.native_place);
    check("工作单位及职务", m.employer == f.employer);
    check("参加工作日期", m.work_started_on == f.work_started_on);
    check("家庭住址", m.address == f.address);
    check("党内职务", m.party_post == f.party_post);
    check(
        "失联情况",
        m.lost_contact == f.lost_contact && m.lost_contact_on == f.lost_contact_on,
    );
    check(
        "流动情况",
        m.mobile == f.mobile && m.mobile_destination == f.mobile_destination,
    );
    check("所在党小组", m.group_id == group_id);
    out
}

/// The full 身份证号, 手机号 and 住址 of a record; every call is audited (SEC-53).
///
/// # Errors
/// Denied.
pub async fn unmask(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
) -> Result<MemberDetail, DomainError> {
    let d = detail(app, scope, id, MemberAction::Unmask).await?;
    let a = AuditEvent::success("member.unmask", "member", id)
        .org(d.org.id)
        .detail("查看完整身份证号、手机号和住址");
    audit::record_alone(&app.db, actor, app.now(), a).await?;
    Ok(d)
}

/// Whether a status code is one a filter may name.
#[must_use]
pub fn known_status(s: &str) -> bool {
    Status::from_code(s).is_some()
}

pub use super::history::{EventInput, on_date, record_event};

/// What other areas read of the roster: a record by id once they have decided who may see it
/// (or run as the system), a branch's members, and a member's organisation and path.
pub use super::store::{
    RosterFilter, count_direct, counts_under, get as get_unscoped, list_in_org, name_in_subtree,
    org_of, set_status,
};
