//! Which models a generated file writes, and which it names from another crate: one Rust type
//! per Clerk object.
//!
//! A [`ModelSet`] collects the component schemas the generated code refers to. A schema that
//! clerk-core models (by hand, or generated from the webhook spec) is not written again: the
//! code names clerk-core's type (`crate::models::User`, which `generated/models.rs` re-exports
//! with `pub use clerk_core::user::User;`).

use std::collections::{BTreeMap, BTreeSet};

use crate::naming::{pascal_case, snake_case};

/// The key of a model written inline in a named response (`_VerificationResponse`).
pub const RESPONSES: &str = "responses/";

/// Which crate the generated models are written for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home {
    /// clerk-backend's `generated/models.rs`: `Debug` redacts secrets field by field.
    Backend,
    /// clerk-core's `webhook/payloads.rs`: `Serialize` never writes `private_metadata` (at any
    /// depth), `Debug` is the redacted JSON of the core's rules.
    Core,
}

/// A type another crate (or a hand-written module) already has.
#[derive(Debug, Clone)]
struct Mapped {
    /// How the generated code names it: `crate::models::User`, `crate::user::User`.
    local: String,
    /// What `generated/models.rs` re-exports, `clerk_core::user::User` (backend only).
    reexport: Option<String>,
}

/// The models of one generated file, and the schemas it names from elsewhere.
#[derive(Debug)]
pub struct ModelSet {
    /// Where the generated models live: `crate::models::`.
    prefix: String,
    /// Schema name → the type modelled elsewhere.
    mapped: BTreeMap<String, Mapped>,
    /// Model keys to write (schema names, or `responses/…`), not yet written.
    pub pending: BTreeSet<String>,
    /// The re-exports the models name (`clerk_core::user::User`).
    pub reexports: BTreeSet<String>,
    /// Re-exports named for completeness, not by a model: left out where a generated model has
    /// the name (`EnterpriseConnection`, the Backend API's object, is not an enterprise
    /// account's connection).
    pub optional_reexports: BTreeSet<String>,
    /// The model keys written (by [`models_rs`](crate::calls::models_rs)).
    pub written: BTreeSet<String>,
    /// clerk-core's generated models: Rust name → the keys its `Debug` hides (as literals).
    pub hidden: BTreeMap<String, Vec<String>>,
    /// The crate the models are written for.
    pub home: Home,
    /// `Schema.property` → the Rust path of the clerk-core enum the property holds (the
    /// overrides' `field_types`, named from this crate).
    pub field_types: BTreeMap<String, String>,
}

impl ModelSet {
    /// clerk-backend's models: `core` maps schema names to paths in clerk-core (`user::User`).
    pub fn backend(core: &BTreeMap<String, String>) -> Self {
        let mapped = core
            .iter()
            .map(|(name, path)| {
                let last = path.rsplit("::").next().unwrap_or(path);
                (
                    name.clone(),
                    Mapped {
                        local: format!("crate::models::{last}"),
                        reexport: Some(format!("clerk_core::{path}")),
                    },
                )
            })
            .collect();
        Self {
            prefix: "crate::models::".to_owned(),
            mapped,
            pending: BTreeSet::new(),
            reexports: BTreeSet::new(),
            optional_reexports: BTreeSet::new(),
            written: BTreeSet::new(),
            hidden: BTreeMap::new(),
            home: Home::Backend,
            field_types: BTreeMap::new(),
        }
    }

    /// clerk-core's generated webhook payloads: `core` maps schema names to the hand-written
    /// types (`user::User`).
    pub fn core(core: &BTreeMap<String, String>) -> Self {
        let mapped = core
            .iter()
            .map(|(name, path)| {
                (
                    name.clone(),
                    Mapped {
                        local: format!("crate::{path}"),
                        reexport: None,
                    },
                )
            })
            .collect();
        Self {
            prefix: "crate::webhook::".to_owned(),
            mapped,
            pending: BTreeSet::new(),
            reexports: BTreeSet::new(),
            optional_reexports: BTreeSet::new(),
            written: BTreeSet::new(),
            hidden: BTreeMap::new(),
            home: Home::Core,
            field_types: BTreeMap::new(),
        }
    }

    /// Types the properties of `field_types` (`Schema.property` → a path in clerk-core,
    /// `webhook::InvitationStatus`) with clerk-core's enum, named from this crate.
    #[must_use]
    pub fn with_field_types(mut self, field_types: &BTreeMap<String, String>) -> Self {
        let krate = match self.home {
            Home::Backend => "clerk_core",
            Home::Core => "crate",
        };
        self.field_types = field_types
            .iter()
            .map(|(property, path)| (property.clone(), format!("{krate}::{path}")))
            .collect();
        self
    }

    /// Whether `schema` is modelled elsewhere.
    pub fn is_mapped(&self, schema: &str) -> bool {
        self.mapped.contains_key(schema)
    }

    /// Whether the Rust type `rust` is one modelled elsewhere (it has no `Default`).
    pub fn is_mapped_type(&self, rust: &str) -> bool {
        self.mapped.values().any(|mapped| mapped.local == rust)
    }

    /// The Rust type of the model `key`, registered: a schema modelled elsewhere is named (and
    /// its re-export noted); any other is queued to be written.
    pub fn type_of(&mut self, key: &str) -> String {
        if let Some(mapped) = self.mapped.get(key) {
            if let Some(reexport) = &mapped.reexport {
                self.reexports.insert(reexport.clone());
            }
            return mapped.local.clone();
        }
        self.pending.insert(key.to_owned());
        format!("{}{}", self.prefix, model_name(key))
    }
}

impl ModelSet {
    /// Names the schema `name` modelled elsewhere, if no generated model takes its name.
    pub fn name_if_free(&mut self, name: &str) {
        if let Some(reexport) = self.mapped.get(name).and_then(|mapped| mapped.reexport.clone()) {
            self.optional_reexports.insert(reexport);
        }
    }
}

/// The Rust name of a model key: `RedirectURL` → `RedirectUrl`,
/// `responses/_VerificationResponse` → `VerificationResponse`.
pub fn model_name(key: &str) -> String {
    pascal_case(&snake_case(key.trim_start_matches(RESPONSES)))
}
