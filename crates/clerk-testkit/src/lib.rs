//! An offline Clerk for tests and local development.
//!
//! [`TestClerk`] runs, in-process on `127.0.0.1:0` and on its own thread, what a Clerk
//! instance offers a backend:
//!
//! * an [`Instance`] (development or production) with its RSA key pair, `kid`, Frontend API
//!   host, publishable and secret keys;
//! * session tokens minted exactly as Clerk signs them ([`TokenMinter`], [`SessionToken`]),
//!   and the broken variants a verifier must reject;
//! * `GET /v1/jwks` and `GET /.well-known/jwks.json`;
//! * machine tokens (M2M tokens, API keys, OAuth access tokens), opaque and JWT, with the
//!   verify, create, list and revoke endpoints ([`MachineTokens`]);
//! * a Backend API subset: users, organizations, memberships and organization invitations
//!   ([`Organizations`]), sessions (list, revoke, templated tokens), invitations, sign-in and
//!   actor tokens, JWT templates ([`JwtTemplates`]), allow/block lists, users' OAuth access
//!   tokens ([`OAuthTokens`]), machine-token verification, with Clerk's authentication,
//!   API-version handling, error envelope and rate limits;
//! * the Frontend API handshake (`GET /v1/client/handshake`) and the Backend API's
//!   `GET /v1/clients/handshake_payload` and `POST /v1/sessions/{id}/refresh`, for cookie
//!   sessions kept alive by the SDK ([`TestClerk::refresh_token_for`]);
//! * what a browser calls, for the dev stack and browser tests: a sign-in page
//!   ([`TestClerk::sign_in_url`]: "Continue as" a user, or identifier + password) and a
//!   sign-out page ([`TestClerk::sign_out_url`]), browser clients behind the `__client` cookie
//!   (which the handshake signs in), development browsers (`__clerk_db_jwt`), the Frontend
//!   API's `GET /v1/client` and `POST /v1/client/sessions/{sid}/tokens` (the browser script is
//!   Clerk's own, below: the emulator's small `/clerk.js` is retired, issue 23). Every link and
//!   form action is relative, so the app can mount it all under a prefix
//!   such as `/__clerk`. The sign-in and sign-out pages and the handshake send a browser only to
//!   a path, a loopback URL (`localhost`, `127.0.0.1`, `[::1]`) or an origin added with
//!   [`TestClerkBuilder::allowed_origin`] (`serve --allowed-origin`), as a Clerk instance's
//!   allowed origins do;
//! * enough of the Frontend API for the official, unmodified `@clerk/clerk-js` (issue 23):
//!   `POST /v1/dev_browser`, `GET`/`PATCH /v1/environment` (`_method` overrides a browser's
//!   `POST`), the client (`GET`, `DELETE`), sign-ins (`POST /v1/client/sign_ins` with an
//!   identifier and password, or identifier first then
//!   `…/sign_ins/{id}/attempt_first_factor`), sign-ups with an email address and a password
//!   (`POST /v1/client/sign_ups`), a session's `touch` (active organization), `end`, `remove`,
//!   tokens and JWT-template tokens, sign-out (`DELETE /v1/client/sessions`), the signed-in
//!   user's organization (`GET /v1/organizations/{id}`), in the Frontend API spec's shapes, with
//!   CORS for a page on another origin (the exact `Origin`, with credentials); and the official
//!   packages' files at `/npm/@clerk/clerk-js@6/dist/…` and `/npm/@clerk/ui@1/dist/…` (the
//!   versions pinned in `clerk-npm.txt`, from [`TestClerkBuilder::npm_dir`] or
//!   `CLERK_TESTKIT_NPM_DIR`; `scripts/clerk-js.sh` unpacks them), with which Clerk's prebuilt
//!   sign-in component (`@clerk/ui`'s `mountSignIn`) signs a user in with an email address and
//!   a password. Password is the only factor, nothing is verified by email, no captcha; the
//!   environment has no `user_settings` yet (clerk-js and the components use their defaults);
//! * the Backend API and the Frontend API on one origin, told apart by credentials where a
//!   method and path is in both (`GET /v1/organizations/{id}`): a request with
//!   `Authorization: Bearer sk_…` is a Backend API call, any other the Frontend API's (a
//!   browser's client); a method or path only the Backend API has needs the secret key from
//!   anyone;
//! * Svix-signed webhooks for every user and organization change and
//!   `session.created`/`session.revoked`/`session.ended` ([`Webhooks`]);
//! * faults on demand ([`Faults`]) and call counters ([`Calls`]).
//!
//! # Getting started
//!
//! ```
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use clerk_testkit::{NewUser, TestClerk};
//!
//! let clerk = TestClerk::builder().fixed_instance().start()?;
//! let user = clerk.users().create(NewUser::default().email("ada@example.com"))?;
//! let token = clerk.minter().session_token(&user.id).mint();
//! assert_eq!(clerk.issuer(), "https://happy-hippo-42.clerk.accounts.dev");
//! assert!(clerk.jwks_url().ends_with("/v1/jwks"));
//! # let _ = token;
//! # Ok(()) }
//! ```
//!
//! The `clerk-testkit` binary runs the same emulator stand-alone:
//! `clerk-testkit serve --port 8787 --users 10`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allowed_origins;
mod api;
mod browser;
mod calls;
mod clerk;
mod client_cookies;
mod clients;
mod directives;
mod error;
mod faults;
mod identifier_lists;
mod instance;
mod invitations;
mod jwt_templates;
mod keys;
mod machine;
mod nonces;
mod npm;
mod oauth_tokens;
mod org;
mod ratelimit;
mod receiver;
mod refresh_tokens;
mod server;
mod signature;
mod store;
mod tickets;
mod token;
mod user;
mod util;
mod webhooks;

pub use calls::{CallKey, Calls, RequestRecord, DROPPED, LOGGED_HEADERS, REDACTED_QUERY_PARAMS};
pub use clerk::{TestClerk, TestClerkBuilder};
pub use error::{Error, Result};
pub use faults::{Faults, Outage};
pub use instance::{Instance, TEST_DEV_HOST, TEST_PROD_HOST};
pub use jwt_templates::{JwtTemplate, JwtTemplates};
pub use keys::{Jwk, RsaAlg, SigningKey, TEST_KEY_KID};
pub use machine::{
    InactiveTokens, Machine, MachineToken, MachineTokenBuilder, MachineTokenKind, MachineTokens,
    M2M_JWT_CATEGORY,
};
pub use npm::{
    check_npm_dir, pinned_npm_package, pinned_npm_packages, NpmPackage, CLERK_JS_PACKAGE, CLERK_UI_PACKAGE,
    NPM_DIR_ENV,
};
pub use oauth_tokens::OAuthTokens;
pub use org::{
    role, Invitation, Membership, NewInvitation, NewOrganization, Organization, OrganizationUpdate,
    Organizations, Role, MEMBERS_READ, ROLES,
};
pub use ratelimit::RateLimit;
pub use receiver::{ReceivedWebhook, WebhookReceiver};
pub use store::{Session, UserStore};
pub use token::{decode_unverified, OrgClaim, SessionToken, TokenMinter, SESSION_TOKEN_CATEGORY};
pub use user::{
    EmailAddress, JsonObject, MetadataPatch, NewUser, PhoneNumber, User, UserUpdate, Verification,
};
pub use webhooks::{
    sign_webhook, DeliveryAttempt, DeliveryOutcome, WebhookEvent, Webhooks, DEFAULT_RETRY_SCHEDULE,
};

pub use clerk_core::InstanceType;
