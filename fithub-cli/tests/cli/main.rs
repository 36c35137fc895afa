//! CLI tests: the real `fithub` binary against temporary databases.

mod audit;
mod config;
mod health;
mod helpers;
mod migrate;
mod transfer;
mod user;
