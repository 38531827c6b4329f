//! What is wrong with a `DATABASE_URL`, said of the URL itself, before any connection: a
//! malformed URL otherwise reaches Postgres as something else (`localhost:5432` is the scheme
//! `localhost:` and the database `5432`; `mysql://…/x` is read as a Postgres URL) and comes back
//! as a misleading server error.
//!
//! Messages never quote the URL: it may hold a password.

/// The databases every Postgres cluster has for its own use: the app's tables belong elsewhere.
const MAINTENANCE: &[&str] = &["postgres", "template0", "template1"];

/// The form the app expects, for messages.
const EXPECTED: &str = "postgres://user:password@host:5432/database";

/// Why `url` cannot be the app's database, or `None` when it has the expected form.
pub fn problem(url: &str) -> Option<String> {
    let url = url.trim();
    if url.is_empty() {
        return Some(format!(
            "is not set: set it to the app's Postgres database, {EXPECTED} (`make run` sets it for \
             you: see scripts/database.sh)"
        ));
    }
    let parsed = match url::Url::parse(url) {
        Ok(parsed) => parsed,
        Err(_) => return Some(format!("is not a URL (no scheme://): write it as {EXPECTED}")),
    };
    let scheme = parsed.scheme();
    if !matches!(scheme, "postgres" | "postgresql") {
        // `localhost:5432` parses as the scheme `localhost` with the path `5432`.
        if parsed.cannot_be_a_base() && parsed.path().bytes().all(|b| b.is_ascii_digit()) {
            return Some(format!(
                "is a host and port, not a URL: write it as postgres://user:password@{scheme}:{}/database",
                parsed.path()
            ));
        }
        return Some(format!(
            "has the scheme {scheme}://, but the app needs Postgres: write it as {EXPECTED}"
        ));
    }
    if database_name(&parsed).is_none() {
        return Some(format!(
            "names no database (Postgres would pick one named after the user): add the app's \
             own after the port, as in {EXPECTED}"
        ));
    }
    None
}

/// The maintenance database `url` names (`postgres`, `template1`), if it names one: the app may
/// run there, but its tables should not land there unannounced.
pub fn maintenance_database(url: &str) -> Option<&'static str> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    let name = database_name(&parsed)?;
    MAINTENANCE.iter().copied().find(|m| *m == name)
}

/// The database of a Postgres URL: its path, or its `dbname` parameter (as libpq reads it).
fn database_name(url: &url::Url) -> Option<String> {
    let path = url.path().trim_start_matches('/');
    let name = if path.is_empty() {
        url.query_pairs()
            .find(|(key, _)| key == "dbname")
            .map(|(_, value)| value.into_owned())?
    } else {
        percent_decode(path)
    };
    (!name.is_empty()).then_some(name)
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("n={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    // Issue 28, item 7: what is wrong is said of the URL itself, never as a server error about a
    // database named after a port or a MySQL path.
    #[test]
    fn each_malformed_url_is_told_what_is_wrong_with_it() {
        for (url, expected) in [
            ("", "is not set: set it to the app's Postgres database"),
            ("   ", "is not set"),
            (
                "localhost:5432",
                "is a host and port, not a URL: write it as postgres://user:password@localhost:5432/database",
            ),
            ("127.0.0.1:5432", "is not a URL (no scheme://)"),
            ("db.internal", "is not a URL (no scheme://)"),
            (
                "mysql://root@127.0.0.1/x",
                "has the scheme mysql://, but the app needs Postgres",
            ),
            ("http://127.0.0.1:5432/app", "has the scheme http://"),
            ("postgres://postgres@127.0.0.1:5432", "names no database"),
            ("postgres://postgres@127.0.0.1:5432/", "names no database"),
        ] {
            let problem = problem(url).unwrap_or_else(|| panic!("{url:?} passed"));
            assert!(problem.starts_with(expected), "{url:?}: {problem}");
        }
    }

    #[test]
    fn postgres_urls_pass_and_are_never_quoted() {
        for url in [
            "postgres://postgres@127.0.0.1:5432/clerk_actix",
            "postgresql://u:p@db:5432/app?sslmode=require",
            "postgres:///app?host=/var/run/postgresql",
            "postgres://u@h/?dbname=app",
        ] {
            assert_eq!(problem(url), None, "{url}");
        }
        let problem = problem("mysql://root:HUNTER2@127.0.0.1/x").unwrap();
        assert!(!problem.contains("HUNTER2"), "{problem}");
    }

    // Issue 28, item 2: the maintenance databases are recognised (to say so before migrating).
    #[test]
    fn maintenance_databases_are_recognised() {
        assert_eq!(
            maintenance_database("postgres://postgres@127.0.0.1:5432/postgres"),
            Some("postgres")
        );
        assert_eq!(
            maintenance_database("postgres://u@h/template1"),
            Some("template1")
        );
        assert_eq!(maintenance_database("postgres://u@h/clerk_actix_dev"), None);
    }
}
