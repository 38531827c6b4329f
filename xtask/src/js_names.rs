//! `@clerk/backend`'s name of an operation, from the checked-in table `parity/js_names.mjs`
//! writes: one row per attempt of one call, `resource.method<TAB>METHOD<TAB>path`.

use std::collections::BTreeMap;

/// `(METHOD, path with every parameter as {})` → the JS names that send it.
#[derive(Debug, Default)]
pub struct JsNames(BTreeMap<(String, String), Vec<String>>);

impl JsNames {
    /// Reads the table.
    ///
    /// # Errors
    ///
    /// A row without three tab-separated fields.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut names = BTreeMap::<_, Vec<String>>::new();
        for (number, line) in text
            .lines()
            .enumerate()
            .filter(|(_, line)| !line.trim().is_empty())
        {
            let fields: Vec<&str> = line.split('\t').collect();
            let [name, method, path] = fields.as_slice() else {
                return Err(format!(
                    "js_names.tsv line {}: expected name, method, path",
                    number + 1
                ));
            };
            let key = (method.to_string(), shape(path));
            let entry = names.entry(key).or_default();
            if !entry.iter().any(|known| known == name) {
                entry.push((*name).to_owned());
            }
        }
        Ok(Self(names))
    }

    /// The JS names of `method path` (the spec's path), comma separated; `None` when
    /// `@clerk/backend` has no call for it.
    pub fn of(&self, method: &str, path: &str) -> Option<String> {
        self.0
            .get(&(method.to_owned(), shape(path)))
            .map(|names| names.join(", "))
    }
}

/// The path with every segment that holds a parameter as `{}` and no query:
/// `/users/{user_id}/oauth_access_tokens/oauth_{provider}` → `/users/{}/oauth_access_tokens/{}`.
pub fn shape(path: &str) -> String {
    let path = path.split('?').next().unwrap_or_default();
    path.split('/')
        .map(|segment| if segment.contains('{') { "{}" } else { segment })
        .collect::<Vec<_>>()
        .join("/")
}
