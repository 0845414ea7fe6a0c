//! Corrections a member asks for on their own record (PIPL-46): the member proposes a new value
//! with a reason; an officer of the branch approves (the change is checked like any edit and
//! applied) or rejects with a note. Nobody decides on their own request.

use time::OffsetDateTime;

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::{Denial, MemberAction, Scope};

use super::corrections_store::{decide_row, get, insert};
use super::model::{label_of, validate};
use super::service::{check_unique, detail};
use crate::shared::error::DomainError;

pub use super::corrections_store::{of_member, pending_under};

/// Items a member may ask to correct (organisation, category and status change by events).
pub const CORRECTABLE: &[&str] = &[
    "name",
    "gender",
    "id_number",
    "ethnicity",
    "birth_date",
    "education",
    "degree",
    "joined_on",
    "converted_on",
    "job_title",
    "employer",
    "work_started_on",
    "phone",
    "native_place",
    "address",
    "party_post",
    "mobile_destination",
];

/// A request as listed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Correction {
    /// Id.
    pub id: i64,
    /// Member.
    pub member_id: i64,
    /// Member name.
    pub member_name: String,
    /// Field key.
    pub field: String,
    /// Proposed value.
    pub new_value: String,
    /// Why.
    pub reason: String,
    /// `pending`, `approved`, `rejected`.
    pub status: String,
    /// When asked.
    pub requested_at: OffsetDateTime,
    /// Officer's note.
    pub decision_note: String,
    /// The proposed 身份证号 or 手机号, sealed like the record's own (SEC-46).
    pub(super) new_value_enc: Option<Vec<u8>>,
}

impl Correction {
    /// Chinese name of the field.
    #[must_use]
    pub fn field_label(&self) -> &'static str {
        label_of(&self.field)
    }
    /// The proposed value as lists show it: numbers masked.
    #[must_use]
    pub fn value_masked(&self) -> String {
        match self.field.as_str() {
            "id_number" => super::idcard::mask(&self.new_value),
            "phone" => super::idcard::mask_phone(&self.new_value),
            "address" => "（已隐藏）".into(),
            _ => self.new_value.clone(),
        }
    }
    /// Status in Chinese.
    #[must_use]
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "pending" => "待审核",
            "approved" => "已同意",
            _ => "未同意",
        }
    }
    /// Request time for display.
    #[must_use]
    pub fn requested_text(&self) -> String {
        crate::shared::text::datetime(self.requested_at)
    }
}

/// A member asks to correct one item of their own record.
///
/// # Errors
/// Denied unless it is the caller's own record; invalid field, value or reason.
pub async fn request(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    member_id: i64,
    field: &str,
    value: &str,
    reason: &str,
) -> Result<i64, DomainError> {
    if scope.member_id != Some(member_id) {
        return Err(Denial::NotFound.into());
    }
    let d = detail(app, scope, member_id, MemberAction::View).await?;
    if !CORRECTABLE.contains(&field) {
        return Err(DomainError::Invalid("请选择要更正的项目".into()));
    }
    let (value, reason) = (value.trim(), reason.trim());
    if value.chars().count() > 100 {
        return Err(DomainError::Invalid("更正后的内容不能超过 100 字".into()));
    }
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(DomainError::Invalid(
            "请填写更正理由（不超过 200 字）".into(),
        ));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let id = insert(
                &mut w.exec(),
                &app.keys,
                member_id,
                field,
                value,
                reason,
                scope.user_id,
                now,
            )
            .await?;
            let ev = AuditEvent::success("member.correction_request", "member", member_id)
                .detail(label_of(field));
            w.audit(ev).await?;
            let title = format!("{}申请更正本人的{}", d.member.name, label_of(field));
            crate::notices::service::to_officers(
                &mut w.exec(),
                d.org.id,
                ("todo", &title, &format!("/members/corrections/{id}")),
                now,
            )
            .await?;
            Ok(id)
        })
        .await
}

/// Loads a request for an officer who may decide on it.
///
/// # Errors
/// `NotFound` outside scope; `Forbidden` for the member's own request.
pub async fn for_decision(
    app: &App,
    scope: &Scope,
    id: i64,
) -> Result<(Correction, super::service::MemberDetail), DomainError> {
    let c = match get(&mut app.db.conn().await?.exec(), &app.keys, id).await {
        Ok(c) => c,
        Err(crate::db::StoreError::NotFound) => return Err(Denial::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    let d = detail(app, scope, c.member_id, MemberAction::Edit).await?;
    if scope.member_id == Some(c.member_id) {
        return Err(DomainError::Denied(Denial::Forbidden));
    }
    Ok((c, d))
}

/// Approves (applying the change, checked like an edit) or rejects a request.
///
/// # Errors
/// Denied, already decided, or the change fails the record's rules (then nothing changes).
pub async fn decide(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    approve: bool,
    note: &str,
) -> Result<(), DomainError> {
    let (c, d) = for_decision(app, scope, id).await?;
    if c.status != "pending" {
        return Err(DomainError::Invalid("该申请已经处理".into()));
    }
    let note = note.trim();
    if !approve && note.is_empty() {
        return Err(DomainError::Invalid(
            "不同意时请填写说明，告知党员原因".into(),
        ));
    }
    // Check the change first, then apply it and the decision in one transaction.
    let fields = if approve {
        let mut raw = d.member.raw_fields();
        raw.insert(c.field.clone(), c.new_value.clone());
        let codes = super::service::codes(app).await?;
        let f = validate(&raw, d.member.category(), &codes, app.clock.today())
            .map_err(DomainError::Fields)?;
        check_unique(app, scope, &f.id_number, Some(c.member_id)).await?;
        Some(f)
    } else {
        None
    };
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            if decide_row(
                &mut w.exec(),
                id,
                if approve { "approved" } else { "rejected" },
                scope.user_id,
                note,
                now,
            )
            .await?
                == 0
            {
                return Err(DomainError::Invalid("该申请已经处理".into()));
            }
            if let Some(f) = &fields {
                super::store::update(
                    &mut w.exec(),
                    &app.keys,
                    c.member_id,
                    d.member.group_id,
                    f,
                    now,
                )
                .await?;
            }
            let what = if approve { "同意" } else { "不同意" };
            let ev = AuditEvent::success("member.correction_decide", "member", c.member_id)
                .detail(format!("{what}更正{}", c.field_label()));
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
