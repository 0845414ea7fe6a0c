//! Where a phase's time goes, statement by statement: when `ZHIBU_BENCH_PROFILE` is set, a
//! tracing layer collects `sqlx`'s own statement events (the statement and its elapsed time)
//! while a phase runs, and prints the statements by total time. Off, the layer is not installed
//! and costs nothing.

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;

static ON: AtomicBool = AtomicBool::new(false);
/// Statement → (executions, seconds).
static STATS: Mutex<Option<HashMap<String, (u64, f64)>>> = Mutex::new(None);

/// Whether profiling was asked for.
#[must_use]
pub fn wanted() -> bool {
    std::env::var_os("ZHIBU_BENCH_PROFILE").is_some()
}

/// Installs the collecting layer when profiling was asked for; call once, first.
pub fn install() {
    if wanted() {
        tracing_subscriber::registry().with(Statements).init();
    }
}

/// Starts collecting.
pub fn start() {
    *STATS.lock().expect("stats") = Some(HashMap::new());
    ON.store(true, Ordering::SeqCst);
}

/// Stops collecting and returns the statements by total time, with their share of `wall`
/// seconds (the phase's length), ready to print.
pub fn stop(wall: f64) -> String {
    use std::fmt::Write as _;
    ON.store(false, Ordering::SeqCst);
    let stats = STATS.lock().expect("stats").take().unwrap_or_default();
    let mut rows: Vec<(String, (u64, f64))> = stats.into_iter().collect();
    rows.sort_by(|a, b| b.1.1.total_cmp(&a.1.1));
    let sum: f64 = rows.iter().map(|r| r.1.1).sum();
    let mut out = format!(
        "  profile: {sum:.3} s in statements of {wall:.3} s ({:.0} %); by total time:\n",
        sum * 100.0 / wall
    );
    for (sql, (n, secs)) in rows.iter().take(15) {
        #[expect(clippy::cast_precision_loss, reason = "an average")]
        let each = secs * 1e3 / *n as f64;
        let _ = writeln!(
            out,
            "    {secs:>7.3} s {:>5.1} %  {n:>6} × {each:>7.3} ms  {sql}",
            secs * 100.0 / wall
        );
    }
    out
}

struct Statements;

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
    secs: f64,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => value.clone_into(&mut self.summary),
            "db.statement" => value.clone_into(&mut self.statement),
            _ => {}
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.secs = value;
        }
    }

    fn record_debug(&mut self, _field: &Field, _value: &dyn std::fmt::Debug) {}
}

impl<S: tracing::Subscriber> Layer<S> for Statements {
    fn register_callsite(&self, meta: &'static tracing::Metadata<'static>) -> Interest {
        if meta.target() == "sqlx::query" {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }

    fn enabled(&self, meta: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        meta.target() == "sqlx::query" && ON.load(Ordering::Relaxed)
    }

    fn on_event(&self, ev: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut f = Fields::default();
        ev.record(&mut f);
        let text = if f.statement.trim().is_empty() {
            f.summary
        } else {
            f.statement
        };
        let mut key: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if let Some((at, _)) = key.char_indices().nth(140) {
            key.truncate(at);
            key.push('…');
        }
        if let Some(m) = STATS.lock().expect("stats").as_mut() {
            let e = m.entry(key).or_default();
            e.0 += 1;
            e.1 += f.secs;
        }
    }
}
