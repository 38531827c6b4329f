//! Running the pinned `@clerk/backend` (parity/package.json) from a test: the workspace root, and
//! `npm ci` when `parity/node_modules` is missing (the test then fails, never skips, without Node).

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// The `@clerk/backend` version the parity tests pin.
pub const CLERK_BACKEND_VERSION: &str = "3.25.0";

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// Makes sure `parity/node_modules` holds the pinned `@clerk/backend`, running `npm ci` if not.
pub fn ensure_node_modules(root: &Path) {
    // One `npm ci` at a time: the tests of this file run in parallel.
    static NPM: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _guard = NPM.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let node = Command::new("node").arg("--version").output();
    match node {
        Ok(out) if out.status.success() => {}
        Ok(out) => panic!(
            "`node --version` failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(err) => panic!("the parity test needs Node.js 20+ (`node` on PATH): {err}"),
    }
    let installed = root.join("parity/node_modules/@clerk/backend/package.json");
    let version_ok = std::fs::read_to_string(&installed)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok())
        .is_some_and(|pkg| pkg["version"] == CLERK_BACKEND_VERSION);
    if version_ok {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--prefix", "parity", "--no-audit", "--no-fund"])
        .current_dir(root)
        .output()
        .unwrap_or_else(|err| panic!("the parity test needs npm to install @clerk/backend: {err}"));
    assert!(
        out.status.success(),
        "`npm ci --prefix parity` failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(&installed).expect("@clerk/backend installed by npm ci");
    let pkg: Value = serde_json::from_str(&text).expect("package.json");
    assert_eq!(
        pkg["version"], CLERK_BACKEND_VERSION,
        "npm ci installed another @clerk/backend"
    );
}
