//! API tests: one binary, the application driven in-process through `router(app)`, plus a few
//! that start the real `fithub-api` binary.

mod accounts;
mod auth;
mod binary;
mod bodies;
mod conditional;
mod created;
mod docs;
mod faults;
mod goals;
mod health;
mod helpers;
mod idempotency;
mod nutrition;
mod operations;
mod proxy;
mod routing;
mod scale;
mod security;
mod sessions;
mod shutdown;
mod startup;
mod time_zones;
