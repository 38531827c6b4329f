//! The admin listener (`APP_ADMIN_HOST:APP_ADMIN_PORT`, default `127.0.0.1:9090`): `GET /metrics`
//! only, away from the public port (which answers 404 for it).

use std::net::TcpListener;

use actix_web::dev::Server;
use actix_web::{web, App, HttpServer};
use clerk_actix::Clerk;

use crate::error::{Error, Result};
use crate::routes;
use crate::state::AppState;

/// Serves `/metrics` on `listener` with one worker. It does not handle signals itself:
/// [`crate::startup::Application::run_until_stopped`] stops it with the public listener.
///
/// # Errors
///
/// [`Error::Bind`] when the listener cannot be served.
pub fn run(listener: TcpListener, state: web::Data<AppState>, clerk: Clerk) -> Result<Server> {
    let clerk = web::Data::new(clerk);
    let address = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(state.clone())
            .app_data(clerk.clone())
            .route("/metrics", web::get().to(routes::metrics))
    })
    .workers(1)
    .disable_signals()
    .shutdown_timeout(1)
    .listen(listener)
    .map_err(|source| Error::Bind { address, source })?
    .run();
    Ok(server)
}
