//! Organization sync (docs/clerk-behaviour.md §9): URL patterns naming the organization (`:id` or
//! `:slug`) or the personal account a page belongs to. Patterns follow path-to-regexp 6 (what
//! Clerk's `organizationPatterns` use): `:name` parameters, `(regex)` groups, `{…}` groups, the
//! `?`, `*` and `+` modifiers; case-insensitive, an optional trailing `/`.

use std::fmt;

const DELIMITERS: &str = "/#?";
const PREFIXES: &str = "./";

/// Clerk's `organizationSyncOptions`.
///
/// # Examples
///
/// ```
/// use clerk_core::request::OrganizationSync;
///
/// let sync = OrganizationSync::new(&["/orgs/:slug", "/orgs/:slug/(.*)"], &["/me", "/me/(.*)"])?;
/// assert!(sync.matches_any("/orgs/acme/settings"));
/// assert!(sync.matches_any("/ME/"));
/// assert!(!sync.matches_any("/about"));
/// # Ok::<(), clerk_core::request::PatternError>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct OrganizationSync {
    organization: Option<PathPattern>,
    personal_account: Option<PathPattern>,
}

/// A pattern Clerk's path-to-regexp would refuse, or one this port cannot express (a parameter
/// that needs a look-ahead, e.g. `:a-:b`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pattern: String,
    why: String,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Invalid pattern \"{}\": {}", self.pattern, self.why)
    }
}

impl std::error::Error for PatternError {}

/// What a URL asks to activate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SyncTarget {
    /// An organization by id (`:id`) or slug (`:slug`).
    Organization {
        id: Option<String>,
        slug: Option<String>,
    },
    /// The personal account (no active organization).
    PersonalAccount,
}

impl SyncTarget {
    /// The `organization_id` handshake parameter: the id, the slug, or empty for the personal
    /// account.
    pub(crate) fn query_value(&self) -> &str {
        match self {
            SyncTarget::Organization { id, slug } => slug.as_deref().or(id.as_deref()).unwrap_or(""),
            SyncTarget::PersonalAccount => "",
        }
    }
}

impl OrganizationSync {
    /// Compiles `organization_patterns` and `personal_account_patterns` (an empty list is none).
    pub fn new(
        organization_patterns: &[&str],
        personal_account_patterns: &[&str],
    ) -> Result<Self, PatternError> {
        Ok(Self {
            organization: PathPattern::compile(organization_patterns)?,
            personal_account: PathPattern::compile(personal_account_patterns)?,
        })
    }

    /// Whether no pattern is configured.
    pub fn is_empty(&self) -> bool {
        self.organization.is_none() && self.personal_account.is_none()
    }

    /// Whether `path` matches any pattern.
    pub fn matches_any(&self, path: &str) -> bool {
        self.find_target(path).is_some()
    }

    /// Clerk's `findTarget`: an organization pattern with an `id` or `slug` parameter first,
    /// then a personal-account pattern.
    pub(crate) fn find_target(&self, path: &str) -> Option<SyncTarget> {
        if let Some(params) = self.organization.as_ref().and_then(|p| p.captures(path)) {
            let param = |name: &str| {
                params
                    .iter()
                    .find(|(n, v)| n == name && !v.is_empty())
                    .map(|(_, v)| v.clone())
            };
            if let Some(id) = param("id") {
                return Some(SyncTarget::Organization {
                    id: Some(id),
                    slug: None,
                });
            }
            if let Some(slug) = param("slug") {
                return Some(SyncTarget::Organization {
                    id: None,
                    slug: Some(slug),
                });
            }
        }
        self.personal_account
            .as_ref()
            .and_then(|p| p.captures(path))
            .map(|_| SyncTarget::PersonalAccount)
    }
}

/// Compiled patterns (several are alternatives) and their parameter names, in group order.
#[derive(Debug, Clone)]
struct PathPattern {
    regex: regex_lite::Regex,
    names: Vec<String>,
}

