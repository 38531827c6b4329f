//! `GET /clerk.js`: the emulator's small stand-in for clerk-js (see the script's header for
//! its API: `Clerk.load()`, `Clerk.user`, `Clerk.session.getToken()`, `Clerk.signOut()`).

use actix_web::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use actix_web::HttpResponse;

/// The script, as served.
pub(crate) const CLERK_JS: &str = include_str!("clerk.js");

pub(crate) async fn clerk_js() -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((CONTENT_TYPE, "text/javascript; charset=utf-8"))
        .insert_header((CACHE_CONTROL, "no-cache"))
        .body(CLERK_JS)
}
