//! The in-memory user and session store, shared by the HTTP API and the tests.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, OnceLock};

use base64::Engine as _;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::clock::now_ms;
use crate::error::{Error, Result};
use crate::ids::new_id;
use crate::lock::lock;
use crate::store::replace_or_push;
use crate::store::user::{
    deep_merge, EmailAddress, MetadataPatch, NewUser, PhoneNumber, User, UserUpdate, Verification,
};
use crate::webhooks::delivery::{Origin, Webhooks};

/// A session, in the shape of `GET /v1/sessions/{id}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// Always `session`.
    pub object: String,
    /// `sess_…`.
    pub id: String,
    /// The user.
    pub user_id: String,
    /// `client_…`.
    pub client_id: String,
    /// Impersonator, if any.
    pub actor: Option<Value>,
    /// `active`, `revoked`, `ended`, `expired`, `removed`, `abandoned`, `replaced`, `pending`.
    pub status: String,
    /// The last active organization.
    pub last_active_organization_id: Option<String>,
    /// Last activity (ms).
    pub last_active_at: i64,
    /// Expiry (ms).
    pub expire_at: i64,
    /// Abandon time (ms).
    pub abandon_at: i64,
    /// Last update (ms).
    pub updated_at: i64,
    /// Creation time (ms).
    pub created_at: i64,
    /// Pending tasks.
    pub tasks: Option<Vec<Value>>,
}

#[derive(Debug, Default)]
struct StoreState {
    /// Insertion order = creation order.
    users: Vec<User>,
    sessions: HashMap<String, Session>,
    /// Session ids in creation order (`sessions` has none).
    session_order: Vec<String>,
    /// Passwords set through the API or the store, by user id (for `verify_password`).
    passwords: HashMap<String, String>,
    /// `created_at` of deleted users, so a `starting_after` cursor on one still pages.
    deleted_created_at: HashMap<String, i64>,
    last_created_at: i64,
}

/// What goes with a deleted user elsewhere in the emulator (their organization memberships).
///
/// Runs after the user and their sessions are gone from the store and `user.deleted` is
/// emitted, with no lock of the store held. It must not hold a [`UserStore`] itself (the store
/// holds it: that would be a reference cycle).
pub(crate) trait DeletionCascade: Send + Sync {
    /// `user` (as it was) has just been deleted by a request from `origin`.
    fn user_deleted(&self, user: &User, origin: &Origin);
}

/// The emulator's users and sessions, shared with the HTTP API.
///
/// Changes made here skip the HTTP layer (no rate limit, no counters) but still emit
/// `user.created` / `user.updated` / `user.deleted` webhooks, with
/// `event_attributes.http_request` = `{client_ip: "127.0.0.1", user_agent: "clerk-testkit"}`.
#[derive(Clone)]
pub struct UserStore {
    state: Arc<Mutex<StoreState>>,
    instance_id: String,
    webhooks: Webhooks,
    undocumented_fields: bool,
    /// Set once, by the organizations of the same emulator.
    cascade: Arc<OnceLock<Box<dyn DeletionCascade>>>,
}

impl std::fmt::Debug for UserStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserStore")
            .field("users", &self.count())
            .finish_non_exhaustive()
    }
}

impl UserStore {
    pub(crate) fn new(instance_id: String, webhooks: Webhooks, undocumented_fields: bool) -> Self {
        Self {
            state: Arc::default(),
            instance_id,
            webhooks,
            undocumented_fields,
            cascade: Arc::default(),
        }
    }

    /// Runs `cascade` after every deletion of a user (by any clone of this store). Only the
    /// first call counts.
    pub(crate) fn on_delete(&self, cascade: impl DeletionCascade + 'static) {
        if self.cascade.set(Box::new(cascade)).is_err() {
            tracing::error!("a user store has one deletion cascade; this one is ignored");
        }
    }

