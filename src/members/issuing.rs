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
    org_id: i64,
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
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Task>>> {
        self.map
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Where the caller's task `id` stands; a finished one is removed as it is handed out.
    /// `None` for unknown ids and other people's tasks alike.
    #[must_use]
    pub fn poll(&self, id: &str, owner: i64) -> Option<State> {
        let mut map = self.lock();
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

    /// The id of a task still running for `org_id`, if any.
    fn running_for(&self, org_id: i64) -> Option<(String, i64)> {
        self.lock().iter().find_map(|(id, t)| {
            let open = t
                .outcome
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_none();
            (t.org_id == org_id && open).then(|| (id.clone(), t.owner))
        })
    }

    fn insert(&self, owner: i64, org_id: i64, now: OffsetDateTime) -> (String, Arc<Task>) {
        let id = hex::encode(crate::shared::token::random_bytes::<16>());
        let task = Arc::new(Task {
            owner,
            org_id,
            started: now,
            progress: Arc::new(Progress::default()),
            outcome: Mutex::new(None),
        });
        let mut map = self.lock();
        map.retain(|_, t| t.started + KEEP > now);
        map.insert(id.clone(), task.clone());
        (id, task)
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
    if let Some((id, owner)) = app.issuing.running_for(org.id) {
        if owner == scope.user_id {
            return Ok(id);
        }
        return Err(DomainError::Invalid(
            "其他委员正在为该组织开通账号，请稍后再试".into(),
        ));
    }
    if pending == 0 {
        return Err(DomainError::Invalid(format!(
            "{}（含下级组织）的党员都已开通账号",
            org.name
        )));
    }
    let (id, task) = app.issuing.insert(scope.user_id, org.id, app.now());
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
