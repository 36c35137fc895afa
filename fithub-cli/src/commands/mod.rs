//! One module per subcommand, each with its own arguments and `run`.

pub mod audit;
pub mod backup;
pub mod completions;
pub mod config;
pub mod export;
pub mod health;
pub mod import;
pub mod man;
pub mod migrate;
pub mod user;
mod user_create;
mod user_sessions;
