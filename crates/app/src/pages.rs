//! The seed's examples as pages: `GET /` (the Server Component with `auth()` and
//! `currentUser()`), `GET /profile` (`getServerSideProps` with `getAuth` and `buildClerkProps`),
//! `GET /client` (the client helpers `useAuth()` and `useUser()`), `GET /sign-in` (Clerk's
//! sign-in component, as a Next.js app's `sign-in/[[...sign-in]]` page), and their stylesheet and
//! script. Small accessible HTML, one stylesheet, no framework; personal pages are never cached.
//!
//! The pages that need a script (`/client`, `/sign-in`) load Clerk's official browser SDK,
//! `@clerk/clerk-js` (and `@clerk/ui` for the component), where Clerk's own loader finds it: the
//! proxy URL when one is configured (`/__clerk` in dev mode, served by the offline Clerk), else the
//! instance's Frontend API named by the publishable key. `/` and `/profile` stay script-free.
//!
//! Every answer carries one Content Security Policy ([`content_security_policy`], set by
//! clerk-actix's `ClerkCsp`): Clerk's directives in strict mode, with `frame-ancestors 'none'`;
//! each script tag carries the request's nonce ([`CspNonce`]).

use actix_web::http::header;
use actix_web::{web, FromRequest, HttpRequest, HttpResponse};
use clerk_actix::{AuthError, Authenticated, Clerk, ClerkAuth, ClerkProps, CspNonce};
use clerk_core::csp::CspOptions;
use clerk_core::request::ReturnBackUrl;

use crate::current_user::CachedCurrentUser;
use crate::state::AppState;

/// No site may frame a page (clickjacking): a directive of the pages' policy
/// ([`content_security_policy`]), and the whole `Content-Security-Policy` of an answer that has
/// none (the `/__clerk` upstream's); `X-Frame-Options: DENY` says the same to browsers without CSP.
pub const FRAME_ANCESTORS: &str = "frame-ancestors 'none'";

/// The app's Content Security Policy (Clerk's `contentSecurityPolicy: { strict: true, directives:
/// { 'frame-ancestors': ['none'], 'img-src': ['data:'] } }`): Clerk's directives for the instance
/// (its Frontend API, the proxy's origin when it is another one), strict mode (a nonce per
/// request and `'strict-dynamic'`: only the scripts the page tags with the nonce, and those they
/// load, run), no framing, and `data:` images, which `@clerk/ui`'s components show (Clerk's
/// directives leave them out; the browser test records the violation without them).
pub fn content_security_policy() -> CspOptions {
    CspOptions::new()
        .strict(true)
        .directive("frame-ancestors", ["none"])
        .directive("img-src", ["data:"])
}

/// The stylesheet every page links.
const STYLESHEET: &str = include_str!("pages/app.css");
/// The pages' script (uses `window.Clerk`, which the official `clerk.browser.js` defines).
const CLIENT_SCRIPT: &str = include_str!("pages/client.js");
/// `@clerk/clerk-js`'s browser bundle under a Frontend API, at the major version Clerk's loader
/// asks for (the offline Clerk serves the pinned 6.40.0 there).
pub const CLERK_JS_PATH: &str = "/npm/@clerk/clerk-js@6/dist/clerk.browser.js";
/// The first script of a page that runs scripts (inline, with the nonce): records the page's
/// CSP violations in `window.__cspViolations` (the browser test reads it; devtools show them too).
const CSP_VIOLATIONS_SCRIPT: &str = "window.__cspViolations=[];\
    document.addEventListener('securitypolicyviolation',function(e){\
    window.__cspViolations.push(e.violatedDirective+' '+(e.blockedURI||'inline')+' '+(e.sourceFile||''));});";
/// `@clerk/ui`'s self-contained browser bundle (the prebuilt components) under a Frontend API.
pub const CLERK_UI_PATH: &str = "/npm/@clerk/ui@1/dist/ui.browser.js";

/// Where a page loads Clerk's browser SDK from, as Clerk's loader (`@clerk/shared`'s
/// `clerkJsScriptUrl`) picks it: under the proxy URL when one is configured, else under the
/// instance's Frontend API (`https://{host}` of the publishable key, `clerk.{domain}` for a
/// production satellite). One difference: the loader forces `https://` onto a proxy URL; we keep
/// a relative proxy (`/__clerk`) relative, so it works on an `http://localhost` dev origin.
struct ClerkSdk {
    base: String,
    proxy: Option<String>,
    publishable_key: String,
}

