//! Account administration: defining, approving and creating accounts, and issuing activation
//! codes for them. Used by the admin pages and by `zhibu admin`; who may do what is in
//! [`super::duties`] (SEC-18), and every use case takes a [`By`] saying who asks.

use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::{self, Actor, AuditEvent};
use crate::db::StoreError;
use crate::shared::token::{activation_code, normalize_code};

use super::duties::{self, Creation};
use super::model::{Role, check_password, normalize_username};
use super::service::{AuthError, hash_blocking, password_rules};
use super::store::{self, NewUser, UserRow};

pub use super::account_state::{id_by_username, set_disabled, unlock};

/// A password hash no password matches: a pending account cannot be signed in to.
const NO_CREDENTIAL: &str = "!pending-approval";

/// Who asks for an account change.
#[derive(Debug, Clone, Copy)]
pub enum By<'a> {
    /// The operator on the server (`zhibu admin`, first start, demo data).
    Server,
    /// A signed-in administrator.
    Admin {
        /// Their account.
        user_id: i64,
        /// Their role.
        role: Role,
        /// How the account's owner sees them (role and name, never a login name).
        shown: &'a str,
    },
}

impl By<'_> {
    /// The name recorded as having defined or reset an account, e.g. "安全管理员 李安全".
    #[must_use]
    pub fn shown(&self) -> String {
        match self {
            By::Server => "服务器命令行".to_owned(),
            By::Admin { role, shown, .. } => format!("{} {shown}", role.label()),
        }
    }
}

/// Input for a new account.
#[derive(Debug, Clone)]
pub struct CreateUser {
    /// Login name as typed.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Organisation (business roles only).
    pub org_id: Option<i64>,
    /// Member record to link (its branch becomes the organisation when none is given).
    pub member_id: Option<i64>,
    /// Initial password (the server only); `None` issues an activation code.
    pub password: Option<String>,
    /// Whether the user must change it at first login.
    pub must_change: bool,
}

/// A secret to hand to a person once: an activation code (or a password given on the server).
#[derive(Debug, Clone)]
pub struct Credential {
    /// The account.
    pub user_id: i64,
    /// Its login name.
    pub username: String,
    /// The person's name, printed on the slip.
    pub display_name: String,
    /// The role.
    pub role: Role,
    /// The code.
    pub code: String,
    /// When the code stops working (SEC-05).
    pub expires_at: OffsetDateTime,
}

/// A created account; `credential` is `None` while it waits for approval.
#[derive(Debug, Clone)]
pub struct Created {
    /// Id.
    pub id: i64,
    /// What to hand over, if anything yet.
    pub credential: Option<Credential>,
}

/// When an activation code issued now stops working.
#[must_use]
pub fn activation_deadline(app: &App, now: OffsetDateTime) -> OffsetDateTime {
    now + Duration::days(i64::from(app.config.auth.activation_code_days))
}

/// Refuses a 三员 account beyond `auth.max_per_admin_role` (SEC-18).
pub(super) async fn check_triad_limit(
    app: &App,
    ex: &mut crate::db::Exec<'_>,
    role: Role,
) -> Result<(), AuthError> {
    if !role.is_admin_triad() {
        return Ok(());
    }
    let max = app.config.auth.max_per_admin_role;
    if store::count_enabled_with_role(ex, role.code()).await? >= i64::from(max) {
        return Err(AuthError::Invalid(duties::triad_limit_reached(role, max)));
    }
    Ok(())
}