impl PathPattern {
    fn compile(patterns: &[&str]) -> Result<Option<Self>, PatternError> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let mut names = Vec::new();
        let mut sources = Vec::with_capacity(patterns.len());
        for pattern in patterns {
            let fail = |why: String| PatternError {
                pattern: (*pattern).to_owned(),
                why,
            };
            let tokens = parse(&lex(pattern).map_err(fail)?).map_err(fail)?;
            sources.push(to_regex(&tokens, &mut names).map_err(fail)?);
        }
        let source = format!("(?i)(?:{})", sources.join("|"));
        let regex = regex_lite::Regex::new(&source).map_err(|err| PatternError {
            pattern: patterns.join(", "),
            why: err.to_string(),
        })?;
        Ok(Some(Self { regex, names }))
    }

    /// The parameters of a match, by name (unnamed groups are numbered).
    fn captures(&self, path: &str) -> Option<Vec<(String, String)>> {
        let caps = self.regex.captures(path)?;
        Some(
            self.names
                .iter()
                .enumerate()
                .filter_map(|(i, name)| caps.get(i + 1).map(|m| (name.clone(), m.as_str().to_owned())))
                .collect(),
        )
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Lexeme {
    Modifier(char),
    Escaped(char),
    Open,
    Close,
    Name(String),
    Pattern(String),
    Char(char),
    End,
}

fn lex(pattern: &str) -> Result<Vec<Lexeme>, String> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match c {
            '*' | '+' | '?' => {
                out.push(Lexeme::Modifier(c));
                i += 1;
            }
            '\\' => {
                let escaped = chars.get(i + 1).copied().ok_or("Escape at the end")?;
                out.push(Lexeme::Escaped(escaped));
                i += 2;
            }
            '{' => {
                out.push(Lexeme::Open);
                i += 1;
            }
            '}' => {
                out.push(Lexeme::Close);
                i += 1;
            }
            ':' => {
                let start = i + 1;
                let mut j = start;
                while j < chars.len() && (chars[j].is_ascii_alphanumeric() || chars[j] == '_') {
                    j += 1;
                }
                if j == start {
                    return Err(format!("Missing parameter name at {i}"));
                }
                out.push(Lexeme::Name(chars[start..j].iter().collect()));
                i = j;
            }
            '(' => {
                let mut depth = 1;
                let mut body = String::new();
                let mut j = i + 1;
                if chars.get(j) == Some(&'?') {
                    return Err(format!("Pattern cannot start with \"?\" at {j}"));
                }
                while j < chars.len() {
                    if chars[j] == '\\' {
                        body.push('\\');
                        if let Some(next) = chars.get(j + 1) {
                            body.push(*next);
                        }
                        j += 2;
                        continue;
                    }
                    if chars[j] == ')' {
                        depth -= 1;
                        if depth == 0 {
                            j += 1;
                            break;
                        }
                    } else if chars[j] == '(' {
                        depth += 1;
                        if chars.get(j + 1) != Some(&'?') {
                            return Err(format!("Capturing groups are not allowed at {j}"));
                        }
                    }
                    body.push(chars[j]);
                    j += 1;
                }
                if depth != 0 {
                    return Err(format!("Unbalanced pattern at {i}"));
                }
                if body.is_empty() {
                    return Err(format!("Missing pattern at {i}"));
                }
                out.push(Lexeme::Pattern(body));
                i = j;
            }
            _ => {
                out.push(Lexeme::Char(c));
                i += 1;
            }
        }
    }
    out.push(Lexeme::End);
    Ok(out)
}

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Text(String),
    Key {
        name: Option<String>,
        prefix: String,
        suffix: String,
        pattern: String,
        modifier: Option<char>,
    },
}

