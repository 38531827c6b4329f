//! The cookie path of Clerk's `authenticateRequest` (docs/clerk-behaviour.md §3, step 2), as
//! small decisions over the request's [`RequestFacts`], in Clerk's order: a handshake coming
//! back (§5), the satellite sync (§7), the development-instance rules (§8), the
//! `__session` / `__client_uat` pair, the token's verification (§1), then the cross-origin and
//! organization handshakes of a valid session (§8, §9).

use std::sync::atomic::{AtomicBool, Ordering};

use super::backend::SessionBackend;
use super::facts::{RequestFacts, SessionCookies};
use super::failure::{signed_out_by, Handshake};
use super::handshake::{self, set_query_param};
use super::js::js_to_number;
use super::names::{self, DEV_BROWSER};
use super::org_sync::SyncTarget;
use super::origin::is_known_clerk_origin;
use super::outcome::{RequestOutcome, RequestStatus, Token};
use super::resolve::{handshake_token_failure_in_development, HandshakeFailure};
use super::verified::Prepared;
use super::RequestAuthenticator;
use crate::error::TokenCarrier;
use crate::reason::RequestReason;
use crate::verify::KeyResolver;
use crate::{Auth, InstanceType};

/// Clerk's `warnOnce`: the missing-`azp` warning is logged once per process.
static WARNED_MISSING_AZP: AtomicBool = AtomicBool::new(false);

