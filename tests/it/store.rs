//! Store behaviour on both backends: schema parity, the org tree, the append-only audit log.

use zhibu::audit::{Actor, AuditEvent};
use zhibu::auth::Scope;
use zhibu::auth::scope::OwnOrg;
use zhibu::orgs::model::OrgKind;
use zhibu::orgs::service;

use crate::db_test;
use crate::support::{Backend, TestApp, fresh_db};

/// Both backends migrate from empty to the same tables and columns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[cfg_attr(not(zhibu_pg), ignore = "needs ZHIBU_TEST_PG_URL (PostgreSQL)")]
async fn migrations_give_identical_tables_and_columns() {
    let (pg_url, _g1) = fresh_db(Backend::Postgres).await;
    let (lite_url, _g2) = fresh_db(Backend::Sqlite).await;
    let mut schemas = Vec::new();
    for url in [&lite_url, &pg_url] {
        let db = zhibu::db::Db::connect(url, 2).await.unwrap();
        zhibu::db::migrate::run(&db).await.unwrap();
        let cols: Vec<_> = zhibu::db::migrate::schema_columns(&db)
            .await
            .unwrap()
            .into_iter()
            .filter(|(t, _)| t != "_sqlx_migrations")
            .collect();
        schemas.push(cols);
        let status = zhibu::db::migrate::status(&db).await.unwrap();
        assert!(status.iter().all(|m| m.applied));
        db.close().await;
    }
    assert_eq!(schemas[0], schemas[1]);
    assert!(schemas[0].iter().any(|(t, c)| t == "orgs" && c == "path"));
}

async fn org_tree_create_move_dissolve(b: Backend) {
    let t = TestApp::new(b).await;
    let actor = Actor::cli("test");
    let sys = Scope::new(1, zhibu::auth::Role::SystemAdmin, None, None);
    let input = |kind, name: &str| service::OrgInput {
        kind,
        name: name.into(),
        short_name: None,
        established_on: None,
        sort_order: 0,
    };
    let r = service::create(
        &t.app,
        &actor,
        &sys,
        None,
        &input(OrgKind::Committee, "党委"),
    )
    .await
    .unwrap();
    let g = service::create(
        &t.app,
        &actor,
        &sys,
        Some(r),
        &input(OrgKind::GeneralBranch, "总支"),
    )
    .await
    .unwrap();
    let a = service::create(
        &t.app,
        &actor,
        &sys,
        Some(g),
        &input(OrgKind::Branch, "支部A"),
    )
    .await
    .unwrap();
    let a1 = service::create(
        &t.app,
        &actor,
        &sys,
        Some(a),
        &input(OrgKind::Group, "小组"),
    )
    .await
    .unwrap();
    let b2 = service::create(
        &t.app,
        &actor,
        &sys,
        Some(r),
        &input(OrgKind::Branch, "支部B"),
    )
    .await
    .unwrap();
    // Shape rules are enforced.
    let bad = service::create(
        &t.app,
        &actor,
        &sys,
        Some(a1),
        &input(OrgKind::Branch, "错"),
    )
    .await;
    assert!(matches!(bad, Err(service::OrgError::Invalid(_))));
    // Moving a branch carries its group along and rewrites paths.
    service::move_org(&t.app, &actor, &sys, a, r).await.unwrap();
    let moved = zhibu::orgs::service::get_unscoped(&mut t.app.db.conn().await.unwrap().exec(), a1)
        .await
        .unwrap();
    assert_eq!(moved.path, format!("/{r}/{a}/{a1}/"));
    assert_eq!(moved.depth, 2);
    assert!(
        service::move_org(&t.app, &actor, &sys, r, a).await.is_err(),
        "no cycles"
    );
    // An officer of B sees only B.
    let bpath = format!("/{r}/{b2}/");
    let officer = Scope::new(
        2,
        zhibu::auth::Role::Officer,
        Some(OwnOrg {
            id: b2,
            path: bpath,
            kind: OrgKind::Branch,
        }),
        None,
    );
    let tree = service::tree(&t.app, &officer, false).await.unwrap();
    assert_eq!(tree.iter().map(|n| n.org.id).collect::<Vec<_>>(), vec![b2]);
    assert!(matches!(
        service::detail(&t.app, &officer, a).await,
        Err(service::OrgError::Denied(zhibu::auth::Denial::NotFound))
    ));
    // Dissolving needs an empty organisation.
    assert!(
        service::dissolve(&t.app, &actor, &sys, a, "合并")
            .await
            .is_err()
    );
    service::dissolve(&t.app, &actor, &sys, a1, "合并")
        .await
        .unwrap();
    service::dissolve(&t.app, &actor, &sys, a, "合并")
        .await
        .unwrap();
    let tree = service::tree(&t.app, &sys, false).await.unwrap();
    assert!(!tree.iter().any(|n| n.org.id == a));
    assert_eq!(t.audit_count("org.create").await, 5);
    assert_eq!(t.audit_count("org.dissolve").await, 2);
}
db_test!(org_tree_create_move_dissolve);

