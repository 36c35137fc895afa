//! CLI tests: the real `fithub` binary against temporary databases.

mod audit;
mod completions;
mod config;
mod encrypted;
mod errors;
mod health;
mod helpers;
mod import_trust;
mod migrate;
mod prompts;
mod transfer;
mod user;
