//! Signing out: `GET /sign-out` (a page with a button) and `POST /sign-out`, which ends the
//! sessions of the browser's client (`ended`, with a `session.ended` webhook), forgets the
//! client and clears the cookies
//! (`__client`, `__session`, `__refresh_<suffix>`; `__client_uat=0`, plain and suffixed).

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::api::browser_cookies;
use crate::api::frontend::client::request_client;
use crate::api::frontend::pages::{bad_redirect_page, form, page, see_other};
use crate::api::frontend::redirect::target;
use crate::api::{origin, AppState};

/// `GET /sign-out?redirect_url=<url or path>`.
pub(crate) async fn show(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let query = form(req.query_string().as_bytes());
    let Ok(target) = target(query.get("redirect_url"), &state.browser.allowed_origins) else {
        return bad_redirect_page();
    };
    let body = format!(
        "<h1>Sign out</h1>\n{}<form method=\"post\" action=\"sign-out\">\n{}\
         <button type=\"submit\">Sign out</button>\n</form>",
        target.refusal_note(),
        target.hidden_field()
    );
    page(StatusCode::OK, "Sign out", &body, &[])
}

/// `POST /sign-out` (form: `redirect_url`, optional): `303` to it when it is allowed
/// ([`crate::api::frontend::redirect`]), else a "signed out" page.
pub(crate) async fn submit(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let fields = form(&body);
    let Ok(target) = target(fields.get("redirect_url"), &state.browser.allowed_origins) else {
        return bad_redirect_page();
    };
    if let Some((cookie, _)) = request_client(&state, &req) {
        let origin = origin(&req);
        for session_id in state.browser.clients.remove(&cookie) {
            // `None`: gone already (its user was deleted), as good as ended.
            let _ = state.store.end_session_from(&session_id, &origin);
        }
    }
    let cookies = browser_cookies::signed_out(&state.browser.cookie_suffix);
    match target.redirect() {
        Some(redirect) => see_other(redirect.location(), &cookies),
        None => page(
            StatusCode::OK,
            "Signed out",
            &format!(
                "<h1>Signed out</h1>\n<p>You are signed out.</p>\n{}",
                target.refusal_note()
            ),
            &cookies,
        ),
    }
}
