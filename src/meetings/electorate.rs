//! Who counts in "应到会有表决权" (VOTE-01, ELEC-08, MEET-11): the recorder may leave out a
//! voting member who cannot attend for a recognised reason, with the reason kept on the roll
//! and in the audit log. Members under 留党察看 and 预备党员 have no vote at all and are not
//! listed here. Changes stop when the record is submitted: its counts are then fixed.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::Scope;

use super::roll_store;
use super::service::{MeetingError, MeetingResult, get_managed};
use super::store;

/// The recognised reasons: (code, words on the page).
pub const REASONS: [(&str, &str); 6] = [
    ("illness", "年老体弱或长期患病卧床，不能参加"),
    ("unable", "因精神疾病等原因不能表达本人意志"),
    ("abroad", "出国（境）半年以上"),
    ("away", "外出工作、学习半年以上，应转而未转组织关系"),
    ("detained", "正在服刑、被羁押或留置"),
    ("retired_away", "离退休后回原籍居住，组织关系仍在原单位"),
];

/// The words for a stored reason code (empty for none).
#[must_use]
pub fn reason_label(code: &str) -> &'static str {
    REASONS
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, l)| l)
}

/// Leaves a voting member out of 应到会有表决权 for a recognised reason, or (with an empty
/// `reason`) counts them again.
///
/// # Errors
/// Denied, an unknown reason, a member without a vote or not on the roll, a cancelled meeting
/// or a record already submitted.
pub async fn exclude(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    id: i64,
    member_id: i64,
    reason: &str,
) -> MeetingResult<()> {
    let (m, _) = get_managed(app, scope, id).await?;
    if !m.is_general() {
        return Err(MeetingError::Invalid(
            "只有支部党员大会需要核定应到会有表决权的人数".into(),
        ));
    }
    let reason = reason.trim();
    if !reason.is_empty() && reason_label(reason).is_empty() {
        return Err(MeetingError::Invalid("请选择不计入的原因".into()));
    }
    let now = app.now();
    app.db
        .write(actor, now, async |w| {
            let m = store::get(&mut w.exec(), id).await?;
            if m.is_cancelled() || m.is_held() {
                return Err(MeetingError::Refused(
                    "minutes_locked",
                    "会议已取消或会议记录已提交，不能再调整应到会有表决权的人数".into(),
                ));
            }
            let Some(a) = roll_store::attendee(&mut w.exec(), id, member_id).await? else {
                return Err(MeetingError::Refused(
                    "not_on_roll",
                    "该党员不在本次会议的应到人员名单中".into(),
                ));
            };
            if !a.voting {
                return Err(MeetingError::Invalid(format!(
                    "{}没有表决权，不计入应到会有表决权的人数",
                    a.name
                )));
            }
            roll_store::set_excluded(&mut w.exec(), id, member_id, reason).await?;
            let detail = if reason.is_empty() {
                format!("恢复计入应到会有表决权：{}", a.name)
            } else {
                format!(
                    "不计入应到会有表决权：{}（{}）",
                    a.name,
                    reason_label(reason)
                )
            };
            let ev = AuditEvent::success("meeting.electorate", "meeting", id)
                .org(m.org_id)
                .detail(detail);
            w.audit(ev).await?;
            Ok(())
        })
        .await
}