    /// The instance the users belong to.
    pub(crate) fn instance_id(&self) -> &str {
        &self.instance_id
    }

    /// Creates a user.
    ///
    /// # Errors
    ///
    /// [`Error::IdentifierExists`] when an email address or the username is taken;
    /// [`Error::InvalidParam`] for an email address without `@`.
    pub fn create(&self, new: NewUser) -> Result<User> {
        self.create_from(new, &Origin::direct())
    }

    /// Creates `n` users `user{i}@example.com` (first name `User`, last name `{i}`, username
    /// `user{i}`), as [`UserStore::create`] would one by one (a `user.created` webhook each),
    /// under one lock and with the taken identifiers read once: seeding 100,000 users does not
    /// compare each with every stored one.
    ///
    /// # Errors
    ///
    /// [`Error::IdentifierExists`] when a seeded email address or username is taken; the users
    /// seeded before it stay.
    pub fn seed(&self, n: usize) -> Result<Vec<User>> {
        let (users, taken) = {
            let mut state = lock(&self.state);
            let emails: HashSet<String> = state
                .users
                .iter()
                .flat_map(|u| u.email_addresses.iter())
                .map(|e| e.email_address.to_ascii_lowercase())
                .collect();
            let usernames: HashSet<String> = state.users.iter().filter_map(|u| u.username.clone()).collect();
            let start = state.users.len();
            let mut users = Vec::with_capacity(n);
            let mut taken = None;
            for i in start + 1..=start + n {
                let (email, username) = (format!("user{i}@example.com"), format!("user{i}"));
                if emails.contains(&email) {
                    taken = Some(email);
                    break;
                }
                if usernames.contains(&username) {
                    taken = Some(username);
                    break;
                }
                // Strictly increasing, as `create` makes it.
                let created_at = now_ms().max(state.last_created_at + 1);
                state.last_created_at = created_at;
                let new = NewUser::default()
                    .email(email)
                    .first_name("User")
                    .last_name(i.to_string())
                    .username(username);
                let user = build_user(&self.instance_id, new, created_at);
                state.users.push(user.clone());
                users.push(user);
            }
            (users, taken)
        };
        for user in &users {
            self.emit("user.created", user, &Origin::direct());
        }
        match taken {
            Some(identifier) => Err(Error::IdentifierExists(identifier)),
            None => Ok(users),
        }
    }

    /// Puts back users exactly as they were (ids, timestamps and all), e.g. saved from a previous
    /// run with [`UserStore::all`]; a user whose id is already present is replaced. Sends no
    /// webhooks: nothing changed for anyone who saw these users before.
    pub fn restore(&self, users: impl IntoIterator<Item = User>) {
        let mut state = lock(&self.state);
        for user in users {
            state.last_created_at = state.last_created_at.max(user.created_at);
            replace_or_push(&mut state.users, user, |a, b| a.id == b.id);
        }
    }

    /// Puts back a restored user's password (a password is never part of a [`User`]), as
    /// [`UserStore::restore`] does: no webhook, no timestamp changes.
    ///
    /// # Errors
    ///
    /// [`Error::UserNotFound`].
    pub fn restore_password(&self, id: &str, password: impl Into<String>) -> Result<()> {
        let mut state = lock(&self.state);
        if !state.users.iter().any(|user| user.id == id) {
            return Err(Error::UserNotFound(id.to_owned()));
        }
        state.passwords.insert(id.to_owned(), password.into());
        Ok(())
    }

    /// The user with this id.
    pub fn get(&self, id: &str) -> Option<User> {
        lock(&self.state).users.iter().find(|user| user.id == id).cloned()
    }

    /// All users, oldest first.
    pub fn all(&self) -> Vec<User> {
        lock(&self.state).users.clone()
    }

    /// `read` applied to every user, oldest first, under the store's lock: for listings that
    /// look at every user but keep a page, without copying the rest. `read` must not call the
    /// store.
    pub(crate) fn read_all<R>(&self, read: impl FnOnce(&[User]) -> R) -> R {
        read(&lock(&self.state).users)
    }

