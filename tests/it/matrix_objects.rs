//! The objects the SEC-19 matrix needs beyond organisations, members, meetings and bots: one of
//! each kind per relation (a transfer letter, a notice with an attachment, a claim with evidence,
//! a correction, a board entry, a feed photo, a member's photo) and the callers' own things (a
//! notification, a second session, an import upload, a calendar link, a letter's check code).
//! Without them a route answers 404 to everyone and its row cannot catch a missing check.

use std::collections::HashMap;

use zhibu::audit::Actor;
use zhibu::auth::scope::OwnOrg;
use zhibu::auth::{Role, Scope};
use zhibu::orgs::model::Org;

use crate::support::TestApp;

/// Where one relation's objects live: the organisation (org-level objects) and the branch and
/// member record (member-level objects).
pub struct Placed<'a> {
    pub rel: &'static str,
    pub org: &'a Org,
    pub branch: &'a Org,
    pub member: i64,
}

/// Ids by `(kind, relation)` and the callers' own values by name.
#[derive(Default)]
pub struct Objects {
    pub by_rel: HashMap<(&'static str, &'static str), i64>,
    pub own: HashMap<&'static str, String>,
    /// A branch no relation reaches: where transfers are addressed.
    pub elsewhere: i64,
}

impl Objects {
    /// The object of `kind` for `rel` (a missing one reads as an id nobody has).
    pub fn id(&self, kind: &str, rel: &str) -> i64 {
        self.by_rel
            .iter()
            .find(|((k, r), _)| *k == kind && *r == rel)
            .map_or(999_999, |(_, id)| *id)
    }
}

/// The scope of a member's own account in `branch`, linked to `member`.
fn member_scope(uid: i64, branch: &Org, member: i64) -> Scope {
    let own = OwnOrg {
        id: branch.id,
        path: branch.path.clone(),
        kind: branch.kind(),
    };
    Scope::new(uid, Role::Member, Some(own), Some(member))
}

async fn scalar(t: &TestApp, sql: &str, id: i64) -> i64 {
    let mut conn = t.app.db.conn().await.unwrap();
    let mut ex = conn.exec();
    zhibu::on!(&mut ex, c => sqlx::query_scalar(sql).bind(id).fetch_one(c).await.unwrap())
}

