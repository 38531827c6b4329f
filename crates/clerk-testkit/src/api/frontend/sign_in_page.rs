//! The sign-in page (the Account Portal's role, offline): `GET /sign-in` lists the users,
//! each with a "Continue as …" button, plus an identifier and password form; `POST /sign-in`
//! signs the chosen user in on the browser's client and answers `303` to `redirect_url` when
//! it is allowed ([`crate::api::frontend::redirect`]), else a "signed in" page.
//!
//! The sign-in sets `__client` and `__client_uat` (plain and suffixed) but no `__session`:
//! the app gets its session token through its handshake, as with Clerk.

use actix_web::http::StatusCode;
use actix_web::web::{Bytes, Data};
use actix_web::{HttpRequest, HttpResponse};

use crate::api::browser_cookies::{self, CLIENT};
use crate::api::frontend::client::dev_browser;
use crate::api::frontend::pages::{bad_redirect_page, escape, form, page, see_other};
use crate::api::frontend::redirect::{target, Redirect, Target};
use crate::api::{origin, AppState};
use crate::store::user::User;

/// How many users the page lists.
const LISTED_USERS: usize = 100;

/// Why a sign-in was refused (a 422 page).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    /// Neither `user_id` nor `identifier` was given.
    NothingChosen,
    /// No user has this id or identifier.
    UnknownUser,
    /// The user has no password: use their "Continue as" button.
    NoPassword,
    /// Wrong password.
    WrongPassword,
    /// The user is banned.
    Banned,
}

impl Refusal {
    fn message(self) -> &'static str {
        match self {
            Self::NothingChosen => "Choose a user, or enter an identifier and a password.",
            Self::UnknownUser => "Couldn't find your account.",
            Self::NoPassword => "This account has no password: use its Continue button.",
            Self::WrongPassword => "Password is incorrect. Try again.",
            Self::Banned => "This account is banned.",
        }
    }

    /// Whether the message is about the password form.
    fn on_password_form(self) -> bool {
        matches!(self, Self::NoPassword | Self::WrongPassword)
    }
}

/// `GET /sign-in?redirect_url=<url or path>`.
pub(crate) async fn show(state: Data<AppState>, req: HttpRequest) -> HttpResponse {
    let query = form(req.query_string().as_bytes());
    match target(query.get("redirect_url"), &state.browser.allowed_origins) {
        Ok(target) => render(&state, &target, StatusCode::OK, None, ""),
        Err(_) => bad_redirect_page(),
    }
}

/// `POST /sign-in` (form: `user_id`, or `identifier` + `password`; `redirect_url`).
pub(crate) async fn submit(state: Data<AppState>, req: HttpRequest, body: Bytes) -> HttpResponse {
    let fields = form(&body);
    let Ok(target) = target(fields.get("redirect_url"), &state.browser.allowed_origins) else {
        return bad_redirect_page();
    };
    let identifier = fields.get("identifier").map(String::as_str).unwrap_or_default();
    let refuse = |refusal| {
        render(
            &state,
            &target,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(refusal),
            identifier,
        )
    };
    let user = match choose(&state, &fields) {
        Ok(user) => user,
        Err(refusal) => return refuse(refusal),
    };
    let (cookie, client) = state
        .browser
        .clients
        .get_or_create(req.cookie(CLIENT).as_ref().map(|c| c.value()));
    let session = match state.store.create_session_from(&user.id, &origin(&req)) {
        Ok(session) => session,
        Err(_) => return refuse(Refusal::UnknownUser),
    };
    state.store.set_session_client(&session.id, &client.id);
    state.browser.clients.add_session(&cookie, &session.id);
    if let Some(dvb) = dev_browser(&state, &req) {
        state.browser.clients.bind_dev_browser(&dvb, &cookie);
    }
    // The cookies are for the page the browser lands on.
    let secure = match target.redirect() {
        Some(Redirect::Absolute(url)) => url.scheme() == "https",
        _ => req.connection_info().scheme() == "https",
    };
    let cookies = browser_cookies::signed_in(
        &state.browser.cookie_suffix,
        &cookie,
        session.created_at / 1000,
        secure,
    );
    match target.redirect() {
        Some(redirect) => see_other(redirect.location(), &cookies),
        None => page(
            StatusCode::OK,
            "Signed in",
            &format!(
                "<h1>Signed in</h1>\n<p>You are signed in as {}.</p>\n{}",
                escape(&display_name(&user)),
                target.refusal_note()
            ),
            &cookies,
        ),
    }
}

