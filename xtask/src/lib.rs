//! The workspace's code generator: reads Clerk's Backend API spec (`spec/bapi_*.yml`), its
//! webhook spec (`spec/webhooks_*.yml`), the hand-written overrides
//! (`crates/clerk-backend/codegen/overrides.yml`) and the table of `@clerk/backend`'s names
//! (`crates/clerk-backend/codegen/js_names.tsv`), and writes the checked-in, rustfmt'ed files
//! under `crates/clerk-backend/src/generated/` and clerk-core's typed webhook events
//! (`crates/clerk-core/src/webhook/events.rs`, `payloads.rs`).
//!
//! One Rust type per Clerk object: a schema clerk-core models (by hand, listed in the overrides'
//! `core_types`, or generated from the webhook spec) is re-exported by clerk-backend's models,
//! never written twice.
//!
//! | module | what |
//! |---|---|
//! | `spec` | the operations of the spec, as the generator needs them |
//! | `overrides` | what the spec cannot say: names, retry rules, budget shares, left-out operations |
//! | `js_names` | `@clerk/backend`'s name of an operation |
//! | `naming` | snake_case names and Rust string literals |
//! | `render` | the Rust text of `generated/operations.rs` and `generated/mod.rs` |
//! | `calls` | the Rust text of the generated typed calls, one file per group |
//! | `exercise` | every generated call once, for clerk-backend's conformance test |
//! | `models` | which models a file writes and which it names from clerk-core |
//! | `webhooks` | clerk-core's `EventData` and webhook payloads, from the webhook spec |

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub mod calls;
pub mod exercise;
pub mod js_names;
pub mod models;
pub mod naming;
pub mod overrides;
pub mod render;
pub mod spec;
pub mod webhooks;

/// The Backend API spec the generator reads, relative to the workspace root.
pub const SPEC: &str = "spec/bapi_2026-05-12.yml";
/// The hand-written overrides, relative to the workspace root.
pub const OVERRIDES: &str = "crates/clerk-backend/codegen/overrides.yml";
/// `@clerk/backend`'s names, relative to the workspace root (`parity/js_names.mjs` writes it).
pub const JS_NAMES: &str = "crates/clerk-backend/codegen/js_names.tsv";
/// Where the generated files go, relative to the workspace root.
pub const OUT_DIR: &str = "crates/clerk-backend/src/generated";

/// The generated mapping table (Markdown), relative to the workspace root.
pub const OPERATIONS_MD: &str = "docs/backend-api-operations.md";

/// The generated retry table (Markdown), relative to the workspace root.
pub const RETRIES_MD: &str = "docs/backend-api-retries.md";

/// One generated file: its path relative to the workspace root and its text.
#[derive(Debug)]
pub struct Output {
    /// E.g. `crates/clerk-backend/src/generated/operations.rs`.
    pub path: PathBuf,
    /// The rustfmt'ed Rust text.
    pub text: String,
}

