//! Running an Actix server on its own thread with its own `actix_rt::System`.

use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;

use actix_web::dev::{Server, ServerHandle};

use crate::error::{Error, Result};

/// A server on a dedicated thread; stops (and joins the thread) on drop.
pub(crate) struct ServerThread {
    addr: SocketAddr,
    handle: ServerHandle,
    thread: Option<JoinHandle<()>>,
}

impl ServerThread {
    /// Binds `addr` here (so the port is known and listening before this returns), then
    /// starts the server built by `start` on a new thread. `start` runs inside the new
    /// thread's `System`, so it may `actix_rt::spawn` local tasks.
    pub(crate) fn spawn<F>(name: &str, addr: SocketAddr, start: F) -> Result<Self>
    where
        F: FnOnce(TcpListener) -> std::io::Result<Server> + Send + 'static,
    {
        install_crypto_provider();
        let listener = TcpListener::bind(addr).map_err(Error::Start)?;
        let addr = listener.local_addr().map_err(Error::Start)?;
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn(move || {
                let system = actix_rt::System::new();
                system.block_on(async move {
                    match start(listener) {
                        Ok(server) => {
                            let _ = tx.send(Ok(server.handle()));
                            if let Err(err) = server.await {
                                tracing::error!(error.message = %err, "emulator server failed");
                            }
                        }
                        Err(err) => {
                            let _ = tx.send(Err(err));
                        }
                    }
                });
            })
            .map_err(Error::Start)?;
        let handle = match rx.recv() {
            Ok(Ok(handle)) => handle,
            Ok(Err(err)) => return Err(Error::Start(err)),
            Err(_) => {
                return Err(Error::Start(std::io::Error::other(
                    "the server thread exited before starting",
                )))
            }
        };
        Ok(Self {
            addr,
            handle,
            thread: Some(thread),
        })
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for ServerThread {
    fn drop(&mut self) {
        // `stop` sends the command at once; the returned future only awaits completion.
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// awc's rustls connector needs a process-wide crypto provider (nothing in the dependency
/// graph picks one); installed before any server starts so that awc clients built by the
/// webhook worker, or by tests after `start()`, work. `Err` means one is already installed.
pub(crate) fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