    /// How many users there are.
    pub fn count(&self) -> usize {
        lock(&self.state).users.len()
    }

    /// Applies `update` to a user.
    ///
    /// # Errors
    ///
    /// [`Error::UserNotFound`], [`Error::IdentifierExists`] for a taken username,
    /// [`Error::InvalidParam`] for an unknown primary email/phone id.
    pub fn update(&self, id: &str, update: UserUpdate) -> Result<User> {
        self.update_from(id, update, &Origin::direct())
    }

    /// Deep-merges metadata into a user (`null` deletes a key).
    ///
    /// # Errors
    ///
    /// [`Error::UserNotFound`].
    pub fn update_metadata(&self, id: &str, patch: MetadataPatch) -> Result<User> {
        self.update_metadata_from(id, patch, &Origin::direct())
    }

    /// Deletes a user, their sessions and their organization memberships (emitting
    /// `user.deleted`, then `organizationMembership.deleted` for each membership).
    ///
    /// # Errors
    ///
    /// [`Error::UserNotFound`].
    pub fn delete(&self, id: &str) -> Result<User> {
        self.delete_from(id, &Origin::direct())
    }

    /// Creates an active session for a user (as `POST /v1/sessions` does) and emits
    /// `session.created`.
    ///
    /// # Errors
    ///
    /// [`Error::UserNotFound`]; [`Error::UserBanned`] for a banned user.
    pub fn create_session(&self, user_id: &str) -> Result<Session> {
        self.create_session_from(user_id, &Origin::direct())
    }

    pub(crate) fn create_session_from(&self, user_id: &str, origin: &Origin) -> Result<Session> {
        let mut state = lock(&self.state);
        match state.users.iter().find(|user| user.id == user_id) {
            None => return Err(Error::UserNotFound(user_id.to_owned())),
            Some(user) if user.banned => return Err(Error::UserBanned(user_id.to_owned())),
            Some(_) => {}
        }
        let now = now_ms();
        let session = Session {
            object: "session".to_owned(),
            id: new_id("sess_"),
            user_id: user_id.to_owned(),
            client_id: new_id("client_"),
            actor: None,
            status: "active".to_owned(),
            last_active_organization_id: None,
            last_active_at: now,
            expire_at: now + 7 * 24 * 3600 * 1000,
            abandon_at: now + 30 * 24 * 3600 * 1000,
            updated_at: now,
            created_at: now,
            tasks: None,
        };
        state.sessions.insert(session.id.clone(), session.clone());
        state.session_order.push(session.id.clone());
        drop(state);
        self.emit_session("session.created", &session, origin);
        Ok(session)
    }

    /// The sessions matching the filters, newest first (as `GET /v1/sessions` lists them).
    pub fn sessions(
        &self,
        user_id: Option<&str>,
        client_id: Option<&str>,
        status: Option<&str>,
    ) -> Vec<Session> {
        let state = lock(&self.state);
        state
            .session_order
            .iter()
            .rev()
            .filter_map(|id| state.sessions.get(id))
            .filter(|s| user_id.is_none_or(|user| s.user_id == user))
            .filter(|s| client_id.is_none_or(|client| s.client_id == client))
            .filter(|s| status.is_none_or(|status| s.status == status))
            .cloned()
            .collect()
    }

    /// Revokes a session (as `POST /v1/sessions/{id}/revoke` does) and emits
    /// `session.revoked`; revoking a revoked session changes nothing and emits nothing.
    ///
    /// # Errors
    ///
    /// [`Error::SessionNotFound`].
    pub fn revoke_session(&self, id: &str) -> Result<Session> {
        self.revoke_session_from(id, &Origin::direct())
    }