fn parse(lexemes: &[Lexeme]) -> Result<Vec<Part>, String> {
    let mut parts: Vec<Part> = Vec::new();
    let mut pos = 0;
    let mut path = String::new();
    let take_char = |pos: &mut usize| match lexemes.get(*pos) {
        Some(Lexeme::Char(c)) | Some(Lexeme::Escaped(c)) => {
            *pos += 1;
            Some(*c)
        }
        _ => None,
    };
    let take_modifier = |pos: &mut usize| match lexemes.get(*pos) {
        Some(Lexeme::Modifier(m)) => {
            *pos += 1;
            Some(*m)
        }
        _ => None,
    };
    while pos < lexemes.len() {
        let plain_char = match lexemes.get(pos) {
            Some(Lexeme::Char(c)) => Some(*c),
            _ => None,
        };
        let after = pos + usize::from(plain_char.is_some());
        let (name, pattern, consumed) = match lexemes.get(after) {
            Some(Lexeme::Name(n)) => match lexemes.get(after + 1) {
                Some(Lexeme::Pattern(p)) => (Some(n.clone()), Some(p.clone()), 2),
                _ => (Some(n.clone()), None, 1),
            },
            Some(Lexeme::Pattern(p)) => (None, Some(p.clone()), 1),
            _ => (None, None, 0),
        };
        if consumed > 0 {
            pos = after + consumed;
            let mut prefix = plain_char.map(String::from).unwrap_or_default();
            if !prefix.is_empty() && !PREFIXES.contains(prefix.as_str()) {
                path.push_str(&prefix);
                prefix.clear();
            }
            if !path.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut path)));
            }
            let pattern = match pattern {
                Some(p) => p,
                None => default_pattern(&parts, &prefix)?,
            };
            parts.push(Part::Key {
                name,
                prefix,
                suffix: String::new(),
                pattern,
                modifier: take_modifier(&mut pos),
            });
            continue;
        }
        if let Some(c) = take_char(&mut pos) {
            path.push(c);
            continue;
        }
        if !path.is_empty() {
            parts.push(Part::Text(std::mem::take(&mut path)));
        }
        if lexemes.get(pos) == Some(&Lexeme::Open) {
            pos += 1;
            let mut prefix = String::new();
            while let Some(c) = take_char(&mut pos) {
                prefix.push(c);
            }
            let name = match lexemes.get(pos) {
                Some(Lexeme::Name(n)) => {
                    pos += 1;
                    Some(n.clone())
                }
                _ => None,
            };
            let pattern = match lexemes.get(pos) {
                Some(Lexeme::Pattern(p)) => {
                    pos += 1;
                    Some(p.clone())
                }
                _ => None,
            };
            let mut suffix = String::new();
            while let Some(c) = take_char(&mut pos) {
                suffix.push(c);
            }
            if lexemes.get(pos) != Some(&Lexeme::Close) {
                return Err(format!("Unexpected token at {pos}, expected CLOSE"));
            }
            pos += 1;
            let pattern = match (&name, pattern) {
                (_, Some(p)) => p,
                (Some(_), None) => default_pattern(&parts, &prefix)?,
                (None, None) => String::new(),
            };
            parts.push(Part::Key {
                name: name.or_else(|| (!pattern.is_empty()).then(String::new)),
                prefix,
                suffix,
                pattern,
                modifier: take_modifier(&mut pos),
            });
            continue;
        }
        if lexemes.get(pos) != Some(&Lexeme::End) {
            return Err(format!("Unexpected token at {pos}, expected END"));
        }
        pos += 1;
    }
    Ok(parts)
}

/// path-to-regexp's default parameter pattern: anything up to a delimiter. When the text before
/// the parameter holds no delimiter it needs a look-ahead, which this port refuses.
fn default_pattern(parts: &[Part], prefix: &str) -> Result<String, String> {
    let previous = if !prefix.is_empty() {
        prefix.to_owned()
    } else {
        match parts.last() {
            Some(Part::Text(text)) => text.clone(),
            Some(Part::Key { name, .. }) => {
                return Err(format!(
                    "Must have text between two parameters, missing text after \"{}\"",
                    name.as_deref().unwrap_or("")
                ))
            }
            None => String::new(),
        }
    };
    if previous.is_empty() || previous.chars().any(|c| DELIMITERS.contains(c)) {
        Ok(format!("[^{}]+?", regex_lite::escape(DELIMITERS)))
    } else {
        Err("a parameter after text without a delimiter is not supported".to_owned())
    }
}

