//! The page chrome: fills the web layer's `PageCtx` from the areas that know its parts — the
//! menu from the user's capabilities (`auth::nav`), the bell from the notification centre
//! (`notices`), the switcher from the organisation tree (`orgs::focus`). `PageCtx` itself
//! stays in `web::layout`; its constructor lives here so that `web` imports no area.

use crate::auth::extract::User;
use crate::web::AppState;
use crate::web::error::AppResult;
use crate::web::layout::PageCtx;

impl PageCtx {
    /// Builds the context for a signed-in page in navigation area `area`: the user's name
    /// and role, their menu, the bell's unread count and the organisation switcher.
    ///
    /// # Errors
    /// Storage failures while loading the switcher.
    pub async fn new(st: &AppState, u: &User, title: &str, area: &str) -> AppResult<Self> {
        let a = &u.0;
        let unread = crate::notices::service::unread_notifications(
            &mut st.app.db.conn().await?.exec(),
            a.user_id,
        )
        .await?;
        let nav = crate::auth::nav::items(a, area);
        let (switcher, current_org) = crate::orgs::focus::switcher(st, u).await?;
        Ok(Self {
            title: title.to_owned(),
            demo: st.app.is_demo(),
            user_name: a.display_name.clone(),
            role_label: a.role.label(),
            csrf: a.csrf.clone(),
            nav,
            unread_notifications: unread,
            crumbs: Vec::new(),
            flash: u.1.flash.clone(),
            switcher,
            current_org,
            v: crate::web::assets::version(),
            officer: u.scope().has_member_area(),
        })
    }
}