/// Creates an account. An administrator's business account waits for approval and gets no
/// credential; a 三员 account made by the 安全管理员 or anything made on the server is active
/// at once with an activation code (or the given password).
///
/// # Errors
/// [`AuthError::Denied`], [`AuthError::Invalid`] with the reason, or
/// [`AuthError::UsernameTaken`].
pub async fn create(
    app: &App,
    actor: &Actor,
    by: By<'_>,
    mut input: CreateUser,
) -> Result<Created, AuthError> {
    let creation = match by {
        By::Server => Creation::Active,
        By::Admin { role, .. } if !role.is_admin_triad() => return Err(AuthError::Denied),
        By::Admin { role, .. } => {
            input.password = None;
            duties::creation(role, input.role).map_err(|m| AuthError::Invalid(m.into()))?
        }
    };
    let username = normalize_username(&input.username).map_err(AuthError::Invalid)?;
    let display = input.display_name.trim().to_owned();
    if display.is_empty() || display.chars().count() > 40 {
        return Err(AuthError::Invalid("姓名需为 1 到 40 个字符".into()));
    }
    if let Some(m) = input.member_id {
        if input.role.is_admin_triad() {
            return Err(AuthError::Invalid("三员账号不能关联党员".into()));
        }
        let found =
            crate::members::service::get_unscoped(&mut app.db.conn().await?.exec(), &app.keys, m)
                .await
                .map_err(|e| match e {
                    StoreError::NotFound => AuthError::Invalid("该党员记录不存在".into()),
                    e => e.into(),
                })?;
        input.org_id = input.org_id.or(Some(found.0.org_id));
    }
    match (input.role.is_admin_triad(), input.org_id) {
        (true, Some(_)) => return Err(AuthError::Invalid("三员账号不隶属于任何党组织".into())),
        (false, None) => return Err(AuthError::Invalid("请选择该账号所属的党组织".into())),
        _ => {}
    }
    let (secret, code) = match (creation, input.password) {
        (Creation::Pending, _) => (None, false),
        (Creation::Active, Some(p)) => {
            check_password(&p, &username, input.role, password_rules(app))
                .map_err(AuthError::Invalid)?;
            (Some(p), false)
        }
        (Creation::Active, None) => (Some(activation_code()), true),
    };
    let hash = match &secret {
        Some(s) if code => hash_blocking(app, normalize_code(s)).await?,
        Some(s) => hash_blocking(app, s.clone()).await?,
        None => NO_CREDENTIAL.to_owned(),
    };
    let now = app.now();
    let mut tx = app.db.begin().await?;
    if let Some(org) = input.org_id {
        crate::orgs::service::get_unscoped(&mut tx.exec(), org)
            .await
            .map_err(|e| match e {
                StoreError::NotFound => AuthError::Invalid("所选党组织不存在".into()),
                e => e.into(),
            })?;
    }
    check_triad_limit(app, &mut tx.exec(), input.role).await?;
    let nu = NewUser {
        username: &username,
        display_name: &display,
        password_hash: &hash,
        role: input.role.code(),
        org_id: input.org_id,
        member_id: input.member_id,
        must_change_password: input.must_change || code,
    };
    let id = store::insert_user(&mut tx.exec(), &nu, now)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => AuthError::UsernameTaken,
            e => e.into(),
        })?;
    let expires_at = activation_deadline(app, now);
    let state = if creation == Creation::Pending {
        store::mark_pending(&mut tx.exec(), id, &by.shown()).await?;
        "，待安全管理员审核"
    } else {
        if code {
            store::set_activation_expiry(&mut tx.exec(), id, expires_at).await?;
        }
        ""
    };
    let mut ev = AuditEvent::success("user.create", "user", id)
        .detail(format!("{display}（{}）{state}", input.role.label()));
    ev.org_id = input.org_id;
    audit::record(&mut tx, actor, now, ev).await?;
    tx.commit().await?;
    let credential = secret.map(|code| Credential {
        user_id: id,
        username,
        display_name: display,
        role: input.role,
        code,
        expires_at,
    });
    Ok(Created { id, credential })
}

