//! API tests: one binary, the application driven in-process through `router(app)`, plus a few
//! that start the real `fithub-api` binary.

mod accounts;
mod auth;
mod binary;
mod bodies;
mod docs;
mod goals;
mod health;
mod helpers;
mod nutrition;
mod operations;
mod routing;
mod security;
mod shutdown;
mod startup;
mod time_zones;