/// The user the form names, when they may sign in.
fn choose(state: &AppState, fields: &std::collections::HashMap<String, String>) -> Result<User, Refusal> {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty());
    let user = if let Some(user_id) = field("user_id") {
        state.store.get(user_id).ok_or(Refusal::UnknownUser)?
    } else if let Some(identifier) = field("identifier") {
        let user = find_by_identifier(&state.store.all(), identifier).ok_or(Refusal::UnknownUser)?;
        let password = fields.get("password").map(String::as_str).unwrap_or_default();
        match state.store.verify_password(&user.id, password) {
            Ok(Some(true)) => user,
            Ok(Some(false)) => return Err(Refusal::WrongPassword),
            Ok(None) => return Err(Refusal::NoPassword),
            Err(_) => return Err(Refusal::UnknownUser),
        }
    } else {
        return Err(Refusal::NothingChosen);
    };
    if user.banned {
        return Err(Refusal::Banned);
    }
    Ok(user)
}

/// The user with this email address or username (case-insensitive).
pub(crate) fn find_by_identifier(users: &[User], identifier: &str) -> Option<User> {
    users
        .iter()
        .find(|user| {
            user.email_addresses
                .iter()
                .any(|e| e.email_address.eq_ignore_ascii_case(identifier))
                || user
                    .username
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(identifier))
        })
        .cloned()
}

/// The user's first name, else their primary email address, else their id.
fn display_name(user: &User) -> String {
    user.first_name
        .clone()
        .filter(|n| !n.is_empty())
        .or_else(|| primary_email(user))
        .unwrap_or_else(|| user.id.clone())
}

fn primary_email(user: &User) -> Option<String> {
    user.email_addresses
        .iter()
        .find(|e| Some(&e.id) == user.primary_email_address_id.as_ref())
        .or_else(|| user.email_addresses.first())
        .map(|e| e.email_address.clone())
}

fn render(
    state: &AppState,
    target: &Target,
    status: StatusCode,
    refusal: Option<Refusal>,
    identifier: &str,
) -> HttpResponse {
    let users: Vec<User> = state.store.all().into_iter().filter(|u| !u.banned).collect();
    let hidden_redirect = target.hidden_field();
    let mut body = String::from("<h1>Sign in</h1>\n");
    body.push_str(&target.refusal_note());
    if let Some(refusal) = refusal.filter(|r| !r.on_password_form()) {
        body.push_str(&format!(
            "<p role=\"alert\" class=\"error\">{}</p>\n",
            refusal.message()
        ));
    }
    if users.is_empty() {
        body.push_str("<p>There are no users yet: create some through the Backend API or start the emulator with <code>--users</code>.</p>\n");
    } else {
        body.push_str("<h2 id=\"users-heading\">Choose a user</h2>\n");
        body.push_str(
            "<form method=\"post\" action=\"sign-in\" class=\"users\" aria-labelledby=\"users-heading\">\n",
        );
        body.push_str(&hidden_redirect);
        body.push_str("<ul>\n");
        for (i, user) in users.iter().take(LISTED_USERS).enumerate() {
            let full_name = [user.first_name.as_deref(), user.last_name.as_deref()]
                .into_iter()
                .flatten()
                .filter(|n| !n.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            let email = primary_email(user).unwrap_or_default();
            body.push_str(&format!(
                "<li><span id=\"user-{i}\"><span class=\"name\">{}</span> <span class=\"email\">{}</span></span> \
                 <button type=\"submit\" name=\"user_id\" value=\"{}\" aria-describedby=\"user-{i}\">Continue as {}</button></li>\n",
                escape(&full_name),
                escape(&email),
                escape(&user.id),
                escape(&display_name(user)),
            ));
        }
        body.push_str("</ul>\n</form>\n");
        if users.len() > LISTED_USERS {
            body.push_str(&format!(
                "<p class=\"note\">Showing the first {LISTED_USERS} of {} users; sign the others in with their password.</p>\n",
                users.len()
            ));
        }
    }
    if users.iter().any(|u| u.password_enabled) || refusal.is_some_and(Refusal::on_password_form) {
        body.push_str("<h2 id=\"password-heading\">Sign in with a password</h2>\n");
        body.push_str("<form method=\"post\" action=\"sign-in\" class=\"password\" aria-labelledby=\"password-heading\">\n");
        body.push_str(&hidden_redirect);
        if let Some(refusal) = refusal.filter(|r| r.on_password_form()) {
            body.push_str(&format!(
                "<p role=\"alert\" class=\"error\" id=\"password-error\">{}</p>\n",
                refusal.message()
            ));
        }
        body.push_str(&format!(
            "<label for=\"identifier\">Email address or username</label>\n\
             <input id=\"identifier\" name=\"identifier\" type=\"text\" autocomplete=\"username\" required value=\"{}\">\n\
             <label for=\"password\">Password</label>\n\
             <input id=\"password\" name=\"password\" type=\"password\" autocomplete=\"current-password\" required>\n\
             <button type=\"submit\">Sign in</button>\n</form>\n",
            escape(identifier)
        ));
    }
    page(status, "Sign in", &body, &[])
}