impl RequestAuthenticator {
    /// The cookie path, in Clerk's order.
    pub(super) async fn authenticate_cookies<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        backend: &B,
    ) -> RequestOutcome {
        if let Some(outcome) = self.handshake_coming_back(facts, keys, backend).await {
            return outcome;
        }
        let choice = self.choose_cookies(facts, keys);
        let cookies = facts.session_cookies(|| choice.suffixed);
        let before_verification = self
            .multi_domain_sync(facts, keys, &cookies)
            .or_else(|| self.development_rules(facts, keys, &cookies));
        if let Some(outcome) = before_verification {
            return outcome;
        }
        let Some(session) = cookies.session else {
            return if cookies.client_uat == 0.0 {
                RequestOutcome::signed_out(RequestReason::SessionTokenAndUatMissing, None, None, false)
            } else {
                let reason = RequestReason::ClientUatButNoSessionToken;
                self.maybe_handshake(facts, keys, Handshake::cookie(reason, false))
            };
        };
        let handshake = |reason| self.maybe_handshake(facts, keys, Handshake::cookie(reason, true));
        if cookies.client_uat == 0.0 {
            return handshake(RequestReason::SessionTokenButNoClientUat);
        }
        // The choice above may have decoded this very cookie: reuse it.
        let decoded = choice.decoded_session.filter(|d| d.raw() == session);
        let prepared = match self.prepare(session, decoded, keys) {
            Ok(prepared) => prepared,
            Err(err) => return signed_out_by(&err, TokenCarrier::Cookie),
        };
        if issued_before(&prepared, cookies.client_uat) {
            return handshake(RequestReason::SessionTokenIatBeforeClientUat);
        }
        match self.finish(session, Ok(prepared), keys, facts).await {
            Ok((auth, token)) => self.valid_session(facts, keys, auth, token),
            Err(err) => {
                self.session_token_error(facts, keys, backend, &err, TokenCarrier::Cookie)
                    .await
            }
        }
    }

    /// Clerk's `resolveHandshake` when the request brings a nonce or a handshake token back: its
    /// outcome, or `None` to carry on with the request's own cookies (a development instance
    /// reports a broken handshake token instead).
    async fn handshake_coming_back<K: KeyResolver, B: SessionBackend>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        backend: &B,
    ) -> Option<RequestOutcome> {
        let (nonce, token) = facts.handshake();
        if nonce.is_none() && token.is_none() {
            return None;
        }
        match self.resolve_handshake(facts, keys, backend, nonce, token).await {
            Ok(outcome) => Some(outcome),
            Err(HandshakeFailure::Token(err)) if self.instance_type == InstanceType::Development => {
                Some(handshake_token_failure_in_development(&err))
            }
            Err(failure) => {
                tracing::error!("Clerk: unable to resolve handshake: {failure}");
                None
            }
        }
    }

    /// Clerk's satellite sync: a satellite's document GET without cookies (or asked to sync with
    /// `__clerk_synced=false`) goes to the primary domain; without `satellite_auto_sync` a
    /// satellite without cookies that was not asked to sync stays signed out.
    fn multi_domain_sync<K: KeyResolver>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        cookies: &SessionCookies<'_>,
    ) -> Option<RequestOutcome> {
        if !self.domain.is_satellite() || !facts.is_document_get() {
            return None;
        }
        let synced = facts.query.synced.as_deref();
        if synced == Some("true") {
            return None;
        }
        let needs_sync = synced == Some("false");
        let has_session = cookies.session.is_some();
        let has_cookies = has_session || cookies.client_uat != 0.0;
        if !self.domain.satellite_auto_sync && !has_cookies && !needs_sync {
            return Some(RequestOutcome::signed_out(
                RequestReason::SessionTokenAndUatMissing,
                None,
                None,
                false,
            ));
        }
        if has_cookies && !needs_sync {
            return None;
        }
        let location = match self.instance_type {
            InstanceType::Production => None,
            InstanceType::Development => {
                let clerk_url = handshake::clerk_url(facts.parts)?;
                let mut sign_in = self.domain.sign_in().cloned()?;
                sign_in
                    .query_pairs_mut()
                    .append_pair(names::QUERY_REDIRECT_URL, clerk_url.as_str());
                Some(sign_in.to_string())
            }
        };
        let sync = Handshake {
            location,
            ..Handshake::cookie(RequestReason::SatelliteNeedsSyncing, has_session)
        };
        Some(self.maybe_handshake(facts, keys, sync))
    }

    /// A development instance's rules: the primary domain answering a satellite's sync, a
    /// dev-browser token in the URL to sync, and no dev-browser token at all.
    fn development_rules<K: KeyResolver>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        cookies: &SessionCookies<'_>,
    ) -> Option<RequestOutcome> {
        if self.instance_type != InstanceType::Development {
            return None;
        }
        let present = cookies.session.is_some();
        let handshake = |reason| Some(self.maybe_handshake(facts, keys, Handshake::cookie(reason, present)));
        if let Some(outcome) = self.primary_responds_to_syncing(facts, keys, cookies) {
            return Some(outcome);
        }
        if facts.query.dev_browser.is_some() {
            return handshake(RequestReason::DevBrowserSync);
        }
        if cookies.dev_browser.is_none() {
            return handshake(RequestReason::DevBrowserMissing);
        }
        None
    }

    /// The primary domain answering a satellite's sync request (`__clerk_redirect_url`)
    /// redirects back to it, with the dev-browser token.
    fn primary_responds_to_syncing<K: KeyResolver>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        cookies: &SessionCookies<'_>,
    ) -> Option<RequestOutcome> {
        if self.domain.is_satellite() {
            return None;
        }
        let back = facts.query.redirect_url.as_deref().filter(|v| !v.is_empty())?;
        let reason = RequestReason::PrimaryRespondsToSyncing;
        let present = cookies.session.is_some();
        // Clerk's satellite sync: only an http(s) URL is a place to send a browser; ours: only on
        // an origin of the application or of one of its satellites (the dev-browser token goes
        // with it).
        let location = url::Url::parse(back)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .filter(|url| self.may_redirect_to(url))
            .map(|mut url| {
                if let Some(token) = cookies.dev_browser {
                    url.query_pairs_mut().append_pair(DEV_BROWSER, token);
                }
                set_query_param(&mut url, names::QUERY_SYNCED, "true");
                url.to_string()
            });
        let Some(location) = location else {
            return Some(RequestOutcome::signed_out(reason, None, None, present));
        };
        let sync = Handshake {
            location: Some(location),
            ..Handshake::cookie(reason, present)
        };
        Some(self.maybe_handshake(facts, keys, sync))
    }

    /// A valid cookie session: signed in, unless a cross-origin or organization handshake is due.
    fn valid_session<K: KeyResolver>(
        &self,
        facts: &RequestFacts<'_>,
        keys: &K,
        auth: Auth,
        token: Token,
    ) -> RequestOutcome {
        if auth.claims().is_some_and(|c| c.get("azp").is_none())
            && !WARNED_MISSING_AZP.swap(true, Ordering::Relaxed)
        {
            tracing::warn!(
                "clerk: session token from cookie is missing the azp claim; a future version of \
                 Clerk will consider such tokens invalid (logged once)"
            );
        }
        if self.needs_cross_origin_sync(facts) {
            let sync = Handshake {
                message: Some("Cross-origin request from satellite domain requires handshake".to_owned()),
                carrier: Some(TokenCarrier::Cookie),
                ..Handshake::cookie(RequestReason::PrimaryDomainCrossOriginSync, true)
            };
            return self.maybe_handshake(facts, keys, sync);
        }
        if auth.user_id().is_some() && self.organization_mismatch(facts, &auth) {
            let reason = RequestReason::ActiveOrganizationMismatch;
            let outcome = self.maybe_handshake(facts, keys, Handshake::cookie(reason, true));
            if outcome.status() == RequestStatus::Handshake {
                return outcome;
            }
        }
        RequestOutcome::signed_in(auth, token, TokenCarrier::Cookie)
    }

    /// Clerk's organization sync: the URL names an organization other than the session's active
    /// one, or the personal account while one is active. Skipped (with Clerk's warning) after
    /// three redirects.
    fn organization_mismatch(&self, facts: &RequestFacts<'_>, auth: &Auth) -> bool {
        if self.org_sync.is_empty() {
            return false;
        }
        let Some(clerk_url) = handshake::clerk_url(facts.parts) else {
            return false;
        };
        let mismatch = match self.org_sync.find_target(clerk_url.path()) {
            None => false,
            Some(SyncTarget::Organization { id, slug }) => {
                slug.as_deref().is_some_and(|slug| Some(slug) != auth.org_slug())
                    || id.as_deref().is_some_and(|id| Some(id) != auth.org_id())
            }
            Some(SyncTarget::PersonalAccount) => auth.org_id().is_some(),
        };
        if mismatch && facts.redirect_count() >= 3.0 {
            tracing::warn!(
                "Clerk: Organization activation handshake loop detected. This is likely due to an \
                 invalid organization ID or slug. Skipping organization activation."
            );
            return false;
        }
        mismatch
    }

    /// Clerk's cross-origin rule on the primary domain: a signed-in document GET whose `Referer`
    /// is another origin (and not one of Clerk's) needs a handshake.
    fn needs_cross_origin_sync(&self, facts: &RequestFacts<'_>) -> bool {
        if self.domain.is_satellite() || !facts.is_document_get() {
            return false;
        }
        let Some(referrer) = facts.referrer().and_then(|r| url::Url::parse(r).ok()) else {
            return false;
        };
        if facts.redirect_count() != 0.0 {
            return false;
        }
        let origin = &facts.parts.origin;
        if referrer.origin().ascii_serialization() == origin.serialize() {
            return false;
        }
        !self.publishable_key.as_ref().is_some_and(|key| {
            let frontend_api = self.domain.frontend_api(key, origin);
            is_known_clerk_origin(&frontend_api, key.instance_type(), &referrer)
        })
    }

    /// Whether a satellite sync may send the browser to `url` (warned once per refused origin).
    fn may_redirect_to(&self, url: &url::Url) -> bool {
        let Some(origin) = super::app_origins::origin_of(url) else {
            return false;
        };
        let allowed = self.origins.may_redirect_to(&origin, self.instance_type);
        if !allowed {
            super::app_origins::warn_refused_once(&origin);
        }
        allowed
    }
}

/// `payload.iat < clientUat` with JavaScript's coercion: a numeric string compares as a number,
/// anything that is not a number (or absent) compares false.
fn issued_before(prepared: &Prepared<'_>, client_uat: f64) -> bool {
    let iat = match prepared {
        Prepared::Cached(_, times) => times.iat_ms.map(|ms| ms / 1000.0),
        Prepared::Decoded(decoded) => decoded.claim("iat").map(js_to_number),
    };
    iat.is_some_and(|iat| iat < client_uat)
}
