//! The emulator is linked into `app` only with the `dev` feature (issue 10, item 6).

use std::process::Command;

fn normal_dependencies(features: &[&str]) -> String {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let output = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--locked",
            "-e",
            "normal",
            "--prefix",
            "none",
        ])
        .args(["--manifest-path", manifest, "-p", "app"])
        .args(features)
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

// Issue 10, item 6: `cargo build -p app` (the Docker image) has no emulator.
#[test]
fn the_default_build_links_no_emulator() {
    let tree = normal_dependencies(&[]);
    assert!(tree.lines().any(|l| l.starts_with("clerk-actix ")), "{tree}");
    assert!(!tree.contains("clerk-testkit"), "{tree}");
    let tree = normal_dependencies(&["--no-default-features"]);
    assert!(!tree.contains("clerk-testkit"), "{tree}");
}

#[test]
fn the_dev_feature_links_the_emulator() {
    let tree = normal_dependencies(&["--features", "dev"]);
    assert!(tree.lines().any(|l| l.starts_with("clerk-testkit ")), "{tree}");
}
