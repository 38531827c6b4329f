//! `app-dev`: `app` that may also run dev mode (`APP_DEV_MODE=1`: the in-process offline Clerk,
//! and `APP_CLERK_FRONTEND_UPSTREAM`). Built only with the `dev` feature; `make run` uses it.

fn main() -> std::process::ExitCode {
    app::cli::main(app::cli::Binary::AppDev)
}