impl ClerkSdk {
    /// `None` without a publishable key (the pages then stay script-free).
    fn of(clerk: &Clerk) -> Option<Self> {
        let config = clerk.config();
        let key = config.publishable_key()?;
        let domains = config.multi_domain();
        let proxy = domains.proxy().map(str::to_owned);
        let base = match &proxy {
            Some(proxy) => proxy.clone(),
            None => format!("https://{}", domains.original_frontend_api(key)),
        };
        Some(Self {
            base,
            proxy,
            publishable_key: key.as_str().to_owned(),
        })
    }

    /// The script tags: `clerk.browser.js` configured by its `data-clerk-*` attributes, then
    /// `@clerk/ui`'s bundle when `ui` (it registers the component constructor `Clerk.load({ ui })`
    /// takes), then the pages' own script; each with the request's CSP nonce, after the inline
    /// violations recorder when there is one.
    fn tags(&self, ui: bool, nonce: Option<&CspNonce>) -> String {
        let recorder = nonce
            .map(|_| {
                format!(
                    "<script{}>{CSP_VIOLATIONS_SCRIPT}</script>",
                    nonce_attribute(nonce)
                )
            })
            .unwrap_or_default();
        let nonce = nonce_attribute(nonce);
        let ui = if ui {
            format!(
                "<script{nonce} src=\"{}{CLERK_UI_PATH}\"></script>",
                escape_html(&self.base)
            )
        } else {
            String::new()
        };
        let proxy = self
            .proxy
            .as_ref()
            .map(|proxy| format!(" data-clerk-proxy-url=\"{}\"", escape_html(proxy)))
            .unwrap_or_default();
        format!(
            "{recorder}<script{nonce} src=\"{base}{CLERK_JS_PATH}\" data-clerk-publishable-key=\"{key}\"{proxy}></script>\
             {ui}<script{nonce} src=\"/static/client.js\"></script>",
            base = escape_html(&self.base),
            key = escape_html(&self.publishable_key),
        )
    }
}

/// `GET /`: "Sign in to view this page" when signed out; "Welcome, {firstName}!" when signed in.
pub async fn index(auth: ClerkAuth, clerk: Clerk, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    if !auth.is_authenticated() {
        let body = format!("<h1>Sign in to view this page</h1>{}", sign_in_link(&clerk, &req));
        return Ok(page("Home", &nav(&clerk, &req, false), &body, ""));
    }
    let user = CachedCurrentUser::extract(&req).await?;
    let name = user.first_name.as_deref().unwrap_or("there");
    let body = format!("<h1>Welcome, {}!</h1>", escape_html(name));
    Ok(user.mark(page("Home", &nav(&clerk, &req, true), &body, "")))
}

/// `GET /admin`: a page for the active organization's admins, behind [`clerk_actix::Protect`]
/// with Clerk's per-route options (`auth.protect({ role: 'org:admin' }, { unauthenticatedUrl,
/// unauthorizedUrl })`, mounted in `startup.rs`): a signed-out visitor is sent to `/sign-in`, a
/// signed-in one who is not an admin of the active organization back to `/` (307s marked
/// `x-clerk-redirect-to`, as `clerkMiddleware`'s).
pub async fn admin(auth: Authenticated, clerk: Clerk, req: HttpRequest) -> HttpResponse {
    let body = format!(
        "<h1>Organization admin</h1><p id=\"admin\">You administer {}.</p>",
        escape_html(auth.org_id().unwrap_or("—")),
    );
    page("Admin", &nav(&clerk, &req, true), &body, "")
}

/// `GET /profile` (`getServerSideProps` + `buildClerkProps`): signed-out requests are sent to
/// sign in (`auth().redirectToSignIn()`: 307 with `redirect_url`); otherwise the page with the props and the user's public
/// fields.
pub async fn profile(auth: ClerkAuth, clerk: Clerk, req: HttpRequest) -> Result<HttpResponse, AuthError> {
    if !auth.is_authenticated() {
        return Err(auth.redirect_to_sign_in(&req, ReturnBackUrl::ThisRequest));
    }
    let user = CachedCurrentUser::extract(&req).await?;
    let props = ClerkProps::new(&auth, Some(&user));
    let field = |label: &str, value: Option<&str>| {
        format!("<dt>{label}</dt><dd>{}</dd>", escape_html(value.unwrap_or("—")))
    };
    let name = user.full_name();
    let body = format!(
        "<h1>Profile</h1><p id=\"welcome\">Welcome, {}!</p><dl>{}{}{}{}</dl>{}",
        escape_html(user.first_name.as_deref().unwrap_or("there")),
        field("Name", name.as_deref()),
        field("Email", user.primary_email()),
        field("Username", user.username.as_deref()),
        field("User id", Some(&user.id)),
        props_script(&props),
    );
    Ok(user.mark(page("Profile", &nav(&clerk, &req, true), &body, "")))
}

