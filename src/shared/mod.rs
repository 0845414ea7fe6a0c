//! Small building blocks shared by every area: the injected clock, 国密 cryptography,
//! China-time formatting, the refusal type `Denial`, the bounded date parser, random tokens and text helpers.

pub mod clock;
pub mod crypto;
pub mod dates;
pub mod denial;
pub mod json_date;
pub mod picture;
pub mod qr;
pub mod text;
pub mod token;

pub use clock::{Clock, FixedClock, SystemClock};