/// Approves an account the 系统管理员 defined and issues its activation code (安全管理员).
///
/// # Errors
/// [`AuthError::Denied`], [`AuthError::NotFound`], or [`AuthError::Invalid`] when the
/// account is not waiting for approval.
pub async fn approve(
    app: &App,
    actor: &Actor,
    by: By<'_>,
    user_id: i64,
) -> Result<Credential, AuthError> {
    if let By::Admin { role, .. } = by
        && !duties::may_reset(role)
    {
        return Err(AuthError::Denied);
    }
    let user = load(app, user_id).await?;
    if !user.pending_approval {
        return Err(AuthError::Invalid("该账号不在待审核状态".into()));
    }
    let code = activation_code();
    let hash = hash_blocking(app, normalize_code(&code)).await?;
    let now = app.now();
    let expires_at = activation_deadline(app, now);
    app.db
        .write(actor, now, async |w| {
            if !store::set_activation_code(&mut w.exec(), user_id, &hash, expires_at, None, now)
                .await?
            {
                return Err(AuthError::Invalid("该账号不在待审核状态".into()));
            }
            let role = Role::from_code(&user.role).unwrap_or(Role::Member);
            let mut ev = AuditEvent::success("user.approve", "user", user_id).detail(format!(
                "{}（{}），由{}建立，发放激活码",
                user.display_name,
                role.label(),
                user.defined_by.as_deref().unwrap_or("—")
            ));
            ev.org_id = user.org_id;
            w.audit(ev).await?;
            Ok(credential(user, role, code, expires_at))
        })
        .await
}

/// Replaces an account's password with an activation code (or, on the server, a given
/// password) that must be changed at the next login; clears any lock, ends the account's
/// sessions and records who did it so the owner is told at the next login.
///
/// # Errors
/// [`AuthError::Denied`], [`AuthError::NotFound`], or [`AuthError::Invalid`] (own account,
/// pending account, a given password breaking the policy).
pub async fn reset_password(
    app: &App,
    actor: &Actor,
    by: By<'_>,
    user_id: i64,
    given: Option<String>,
) -> Result<Credential, AuthError> {
    let given = match by {
        By::Server => given,
        By::Admin { role, .. } if !duties::may_reset(role) => return Err(AuthError::Denied),
        By::Admin { user_id: me, .. } if me == user_id => {
            return Err(AuthError::Invalid(
                "不能重置自己的密码，请在“修改密码”中修改".into(),
            ));
        }
        By::Admin { .. } => None,
    };
    let user = load(app, user_id).await?;
    if user.pending_approval {
        return Err(AuthError::Invalid("该账号尚未审核，请先审核".into()));
    }
    let role = Role::from_code(&user.role).unwrap_or(Role::Member);
    let code = match given {
        Some(p) => {
            check_password(&p, &user.username, role, password_rules(app))
                .map_err(AuthError::Invalid)?;
            p
        }
        None => activation_code(),
    };
    let hash = hash_blocking(app, normalize_code(&code)).await?;
    let now = app.now();
    let expires_at = activation_deadline(app, now);
    app.db
        .write(actor, now, async |w| {
            if !store::set_activation_code(
                &mut w.exec(),
                user_id,
                &hash,
                expires_at,
                Some(&by.shown()),
                now,
            )
            .await?
            {
                return Err(AuthError::Invalid("该账号尚未审核，请先审核".into()));
            }
            let n = store::delete_other_sessions(&mut w.exec(), user_id, None).await?;
            let mut ev =
                AuditEvent::success("user.reset_password", "user", user_id).detail(format!(
                    "{}（{}），发放激活码，注销会话 {n} 个",
                    user.display_name,
                    role.label()
                ));
            ev.org_id = user.org_id;
            w.audit(ev).await?;
            Ok(credential(user, role, code, expires_at))
        })
        .await
}

async fn load(app: &App, user_id: i64) -> Result<UserRow, AuthError> {
    store::get_user(&mut app.db.conn().await?.exec(), user_id)
        .await
        .map_err(not_found)
}

fn credential(user: UserRow, role: Role, code: String, expires_at: OffsetDateTime) -> Credential {
    Credential {
        user_id: user.id,
        username: user.username,
        display_name: user.display_name,
        role,
        code,
        expires_at,
    }
}

pub(super) fn not_found(e: StoreError) -> AuthError {
    match e {
        StoreError::NotFound => AuthError::NotFound,
        e => e.into(),
    }
}