/// `GET /client`: the seed's client examples, `useAuth()` (user id, session id, and a button that
/// calls `getToken()` and fetches `/api/data` with `Authorization: Bearer`) and `useUser()`
/// ("Hello {firstName}!"), rendered from the props first so nothing flashes "Loading…"; Clerk's
/// `clerk-js` then keeps the session fresh while the tab is open, and signs out with `signOut()`.
pub async fn client(
    auth: ClerkAuth,
    clerk: Clerk,
    nonce: Option<CspNonce>,
    req: HttpRequest,
) -> Result<HttpResponse, AuthError> {
    if !auth.is_authenticated() {
        return Err(auth.redirect_to_sign_in(&req, ReturnBackUrl::ThisRequest));
    }
    let user = CachedCurrentUser::extract(&req).await?;
    let props = ClerkProps::new(&auth, Some(&user));
    let body = format!(
        "<h1>Client helpers</h1>\
         <section aria-labelledby=\"use-auth\"><h2 id=\"use-auth\"><code>useAuth()</code></h2>\
         <dl><dt>userId</dt><dd id=\"user-id\">{user_id}</dd><dt>sessionId</dt><dd id=\"session-id\">{session_id}</dd></dl>\
         <button id=\"fetch-data\" type=\"button\">Fetch /api/data with getToken()</button>\
         <output id=\"data-result\" aria-live=\"polite\"></output></section>\
         <section aria-labelledby=\"use-user\"><h2 id=\"use-user\"><code>useUser()</code></h2>\
         <p id=\"hello\">Hello {first}!</p></section>{props}",
        user_id = escape_html(auth.user_id().unwrap_or("")),
        session_id = escape_html(auth.session_id().unwrap_or("")),
        first = escape_html(user.first_name.as_deref().unwrap_or("there")),
        props = props_script(&props),
    );
    let scripts = ClerkSdk::of(&clerk)
        .map(|sdk| sdk.tags(false, nonce.as_ref()))
        .unwrap_or_default();
    Ok(user.mark(page("Client helpers", &nav(&clerk, &req, true), &body, &scripts)))
}

/// `GET /sign-in`: Clerk's sign-in component (`Clerk.mountSignIn`, from `@clerk/ui`), which goes
/// back to the page's `redirect_url` once signed in (`/` without one). `CLERK_SIGN_IN_URL=/sign-in`
/// sends signed-out visitors here (dev mode's default). With the offline Clerk, a link to its
/// script-free sign-in page (pick a seeded user) as well. Without a publishable key there is no
/// component to mount: the page says so.
pub async fn sign_in(
    clerk: Clerk,
    state: web::Data<AppState>,
    nonce: Option<CspNonce>,
    req: HttpRequest,
) -> HttpResponse {
    let Some(sdk) = ClerkSdk::of(&clerk) else {
        let body =
            "<h1>Sign in</h1><p>No Clerk instance is configured (<code>CLERK_PUBLISHABLE_KEY</code>).</p>";
        return page("Sign in", &nav_with(""), body, "");
    };
    let offline = state
        .frontend_api
        .as_ref()
        .map(|base| {
            let back = url::form_urlencoded::parse(req.query_string().as_bytes())
                .find(|(name, _)| name == "redirect_url")
                .map(|(_, value)| value.into_owned())
                .unwrap_or_else(|| format!("{}/", clerk.request_origin(&req)));
            let query: String = url::form_urlencoded::Serializer::new(String::new())
                .append_pair("redirect_url", &back)
                .finish();
            format!(
                "<p class=\"offline\">No password at hand? <a href=\"{}/sign-in?{}\">Pick a seeded user</a> on the offline Clerk's script-free sign-in page.</p>",
                escape_html(base),
                escape_html(&query),
            )
        })
        .unwrap_or_default();
    let body = format!(
        "<h1>Sign in</h1><div id=\"sign-in\" class=\"sign-in\"></div>\
         <noscript><p>Signing in here needs JavaScript (Clerk's sign-in component).</p></noscript>{offline}"
    );
    page("Sign in", &nav_with(""), &body, &sdk.tags(true, nonce.as_ref()))
}