    pub(crate) fn revoke_session_from(&self, id: &str, origin: &Origin) -> Result<Session> {
        let (session, changed) = {
            let mut state = lock(&self.state);
            let session = state
                .sessions
                .get_mut(id)
                .ok_or_else(|| Error::SessionNotFound(id.to_owned()))?;
            let changed = session.status != "revoked";
            if changed {
                session.status = "revoked".to_owned();
                session.updated_at = now_ms().max(session.updated_at + 1);
            }
            (session.clone(), changed)
        };
        if changed {
            self.emit_session("session.revoked", &session, origin);
        }
        Ok(session)
    }

    /// Whether `password` is the user's: `None` when the user has no password.
    ///
    /// # Errors
    ///
    /// [`Error::UserNotFound`].
    pub fn verify_password(&self, user_id: &str, password: &str) -> Result<Option<bool>> {
        let state = lock(&self.state);
        if !state.users.iter().any(|user| user.id == user_id) {
            return Err(Error::UserNotFound(user_id.to_owned()));
        }
        Ok(state
            .passwords
            .get(user_id)
            .map(|set| constant_time_eq(set.as_bytes(), password.as_bytes())))
    }

    /// The `created_at` of a user, also of a deleted one (for `starting_after`).
    pub(crate) fn created_at_of(&self, id: &str) -> Option<i64> {
        let state = lock(&self.state);
        state
            .users
            .iter()
            .find(|user| user.id == id)
            .map(|user| user.created_at)
            .or_else(|| state.deleted_created_at.get(id).copied())
    }

    /// Ends an active session (a sign-out on the browser) and emits `session.ended`; a
    /// session that is not active is left as it is and emits nothing.
    pub(crate) fn end_session_from(&self, id: &str, origin: &Origin) -> Option<Session> {
        let session = {
            let mut state = lock(&self.state);
            let session = state.sessions.get_mut(id)?;
            if session.status != "active" {
                return Some(session.clone());
            }
            session.status = "ended".to_owned();
            session.updated_at = now_ms().max(session.updated_at + 1);
            session.clone()
        };
        self.emit_session("session.ended", &session, origin);
        Some(session)
    }

    /// Moves a session to a browser client (`client_id`), as a Frontend API sign-in does.
    pub(crate) fn set_session_client(&self, id: &str, client_id: &str) -> Option<Session> {
        let mut state = lock(&self.state);
        let session = state.sessions.get_mut(id)?;
        session.client_id = client_id.to_owned();
        Some(session.clone())
    }

    /// Sets a session's active organization (`last_active_organization_id`; `None` for the
    /// personal account). Session tokens minted by `POST /v1/sessions/{id}/tokens` carry its
    /// `o` claim while the user is a member.
    ///
    /// # Errors
    ///
    /// [`Error::SessionNotFound`].
    pub fn set_active_organization(&self, id: &str, organization_id: Option<&str>) -> Result<Session> {
        let mut state = lock(&self.state);
        let session = state
            .sessions
            .get_mut(id)
            .ok_or_else(|| Error::SessionNotFound(id.to_owned()))?;
        session.last_active_organization_id = organization_id.map(str::to_owned);
        session.updated_at = now_ms().max(session.updated_at + 1);
        Ok(session.clone())
    }

    /// The session with this id.
    pub fn session(&self, id: &str) -> Option<Session> {
        lock(&self.state).sessions.get(id).cloned()
    }

    /// Sets a session's status (`revoked`, `ended`, …).
    ///
    /// # Errors
    ///
    /// [`Error::SessionNotFound`].
    pub fn set_session_status(&self, id: &str, status: &str) -> Result<Session> {
        let mut state = lock(&self.state);
        let session = state
            .sessions
            .get_mut(id)
            .ok_or_else(|| Error::SessionNotFound(id.to_owned()))?;
        session.status = status.to_owned();
        session.updated_at = now_ms().max(session.updated_at + 1);
        Ok(session.clone())
    }

