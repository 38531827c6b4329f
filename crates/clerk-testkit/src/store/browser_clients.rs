//! Browser clients of the emulated Frontend API: one per `__client` cookie, holding the
//! sessions signed in on that browser, and the development browsers (`__clerk_db_jwt`) of a
//! development instance, each of which may name a client. At most [`KEPT`] of each are kept,
//! the least recently used forgotten first.

use std::sync::{Arc, Mutex};

use crate::ids::new_id;
use crate::ids::random_hex;
use crate::lock::lock;
use crate::store::recent::Recent;

/// How many browser clients, and how many development browsers, the emulator keeps: past that
/// the least recently used is forgotten (its browser starts over: a new client, a new
/// development browser), so that a long-running emulator does not grow without bound.
pub(crate) const KEPT: usize = 10_000;

/// A browser client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Client {
    /// `client_…`: the public id (sessions name it; `GET /v1/client` serves it).
    pub(crate) id: String,
    /// The sessions signed in on this browser, oldest first; the last one is the active one.
    pub(crate) sessions: Vec<String>,
    /// When it was created (ms).
    pub(crate) created_at: i64,
    /// The sign-in in progress (an identifier given, the first factor not yet), if any.
    pub(crate) sign_in: Option<PendingSignIn>,
}

/// A sign-in attempt waiting for its first factor (`needs_first_factor`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PendingSignIn {
    /// `sia_…`.
    pub(crate) id: String,
    /// The user the identifier names.
    pub(crate) user_id: String,
    /// The identifier as given.
    pub(crate) identifier: String,
    /// When the attempt is abandoned (ms).
    pub(crate) abandon_at: i64,
}

#[derive(Debug)]
struct State {
    /// By the secret value of the `__client` cookie.
    by_cookie: Recent<Client>,
    /// Development browsers (`dvb_…`) and the `__client` cookie value each is bound to.
    dev_browsers: Recent<Option<String>>,
}

impl State {
    /// Unbinds the development browsers bound to the client behind `cookie` (gone).
    fn unbind(&mut self, cookie: &str) {
        for bound in self.dev_browsers.values_mut() {
            if bound.as_deref() == Some(cookie) {
                *bound = None;
            }
        }
    }
}

/// The clients and development browsers. Cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct Clients {
    state: Arc<Mutex<State>>,
}

impl Default for Clients {
    fn default() -> Self {
        Self::with_capacity(KEPT)
    }
}

impl Clients {
    /// Keeping at most `kept` clients and `kept` development browsers.
    pub(crate) fn with_capacity(kept: usize) -> Self {
        Self {
            state: Arc::new(Mutex::new(State {
                by_cookie: Recent::new(kept),
                dev_browsers: Recent::new(kept),
            })),
        }
    }

    /// The client behind a `__client` cookie value.
    pub(crate) fn get(&self, cookie: &str) -> Option<Client> {
        lock(&self.state).by_cookie.get(cookie).cloned()
    }

    /// The `__client` cookie value a development browser is bound to.
    pub(crate) fn cookie_of_dev_browser(&self, dev_browser: &str) -> Option<String> {
        lock(&self.state).dev_browsers.get(dev_browser).cloned().flatten()
    }

    /// The client behind `cookie` when it names one, else a new client (and its new cookie
    /// value): `(cookie value, client)`.
    pub(crate) fn get_or_create(&self, cookie: Option<&str>) -> (String, Client) {
        let mut state = lock(&self.state);
        if let Some(cookie) = cookie {
            if let Some(client) = state.by_cookie.get(cookie) {
                return (cookie.to_owned(), client.clone());
            }
        }
        let cookie = random_hex(48);
        let client = Client {
            id: new_id("client_"),
            sessions: Vec::new(),
            created_at: crate::clock::now_ms(),
            sign_in: None,
        };
        if let Some((gone, _)) = state.by_cookie.insert(cookie.clone(), client.clone()) {
            state.unbind(&gone);
        }
        (cookie, client)
    }

    /// Adds a session to the client behind `cookie` (it becomes the active one).
    pub(crate) fn add_session(&self, cookie: &str, session_id: &str) -> Option<Client> {
        let mut state = lock(&self.state);
        let client = state.by_cookie.get_mut(cookie)?;
        client.sessions.push(session_id.to_owned());
        Some(client.clone())
    }

    /// Forgets the client behind `cookie` (signed out): its sessions, for the caller to end.
    /// Development browsers bound to it are kept, unbound.
    pub(crate) fn remove(&self, cookie: &str) -> Vec<String> {
        let mut state = lock(&self.state);
        let Some(client) = state.by_cookie.remove(cookie) else {
            return Vec::new();
        };
        state.unbind(cookie);
        client.sessions
    }

    /// Ends the signed-in state of the client behind `cookie` but keeps the client (what
    /// clerk-js's `signOut()` asks for, `DELETE /v1/client/sessions`): its sessions, for the
    /// caller to end. Development browsers stay bound.
    pub(crate) fn clear_sessions(&self, cookie: &str) -> Vec<String> {
        let mut state = lock(&self.state);
        state
            .by_cookie
            .get_mut(cookie)
            .map(|client| std::mem::take(&mut client.sessions))
            .unwrap_or_default()
    }

