//! Issue 14's faults: concurrent writes of one user, a database that goes away, slow clients.

mod lock_order;
mod outage;
mod slow_clients;
