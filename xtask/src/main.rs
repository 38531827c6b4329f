//! `cargo xtask codegen`: writes clerk-backend's generated files from the spec in `spec/`.
//! `cargo xtask codegen --check`: writes nothing, fails when a checked-in file differs.

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["codegen"] => report(xtask::write(&root)),
        ["codegen", "--check"] => match xtask::drift(&root) {
            Ok(stale) if stale.is_empty() => ExitCode::SUCCESS,
            Ok(stale) => {
                for path in stale {
                    eprintln!("xtask: {} differs from what the generator writes", path.display());
                }
                eprintln!("xtask: run `cargo xtask codegen` and review the diff");
                ExitCode::FAILURE
            }
            Err(err) => fail(&err),
        },
        _ => {
            eprintln!("usage: cargo xtask codegen [--check]");
            ExitCode::from(2)
        }
    }
}

fn report(result: Result<Vec<PathBuf>, String>) -> ExitCode {
    match result {
        Ok(written) => {
            for path in written {
                println!("wrote {}", path.display());
            }
            ExitCode::SUCCESS
        }
        Err(err) => fail(&err),
    }
}

fn fail(err: &str) -> ExitCode {
    eprintln!("xtask: {err}");
    ExitCode::FAILURE
}
