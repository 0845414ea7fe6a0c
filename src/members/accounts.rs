//! Accounts for members, issued for a whole organisation in one step: the login name is the
//! mobile number (or a member number, per the settings) and the first password is a one-time
//! activation code shown once on printable slips; the member sets a password at first login.
//! The code stops working after `auth.activation_code_days` (SEC-05); it is stored hashed like
//! a password, and the login refuses it once expired.

use crate::app::App;
use crate::audit::{Actor, AuditEvent};
use crate::auth::service::{self as auth_store, NewUser};
use crate::auth::{MemberAction, OrgAction, Scope};
use crate::config::AccountUsername;

use super::store;
use crate::shared::error::DomainError;

/// What a member needs to sign in for the first time.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Slip {
    /// 姓名.
    pub name: String,
    /// 所在党支部.
    pub org: String,
    /// Login name.
    pub username: String,
    /// One-time activation code.
    pub code: String,
    /// Last day the code can be used (年-月-日).
    pub valid_until: String,
}

/// A member number used as a login name.
#[must_use]
pub fn member_number(id: i64) -> String {
    format!("dy{id:06}")
}

/// How many members of the organisation's subtree have no account yet.
///
/// # Errors
/// Denied when the organisation or its members are not the caller's.
pub async fn pending(
    app: &App,
    scope: &Scope,
    org_id: i64,
) -> Result<(crate::orgs::model::Org, usize), DomainError> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    scope.check_member(MemberAction::Edit, &org.path, 0)?;
    let n = store::without_accounts(&mut app.db.conn().await?.exec(), &app.keys, &org.path)
        .await?
        .len();
    Ok((org, n))
}

/// Creates accounts for every member of the subtree who has none, in one transaction.
///
/// # Errors
/// Denied, or storage failures (then no account was created).
pub async fn issue(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
) -> Result<Vec<Slip>, DomainError> {
    issue_tracked(app, actor, scope, org_id, None).await
}

/// [`issue`], counting each prepared code into `progress` (the background issue's page).
///
/// # Errors
/// As [`issue`].
pub async fn issue_tracked(
    app: &App,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
    progress: Option<std::sync::Arc<super::issuing::Progress>>,
) -> Result<Vec<Slip>, DomainError> {
    let org = crate::orgs::service::get_checked(app, scope, org_id, OrgAction::View).await?;
    scope.check_member(MemberAction::Edit, &org.path, 0)?;
    let people =
        store::without_accounts(&mut app.db.conn().await?.exec(), &app.keys, &org.path).await?;
    let codes: Vec<String> = people
        .iter()
        .map(|_| crate::shared::token::activation_code())
        .collect();
    let pw = app.hasher;
    let to_hash: Vec<String> = codes
        .iter()
        .map(|c| crate::shared::token::normalize_code(c))
        .collect();
    // Hashing is deliberately slow; do it once, off the async threads, before the transaction.
    if let Some(p) = &progress {
        p.total
            .store(people.len(), std::sync::atomic::Ordering::Relaxed);
    }
    let hashes = tokio::task::spawn_blocking(move || {
        to_hash
            .iter()
            .map(|c| {
                let h = pw.hash(c);
                if let Some(p) = &progress {
                    p.step();
                }
                h
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .await
    .map_err(|_| DomainError::Invalid("账号生成失败，请重试".into()))?
    .map_err(|_| DomainError::Invalid("账号生成失败，请重试".into()))?;
    let now = app.now();
    let expires_at = crate::auth::users::activation_deadline(app, now);
    let valid_until = crate::shared::text::ymd(expires_at.date());
    app.db
        .write(actor, now, async |w| {
            let mut slips = Vec::with_capacity(people.len());
            // Whoever got an account meanwhile (another issue, the administrator) is skipped:
            // nobody ends up with two.
            let still: std::collections::HashSet<i64> =
                store::without_accounts(&mut w.exec(), &app.keys, &org.path)
                    .await?
                    .into_iter()
                    .map(|p| p.0)
                    .collect();
            // Every login name the batch might use, checked in one query; names given out in this
            // batch are added as they go.
            let mut wanted: Vec<String> = people.iter().filter_map(|p| p.2.clone()).collect();
            wanted.extend(people.iter().map(|p| member_number(p.0)));
            let mut taken: std::collections::HashSet<String> =
                auth_store::taken_usernames(&mut w.exec(), &wanted)
                    .await?
                    .into_iter()
                    .collect();
            for (((id, name, phone, branch, branch_name), code), hash) in
                people.into_iter().zip(codes).zip(hashes)
            {
                if !still.contains(&id) {
                    continue;
                }
                let mut candidates = Vec::new();
                if app.config.members.account_username == AccountUsername::Phone
                    && let Some(p) = phone
                {
                    candidates.push(p);
                }
                candidates.push(member_number(id));
                let username = candidates.into_iter().find(|c| !taken.contains(c));
                let Some(username) = username else { continue };
                let nu = NewUser {
                    username: &username,
                    display_name: &name,
                    password_hash: &hash,
                    role: "member",
                    org_id: Some(branch),
                    member_id: Some(id),
                    must_change_password: true,
                };
                let uid = auth_store::insert_user(&mut w.exec(), &nu, now).await?;
                auth_store::set_activation_expiry(&mut w.exec(), uid, expires_at).await?;
                taken.insert(username.clone());
                slips.push(Slip {
                    name,
                    org: branch_name,
                    username,
                    code,
                    valid_until: valid_until.clone(),
                });
            }
            let ev = AuditEvent::success("user.issue", "org", org.id)
                .org(org.id)
                .detail(format!("为 {} 名党员开通账号", slips.len()));
            w.audit(ev).await?;
            Ok(slips)
        })
        .await
}

/// The slips as a spreadsheet, for printing and cutting.
///
/// # Errors
/// Writer failures (bugs).
pub fn slips_workbook(
    slips: &[Slip],
    address: &str,
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("账号开通通知")?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (c, h) in [
        "姓名",
        "所在党支部",
        "用户名",
        "激活码",
        "有效期至",
        "登录地址",
    ]
    .iter()
    .enumerate()
    {
        ws.write_string_with_format(0, u16::try_from(c).unwrap_or(0), *h, &bold)?;
    }
    for (r, s) in slips.iter().enumerate() {
        let row = u32::try_from(r + 1).unwrap_or(u32::MAX);
        ws.write_string(row, 0, &s.name)?;
        ws.write_string(row, 1, &s.org)?;
        ws.write_string(row, 2, &s.username)?;
        ws.write_string(row, 3, &s.code)?;
        ws.write_string(row, 4, &s.valid_until)?;
        ws.write_string(row, 5, address)?;
    }
    for (c, w) in [10, 24, 16, 22, 12, 36].iter().enumerate() {
        ws.set_column_width(u16::try_from(c).unwrap_or(0), *w)?;
    }
    ws.set_header("&C党员账号开通通知（激活码仅限本人首次登录使用，登录后须设置新密码）");
    wb.save_to_buffer()
}
