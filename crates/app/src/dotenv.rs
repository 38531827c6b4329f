//! The `.env` file of the working directory, read at start before any setting (as Clerk's
//! quick starts expect): a variable already in the environment wins over the file.

use std::path::Path;

use crate::error::{Error, Result};

/// The file [`load`] reads, relative to the working directory.
pub const DOTENV_FILE: &str = ".env";

/// Reads `path` (`KEY=VALUE` lines, `#` comments, quotes as `dotenvy` reads them) into the
/// process environment, leaving every variable that is already set as it is. A missing file is
/// not an error. Returns whether a file was read.
///
/// Call it first in `main`, while the process has one thread (it sets environment variables).
/// Nothing is set unless the whole file parses.
///
/// # Errors
///
/// [`Error::DotEnv`] naming the file (and the line) when it cannot be read or a line is not
/// `KEY=VALUE`; the message never quotes the line, which may hold a secret.
pub fn load(path: &Path) -> Result<bool> {
    let pairs = match dotenvy::from_path_iter(path) {
        Ok(lines) => lines.collect::<Result<Vec<_>, _>>(),
        Err(dotenvy::Error::Io(err)) if err.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(err) => Err(err),
    }
    .map_err(|err| describe(path, err))?;
    for (key, value) in pairs {
        if std::env::var_os(&key).is_none() {
            std::env::set_var(key, value);
        }
    }
    Ok(true)
}

/// The configuration error of `err` for the file at `path`.
fn describe(path: &Path, err: dotenvy::Error) -> Error {
    let file = path.display().to_string();
    match err {
        dotenvy::Error::LineParse(text, index) => Error::DotEnv {
            location: match line_number(path, &text) {
                Some(line) => format!("{file} line {line}"),
                None => file,
            },
            problem: format!(
                "is not KEY=VALUE (unexpected character at column {}; quote values with spaces \
                 or # in them)",
                index + 1
            ),
        },
        dotenvy::Error::Io(err) => Error::DotEnv {
            location: file,
            problem: format!("cannot be read: {err}"),
        },
        dotenvy::Error::EnvVar(err) => Error::DotEnv {
            location: file,
            problem: format!("cannot be applied: {err}"),
        },
        // `dotenvy::Error` is non-exhaustive.
        other => Error::DotEnv {
            location: file,
            problem: other.to_string(),
        },
    }
}

/// The 1-based number of the line of `path` that `text` (the parser's failing line, which may
/// span several lines of a quoted value) starts on.
fn line_number(path: &Path, text: &str) -> Option<usize> {
    let content = std::fs::read_to_string(path).ok()?;
    let first = text.lines().next().unwrap_or(text).trim();
    if first.is_empty() {
        return None;
    }
    content
        .lines()
        .position(|line| line.trim() == first)
        .map(|at| at + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_line_is_named_by_file_and_number_without_its_content() {
        let dir = std::env::temp_dir().join(format!("app-dotenv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(".env");
        std::fs::write(
            &path,
            "# a comment\nAPP_DOTENV_UNIT_TEST=1\nCLERK_SECRET_KEY sk_test_SECRET\n",
        )
        .unwrap();
        let err = load(&path).unwrap_err();
        let text = err.to_string();
        assert!(err.is_config(), "{err:?}");
        assert!(text.contains(&format!("{} line 3", path.display())), "{text}");
        assert!(!text.contains("SECRET"), "{text}");
        // Nothing of a broken file is applied.
        assert_eq!(std::env::var_os("APP_DOTENV_UNIT_TEST"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    // Issue 16, §2: copying `.env.example` to `.env` sets nothing (no placeholder key).
    #[test]
    fn the_example_file_parses_and_sets_nothing() {
        let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../.env.example");
        let lines = dotenvy::from_path_iter(&example).unwrap();
        assert_eq!(lines.map(Result::unwrap).count(), 0);
    }

    #[test]
    fn a_missing_file_is_not_an_error() {
        assert!(!load(Path::new("/nonexistent/.env")).unwrap());
    }
}
