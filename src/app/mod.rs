//! The application core shared by the web server, the CLI and the jobs: database, settings,
//! clock, password hasher and keys. Services take `&App`, never HTTP types.
//!
//! Above the areas, `router` assembles the web application (every area's routes and the layer
//! stack), `chrome` fills in what every page shows around its content (navigation, the bell,
//! the organisation switcher), and `meta` serves health, assets and the API document.

mod chrome;
mod home;
pub(crate) mod meta;
mod overview;
pub mod router;
mod todo;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::auth::password::Hasher;
use crate::config::Config;
use crate::db::Db;
use crate::shared::clock::SharedClock;
use crate::shared::crypto::KeyRing;

/// Everything a use case needs besides its inputs.
pub struct App {
    /// The database.
    pub db: Db,
    /// Settings loaded at start.
    pub config: Config,
    /// The clock.
    pub clock: SharedClock,
    /// Password hashing per the settings.
    pub hasher: Hasher,
    /// Keys for data at rest (SEC-46/47/49), loaded from the key file.
    pub keys: KeyRing,
    /// Account issues running in the background, with their one-time slips until fetched.
    pub issuing: crate::members::issuing::IssueTasks,
    demo: AtomicBool,
}

impl App {
    /// Assembles the core.
    #[must_use]
    pub fn new(db: Db, config: Config, clock: SharedClock, keys: KeyRing) -> Arc<Self> {
        let hasher = Hasher {
            kind: config.auth.password_hash,
            pbkdf2_iterations: config.auth.pbkdf2_iterations,
        };
        // The audit chain's key, derived from the MAC key for this one purpose (SEC-26).
        crate::audit::chain::install_key(keys.mac("audit.chain", b"k_audit"));
        Arc::new(Self {
            db,
            config,
            clock,
            hasher,
            keys,
            issuing: crate::members::issuing::IssueTasks::default(),
            demo: AtomicBool::new(false),
        })
    }

    /// Whether this database holds demo data (every page then shows a banner).
    #[must_use]
    pub fn is_demo(&self) -> bool {
        self.demo.load(Ordering::Relaxed)
    }

    /// Marks the database as demo data.
    pub fn set_demo(&self, on: bool) {
        self.demo.store(on, Ordering::Relaxed);
    }

    /// Current time.
    #[must_use]
    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }
}