    /// Starts a sign-in on the client behind `cookie` (replacing one in progress).
    pub(crate) fn start_sign_in(&self, cookie: &str, sign_in: PendingSignIn) -> Option<Client> {
        let mut state = lock(&self.state);
        let client = state.by_cookie.get_mut(cookie)?;
        client.sign_in = Some(sign_in);
        Some(client.clone())
    }

    /// The sign-in `id` in progress on the client behind `cookie`, if it is that one and not
    /// abandoned; it stays until [`Clients::finish_sign_in`].
    pub(crate) fn pending_sign_in(&self, cookie: &str, id: &str, now_ms: i64) -> Option<PendingSignIn> {
        let mut state = lock(&self.state);
        state
            .by_cookie
            .get(cookie)?
            .sign_in
            .clone()
            .filter(|s| s.id == id && s.abandon_at > now_ms)
    }

    /// Ends the sign-in in progress on the client behind `cookie` (completed).
    pub(crate) fn finish_sign_in(&self, cookie: &str) {
        if let Some(client) = lock(&self.state).by_cookie.get_mut(cookie) {
            client.sign_in = None;
        }
    }

    /// Takes `session_id` off the client behind `cookie`; whether it was there.
    pub(crate) fn drop_session(&self, cookie: &str, session_id: &str) -> bool {
        let mut state = lock(&self.state);
        let Some(client) = state.by_cookie.get_mut(cookie) else {
            return false;
        };
        let before = client.sessions.len();
        client.sessions.retain(|id| id != session_id);
        client.sessions.len() != before
    }

    /// A new development browser, bound to the client behind `cookie` if any: `dvb_…`.
    pub(crate) fn new_dev_browser(&self, cookie: Option<&str>) -> String {
        let id = new_id("dvb_");
        let mut state = lock(&self.state);
        let bound = cookie.filter(|c| state.by_cookie.contains(c)).map(str::to_owned);
        state.dev_browsers.insert(id.clone(), bound);
        id
    }

    /// Binds a known development browser to the client behind `cookie` (a sign-in on that
    /// browser); unknown development browsers are left alone.
    pub(crate) fn bind_dev_browser(&self, dev_browser: &str, cookie: &str) {
        let mut state = lock(&self.state);
        if let Some(bound) = state.dev_browsers.get_mut(dev_browser) {
            *bound = Some(cookie.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_collects_sessions_and_is_forgotten_on_sign_out() {
        let clients = Clients::default();
        let (cookie, client) = clients.get_or_create(None);
        assert!(client.id.starts_with("client_"));
        assert_eq!(clients.get_or_create(Some(&cookie)).1.id, client.id);
        assert_ne!(clients.get_or_create(Some("unknown")).0, cookie);
        clients.add_session(&cookie, "sess_1");
        let client = clients.add_session(&cookie, "sess_2").expect("client");
        assert_eq!(client.sessions.last().map(String::as_str), Some("sess_2"));
        let dvb = clients.new_dev_browser(Some(&cookie));
        assert_eq!(clients.cookie_of_dev_browser(&dvb), Some(cookie.clone()));
        assert_eq!(clients.remove(&cookie), ["sess_1", "sess_2"]);
        assert_eq!(clients.get(&cookie), None);
        assert_eq!(clients.cookie_of_dev_browser(&dvb), None);
        assert!(clients.remove(&cookie).is_empty());
    }

    #[test]
    fn a_long_run_keeps_a_bounded_number_of_clients_and_dev_browsers() {
        let clients = Clients::with_capacity(3);
        let (first, _) = clients.get_or_create(None);
        let first_dvb = clients.new_dev_browser(Some(&first));
        let (used, _) = clients.get_or_create(None);
        let used_dvb = clients.new_dev_browser(Some(&used));
        for _ in 0..100 {
            // A browser in use stays: its client and development browser are read on each call.
            assert!(clients.get(&used).is_some());
            assert_eq!(clients.cookie_of_dev_browser(&used_dvb), Some(used.clone()));
            clients.get_or_create(None);
            clients.new_dev_browser(None);
        }
        let state = lock(&clients.state);
        assert_eq!((state.by_cookie.len(), state.dev_browsers.len()), (3, 3));
        drop(state);
        assert_eq!(
            clients.get(&first),
            None,
            "the least recently used client is forgotten"
        );
        assert_eq!(clients.cookie_of_dev_browser(&first_dvb), None);
        assert!(clients.get(&used).is_some());
        assert_eq!(clients.cookie_of_dev_browser(&used_dvb), Some(used));
    }

    #[test]
    fn dev_browsers_bind_to_known_clients_only() {
        let clients = Clients::default();
        let dvb = clients.new_dev_browser(Some("no-such-client"));
        assert!(dvb.starts_with("dvb_"));
        assert_eq!(clients.cookie_of_dev_browser(&dvb), None);
        let (cookie, _) = clients.get_or_create(None);
        clients.bind_dev_browser(&dvb, &cookie);
        clients.bind_dev_browser("dvb_unknown", &cookie);
        assert_eq!(clients.cookie_of_dev_browser(&dvb), Some(cookie));
        assert_eq!(clients.cookie_of_dev_browser("dvb_unknown"), None);
    }
}
