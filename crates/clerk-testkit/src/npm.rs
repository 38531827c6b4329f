//! The official Clerk browser packages the emulator serves (issue 23): `@clerk/clerk-js` and
//! `@clerk/ui`, pinned in `clerk-npm.txt` (the one place; `scripts/clerk-js.sh` packs exactly
//! these). The emulator does not download them: `scripts/clerk-js.sh` unpacks each into
//! `{dir}/{name}@{version}/` (`target/clerk-npm/@clerk/clerk-js@6.40.0/dist/clerk.browser.js`)
//! and the emulator is given `dir` ([`crate::TestClerkBuilder::npm_dir`], or
//! [`NPM_DIR_ENV`] for the binary). It serves `/npm/{name}@{major}/dist/{file}` and
//! `/npm/{name}@{version}/dist/{file}`, as Clerk's CDN does for its loaders.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// The pinned packages, `name@version` a line (`#` comments).
const PINNED: &str = include_str!("../clerk-npm.txt");

/// The environment variable naming the directory `scripts/clerk-js.sh` unpacked the packages
/// into, read by `clerk-testkit serve` (and the app's dev mode).
pub const NPM_DIR_ENV: &str = "CLERK_TESTKIT_NPM_DIR";

/// `@clerk/clerk-js`: `clerk.browser.js`, what `window.Clerk` comes from.
pub const CLERK_JS_PACKAGE: &str = "@clerk/clerk-js";

/// `@clerk/ui`: `ui.browser.js`, Clerk's prebuilt components.
pub const CLERK_UI_PACKAGE: &str = "@clerk/ui";

/// One pinned package.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NpmPackage {
    /// `@clerk/clerk-js`.
    pub name: &'static str,
    /// `6.40.0`.
    pub version: &'static str,
}

impl NpmPackage {
    /// `@clerk/clerk-js@6.40.0`.
    pub fn spec(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }

    /// The major version: `6`.
    pub fn major(&self) -> &'static str {
        self.version.split('.').next().unwrap_or(self.version)
    }

    /// Where `scripts/clerk-js.sh` unpacks it under `dir`: `{dir}/@clerk/clerk-js@6.40.0`.
    pub fn dir(&self, dir: &Path) -> PathBuf {
        dir.join(self.spec())
    }

    /// `/npm/@clerk/clerk-js@6/dist/{file}`: the path the loaders ask for.
    pub fn major_path(&self, file: &str) -> String {
        format!("/npm/{}@{}/dist/{file}", self.name, self.major())
    }

    /// Whether `requested` (`clerk-js@6` or `clerk-js@6.40.0`, the part after `@clerk/`) names it.
    fn answers(&self, requested: &str) -> bool {
        let Some((base, version)) = requested.rsplit_once('@') else {
            return false;
        };
        self.name.strip_prefix("@clerk/") == Some(base)
            && (version == self.version || version == self.major())
    }
}

/// The pinned packages, in `clerk-npm.txt`'s order.
pub fn pinned_npm_packages() -> Vec<NpmPackage> {
    PINNED
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            // `@clerk/x@1.2.3`: the version follows the last `@`.
            let (name, version) = line.rsplit_once('@')?;
            (!name.is_empty() && !version.is_empty()).then_some(NpmPackage { name, version })
        })
        .collect()
}

/// The pinned package `name` (`@clerk/clerk-js`), if pinned.
pub fn pinned_npm_package(name: &str) -> Option<NpmPackage> {
    pinned_npm_packages().into_iter().find(|p| p.name == name)
}

/// Checks that every pinned package is unpacked under `dir` (its `dist/` and, for the two
/// browser bundles, `clerk.browser.js` and `ui.browser.js`).
///
/// # Errors
///
/// [`Error::InvalidParam`] naming the first package that is missing and how to get it.
pub fn check_npm_dir(dir: &Path) -> Result<()> {
    for package in pinned_npm_packages() {
        let dist = package.dir(dir).join("dist");
        let entry = match package.name {
            CLERK_JS_PACKAGE => Some("clerk.browser.js"),
            CLERK_UI_PACKAGE => Some("ui.browser.js"),
            _ => None,
        };
        let present = match entry {
            Some(file) => dist.join(file).is_file(),
            None => dist.is_dir(),
        };
        if !present {
            return Err(Error::InvalidParam {
                param: "npm_dir".to_owned(),
                reason: format!(
                    "{} is not unpacked in {} (expected {}): run `bash scripts/clerk-js.sh`, which npm-packs the versions pinned in crates/clerk-testkit/clerk-npm.txt",
                    package.spec(),
                    dir.display(),
                    dist.join(entry.unwrap_or_default()).display(),
                ),
            });
        }
    }
    Ok(())
}

/// The file `/npm/@clerk/{requested}/dist/{file}` names under `dir`, if it is a pinned package
/// and a plain file name (letters, digits, `.`, `_`, `-`; not starting with `.`): no `..`, no
/// subdirectory, nothing outside `dist/`.
pub(crate) fn resolve(dir: &Path, requested: &str, file: &str) -> Option<PathBuf> {
    let package = pinned_npm_packages().into_iter().find(|p| p.answers(requested))?;
    let plain = !file.is_empty()
        && !file.starts_with('.')
        && file
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
    plain.then(|| package.dir(dir).join("dist").join(file))
}

/// The `Content-Type` of a dist file by its extension.
pub(crate) fn content_type(file: &str) -> &'static str {
    match file.rsplit_once('.').map(|(_, ext)| ext) {
        Some("js" | "mjs" | "cjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json" | "map") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("woff2") => "font/woff2",
        Some("ts") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_packages_are_pinned_once() {
        let pinned = pinned_npm_packages();
        assert_eq!(pinned.len(), 2, "{pinned:?}");
        let js = pinned_npm_package(CLERK_JS_PACKAGE).expect("clerk-js pinned");
        let ui = pinned_npm_package(CLERK_UI_PACKAGE).expect("ui pinned");
        assert_eq!(js.spec(), "@clerk/clerk-js@6.40.0");
        assert_eq!(ui.spec(), "@clerk/ui@1.36.0");
        assert_eq!(
            js.major_path("clerk.browser.js"),
            "/npm/@clerk/clerk-js@6/dist/clerk.browser.js"
        );
    }

    #[test]
    fn only_plain_files_of_pinned_packages_resolve() {
        let dir = Path::new("/npm");
        let ok = resolve(dir, "clerk-js@6", "clerk.browser.js");
        assert_eq!(
            ok,
            Some(PathBuf::from("/npm/@clerk/clerk-js@6.40.0/dist/clerk.browser.js"))
        );
        assert!(resolve(dir, "clerk-js@6.40.0", "vendors_clerk.browser_a68c22_6.40.0.js").is_some());
        assert!(resolve(dir, "ui@1", "ui.browser.js").is_some());
        assert!(resolve(dir, "ui@1.36.0", "ui.browser.js").is_some());
        for (requested, file) in [
            ("clerk-js@5", "clerk.browser.js"),
            ("clerk-js@6.39.0", "clerk.browser.js"),
            ("clerk-js", "clerk.browser.js"),
            ("react@6", "clerk.browser.js"),
            ("clerk-js@6", ".."),
            ("clerk-js@6", "..%2Fpackage.json"),
            ("clerk-js@6", "../package.json"),
            ("clerk-js@6", ".hidden"),
            ("clerk-js@6", ""),
            ("clerk-js@6", "types\\x.d.ts"),
        ] {
            assert_eq!(resolve(dir, requested, file), None, "{requested} {file}");
        }
    }
}