async fn sec_26_audit_log_is_append_only(b: Backend) {
    let t = TestApp::new(b).await;
    let mut tx = t.app.db.begin().await.unwrap();
    zhibu::audit::record(
        &mut tx,
        &Actor::cli("test"),
        t.app.now(),
        AuditEvent::success("org.create", "org", 1),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let res = match &t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query("UPDATE audit_log SET detail = 'x'")
            .execute(p)
            .await
            .map(|_| ()),
        zhibu::db::Db::Postgres(p) => sqlx::query("UPDATE audit_log SET detail = 'x'")
            .execute(p)
            .await
            .map(|_| ()),
    };
    assert!(res.is_err());
    let res = match &t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query("DELETE FROM audit_log")
            .execute(p)
            .await
            .map(|_| ()),
        zhibu::db::Db::Postgres(p) => sqlx::query("DELETE FROM audit_log")
            .execute(p)
            .await
            .map(|_| ()),
    };
    assert!(res.is_err());
    assert_eq!(t.audit_count("org.create").await, 1);
}
db_test!(sec_26_audit_log_is_append_only);

async fn demo_seed_has_the_promised_shape(b: Backend) {
    let t = TestApp::new(b).await;
    zhibu::demo::seed(&t.app).await.unwrap();
    let sys = Scope::new(1, zhibu::auth::Role::SystemAdmin, None, None);
    let tree = service::tree(&t.app, &sys, false).await.unwrap();
    let count = |k: OrgKind| tree.iter().filter(|n| n.org.kind() == k).count();
    assert_eq!(count(OrgKind::Committee), 1);
    assert_eq!(count(OrgKind::GeneralBranch), 1);
    assert!(count(OrgKind::Branch) >= 4);
    assert_eq!(tree[0].full + tree[0].probationary, 120);
    let with_groups = tree
        .iter()
        .filter(|n| n.org.kind().is_branch() && n.groups > 0)
        .count();
    assert_eq!(with_groups, 2);
    assert!(
        zhibu::demo::seed(&t.app).await.is_err(),
        "only into an empty database"
    );
    let rows: Vec<i64> = match &t.app.db {
        zhibu::db::Db::Sqlite(p) => sqlx::query_scalar("SELECT id FROM members")
            .fetch_all(p)
            .await
            .unwrap(),
        zhibu::db::Db::Postgres(p) => sqlx::query_scalar("SELECT id FROM members")
            .fetch_all(p)
            .await
            .unwrap(),
    };
    let ids: Vec<String> = zhibu::members::rows::get_many(
        &mut t.app.db.conn().await.unwrap().exec(),
        &t.app.keys,
        &rows,
    )
    .await
    .unwrap()
    .into_iter()
    .map(|m| m.id_number)
    .collect();
    assert!(
        ids.iter().all(|i| zhibu::members::idcard::parse(i).is_ok()),
        "valid GB 11643 check digits"
    );
}
db_test!(demo_seed_has_the_promised_shape);

