//! `app`: the example Clerk-protected API server, against a Clerk instance only.
//!
//! `app serve` (default) runs it; `app migrate` applies the migrations; `app sync --full` runs one
//! reconciliation pass against the Backend API. It refuses dev mode however it was built: that is
//! `app-dev`'s (see [`app::cli::Binary`]).

fn main() -> std::process::ExitCode {
    app::cli::main(app::cli::Binary::App)
}