fn to_regex(parts: &[Part], names: &mut Vec<String>) -> Result<String, String> {
    let delimiters = format!("[{}]", regex_lite::escape(DELIMITERS));
    let mut route = String::from("^");
    for part in parts {
        match part {
            Part::Text(text) => route.push_str(&regex_lite::escape(text)),
            Part::Key {
                name,
                prefix,
                suffix,
                pattern,
                modifier,
            } => {
                let (prefix, suffix) = (regex_lite::escape(prefix), regex_lite::escape(suffix));
                let modifier = modifier.map(String::from).unwrap_or_default();
                if pattern.is_empty() {
                    route.push_str(&format!("(?:{prefix}{suffix}){modifier}"));
                    continue;
                }
                names.push(name.clone().unwrap_or_default());
                let repeated = modifier == "*" || modifier == "+";
                if prefix.is_empty() && suffix.is_empty() {
                    if repeated {
                        return Err("Can not repeat a parameter without a prefix and suffix".to_owned());
                    }
                    route.push_str(&format!("({pattern}){modifier}"));
                } else if repeated {
                    let optional = if modifier == "*" { "?" } else { "" };
                    route.push_str(&format!(
                        "(?:{prefix}((?:{pattern})(?:{suffix}{prefix}(?:{pattern}))*){suffix}){optional}"
                    ));
                } else {
                    route.push_str(&format!("(?:{prefix}({pattern}){suffix}){modifier}"));
                }
            }
        }
    }
    route.push_str(&format!("{delimiters}?$"));
    Ok(route)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(sync: &OrganizationSync, path: &str) -> Option<SyncTarget> {
        sync.find_target(path)
    }

    #[test]
    fn clerks_documented_patterns() {
        let sync = OrganizationSync::new(
            &["/orgs/:slug", "/orgs/:slug/(.*)", "/team/:id/(.*)"],
            &["/me", "/me/(.*)"],
        )
        .expect("patterns");
        let slug = |s: &str| {
            Some(SyncTarget::Organization {
                id: None,
                slug: Some(s.to_owned()),
            })
        };
        assert_eq!(target(&sync, "/orgs/acme"), slug("acme"));
        assert_eq!(
            target(&sync, "/orgs/acme/"),
            slug("acme"),
            "optional trailing slash"
        );
        assert_eq!(
            target(&sync, "/ORGS/acme/settings/x"),
            slug("acme"),
            "case-insensitive"
        );
        assert_eq!(
            target(&sync, "/team/org_123/members"),
            Some(SyncTarget::Organization {
                id: Some("org_123".into()),
                slug: None
            })
        );
        assert_eq!(target(&sync, "/me"), Some(SyncTarget::PersonalAccount));
        assert_eq!(target(&sync, "/me/profile"), Some(SyncTarget::PersonalAccount));
        assert_eq!(target(&sync, "/orgs"), None);
        assert_eq!(target(&sync, "/about"), None);
        assert_eq!(target(&sync, "/orgs/a/b"), slug("a"), "the second pattern");
        let one = OrganizationSync::new(&["/orgs/:slug"], &[]).expect("pattern");
        assert_eq!(target(&one, "/orgs/a/b"), None, "`:slug` stops at a delimiter");
    }

    #[test]
    fn optional_and_repeated_parameters() {
        let sync = OrganizationSync::new(&["/o/:slug?", "/x{/:id}?"], &[]).expect("patterns");
        assert_eq!(
            target(&sync, "/o/acme"),
            Some(SyncTarget::Organization {
                id: None,
                slug: Some("acme".into())
            })
        );
        assert_eq!(
            target(&sync, "/o"),
            None,
            "a match without id or slug names nothing"
        );
        assert_eq!(
            target(&sync, "/x/org_1"),
            Some(SyncTarget::Organization {
                id: Some("org_1".into()),
                slug: None
            })
        );
        let repeated = OrganizationSync::new(&["/p/:slug+"], &[]).expect("patterns");
        assert!(repeated.matches_any("/p/a/b"));
    }

    #[test]
    fn invalid_patterns_are_refused_with_the_pattern() {
        for bad in [
            "/orgs/:",
            "/orgs/(",
            "/orgs/()",
            "/orgs/((a))",
            "/orgs/:a:b",
            "x:slug",
        ] {
            let err = OrganizationSync::new(&[bad], &[]).expect_err(bad);
            assert!(err.to_string().contains(bad), "{err}");
        }
    }

    #[test]
    fn query_values() {
        assert_eq!(SyncTarget::PersonalAccount.query_value(), "");
        let org = SyncTarget::Organization {
            id: Some("org_1".into()),
            slug: None,
        };
        assert_eq!(org.query_value(), "org_1");
    }
}
