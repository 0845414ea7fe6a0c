//! Issuing accounts for a whole organisation runs in the background: hashing hundreds of
//! activation codes takes a while, so the officer gets a progress page at once instead of one
//! long request, and the slips when it is done. The codes live only in this server's memory until
//! the officer's browser fetches the slips once; an unfetched result is dropped after an hour.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use time::{Duration, OffsetDateTime};

use crate::app::App;
use crate::audit::Actor;
use crate::auth::Scope;
use crate::shared::error::DomainError;

use super::accounts::{self, Slip};

/// How far an issue has got.
#[derive(Debug, Default)]
pub struct Progress {
    /// Members to issue.
    pub total: AtomicUsize,
    /// Codes prepared.
    pub done: AtomicUsize,
}

impl Progress {
    /// One more code prepared.
    pub fn step(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }
}

#[derive(Debug)]
struct Task {
    owner: i64,
    /// Path of the organisation issued for: issues of overlapping subtrees exclude each other.
    org_path: String,
    started: OffsetDateTime,
    progress: Arc<Progress>,
    outcome: Mutex<Option<Result<Vec<Slip>, String>>>,
}

/// Where a task stands, as its owner polls it.
#[derive(Debug)]
pub enum State {
    /// Still preparing: (done, total).
    Running(usize, usize),
    /// Finished: the slips, handed out this once.
    Done(Vec<Slip>),
    /// Failed: nothing was created.
    Failed(String),
}

/// The running and unfetched issues of this server.
#[derive(Debug, Default)]
pub struct IssueTasks {
    map: Mutex<HashMap<String, Arc<Task>>>,
}

const KEEP: Duration = Duration::hours(1);

impl IssueTasks {
    /// The map, with results older than [`KEEP`] dropped: codes nobody fetched do not linger,
    /// and a task that never finished stops blocking its organisation.
    fn lock(&self, now: OffsetDateTime) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Task>>> {
        let mut map = self
            .map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.retain(|_, t| t.started + KEEP > now);
        map
    }

    /// Where the caller's task `id` stands; a finished one is removed as it is handed out.
    /// `None` for unknown ids and other people's tasks alike.
    #[must_use]
    pub fn poll(&self, id: &str, owner: i64, now: OffsetDateTime) -> Option<State> {
        let mut map = self.lock(now);
        let task = map.get(id).filter(|t| t.owner == owner)?.clone();
        let finished = task
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        match finished {
            None => Some(State::Running(
                task.progress.done.load(Ordering::Relaxed),
                task.progress.total.load(Ordering::Relaxed),
            )),
            Some(r) => {
                map.remove(id);
                Some(match r {
                    Ok(slips) => State::Done(slips),
                    Err(m) => State::Failed(m),
                })
            }
        }
    }

    /// Registers a task for the subtree at `org_path`, unless one still running covers or lies
    /// inside it: then that task's (id, owner). Checked and inserted under one lock, so two
    /// clicks cannot start two issues for the same members.
    fn claim(
        &self,
        owner: i64,
        org_path: &str,
        now: OffsetDateTime,
    ) -> Result<(String, Arc<Task>), (String, i64)> {
        let mut map = self.lock(now);
        let overlaps = |p: &str| p.starts_with(org_path) || org_path.starts_with(p);
        if let Some((id, t)) = map.iter().find(|(_, t)| {
            overlaps(&t.org_path)
                && t.outcome
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .is_none()
        }) {
            return Err((id.clone(), t.owner));
        }
        let id = hex::encode(crate::shared::token::random_bytes::<16>());
        let task = Arc::new(Task {
            owner,
            org_path: org_path.to_owned(),
            started: now,
            progress: Arc::new(Progress::default()),
            outcome: Mutex::new(None),
        });
        map.insert(id.clone(), task.clone());
        Ok((id, task))
    }
}

/// Starts issuing accounts for the members of `org_id`'s subtree who have none, and returns the
/// task's id. While one runs for the organisation, its owner is sent to it and others are told.
///
/// # Errors
/// Denied, nobody left to issue, or an issue already under way by someone else.
pub async fn start(
    app: &Arc<App>,
    actor: &Actor,
    scope: &Scope,
    org_id: i64,
) -> Result<String, DomainError> {
    let (org, pending) = accounts::pending(app, scope, org_id).await?;
    if pending == 0 {
        return Err(DomainError::Invalid(format!(
            "{}（含下级组织）的党员都已开通账号",
            org.name
        )));
    }
    let (id, task) = match app.issuing.claim(scope.user_id, &org.path, app.now()) {
        Ok(x) => x,
        Err((id, owner)) if owner == scope.user_id => return Ok(id),
        Err(_) => {
            return Err(DomainError::Invalid(
                "其他委员正在为该组织开通账号，请稍后再试".into(),
            ));
        }
    };
    task.progress.total.store(pending, Ordering::Relaxed);
    let (app, actor, scope) = (app.clone(), actor.clone(), scope.clone());
    tokio::spawn(async move {
        let r = accounts::issue_tracked(&app, &actor, &scope, org.id, Some(task.progress.clone()))
            .await
            .map_err(|e| match e {
                DomainError::Invalid(m) => m,
                other => {
                    tracing::error!(error = %other, "issuing accounts failed");
                    "账号开通失败，未创建任何账号，请重试".to_owned()
                }
            });
        *task
            .outcome
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(r);
    });
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlapping_issues_exclude_each_other_until_done_or_stale() {
        let tasks = IssueTasks::default();
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(1000);
        let (id, task) = tasks.claim(7, "/1/2/", now).unwrap();
        assert_eq!(tasks.claim(8, "/1/2/", now).unwrap_err(), (id.clone(), 7));
        assert!(tasks.claim(8, "/1/", now).is_err(), "the committee above");
        assert!(tasks.claim(8, "/1/2/5/", now).is_err(), "a branch below");
        assert!(tasks.claim(8, "/1/3/", now).is_ok(), "a sibling branch");
        assert!(tasks.poll(&id, 8, now).is_none(), "not another's task");
        assert!(matches!(
            tasks.poll(&id, 7, now),
            Some(State::Running(0, 0))
        ));
        *task.outcome.lock().unwrap() = Some(Ok(Vec::new()));
        assert!(matches!(tasks.poll(&id, 7, now), Some(State::Done(_))));
        assert!(tasks.poll(&id, 7, now).is_none(), "handed out once");
        let (stale, _) = tasks.claim(7, "/1/4/", now).unwrap();
        assert!(
            tasks.poll(&stale, 7, now + KEEP).is_none(),
            "dropped after an hour"
        );
        assert!(tasks.claim(9, "/1/4/", now + KEEP).is_ok());
    }
}
