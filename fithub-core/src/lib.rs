//! FitHub's core: configuration, storage, migrations and every rule of the domain.
//!
//! Nothing here knows about HTTP or terminals; `fithub-api` and `fithub-cli` are thin edges that
//! turn requests and commands into calls on this crate.

pub mod accounts;
pub mod audit;
pub mod calendar;
pub mod collection;
pub mod config;
pub mod datetime;
pub mod db;
pub mod error;
pub mod goals;
pub mod idempotency;
pub mod input;
pub mod listing;
pub mod measurements;
pub mod nutrition;
mod owned;
pub mod permissions;
pub mod precondition;
pub mod ratelimit;
pub mod retention;
#[cfg(feature = "test-support")]
pub mod testing;
pub mod transfer;

pub use config::Config;
pub use db::Database;
pub use error::{Error, FieldErrors, Result};