async fn elec_01_role_02_terms_and_officers(b: Backend) {
    use zhibu::orgs::model::Post;
    let t = TestApp::new(b).await;
    let actor = Actor::cli("test");
    let sys = Scope::new(1, zhibu::auth::Role::SystemAdmin, None, None);
    let r = t.org(None, OrgKind::Committee, "党委").await;
    let a = t.org(Some(&r), OrgKind::Branch, "支部").await;
    let g = t.org(Some(&a), OrgKind::Group, "小组").await;
    let other = t.org(Some(&r), OrgKind::Branch, "另一支部").await;
    let d = |s: &str| zhibu::shared::text::parse_date(s).unwrap();
    let invalid =
        |r: Result<i64, service::OrgError>| matches!(r, Err(service::OrgError::Invalid(_)));
    assert!(invalid(
        service::add_term(&t.app, &actor, &sys, a.id, d("2024-01-01"), 4, None).await
    ));
    assert!(invalid(
        service::add_term(&t.app, &actor, &sys, a.id, d("2030-01-01"), 3, None).await
    ));
    assert!(
        invalid(service::add_term(&t.app, &actor, &sys, g.id, d("2024-01-01"), 3, None).await),
        "groups have no terms"
    );
    service::add_term(
        &t.app,
        &actor,
        &sys,
        a.id,
        d("2021-03-01"),
        3,
        Some("第一届"),
    )
    .await
    .unwrap();
    service::add_term(&t.app, &actor, &sys, a.id, d("2024-03-01"), 3, None)
        .await
        .unwrap();
    assert!(
        invalid(service::add_term(&t.app, &actor, &sys, a.id, d("2023-01-01"), 3, None).await),
        "not before the last one"
    );
    let detail = service::detail(&t.app, &sys, a.id).await.unwrap();
    assert_eq!(detail.terms.len(), 2);
    assert_eq!(detail.terms[0].ended_on, None);
    assert_eq!(
        detail.terms[1].ended_on,
        Some(d("2024-03-01")),
        "the new term closes the old one"
    );

    // Appointing is for the organisation's officers and those above, not the 三员 (SEC-18).
    let op = Scope::operator();
    let m1 = t.member(a.id, None, 11).await;
    let m2 = t.member(a.id, None, 12).await;
    let outsider = t.member(other.id, None, 13).await;
    let day = d("2024-03-01");
    assert!(invalid(
        service::add_officer(&t.app, &actor, &op, a.id, Post::GroupLeader, m1, day).await
    ));
    assert!(invalid(
        service::add_officer(&t.app, &actor, &op, a.id, Post::Secretary, outsider, day).await
    ));
    let s1 = service::add_officer(&t.app, &actor, &op, a.id, Post::Secretary, m1, day)
        .await
        .unwrap();
    assert!(
        invalid(service::add_officer(&t.app, &actor, &op, a.id, Post::Secretary, m2, day).await),
        "one 书记 at a time"
    );
    service::add_officer(&t.app, &actor, &op, g.id, Post::GroupLeader, m2, day)
        .await
        .unwrap();
    assert!(
        service::end_officer(&t.app, &actor, &op, a.id, s1, d("2020-01-01"))
            .await
            .is_err(),
        "not before the start"
    );
    service::end_officer(&t.app, &actor, &op, a.id, s1, d("2025-01-01"))
        .await
        .unwrap();
    service::add_officer(
        &t.app,
        &actor,
        &op,
        a.id,
        Post::Secretary,
        m2,
        d("2025-01-02"),
    )
    .await
    .unwrap();
    let officers = service::detail(&t.app, &op, a.id).await.unwrap().officers;
    assert_eq!(officers.iter().filter(|o| o.ended_on.is_none()).count(), 1);
    assert_eq!(t.audit_count("org.officer_add").await, 3);
}
db_test!(elec_01_role_02_terms_and_officers);
