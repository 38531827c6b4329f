//! An offline Clerk for tests and local development.
//!
//! [`TestClerk`] runs, in-process on `127.0.0.1:0` and on its own thread, what a Clerk
//! instance offers a backend:
//!
//! * an [`Instance`](instance::Instance) (development or production) with its RSA key pair, `kid`, Frontend API
//!   host, publishable and secret keys;
//! * session tokens minted exactly as Clerk signs them ([`TokenMinter`](instance::TokenMinter), [`SessionToken`](instance::SessionToken)),
//!   and the broken variants a verifier must reject;
//! * `GET /v1/jwks` and `GET /.well-known/jwks.json`;
//! * machine tokens (M2M tokens, API keys, OAuth access tokens), opaque and JWT, with the
//!   verify, create, list and revoke endpoints ([`MachineTokens`](store::MachineTokens));
//! * a Backend API subset: users, organizations, memberships and organization invitations
//!   ([`Organizations`](store::Organizations)), sessions (list, revoke, templated tokens), invitations, sign-in and
//!   actor tokens, JWT templates ([`JwtTemplates`](store::JwtTemplates)), allow/block lists, custom organization permissions, users' OAuth access
//!   tokens ([`OAuthTokens`](store::OAuthTokens)), machine-token verification, with Clerk's authentication,
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
//!   `session.created`/`session.revoked`/`session.ended` ([`Webhooks`](webhooks::Webhooks));
//! * faults on demand ([`Faults`](faults::Faults)) and call counters ([`Calls`](faults::Calls)).
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
//! # Modules
//!
//! The root holds the [`TestClerk`] builder and the few types most tests name; the rest is
//! grouped as the emulator is:
//!
//! * [`store`]: users and sessions, organizations, invitations, JWT templates, users' OAuth
//!   tokens, machine tokens;
//! * [`instance`]: the instance, its signing keys and the session tokens it mints;
//! * [`webhooks`]: Svix-signed delivery and a test receiver;
//! * [`faults`]: faults on demand, rate limits, call counters and the request log;
//! * [`npm`]: the pinned official Clerk browser packages.
//!
//! The `clerk-testkit` binary runs the same emulator stand-alone:
//! `clerk-testkit serve --port 8787 --users 10`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod allowed_origins;
mod api;
mod clerk;
mod clock;
mod directives;
mod error;
pub mod faults;
mod ids;
pub mod instance;
mod lock;
pub mod npm;
mod server;
pub mod store;
pub mod webhooks;

pub use clerk::{TestClerk, TestClerkBuilder};
pub use error::{Error, Result};
pub use instance::decode_unverified;
pub use store::{NewOrganization, NewUser, User, UserUpdate};

pub use clerk_core::InstanceType;