    /// The user as served: with the undocumented extras when configured.
    pub(crate) fn render(&self, user: &User) -> User {
        let mut user = user.clone();
        if self.undocumented_fields {
            user.requires_password_reset = Some(false);
        }
        user
    }

    pub(crate) fn create_from(&self, new: NewUser, origin: &Origin) -> Result<User> {
        let user = {
            let mut state = lock(&self.state);
            for email in &new.email_address {
                if !email.contains('@') {
                    return Err(Error::InvalidParam {
                        param: "email_address".to_owned(),
                        reason: format!("{email} is not a valid email address"),
                    });
                }
                if state.users.iter().any(|u| has_email(u, email)) {
                    return Err(Error::IdentifierExists(email.clone()));
                }
            }
            if let Some(username) = &new.username {
                if state
                    .users
                    .iter()
                    .any(|u| u.username.as_deref() == Some(username))
                {
                    return Err(Error::IdentifierExists(username.clone()));
                }
            }
            let created_at = match new.created_at {
                Some(at) => at,
                // Strictly increasing, so `-created_at` ordering is deterministic.
                None => now_ms().max(state.last_created_at + 1),
            };
            state.last_created_at = state.last_created_at.max(created_at);
            let password = new.password.clone();
            let user = build_user(&self.instance_id, new, created_at);
            if let Some(password) = password {
                state.passwords.insert(user.id.clone(), password);
            }
            state.users.push(user.clone());
            user
        };
        self.emit("user.created", &user, origin);
        Ok(user)
    }

    pub(crate) fn update_from(&self, id: &str, update: UserUpdate, origin: &Origin) -> Result<User> {
        let banning = update.banned == Some(true);
        let password = update.password.clone();
        let user = self.mutate(id, |users, index| {
            if let Some(username) = &update.username {
                let taken = users
                    .iter()
                    .enumerate()
                    .any(|(i, u)| i != index && u.username.as_deref() == Some(username.as_str()));
                if taken {
                    return Err(Error::IdentifierExists(username.clone()));
                }
            }
            let user = &mut users[index];
            if let Some(primary) = &update.primary_email_address_id {
                if !user.email_addresses.iter().any(|e| &e.id == primary) {
                    return Err(invalid("primary_email_address_id", primary));
                }
                user.primary_email_address_id = Some(primary.clone());
            }
            if let Some(primary) = &update.primary_phone_number_id {
                if !user.phone_numbers.iter().any(|p| &p.id == primary) {
                    return Err(invalid("primary_phone_number_id", primary));
                }
                user.primary_phone_number_id = Some(primary.clone());
            }
            set(&mut user.external_id, &update.external_id);
            set(&mut user.first_name, &update.first_name);
            set(&mut user.last_name, &update.last_name);
            set(&mut user.username, &update.username);
            set(&mut user.locale, &update.locale);
            if update.password.is_some() {
                user.password_enabled = true;
                user.password_last_updated_at = Some(now_ms());
            }
            if let Some(flag) = update.delete_self_enabled {
                user.delete_self_enabled = flag;
            }
            if let Some(flag) = update.create_organization_enabled {
                user.create_organization_enabled = flag;
            }
            if let Some(flag) = update.banned {
                user.banned = flag;
            }
            if let Some(flag) = update.locked {
                user.locked = flag;
                if !flag {
                    user.lockout_expires_in_seconds = None;
                }
            }
            if let Some(meta) = &update.public_metadata {
                user.public_metadata = meta.clone();
            }
            if let Some(meta) = &update.private_metadata {
                user.private_metadata = meta.clone();
            }
            if let Some(meta) = &update.unsafe_metadata {
                user.unsafe_metadata = meta.clone();
            }
            Ok(())
        })?;
        if let Some(password) = password {
            lock(&self.state).passwords.insert(user.id.clone(), password);
        }
        self.emit("user.updated", &user, origin);
        if banning {
            // Clerk signs a banned user out everywhere.
            for session in self.sessions(Some(&user.id), None, None) {
                if matches!(session.status.as_str(), "active" | "pending") {
                    self.revoke_session_from(&session.id, origin)?;
                }
            }
        }
        Ok(user)
    }

