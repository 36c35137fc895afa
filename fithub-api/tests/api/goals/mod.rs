//! `/api/goals/` (API.md §3.6), on every backend.

#[allow(clippy::module_inception)] // mirrors the URL: /api/goals/goals/
mod goals;
mod measurements;
mod root;
