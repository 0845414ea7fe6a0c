//! Small building blocks shared by every area: the injected clock, China-time formatting,
//! random tokens, the bounded date parser and text helpers.

pub mod clock;
pub mod dates;
pub mod picture;
pub mod qr;
pub mod text;
pub mod token;

pub use clock::{Clock, FixedClock, SystemClock};
