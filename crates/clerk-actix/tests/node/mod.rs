//! Running the pinned `@clerk/backend` (parity/package.json) from a test: the workspace root and
//! `npm ci` when `parity/node_modules` is missing (the test then fails, never skips, without npm).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

pub const CLERK_BACKEND_VERSION: &str = "3.25.0";

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Makes sure `parity/node_modules` holds the pinned `@clerk/backend`, running `npm ci` if not.
pub fn ensure_node_modules(root: &Path) {
    let installed = root.join("parity/node_modules/@clerk/backend/package.json");
    let version = |path: &Path| {
        std::fs::read_to_string(path)
            .ok()
            .and_then(|text| serde_json::from_str::<Value>(&text).ok())
            .map(|pkg| pkg["version"].clone())
    };
    if version(&installed) == Some(json!(CLERK_BACKEND_VERSION)) {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--prefix", "parity", "--no-audit", "--no-fund"])
        .current_dir(root)
        .output()
        .unwrap_or_else(|err| panic!("this test needs npm to install @clerk/backend: {err}"));
    assert!(
        out.status.success(),
        "`npm ci --prefix parity` failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        version(&installed),
        Some(json!(CLERK_BACKEND_VERSION)),
        "npm ci installed another @clerk/backend"
    );
}
