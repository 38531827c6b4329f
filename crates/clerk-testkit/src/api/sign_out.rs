//! Signing out: `GET /sign-out` (a page with a button) and `POST /sign-out`, which ends the
//! sessions of the browser's client (`ended`, with a `session.ended` webhook), forgets the
//! client and clears the cookies
//! (`__client`, `__session`, `__refresh_<suffix>`; `__client_uat=0`, plain and suffixed).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use super::frontend_client::request_client;
use super::pages::{bad_redirect_page, escape, form, page, redirect_url, see_other};
use super::{origin, AppState};
use crate::client_cookies;

/// `GET /sign-out?redirect_url=<absolute url>`.
pub(crate) async fn show(req: HttpRequest) -> HttpResponse {
    let query = form(req.query_string().as_bytes());
    let Ok(redirect) = redirect_url(query.get("redirect_url")) else {
        return bad_redirect_page();
    };
    let hidden = redirect
        .map(|url| {
            format!(
                "<input type=\"hidden\" name=\"redirect_url\" value=\"{}\">\n",
                escape(url.as_str())
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign out</h1>\n<form method=\"post\" action=\"sign-out\">\n{hidden}\
         <button type=\"submit\">Sign out</button>\n</form>"
    );
    page(StatusCode::OK, "Sign out", &body, &[])
}

/// `POST /sign-out` (form: `redirect_url`, optional): `303` to it, else a "signed out" page.
pub(crate) async fn submit(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let fields = form(&body);
    let Ok(redirect) = redirect_url(fields.get("redirect_url")) else {
        return bad_redirect_page();
    };
    if let Some((cookie, _)) = request_client(&state, &req) {
        let origin = origin(&req);
        for session_id in state.browser.clients.remove(&cookie) {
            // `None`: gone already (its user was deleted), as good as ended.
            let _ = state.store.end_session_from(&session_id, &origin);
        }
    }
    let cookies = client_cookies::signed_out(&state.browser.cookie_suffix);
    match redirect {
        Some(url) => see_other(&url, &cookies),
        None => page(
            StatusCode::OK,
            "Signed out",
            "<h1>Signed out</h1>\n<p>You are signed out.</p>",
            &cookies,
        ),
    }
}
