//! The form and JSON bodies the SEC-19 matrix sends: valid enough that a permitted caller gets
//! past input checks, so that a refusal can only come from the permission check.

/// What a body may name: the target organisation `(id, parent)`, the relation's member, the
/// member whose transfer the relation holds, and a branch no relation reaches.
pub struct Input {
    pub target: (i64, Option<i64>),
    pub member: i64,
    pub leaving: i64,
    pub elsewhere: i64,
}

pub fn body_for(method: &str, path: &str, i: &Input) -> String {
    let target = i.target;
    match (method, path) {
        ("POST", "/orgs/switch") => format!("org_id={}", target.0),
        ("POST", "/orgs") => format!(
            "parent_id={}&kind=group&name=%E6%96%B0%E5%B0%8F%E7%BB%84",
            target.0
        ),
        ("POST", "/orgs/{id}/edit") => {
            "name=%E6%94%B9%E5%90%8D&short_name=&established_on=&sort_order=1".into()
        }
        ("POST", "/orgs/{id}/move") => format!("new_parent_id={}", target.1.unwrap_or(1)),
        ("POST", "/orgs/{id}/dissolve") => "reason=%E6%B5%8B%E8%AF%95".into(),
        ("POST", "/orgs/{id}/terms") => "started_on=2025-01-01&years=3&note=".into(),
        ("POST", "/orgs/{id}/officers") => {
            "post=secretary&member_id=999999&started_on=2025-01-01".into()
        }
        ("POST", "/orgs/{id}/officers/{oid}/end") => "ended_on=2025-01-01".into(),
        ("POST", "/account/password") => "current=x&new_password=y&confirm=y".into(),
        ("POST", "/members") => format!("org_id={}&category=full&entry=register&name=x", target.0),
        ("POST", "/members/{id}/edit") => "name=x".into(),
        ("POST", "/members/accounts") => format!("org_id={}", target.0),
        ("POST", "/transfers") => format!(
            "member_id={}&kind=internal&to_org_id={}&reason=x",
            i.leaving, i.elsewhere
        ),
        ("POST", "/transfers/{id}/decision") => "decision=accept&note=".into(),
        ("POST", "/transfers/{id}/receipt") => "receipt_on=2026-01-01".into(),
        ("POST", "/members/{id}/corrections") => "field=name&new_value=x&reason=y".into(),
        ("POST", "/members/corrections/{id}/decision") => "decision=approve&note=".into(),
        ("POST", "/members/{id}/events") => "kind=stop&occurred_on=2020-01-01&note=".into(),
        ("POST", "/admin/users") => {
            "username=newuser&display_name=%E6%96%B0%E4%BA%BA&role=member&org_id=".into()
        }
        ("POST", "/login") => "username=nobody&password=wrong".into(),
        ("POST", "/login/verify" | "/account/second-factor") => "code=000000".into(),
        ("POST", "/account/second-factor/disable") => "password=x&code=000000".into(),
        ("POST", "/account/confirm") => "secret=x&next=%2F".into(),
        ("POST", "/meetings" | "/meetings/{id}/edit") => format!(
            "org_id={}&kinds=theme_day&starts_at=2026-12-01T09:00&ends_at=2026-12-01T11:00&place=x&host_name=y",
            target.0
        ),
        ("POST", "/meetings/{id}/cancel") => "reason=x".into(),
        ("POST", "/meetings/{id}/checkin") => "code=AAAAAAAA".into(),
        ("POST", "/meetings/{id}/attendance") => "member_id=999999&present=1&reason=x".into(),
        ("POST", "/meetings/{id}/attendance/bulk") => "member_id=999999".into(),
        ("POST", "/meetings/{id}/electorate") => "member_id=999999&reason=abroad".into(),
        ("POST", "/meetings/{id}/leave") => "reason=x".into(),
        ("POST", "/meetings/{id}/leaves/{lid}/decision") => "decision=approve&note=".into(),
        ("POST", "/meetings/{id}/minutes") => "speeches=x&action=draft".into(),
        ("POST", "/meetings/{id}/review") => "comment=x".into(),
        ("POST", "/meetings/{id}/decision") => "decision=x".into(),
        ("POST", "/orgs/{id}/meeting-rules") => "kind=theme_day&period=month&min_count=2".into(),
        ("POST", "/points/award") => {
            format!(
                "member_id={}&item=special_task&points=&occurred_on=2026-11-01&reason=x",
                i.member
            )
        }
        ("POST", "/points/claims/{id}/decision") => "decision=approve&note=".into(),
        ("POST", "/points/reports") => format!("org={}&period=2026-11", target.0),
        ("POST", "/points/grades") => format!("org={}&year=2026&basis=x", target.0),
        ("POST", "/board") => format!(
            "org_id={}&kind=dues&title=x&body=y&starts_on=2026-11-28",
            target.0
        ),
        ("POST", "/board/{id}/withdraw") => "reason=x".into(),
        ("POST", "/bots") => format!(
            "org_id={}&name=x&kind=wecom&webhook_url=https%3A%2F%2Fqyapi.weixin.qq.com%2Fh&events=notice",
            target.0
        ),
        ("POST", "/bots/{id}") => "name=x&events=notice".into(),
        ("POST", "/points/reports/{id}/publish") => "title=x&body=y".into(),
        ("POST", "/feed/{id}/comments") => "body=x".into(),
        ("POST", "/feed/{id}/moderate") => "action=pin&reason=".into(),
        ("POST", "/notices") => format!("org_id={0}&title=x&body=y&to={0}", target.0),
        _ => String::new(),
    }
}