/// Every generated file, in memory (nothing is written).
///
/// # Errors
///
/// An input is missing or malformed, an override names an operation the spec lacks, or rustfmt
/// fails.
pub fn generate(root: &Path) -> Result<Vec<Output>, String> {
    let read = |relative: &str| {
        std::fs::read_to_string(root.join(relative)).map_err(|err| format!("{relative}: {err}"))
    };
    let spec_text = read(SPEC)?;
    let operations = spec::operations(&spec_text)?;
    let spec_value: serde_yaml::Value =
        serde_yaml::from_str(&spec_text).map_err(|err| format!("spec: {err}"))?;
    let overrides = overrides::Overrides::parse(&read(OVERRIDES)?)?;
    let webhook_spec: serde_yaml::Value =
        serde_yaml::from_str(&read(webhooks::SPEC)?).map_err(|err| format!("webhooks: {err}"))?;
    let events = webhooks::generate(
        &webhook_spec,
        &spec_value,
        &overrides.core_types,
        &overrides.field_types,
    )?;
    // The backend names every type clerk-core has, hand-written or generated.
    let mut core_types = overrides.core_types.clone();
    for (name, path) in &events.generated {
        core_types.entry(name.clone()).or_insert_with(|| path.clone());
    }
    let mut models = models::ModelSet::backend(&core_types).with_field_types(&overrides.field_types);
    // Every schema of the Backend API spec that clerk-core models by hand is named in
    // `models` (re-exported), answered by a call or not.
    for name in overrides.core_types.keys() {
        if spec_value["components"]["schemas"].get(name.as_str()).is_some() {
            models.name_if_free(name);
        }
    }
    let js = js_names::JsNames::parse(&read(JS_NAMES)?)?;
    let table = render::Table::new(&operations, &overrides, &js)?;
    let groups = table.groups();
    let names: Vec<String> = groups.iter().map(|group| group.module.clone()).collect();
    let mut outputs = vec![
        Output {
            path: Path::new(OUT_DIR).join("mod.rs"),
            text: rustfmt(root, &render::module(&names))?,
        },
        Output {
            path: Path::new(OUT_DIR).join("operations.rs"),
            text: rustfmt(root, &table.operations_rs())?,
        },
    ];
    for group in &groups {
        outputs.push(Output {
            path: Path::new(OUT_DIR).join(format!("{}.rs", group.module)),
            text: rustfmt(root, &group.render(&spec_value, render::header(), &mut models)?)?,
        });
    }
    outputs.push(Output {
        path: PathBuf::from(exercise::PATH),
        text: rustfmt(root, &exercise::calls_rs(&spec_value, render::header(), &groups)?)?,
    });
    outputs.push(Output {
        path: PathBuf::from(OPERATIONS_MD),
        text: table.operations_md(),
    });
    outputs.push(Output {
        path: PathBuf::from(RETRIES_MD),
        text: table.retries_md(),
    });
    outputs.push(Output {
        path: Path::new(OUT_DIR).join("models.rs"),
        text: rustfmt(
            root,
            &calls::models_rs(
                &spec_value,
                render::header(),
                "//! The models of the generated calls, one Rust type per Clerk object: \
                 [`crate::models`]. A model clerk-core has is re-exported from it.",
                &mut models,
            )?,
        )?,
    });
    outputs.push(Output {
        path: PathBuf::from(webhooks::EVENTS_RS),
        text: rustfmt(root, &events.events_rs)?,
    });
    outputs.push(Output {
        path: PathBuf::from(webhooks::PAYLOADS_RS),
        text: rustfmt(root, &events.payloads_rs)?,
    });
    Ok(outputs)
}

/// Writes every generated file; returns their paths.
///
/// # Errors
///
/// As [`generate`], or a file cannot be written.
pub fn write(root: &Path) -> Result<Vec<PathBuf>, String> {
    let outputs = generate(root)?;
    let mut written = Vec::new();
    for output in outputs {
        if let Some(dir) = output.path.parent() {
            std::fs::create_dir_all(root.join(dir)).map_err(|err| format!("{}: {err}", dir.display()))?;
        }
        std::fs::write(root.join(&output.path), &output.text)
            .map_err(|err| format!("{}: {err}", output.path.display()))?;
        written.push(output.path);
    }
    Ok(written)
}

/// The generated files whose checked-in text differs from what the generator writes (missing
/// files included).
///
/// # Errors
///
/// As [`generate`].
pub fn drift(root: &Path) -> Result<Vec<PathBuf>, String> {
    Ok(generate(root)?
        .into_iter()
        .filter(|output| {
            std::fs::read_to_string(root.join(&output.path)).ok().as_deref() != Some(&output.text)
        })
        .map(|output| output.path)
        .collect())
}

/// `text` formatted by rustfmt with the workspace's `.rustfmt.toml`, as `cargo fmt` would.
fn rustfmt(root: &Path, text: &str) -> Result<String, String> {
    use std::io::Write as _;
    let program = std::env::var("RUSTFMT").unwrap_or_else(|_| "rustfmt".to_owned());
    let mut child = Command::new(&program)
        .args(["--edition", "2021", "--emit", "stdout", "--config-path"])
        .arg(root.join(".rustfmt.toml"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|err| format!("{program}: {err}"))?;
    child
        .stdin
        .take()
        .ok_or("rustfmt: no stdin")?
        .write_all(text.as_bytes())
        .map_err(|err| format!("{program}: {err}"))?;
    let out = child
        .wait_with_output()
        .map_err(|err| format!("{program}: {err}"))?;
    if !out.status.success() {
        return Err(format!(
            "{program} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|err| format!("{program}: {err}"))
}