/// Creates everything; `member_user` and `admin_user` are the matrix's member and 组织管理员
/// accounts of the own branch.
pub async fn create(
    t: &TestApp,
    placed: &[Placed<'_>],
    elsewhere: &Org,
    member_user: i64,
    admin_user: i64,
) -> Objects {
    let app = &t.app;
    let op = Scope::operator();
    let actor = Actor::cli("test");
    let today = app.clock.today();
    let png = crate::feed::png();
    let mut o = Objects {
        elsewhere: elsewhere.id,
        ..Objects::default()
    };
    for (i, p) in placed.iter().enumerate() {
        let seq = 40 + u32::try_from(i).unwrap();
        // A member of their own, so that a recorded receipt (which takes them off the books)
        // leaves the matrix's member rows alone.
        let leaving = t.member(p.branch.id, None, seq).await;
        o.by_rel.insert(("transfer_member", p.rel), leaving);
        let letter = zhibu::transfers::service::LetterInput {
            destination: "某市直机关工委".into(),
            valid_days: 30,
            dues_paid_to: "2026-11".into(),
            reason: "工作调动".into(),
        };
        let tr = zhibu::transfers::service::issue_letter(app, &actor, &op, leaving, &letter)
            .await
            .unwrap();
        o.by_rel.insert(("transfer", p.rel), tr);
        if p.rel == "own" {
            let shown = zhibu::transfers::service::get(app, &op, tr).await.unwrap();
            o.own
                .insert("letter_token", shown.verify_token.unwrap_or_default());
        }

        let draft = zhibu::notices::service::Draft {
            org_id: p.org.id,
            title: "学习通知".into(),
            body: "请按时参加学习。".into(),
            receipt_required: true,
            audience: zhibu::notices::model::Audience {
                orgs: vec![p.org.id],
                ..Default::default()
            },
            publish_at: None,
            bot_event: "notice",
        };
        let files = [("议程.png".to_owned(), png.clone())];
        let notice = zhibu::notices::service::create_with_files(app, &actor, &op, &draft, &files)
            .await
            .unwrap();
        o.by_rel.insert(("notice", p.rel), notice);
        let file = scalar(
            t,
            "SELECT MAX(id) FROM notice_files WHERE notice_id = $1",
            notice,
        )
        .await;
        o.by_rel.insert(("notice_file", p.rel), file);

        let entry = zhibu::notices::board::Entry {
            org_id: p.branch.id,
            kind: "dues".into(),
            title: "党费收缴公示".into(),
            body: "本季度党费已收齐。".into(),
            starts_on: today,
            ends_on: None,
            visible_to_parent: false,
        };
        let board = zhibu::notices::board::publish(app, &actor, &op, &entry)
            .await
            .unwrap();
        o.by_rel.insert(("board", p.rel), board);

        zhibu::members::photo::upload(app, &actor, &op, p.member, png.clone())
            .await
            .unwrap();

        // The member's own account files a claim and a correction and posts to the feed.
        let owner = if p.rel == "own" {
            member_user
        } else {
            t.linked_user(
                &format!("owner_{}", p.rel),
                "member",
                Some(p.branch.id),
                Some(p.member),
            )
            .await
        };
        let scope = member_scope(owner, p.branch, p.member);
        let claim = zhibu::points::awards::ClaimInput {
            code: "study_notes",
            points: None,
            occurred_on: today,
            description: "学习笔记一篇",
            evidence: Some((&png, "image/png")),
        };
        let claim = zhibu::points::awards::claim(app, &actor, &scope, &claim)
            .await
            .unwrap();
        o.by_rel.insert(("claim", p.rel), claim);
        let fix = zhibu::members::corrections::request(
            app,
            &actor,
            &scope,
            p.member,
            "name",
            "张三",
            "姓名录入有误",
        )
        .await
        .unwrap();
        o.by_rel.insert(("correction", p.rel), fix);
        let post = zhibu::feed::service::post(
            app,
            &actor,
            &scope,
            p.branch.id,
            "主题党日",
            std::slice::from_ref(&png),
        )
        .await
        .unwrap();
        let photo = scalar(
            t,
            "SELECT MAX(id) FROM feed_photos WHERE post_id = $1",
            post,
        )
        .await;
        o.by_rel.insert(("feed_photo", p.rel), photo);
        if p.rel == "own" {
            let token = zhibu::meetings::export::issue_feed(app, &actor, &scope)
                .await
                .unwrap();
            o.own.insert("calendar_token", token);
        }
    }

    // The member account's own things: a notification and a second signed-in device.
    {
        let mut conn = app.db.conn().await.unwrap();
        zhibu::notices::rows::to_user(
            &mut conn.exec(),
            member_user,
            ("notice", "学习通知", "/notices"),
            app.now(),
        )
        .await
        .unwrap();
    }
    let n = scalar(
        t,
        "SELECT MAX(id) FROM notifications WHERE user_id = $1",
        member_user,
    )
    .await;
    o.own.insert("notification", n.to_string());

    // The 组织管理员's checked roster upload, waiting to be committed.
    let book = crate::sheets::book(&[crate::sheets::row(90)]);
    let own_branch = placed[0].branch.id;
    let upload = {
        let mut conn = app.db.conn().await.unwrap();
        zhibu::members::rows::insert_upload(
            &mut conn.exec(),
            &app.keys,
            admin_user,
            own_branch,
            "名册.xlsx",
            &book,
            app.now(),
        )
        .await
        .unwrap()
    };
    o.own.insert("upload", upload.to_string());
    o
}
