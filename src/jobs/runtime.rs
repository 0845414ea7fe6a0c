//! The loop of each job: wait for the tick, decide whether the job is due here, run it under its
//! lease, and stop between units when `serve` shuts down.

use std::sync::Arc;
use std::time::Duration;

use time::OffsetDateTime;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::app::App;

use super::{Job, Schedule, store};

/// The running jobs of one server.
pub struct Runtime {
    stop: CancellationToken,
    tasks: JoinSet<()>,
    grace: Duration,
}

impl Runtime {
    /// Asks every job to stop after its current unit and waits up to the grace period
    /// (`jobs.shutdown_grace_seconds`); jobs still running then are cut off, and their due time
    /// is taken over later, once the lease expires.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        let all = async { while self.tasks.join_next().await.is_some() {} };
        if tokio::time::timeout(self.grace, all).await.is_err() {
            tracing::warn!("background jobs did not finish in time; stopping them");
            self.tasks.abort_all();
        }
    }
}

/// Starts every job of the registry on its own task (so a slow webhook delays only its own
/// job). Returns a runtime that does nothing when `jobs.enabled` is off.
#[must_use]
pub fn start(app: &Arc<App>, stop: CancellationToken) -> Runtime {
    let grace = Duration::from_secs(u64::from(app.config.jobs.shutdown_grace_seconds));
    let mut tasks = JoinSet::new();
    if app.config.jobs.enabled {
        let holder = holder_name();
        tracing::info!(holder, "background jobs started");
        for job in super::registry::all(app) {
            tasks.spawn(run_loop(app.clone(), job, holder.clone(), stop.clone()));
        }
    }
    Runtime { stop, tasks, grace }
}

/// Runs the job called `name` now, as a due tick would on this server (for tests and the
/// command line). Returns the units of work done, or `None` for an unknown job or a due time
/// already run or running elsewhere.
///
/// # Errors
/// The job's own failure, or the database's.
pub async fn run_now(app: &App, name: &str) -> anyhow::Result<Option<usize>> {
    let Some(job) = super::registry::all(app)
        .into_iter()
        .find(|j| j.name() == name)
    else {
        return Ok(None);
    };
    tick(app, job.as_ref(), &holder_name(), &mut None).await
}

/// `host:pid:random`, so that two servers on one host are told apart in the leases.
fn holder_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "server".into());
    let tag: String = crate::shared::token::request_id().chars().take(8).collect();
    format!("{host}:{}:{tag}", std::process::id())
}

async fn run_loop(app: Arc<App>, job: Arc<dyn Job>, holder: String, stop: CancellationToken) {
    let every = match job.schedule() {
        Schedule::Everywhere(d) | Schedule::Once(d) => d,
    };
    let tick_len = Duration::from_secs(u64::from(app.config.jobs.tick_seconds)).min(every);
    let mut ticker = tokio::time::interval(tick_len);
    // The last due time known to be done, so that an idle tick costs no write.
    let mut done = None;
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            _ = ticker.tick() => {}
        }
        match tick(&app, job.as_ref(), &holder, &mut done).await {
            Ok(Some(n)) if n > 0 => tracing::info!(job = job.name(), handled = n, "job ran"),
            Ok(_) => {}
            Err(e) => {
                tracing::warn!(job = job.name(), error = %e, "job failed; will retry when next due");
            }
        }
    }
}

/// One check of one job: runs it if it is due here. `Some(n)` when it ran.
async fn tick(
    app: &App,
    job: &dyn Job,
    holder: &str,
    done: &mut Option<OffsetDateTime>,
) -> anyhow::Result<Option<usize>> {
    match job.schedule() {
        Schedule::Everywhere(_) => Ok(Some(job.run_once(app).await?)),
        Schedule::Once(every) => once(app, job, holder, every, done).await,
    }
}

/// The start of the due time `now` falls in: multiples of `every` since the epoch.
fn due_time(now: OffsetDateTime, every: Duration) -> OffsetDateTime {
    let step = i64::try_from(every.as_secs().max(1)).unwrap_or(i64::MAX);
    let t = now.unix_timestamp();
    OffsetDateTime::from_unix_timestamp(t - t.rem_euclid(step)).unwrap_or(now)
}

async fn once(
    app: &App,
    job: &dyn Job,
    holder: &str,
    every: Duration,
    done: &mut Option<OffsetDateTime>,
) -> anyhow::Result<Option<usize>> {
    let name = job.name();
    let lease = time::Duration::seconds(i64::from(app.config.jobs.lease_seconds));
    let now = app.now();
    let due = due_time(now, every);
    if *done == Some(due) {
        return Ok(None);
    }
    // Held by another server: it runs this due time (or, if it died, its lease runs out and a
    // later tick here takes over).
    if !store::acquire(
        &mut app.db.conn().await?.exec(),
        name,
        holder,
        now,
        now + lease,
    )
    .await?
    {
        return Ok(None);
    }
    let result = run_claimed(app, job, holder, due, lease, done).await;
    // Given up whatever happened, so that a failure does not hold the job until the lease ends.
    let released = store::release(&mut app.db.conn().await?.exec(), name, holder, app.now()).await;
    let ran = result?;
    released?;
    Ok(ran)
}

/// Under the lease: claims the due time and runs it, recording how it ended.
async fn run_claimed(
    app: &App,
    job: &dyn Job,
    holder: &str,
    due: OffsetDateTime,
    lease: time::Duration,
    done: &mut Option<OffsetDateTime>,
) -> anyhow::Result<Option<usize>> {
    let name = job.name();
    let claimed = store::claim_run(
        &mut app.db.conn().await?.exec(),
        name,
        due,
        holder,
        app.now(),
    )
    .await?;
    *done = Some(due);
    if !claimed {
        return Ok(None);
    }
    let outcome = with_renewal(app, job, holder, lease).await;
    let (handled, error) = match &outcome {
        Ok(n) => (i64::try_from(*n).unwrap_or(i64::MAX), String::new()),
        Err(e) => (0, e.to_string()),
    };
    store::finish_run(
        &mut app.db.conn().await?.exec(),
        name,
        due,
        app.now(),
        handled,
        &error,
    )
    .await?;
    outcome.map(Some)
}

/// Runs the job while renewing its lease every third of its length, so that a long run keeps it.
async fn with_renewal(
    app: &App,
    job: &dyn Job,
    holder: &str,
    lease: time::Duration,
) -> anyhow::Result<usize> {
    let run = job.run_once(app);
    tokio::pin!(run);
    let third = Duration::from_secs(u64::try_from(lease.whole_seconds() / 3).unwrap_or(1).max(1));
    let mut renew = tokio::time::interval(third);
    renew.tick().await;
    loop {
        tokio::select! {
            r = &mut run => return r,
            _ = renew.tick() => {
                let until = app.now() + lease;
                match store::renew(&mut app.db.conn().await?.exec(), job.name(), holder, until).await {
                    Ok(true) => {}
                    Ok(false) => tracing::warn!(job = job.name(), "lease lost while running"),
                    Err(e) => tracing::warn!(job = job.name(), error = %e, "lease renewal failed"),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_times_are_multiples_of_the_interval() {
        let t = OffsetDateTime::from_unix_timestamp(1_000_000_123).unwrap();
        assert_eq!(
            due_time(t, Duration::from_mins(10)).unix_timestamp(),
            1_000_000_123 - 1_000_000_123 % 600
        );
        assert_eq!(due_time(t, Duration::from_secs(1)), t);
    }
}
