//! Demo notices and 党务公开 entries: a committee notice to everyone with a read receipt, one
//! scheduled for tomorrow, and each branch's 党费 disclosure, with one 发展公示 under way.

use time::Duration;

use crate::app::App;
use crate::audit::Actor;
use crate::auth::Scope;
use crate::notices::board::{self, Entry};
use crate::notices::model::Audience;
use crate::notices::service::{self, Draft};
use crate::orgs::model::Org;

/// Seeds them; returns how many notices and entries were made.
///
/// # Errors
/// Storage failures.
pub async fn seed(app: &App, orgs: &[Org]) -> anyhow::Result<usize> {
    let actor = Actor::cli("demo");
    let scope = Scope::operator();
    let top = &orgs[0];
    let today = app.clock.today();
    let mut n = 0;
    let notice = |title: &str, body: &str, publish_at| Draft {
        org_id: top.id,
        title: title.to_owned(),
        body: body.to_owned(),
        receipt_required: true,
        audience: Audience {
            subtrees: vec![top.id],
            ..Audience::default()
        },
        publish_at,
        bot_event: "notice",
    };
    service::create(
        app,
        &actor,
        &scope,
        &notice(
            "关于开展年度民主评议党员工作的通知",
            "各党支部：\n\n根据党章和党内有关规定，定于12月中下旬开展年度民主评议党员工作。请各支部按照个人自评、党员互评、民主测评的程序组织进行，并于月底前报送评议结果。\n\n请全体党员认真准备个人总结。",
            None,
        ),
    )
    .await?;
    n += 1;
    service::create(
        app,
        &actor,
        &scope,
        &notice(
            "关于缴纳第四季度党费的提醒",
            "请各位党员于本月底前按标准缴纳第四季度党费。",
            Some(app.now() + Duration::days(1)),
        ),
    )
    .await?;
    n += 1;
    for (i, b) in orgs
        .iter()
        .enumerate()
        .filter(|(_, o)| o.kind().is_branch())
    {
        board::publish(
            app,
            &actor,
            &scope,
            &Entry {
                org_id: b.id,
                kind: "dues".into(),
                title: format!("{}第三季度党费收缴情况", b.name),
                body: "第三季度应缴党费的党员全部按时足额缴纳，详细名单已在支部党员大会上通报。"
                    .into(),
                starts_on: today - Duration::days(20),
                ends_on: None,
                visible_to_parent: true,
            },
        )
        .await?;
        n += 1;
        if i == 2 {
            board::publish(
                app,
                &actor,
                &scope,
                &Entry {
                    org_id: b.id,
                    kind: "development".into(),
                    title: "拟发展对象公示".into(),
                    body: "经支部委员会研究，拟将王晓明同志列为发展对象，现予公示。公示期间如有意见，请向支部委员会反映。".into(),
                    starts_on: today - Duration::days(2),
                    ends_on: Some(today + Duration::days(4)),
                    visible_to_parent: false,
                },
            )
            .await?;
            n += 1;
        }
    }
    Ok(n)
}
