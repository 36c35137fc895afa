//! Browser sessions: the `/auth/` endpoints, session authentication on `/api/` with its CSRF
//! rules, and the end of sessions, on every backend.

mod csrf;
mod endpoints;
mod pages;
mod revocation;