/// `GET /static/app.css`.
pub async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(STYLESHEET)
}

/// `GET /static/client.js`.
pub async fn client_script() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/javascript; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(CLIENT_SCRIPT)
}

/// `GET /favicon.ico`: a small icon (an SVG, which browsers take at this path too), so that
/// every page view does not log a 404.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON)
}

const FAVICON: &str = "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 16 16\">\
                       <circle cx=\"8\" cy=\"8\" r=\"7\" fill=\"#6c47ff\"/></svg>";

fn sign_in_link(clerk: &Clerk, req: &HttpRequest) -> String {
    clerk
        .sign_in_redirect_url(req, false)
        .map(|url| {
            format!(
                "<p><a class=\"button\" href=\"{}\">Sign in</a></p>",
                escape_html(&url)
            )
        })
        .unwrap_or_default()
}

/// The navigation: the pages, and sign in or sign out. Sign-out is marked `data-clerk-sign-out`:
/// where clerk-js runs (`/client`), the pages' script turns it into the SDK's `signOut()`; without
/// a script it is a plain form to the offline Clerk's script-free sign-out when that is served
/// here, else a link to the instance's Account Portal (whose user page offers sign-out).
fn nav(clerk: &Clerk, req: &HttpRequest, signed_in: bool) -> String {
    let state = req.app_data::<web::Data<AppState>>();
    let frontend_api = state.and_then(|s| s.frontend_api.clone());
    let account = match (signed_in, frontend_api) {
        (true, Some(base)) => format!(
            "<form method=\"post\" action=\"{}/sign-out\" data-clerk-sign-out><input type=\"hidden\" name=\"redirect_url\" value=\"{}/\">\
             <button type=\"submit\">Sign out</button></form>",
            escape_html(&base),
            escape_html(&clerk.request_origin(req)),
        ),
        (true, None) => clerk
            .config()
            .publishable_key()
            .map(|key| {
                format!(
                    "<a href=\"{}/user?redirect_url={}\" data-clerk-sign-out>Account &amp; sign out</a>",
                    escape_html(&key.account_portal_origin()),
                    escape_html(
                        &url::form_urlencoded::byte_serialize(
                            format!("{}/", clerk.request_origin(req)).as_bytes()
                        )
                        .collect::<String>()
                    ),
                )
            })
            .unwrap_or_default(),
        (false, _) => clerk
            .sign_in_redirect_url(req, false)
            .map(|url| format!("<a href=\"{}\">Sign in</a>", escape_html(&url)))
            .unwrap_or_default(),
    };
    nav_with(&account)
}

/// The navigation with `account` (HTML) at its end.
fn nav_with(account: &str) -> String {
    format!(
        "<nav aria-label=\"Main\"><a href=\"/\">Home</a><a href=\"/profile\">Profile</a>\
         <a href=\"/client\">Client helpers</a><span class=\"account\">{account}</span></nav>"
    )
}

/// The props as `buildClerkProps` hands them to the page, in a JSON script element.
fn props_script(props: &ClerkProps) -> String {
    format!(
        "<script id=\"__CLERK_PROPS__\" type=\"application/json\">{}</script>",
        props.to_script_json()
    )
}

/// A whole page: personal, so `Cache-Control: private, no-store`.
fn page(title: &str, nav: &str, body: &str, scripts: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, clerk_actix::PRIVATE_NO_STORE))
        .body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title} · clerk-actix example</title><link rel=\"stylesheet\" href=\"/static/app.css\"></head>\
             <body><header>{nav}</header><main>{body}</main>{scripts}</body></html>"
        ))
}

/// ` nonce="…"` for a script tag, when the request has a CSP nonce.
fn nonce_attribute(nonce: Option<&CspNonce>) -> String {
    nonce
        .map(|nonce| format!(" nonce=\"{}\"", escape_html(nonce.as_str())))
        .unwrap_or_default()
}

/// Escapes text for HTML element content and attribute values.
pub fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(ch),
        }
    }
    out
}
