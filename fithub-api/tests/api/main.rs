//! API tests: one binary, the application driven in-process through `router(app)`, plus a few
//! that start the real `fithub-api` binary.

mod binary;
mod docs;
mod health;
mod helpers;
mod routing;
mod shutdown;
mod startup;
