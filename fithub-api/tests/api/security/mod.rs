//! Issue 14's hardening, each hole tried as the attacker tried it.

mod input;
mod rate_limits;
mod statement_timeout;
mod tokens;
