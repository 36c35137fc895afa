//! Issue 14's hardening, each hole tried as the attacker tried it.

mod deployment;
mod input;
mod links;
mod rate_limits;
mod statement_timeout;
mod tokens;