    pub(crate) fn update_metadata_from(
        &self,
        id: &str,
        patch: MetadataPatch,
        origin: &Origin,
    ) -> Result<User> {
        let user = self.mutate(id, |users, index| {
            let user = &mut users[index];
            if let Some(meta) = &patch.public_metadata {
                deep_merge(&mut user.public_metadata, meta);
            }
            if let Some(meta) = &patch.private_metadata {
                deep_merge(&mut user.private_metadata, meta);
            }
            if let Some(meta) = &patch.unsafe_metadata {
                deep_merge(&mut user.unsafe_metadata, meta);
            }
            Ok(())
        })?;
        self.emit("user.updated", &user, origin);
        Ok(user)
    }

    pub(crate) fn delete_from(&self, id: &str, origin: &Origin) -> Result<User> {
        let user = {
            let mut state = lock(&self.state);
            let index = state
                .users
                .iter()
                .position(|u| u.id == id)
                .ok_or_else(|| Error::UserNotFound(id.to_owned()))?;
            let user = state.users.remove(index);
            state.sessions.retain(|_, s| s.user_id != id);
            let StoreState {
                sessions,
                session_order,
                ..
            } = &mut *state;
            session_order.retain(|sid| sessions.contains_key(sid));
            state.passwords.remove(id);
            state.deleted_created_at.insert(user.id.clone(), user.created_at);
            user
        };
        // Inserted in sorted order, like Clerk's payloads.
        let mut data = serde_json::Map::new();
        data.insert("deleted".into(), Value::Bool(true));
        if let Some(external_id) = &user.external_id {
            data.insert("external_id".into(), Value::from(external_id.as_str()));
        }
        data.insert("id".into(), Value::from(user.id.as_str()));
        data.insert("object".into(), Value::from("user"));
        self.webhooks.emit("user.deleted", Value::Object(data), origin);
        if let Some(cascade) = self.cascade.get() {
            cascade.user_deleted(&user, origin);
        }
        Ok(user)
    }

    /// Runs `f` on every user under the store's lock (for the identification calls of
    /// `store::identifications`).
    pub(super) fn with_users<R>(&self, f: impl FnOnce(&mut Vec<User>) -> R) -> R {
        f(&mut lock(&self.state).users)
    }

    /// Emits `user.updated` for `user` (as it is now).
    pub(super) fn emit_updated(&self, user: &User, origin: &Origin) {
        self.emit("user.updated", user, origin);
    }

    /// Runs `f` on the user at its index, then bumps `updated_at` (strictly increasing).
    fn mutate(&self, id: &str, f: impl FnOnce(&mut Vec<User>, usize) -> Result<()>) -> Result<User> {
        let mut state = lock(&self.state);
        let index = state
            .users
            .iter()
            .position(|u| u.id == id)
            .ok_or_else(|| Error::UserNotFound(id.to_owned()))?;
        let mut users = std::mem::take(&mut state.users);
        let outcome = f(&mut users, index);
        state.users = users;
        outcome?;
        let user = &mut state.users[index];
        user.updated_at = now_ms().max(user.updated_at + 1);
        Ok(user.clone())
    }

    /// A `session.*` event: the session with its user, as Clerk sends it.
    fn emit_session(&self, event_type: &str, session: &Session, origin: &Origin) {
        let mut data = match serde_json::to_value(session) {
            Ok(data) => data,
            Err(err) => {
                tracing::error!(error.message = %err, "session serialization failed");
                return;
            }
        };
        if let (Some(map), Some(user)) = (data.as_object_mut(), self.get(&session.user_id)) {
            if let Ok(user) = serde_json::to_value(self.render(&user)) {
                map.insert("user".to_owned(), user);
            }
        }
        self.webhooks.emit(event_type, data, origin);
    }