/// The JSON body of an API write.
pub fn json_for(method: &str, path: &str, i: &Input) -> String {
    let target = i.target;
    match (method, path) {
        (_, "/api/v1/auth/login") => {
            r#"{"username":"nobody","password":"wrong"}"#.to_owned()
        }
        ("POST", "/api/v1/members") => format!(
            r#"{{"org_id":{},"category":"full","fields":{{}}}}"#,
            target.0
        ),
        ("POST", "/api/v1/members/{id}/events") => {
            r#"{"kind":"stop","occurred_on":"2020-01-01"}"#.to_owned()
        }
        ("POST", "/api/v1/transfers") => {
            format!(r#"{{"member_id":{},"kind":"internal","to_org_id":{},"reason":"x"}}"#, i.leaving, i.elsewhere)
        }
        ("POST", "/api/v1/transfers/{id}/decision") => r#"{"accept":true}"#.to_owned(),
        ("POST", "/api/v1/transfers/{id}/receipt") => r#"{"receipt_on":"2026-01-01"}"#.to_owned(),
        ("POST", "/api/v1/meetings") => format!(
            r#"{{"org_id":{},"kinds":["theme_day"],"starts_at":"2026-12-01T09:00","ends_at":"2026-12-01T11:00","place":"x","host_name":"y"}}"#,
            target.0
        ),
        ("POST", "/api/v1/meetings/{id}/checkin") => r#"{"code":"AAAAAAAA"}"#.to_owned(),
        ("POST", "/api/v1/points/items") => format!(
            r#"{{"org_id":{},"code":"attend_theme_day","name":"x","points":2}}"#,
            target.0
        ),
        ("POST", "/api/v1/points/entries") => format!(
            r#"{{"member_id":{},"item":"special_task","points":2,"occurred_on":"2026-11-01","reason":"x"}}"#,
            i.member
        ),
        ("POST", "/api/v1/points/claims") => r#"{"item":"study_notes","occurred_on":"2026-11-01","description":"x"}"#.to_owned(),
        ("POST", "/api/v1/points/claims/{id}/decision") => r#"{"approve":true}"#.to_owned(),
        ("POST", "/api/v1/meetings/{id}/leave") => r#"{"reason":"x"}"#.to_owned(),
        ("POST", "/api/v1/orgs/{id}/bots") => r#"{"name":"x","kind":"wecom","webhook_url":"https://qyapi.weixin.qq.com/h","events":["notice"]}"#.to_owned(),
        ("POST", "/api/v1/feed") => format!(r#"{{"org_id":{},"body":"x"}}"#, target.0),
        ("POST", "/api/v1/notices") => format!(
            r#"{{"org_id":{0},"title":"x","body":"y","audience":{{"orgs":[{0}]}}}}"#,
            target.0
        ),
        ("POST", "/api/v1/meetings/{id}/leaves/{lid}/decision") => r#"{"approve":true}"#.to_owned(),
        ("PATCH", _) => r#"{"fields":{}}"#.to_owned(),
        _ => "{}".to_owned(),
    }
}
