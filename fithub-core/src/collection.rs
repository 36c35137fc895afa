//! The five operations every collection of objects offers (API.md §1.7): list, get, create,
//! update, delete. Each collection implements them once, so the edges serve all collections alike
//! (the API mounts every one with the same routes, status codes and documentation).
//!
//! The collections of private rows (diets, meals, goals, …) write through one sequence of
//! transaction, `If-Match`, audit entry and commit: `OwnedTable` in `owned.rs`.

use std::fmt::Display;
use std::future::Future;
use std::str::FromStr;

use serde::Serialize;

use crate::accounts::{Caller, User};
use crate::db::Database;
use crate::error::Result;
use crate::input::{Body, Form, Mode};
use crate::listing::{ListSpec, Page};
use crate::precondition::IfMatch;

/// What an update asks for: the body, how to read it (`PUT` or `PATCH`), and its precondition.
#[derive(Debug, Clone, Copy)]
pub struct Change<'a> {
    pub body: &'a Body,
    pub mode: Mode,
    pub if_match: &'a IfMatch,
}

/// The operations and their rules, in the words of one collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    List,
    Create,
    Get,
    Replace,
    Update,
    Delete,
}

/// A collection of objects: diets, meals, goals, …
pub trait Collection: Send + Sync + 'static {
    /// The object as messages name it: "No Diet matches the given query."
    const ENTITY: &'static str;
    /// Whether an object the caller sees may still be refused to them (403): shared objects,
    /// which only their creator or staff may change.
    const SHARED: bool = false;
    /// The list's filters, search fields and orderings.
    const LIST: &'static ListSpec;
    /// The keys of an object's body, on create and update.
    const FORM: Form;

    type Id: Copy + Display + FromStr + Send + Sync + 'static;
    type Object: Serialize + Send + Sync + 'static;

    fn id(object: &Self::Object) -> Self::Id;

    /// The page of the caller's (or the visible) objects a query string asks for.
    fn list(
        db: &Database,
        user: &User,
        query: &[(String, String)],
    ) -> impl Future<Output = Result<Page<Self::Object>>> + Send;

    fn get(
        db: &Database,
        user: &User,
        id: Self::Id,
    ) -> impl Future<Output = Result<Self::Object>> + Send;

    fn create(
        db: &Database,
        caller: Caller<'_>,
        body: &Body,
    ) -> impl Future<Output = Result<Self::Object>> + Send;

    fn update(
        db: &Database,
        caller: Caller<'_>,
        id: Self::Id,
        change: Change<'_>,
    ) -> impl Future<Output = Result<Self::Object>> + Send;

    fn delete(
        db: &Database,
        caller: Caller<'_>,
        id: Self::Id,
        if_match: &IfMatch,
    ) -> impl Future<Output = Result<()>> + Send;

    /// A rule of one operation worth telling its users, beyond what its name says.
    fn rule(_operation: Operation) -> Option<&'static str> {
        None
    }
}