    fn emit(&self, event_type: &str, user: &User, origin: &Origin) {
        match serde_json::to_value(self.render(user)) {
            Ok(data) => self.webhooks.emit(event_type, data, origin),
            Err(err) => tracing::error!(error.message = %err, "user serialization failed"),
        }
    }
}

fn invalid(param: &str, value: &str) -> Error {
    Error::InvalidParam {
        param: param.to_owned(),
        reason: format!("{value} is not one of the user's identifiers"),
    }
}

fn set(target: &mut Option<String>, value: &Option<String>) {
    if let Some(value) = value {
        *target = Some(value.clone());
    }
}

fn has_email(user: &User, email: &str) -> bool {
    user.email_addresses
        .iter()
        .any(|e| e.email_address.eq_ignore_ascii_case(email))
}

fn build_user(instance_id: &str, new: NewUser, created_at: i64) -> User {
    let id = new.id.clone().unwrap_or_else(|| new_id("user_"));
    let email_addresses: Vec<EmailAddress> = new
        .email_address
        .iter()
        .map(|email| EmailAddress {
            id: new_id("idn_"),
            object: "email_address".to_owned(),
            email_address: email.clone(),
            reserved: false,
            verification: Some(Verification::admin()),
            linked_to: Vec::new(),
            matches_sso_connection: false,
            created_at,
            updated_at: created_at,
        })
        .collect();
    let phone_numbers: Vec<PhoneNumber> = new
        .phone_number
        .iter()
        .map(|phone| PhoneNumber {
            id: new_id("idn_"),
            object: "phone_number".to_owned(),
            phone_number: phone.clone(),
            reserved_for_second_factor: false,
            default_second_factor: false,
            reserved: false,
            verification: Some(Verification::admin()),
            linked_to: Vec::new(),
            backup_codes: None,
            created_at,
            updated_at: created_at,
        })
        .collect();
    let image = format!(r#"{{"type":"default","iid":"{instance_id}","rid":"{id}"}}"#);
    let image_url = format!(
        "https://img.clerk.com/{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(image)
    );
    User {
        object: "user".to_owned(),
        username: new.username,
        first_name: new.first_name,
        last_name: new.last_name,
        locale: None,
        image_url,
        has_image: false,
        primary_email_address_id: email_addresses.first().map(|e| e.id.clone()),
        primary_phone_number_id: phone_numbers.first().map(|p| p.id.clone()),
        primary_web3_wallet_id: None,
        password_enabled: new.password.is_some(),
        two_factor_enabled: false,
        totp_enabled: false,
        backup_code_enabled: false,
        email_addresses,
        phone_numbers,
        web3_wallets: Vec::new(),
        passkeys: Vec::new(),
        external_accounts: Vec::new(),
        saml_accounts: Vec::new(),
        enterprise_accounts: Vec::new(),
        password_last_updated_at: new.password.as_ref().map(|_| created_at),
        public_metadata: new.public_metadata.unwrap_or_default(),
        private_metadata: new.private_metadata.unwrap_or_default(),
        unsafe_metadata: new.unsafe_metadata.unwrap_or_default(),
        external_id: new.external_id,
        last_sign_in_at: new.last_sign_in_at,
        banned: new.banned,
        locked: false,
        lockout_expires_in_seconds: None,
        verification_attempts_remaining: Some(100),
        created_at,
        updated_at: created_at,
        delete_self_enabled: true,
        bypass_client_trust: false,
        create_organization_enabled: true,
        create_organizations_limit: None,
        last_active_at: new.last_active_at,
        mfa_enabled_at: None,
        mfa_disabled_at: None,
        legal_accepted_at: None,
        requires_password_reset: None,
        profile_image_url: "https://www.gravatar.com/avatar?d=mp".to_owned(),
        id,
    }
}

/// Whether `a == b`, in time that depends only on the lengths (for secrets).
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
