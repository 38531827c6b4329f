//! The Rust text of the generated typed calls: one file per group (`generated/redirect_urls.rs`)
//! with the group's handle (`client.redirect_urls()`), its calls, their request structs and the
//! models they answer with.
//!
//! Every call goes through one shared, hand-written path (`ClerkClient::operation`, in
//! clerk-backend's `operation_call.rs`): the URL with its path parameters checked, the query, the
//! JSON body, the retry rule and budget of the operation's table row. A call is a few lines; the
//! only generic is the answer's type.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde_yaml::Value;

use crate::models::{model_name, Home, ModelSet, RESPONSES};
use crate::naming::{const_name, literal, pascal_case, snake_case};
use crate::spec::{Body, Operation};

/// Fields whose value `Debug` never shows (besides those the spec formats as `password`): by
/// name in any schema, or `Schema.field` for one schema (URLs that carry a credential).
const SECRET_FIELDS: &[&str] = &[
    "token",
    "secret",
    "secret_key",
    "private_metadata",
    "password",
    "password_digest",
    "totp_secret",
    "backup_codes",
    // OAuth and OIDC credentials (an enterprise connection's, an OAuth application's).
    "client_secret",
    "access_token",
    "id_token",
    "refresh_token",
    "expired_token",
    "token_secret",
    // A JWT template's private signing key.
    "signing_key",
    // A SCIM directory's provisioning key.
    "api_key",
    // Visiting it creates a session for the user.
    "AgentTask.url",
    // Signs in as the user (an actor token's ticket).
    "ActorToken.url",
    // Signs in to the instance's Svix dashboard.
    "SvixURL.svix_url",
    // An invitation's ticket, and the invitee (as clerk-core hides a user's addresses).
    "OrganizationInvitationWithPublicOrganizationData.url",
    "OrganizationInvitationWithPublicOrganizationData.email_address",
    // Starts an SSO test run as the connection.
    "EnterpriseConnectionTestRunResponse.url",
];

/// Fields of clerk-core's generated models that `Debug` hides besides the core's own list (email
/// addresses, phone numbers, …): a message's content carries one-time codes and sign-in links.
const CORE_HIDDEN: &[&str] = &[
    "EmailEventPayload.body",
    "EmailEventPayload.body_plain",
    "EmailEventPayload.data",
    "EmailEventPayload.subject",
    "SmsEventPayload.message",
    "SmsEventPayload.data",
    "OrganizationInvitation.url",
    "OrganizationInvitationAcceptedPayload.url",
    "OrganizationInvitationEventPayload.url",
    "Invitation.url",
    // A nested object's `Debug` is not called when its parent's JSON is shown: hide it whole.
    "WaitlistEntry.invitation",
];

/// Rust keywords a field may be named after.
const KEYWORDS: &[&str] = &[
    "type", "ref", "self", "match", "use", "mod", "move", "fn", "impl", "where",
];

/// One group of generated calls.
#[derive(Debug)]
pub struct Group<'a> {
    /// `redirect_urls`: the file, the handle method.
    pub module: String,
    /// The tag, e.g. `Redirect URLs`.
    pub tag: String,
    /// `(our method name, operation)` of the generated calls.
    pub calls: Vec<(String, &'a Operation)>,
    /// `(our method name, operation)` of the hand-written calls on the same handle (written in
    /// clerk-backend's own files; the handle's doc lists them).
    pub hand_written: Vec<(String, &'a Operation)>,
    /// `operationId` → the hand-written query type its generated call takes.
    pub params: BTreeMap<String, String>,
    /// `operationId` → the hand-written body type its generated call takes.
    pub bodies: BTreeMap<String, String>,
    /// The `operationId`s whose calls ask for pages (`paginated=true`) and answer a `Page`.
    pub paged: BTreeSet<String>,
    /// `operationId` → the hand-written type its answer decodes into.
    pub answers: BTreeMap<String, String>,
}

impl Group<'_> {
    /// The handle's type name: `RedirectUrls`.
    pub fn handle(&self) -> String {
        pascal_case(&self.module)
    }

    /// The text of `generated/{module}.rs`.
    /// The group's models (and the models they hold) are added to `models`, which
    /// [`models_rs`] writes once for every group: one Rust type per Clerk object.
    pub fn render(&self, spec: &Value, header: &str, models: &mut ModelSet) -> Result<String, String> {
        let handle = self.handle();
        let mut body = String::new();
        let mut items = String::new();
        for (method, op) in &self.calls {
            let answer = answer(spec, op)?;
            let custom = Custom {
                params: self.params.get(&op.operation_id).map(String::as_str),
                body: self.bodies.get(&op.operation_id).map(String::as_str),
                paged: self.paged.contains(&op.operation_id),
                answer: self.answers.get(&op.operation_id).map(String::as_str),
            };
            if let (Answer::Model(name) | Answer::List(name) | Answer::Page(name), None) =
                (&answer, custom.answer)
            {
                models.type_of(name);
            }
            body.push_str(&call(spec, method, op, &answer, custom, &mut items, models)?);
        }
        let mut also = String::new();
        if !self.hand_written.is_empty() {
            also.push_str("///\n/// Hand-written on this handle (behaviour the spec cannot say):");
            for (method, op) in &self.hand_written {
                let _ = write!(also, " [`{method}`]({handle}::{method}) (`{}`),", op.operation_id);
            }
            also.pop();
            also.push_str(".\n");
        }
        Ok(format!(
            "{header}\n//! `{tag}`: [`ClerkClient::{module}`] and its calls, generated from Clerk's spec.\n\n\
             #![allow(clippy::doc_markdown)]\n\n\
             {uses}use crate::ClerkClient;\n\n\
             /// The `{tag}` calls: `client.{module}()`.\n{also}\
             #[derive(Debug, Clone, Copy)]\n\
             pub struct {handle}<'a> {{\n    pub(crate) client: &'a ClerkClient,\n}}\n\n\
             impl ClerkClient {{\n\
             /// The `{tag}` calls of the Backend API.\n\
             pub fn {module}(&self) -> {handle}<'_> {{\n{handle} {{ client: self }}\n}}\n}}\n\n\
             {calls}{items}",
            uses = if self.calls.is_empty() {
                ""
            } else {
                "use crate::error::ApiResult;\nuse crate::generated::operations as ops;\n"
            },
            calls = if self.calls.is_empty() {
                String::new()
            } else {
                format!("impl {handle}<'_> {{\n{body}}}\n\n")
            },
            tag = self.tag,
            module = self.module,
        ))
    }
}

/// What a call answers with.
#[derive(Debug)]
enum Answer {
    /// A component schema generated here.
    Model(String),
    /// A JSON array of a component schema generated here.
    List(String),
    /// `{data: [schema], total_count}`: a [`Page`](crate) of it.
    Page(String),
    /// clerk-core's `DeletedObject`.
    Deleted,
    /// `204 No Content` (or `202 Accepted` without a body): `()`.
    Empty,
    /// An object schema written inline in the operation's answer: a struct of the group's
    /// file named after the operation (`VerifyTotpAnswer`).
    Inline(String),
}

fn answer(spec: &Value, op: &Operation) -> Result<Answer, String> {
    let path = op.path.as_str();
    let method = op.method.to_ascii_lowercase();
    let responses = &spec["paths"][path][method.as_str()]["responses"];
    let Some(ok) = ["200", "201"].iter().find_map(|code| responses.get(*code)) else {
        return match ["204", "202"].iter().find_map(|code| responses.get(*code)) {
            Some(_) => Ok(Answer::Empty),
            None => Err(format!("{}: no 200/201/202/204 answer", op.operation_id)),
        };
    };
    let response_name = ok["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/responses/"));
    let response = match response_name {
        Some(name) => &spec["components"]["responses"][name],
        None => ok,
    };
    let schema = &response["content"]["application/json"]["schema"];
    if let Some(item) = page_item(spec, schema) {
        return Ok(Answer::Page(item));
    }
    if schema.get("$ref").is_none() && is_object(schema) {
        return Ok(match response_name {
            // A schema written inline in a named response: the model is named after the response.
            Some(name) => Answer::Model(format!("{RESPONSES}{name}")),
            None => Answer::Inline(format!("{}Answer", pascal_case(&snake_case(&op.operation_id)))),
        });
    }
    let name_of = |schema: &Value| {
        schema["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map(str::to_owned)
    };
    if let Some(name) = name_of(schema) {
        return Ok(if name == "DeletedObject" {
            Answer::Deleted
        } else {
            Answer::Model(name)
        });
    }
    if schema["type"].as_str() == Some("array") {
        if let Some(name) = name_of(&schema["items"]) {
            return Ok(Answer::List(name));
        }
    }
    Err(format!(
        "{}: an answer the generator does not handle yet",
        op.operation_id
    ))
}

/// The item schema of Clerk's page shape, `{data: [item], total_count}` (the schema itself, a
/// `$ref` to it, or `data` a `$ref` to an array schema): `Some("RedirectURL")`.
fn page_item(spec: &Value, schema: &Value) -> Option<String> {
    let resolve = |value: &Value| -> Value {
        match value["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => spec["components"]["schemas"][name].clone(),
            None => value.clone(),
        }
    };
    let schema = resolve(schema);
    let properties = schema["properties"].as_mapping()?;
    let keys: BTreeSet<&str> = properties.keys().filter_map(Value::as_str).collect();
    if keys != BTreeSet::from(["data", "total_count"]) {
        return None;
    }
    let data = resolve(&schema["properties"]["data"]);
    data["items"]["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
        .map(str::to_owned)
}

/// The hand-written types a generated call takes instead of generated ones.
#[derive(Debug, Clone, Copy)]
struct Custom<'a> {
    /// The query type (`crate::UserListParams`), whose `query_for` writes the operation's keys.
    params: Option<&'a str>,
    /// The JSON body type (`crate::CreateUser`).
    body: Option<&'a str>,
    /// Sends `paginated=true` and answers a [`Page`](crate) where the spec says a bare array.
    paged: bool,
    /// The hand-written type the answer (or each item of a list answer) decodes into.
    answer: Option<&'a str>,
}

fn call(
    spec: &Value,
    method: &str,
    op: &Operation,
    answer: &Answer,
    custom: Custom<'_>,
    items: &mut String,
    models: &mut ModelSet,
) -> Result<String, String> {
    let type_name = pascal_case(&snake_case(&op.operation_id));
    let mut args = Vec::new();
    let mut path_args = Vec::new();
    for param in op.params.iter().filter(|param| param.location == "path") {
        let arg = snake_case(&param.name);
        args.push(format!("{arg}: &str"));
        path_args.push(arg);
    }
    // `paginated` changes the answer's shape (a page instead of the spec's array): never sent.
    let query_params: Vec<_> = op
        .params
        .iter()
        .filter(|param| param.location == "query" && param.name != "paginated")
        .collect();
    let query = if let Some(params_type) = custom.params {
        args.push(format!("params: &{params_type}"));
        format!("params.query_for(&ops::{})", const_name(&op.operation_id))
    } else if query_params.is_empty() {
        "String::new()".to_owned()
    } else {
        let params_type = format!("{type_name}Params");
        items.push_str(&params_struct(&params_type, op, &query_params));
        args.push(format!("params: &{params_type}"));
        "params.to_query()".to_owned()
    };
    let query = if custom.paged {
        format!("crate::params::paginated({query})")
    } else {
        query
    };
    let request =
        &spec["paths"][op.path.as_str()][op.method.to_ascii_lowercase().as_str()]["requestBody"]["content"];
    let body = match &op.body {
        Body::None => "None".to_owned(),
        Body::Json(_) if custom.body.is_some() => {
            args.push(format!("body: &{}", custom.body.unwrap_or_default()));
            "Some(crate::Payload::json(body)?)".to_owned()
        }
        Body::Json(reference) => {
            let schema = match reference {
                Some(name) => &spec["components"]["schemas"][name.as_str()],
                None => &request["application/json"]["schema"],
            };
            let arg = request_body(spec, &type_name, schema, &op.operation_id, items, models)?;
            args.push(format!("body: {arg}"));
            "Some(crate::Payload::json(body)?)".to_owned()
        }
        Body::Multipart => {
            let (arg, fields) = multipart_args(&request["multipart/form-data"]["schema"], &op.operation_id)?;
            args.extend(arg);
            format!("Some(crate::Payload::multipart(&[{fields}]))")
        }
    };
    let mut type_of = |name: &String| match custom.answer {
        Some(hand_written) => hand_written.to_owned(),
        None => models.type_of(name),
    };
    let item_type = match answer {
        Answer::Page(name) | Answer::List(name) => Some(type_of(name)),
        _ => None,
    };
    let answer_type = match answer {
        Answer::Model(name) => type_of(name),
        Answer::List(name) if !custom.paged => format!("Vec<{}>", type_of(name)),
        Answer::List(name) | Answer::Page(name) => format!("crate::Page<{}>", type_of(name)),
        Answer::Deleted => "clerk_core::api::DeletedObject".to_owned(),
        Answer::Empty => "()".to_owned(),
        // An inline answer object decoded into a hand-written type (`crate::ApiKeyList`).
        Answer::Inline(_) if custom.answer.is_some() => custom.answer.unwrap_or_default().to_owned(),
        Answer::Inline(name) => {
            let schema =
                &spec["paths"][op.path.as_str()][op.method.to_ascii_lowercase().as_str()]["responses"];
            let ok = ["200", "201"]
                .iter()
                .find_map(|code| schema.get(*code))
                .ok_or_else(|| format!("{}: no answer", op.operation_id))?;
            items.push_str(&object_struct(
                spec,
                name,
                &ok["content"]["application/json"]["schema"],
                Role::Model,
                &format!("{} answer", op.operation_id),
                models,
            )?);
            name.clone()
        }
    };
    let summary = doc_text(
        spec["paths"][op.path.as_str()][op.method.to_ascii_lowercase().as_str()]["summary"]
            .as_str()
            .unwrap_or_default(),
    );
    let checked = if path_args.is_empty() {
        ""
    } else {
        "An empty or unsafe id is refused before any request ([`ApiError::InvalidArgument`](crate::ApiError::InvalidArgument)); \
         otherwise see [`ApiError`](crate::ApiError)."
    };
    let errors = if checked.is_empty() {
        "See [`ApiError`](crate::ApiError)."
    } else {
        checked
    };
    let endpoint = format!("{} /v1{}", op.method, op.path);
    let mut out = String::new();
    let _ = write!(
        out,
        "/// {summary}: `{endpoint}` (`{id}`).\n///\n\
         /// Retried and budgeted as its row of the operation table ([`{const_name}`](crate::operations)) says.\n\
         ///\n/// # Errors\n///\n/// {errors}\n\
         pub async fn {method}(&self, {args}) -> ApiResult<{answer_type}> {{\n\
         self.client.operation(&ops::{const_name}, &[{path_args}], {query}, {body}).await\n}}\n\n",
        id = op.operation_id,
        const_name = const_name(&op.operation_id),
        args = args.join(", "),
        path_args = path_args.join(", "),
    );
    let (stream_paging, next_query) = match custom.params {
        // A hand-written query type (`limit`/`offset` as `u32`) and its `query_for`.
        Some(_) => (
            "(params.limit.map(i64::from), params.offset.map(i64::from))".to_owned(),
            format!(
                "params.limit = u32::try_from(limit).ok();\nparams.offset = u32::try_from(offset).ok();\n\
                 params.query_for(&ops::{})",
                const_name(&op.operation_id)
            ),
        ),
        None => (
            "(params.limit, params.offset)".to_owned(),
            "params.limit = Some(limit);\nparams.offset = Some(offset);\nparams.to_query()".to_owned(),
        ),
    };
    let pages = custom.paged || matches!(answer, Answer::Page(_));
    if let (Some(item_type), true) = (item_type, streams(op, custom.params.is_some(), pages)) {
        let _ = write!(
            out,
            "/// Every item of [`{method}`](Self::{method}), page after page: a lazy [`Paged`](crate::Paged) stream \
             (offset paging from `params.offset`, `params.limit` a page or [`DEFAULT_PAGE_SIZE`](crate::DEFAULT_PAGE_SIZE)).\n             pub fn {method}_stream(&self, {args}) -> crate::Paged<{item_type}> {{\n             let mut params = params.clone();\n             self.client.operation_paged(&ops::{const_name}, &[{path_args}], {stream_paging}, \
             Box::new(move |limit, offset| {{\n{next_query}\n}}))\n}}\n\n",
            const_name = const_name(&op.operation_id),
            args = args.join(", "),
            path_args = path_args.join(", "),
        );
    }
    Ok(out)
}

/// The operation's generated call has a `…_stream` twin: a list answer, paged by `limit` and
/// `offset`; with a hand-written query type (`custom_params`) only when the answers are pages
/// (the spec's, or `paged`), else the type pages its own way (`users().list_stream` follows
/// Clerk's cursor).
pub fn has_stream(spec: &Value, op: &Operation, custom_params: bool, paged: bool) -> bool {
    match answer(spec, op) {
        Ok(Answer::Page(_)) => streams(op, custom_params, true),
        Ok(Answer::List(_)) => streams(op, custom_params, paged),
        _ => false,
    }
}

/// `pages`: the call's answers are pages (`{data, total_count}`).
fn streams(op: &Operation, custom_params: bool, pages: bool) -> bool {
    is_offset_list(op) && (!custom_params || pages)
}

/// A list paged by `limit` and `offset` (integer query parameters), without a body.
fn is_offset_list(op: &Operation) -> bool {
    let integer = |name: &str| {
        op.params
            .iter()
            .any(|param| param.location == "query" && param.name == name && param.kind == "integer")
    };
    op.body == Body::None && integer("limit") && integer("offset")
}

/// The argument type of a JSON request body, its struct(s) added to `items`: an object schema
/// is a struct named after the operation (`&CreateUser`); an array of objects a slice of a
/// struct named after the operation's item (`&[CreateBulkWaitlistEntriesItem]`).
fn request_body(
    spec: &Value,
    type_name: &str,
    schema: &Value,
    origin: &str,
    items: &mut String,
    models: &mut ModelSet,
) -> Result<String, String> {
    if schema["type"].as_str() != Some("array") {
        items.push_str(&object_struct(
            spec,
            type_name,
            schema,
            Role::Request,
            origin,
            models,
        )?);
        return Ok(format!("&{type_name}"));
    }
    let item = &schema["items"];
    if item.get("$ref").is_some() || !is_object(item) {
        return Ok(format!("&[{}]", rust_type(spec, item, models)));
    }
    let item_type = format!("{type_name}Item");
    items.push_str(&object_struct(
        spec,
        &item_type,
        item,
        Role::Request,
        &format!("{origin} item"),
        models,
    )?);
    Ok(format!("&[{item_type}]"))
}

/// The arguments of a `multipart/form-data` request (a file upload) and the form fields the
/// call sends: a `format: binary` property is a [`Upload`](crate) (`file: &Upload`), any other
/// an optional text field (`uploader_user_id: Option<&str>`).
fn multipart_args(schema: &Value, origin: &str) -> Result<(Vec<String>, String), String> {
    let properties = schema["properties"]
        .as_mapping()
        .ok_or_else(|| format!("{origin}: a multipart body without properties"))?;
    let mut args = Vec::new();
    let mut fields = Vec::new();
    for (key, property) in properties {
        let key = key.as_str().unwrap_or_default();
        let arg = field_name(key);
        if property["format"].as_str() == Some("binary") {
            args.push(format!("{arg}: &crate::Upload"));
            fields.push(format!("crate::FormField::File({}, {arg})", literal(key)));
        } else {
            args.push(format!("{arg}: Option<&str>"));
            fields.push(format!("crate::FormField::Text({}, {arg})", literal(key)));
        }
    }
    Ok((args, fields.join(", ")))
}

/// An object schema: `type: object` with properties, or an `allOf` of such.
fn is_object(schema: &Value) -> bool {
    schema["properties"].is_mapping() || schema["allOf"].is_sequence()
}

/// The properties and required keys of an object schema, the parts of an `allOf` merged
/// (`$ref`s resolved), its own properties last.
fn properties_of(spec: &Value, schema: &Value) -> (serde_yaml::Mapping, Vec<String>) {
    let mut properties = serde_yaml::Mapping::new();
    let mut required = Vec::new();
    for part in schema["allOf"].as_sequence().into_iter().flatten() {
        let part = match part["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
        {
            Some(name) => &spec["components"]["schemas"][name],
            None => part,
        };
        let (more, more_required) = properties_of(spec, part);
        properties.extend(more);
        required.extend(more_required);
    }
    if let Some(own) = schema["properties"].as_mapping() {
        properties.extend(own.clone());
    }
    required.extend(
        schema["required"]
            .as_sequence()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_owned),
    );
    (properties, required)
}

/// A request's query parameters: every one optional in Rust (`Default`), the required ones
/// documented as such.
fn params_struct(name: &str, op: &Operation, params: &[&crate::spec::Param]) -> String {
    let mut fields = String::new();
    let mut pushes = String::new();
    for param in params {
        let field = field_name(&param.name);
        let (ty, push) = match param.kind.as_str() {
            "integer" => ("Option<i64>", "push_opt"),
            "boolean" => ("Option<bool>", "push_opt"),
            "array" => ("Vec<String>", "list"),
            _ => ("Option<String>", "push_opt"),
        };
        let required = if param.required { " Required by Clerk." } else { "" };
        let _ = writeln!(fields, "/// `{}`.{required}\npub {field}: {ty},", param.name);
        let value = if push == "list" {
            format!("&self.{field}")
        } else {
            format!("self.{field}.as_ref()")
        };
        let _ = writeln!(pushes, "query.{push}({}, {value});", literal(&param.name));
    }
    format!(
        "/// The query parameters of `{method} {path}`; `Default` leaves every one out.\n\
         #[derive(Debug, Clone, Default, PartialEq)]\n\
         pub struct {name} {{\n{fields}}}\n\n\
         impl {name} {{\nfn to_query(&self) -> String {{\n\
         let mut query = crate::params::Query::default();\n{pushes}query.finish()\n}}\n}}\n\n",
        method = op.method,
        path = op.path,
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Request,
    Model,
}

/// The schema of a model key.
fn model_schema<'a>(spec: &'a Value, key: &str) -> &'a Value {
    match key.strip_prefix(RESPONSES) {
        Some(name) => &spec["components"]["responses"][name]["content"]["application/json"]["schema"],
        None => &spec["components"]["schemas"][key],
    }
}

/// `generated/models.rs` (or clerk-core's `webhook/payloads.rs`): every model of `models`
/// (and the models those hold) once, after the re-exports of the models clerk-core has; `doc`
/// is the file's inner doc comment.
pub fn models_rs(spec: &Value, header: &str, doc: &str, models: &mut ModelSet) -> Result<String, String> {
    let mut done = BTreeSet::new();
    let mut structs = String::new();
    while let Some(key) = models.pending.pop_first() {
        if !done.insert(key.clone()) {
            continue;
        }
        let schema = model_schema(spec, &key);
        if schema.is_null() {
            return Err(format!("{key}: no such schema"));
        }
        structs.push_str(&object_struct(
            spec,
            &model_name(&key),
            schema,
            Role::Model,
            &key,
            models,
        )?);
    }
    let names: BTreeSet<String> = done.iter().map(|key| model_name(key)).collect();
    let last = |path: &String| path.rsplit("::").next().unwrap_or_default().to_owned();
    if let Some(clash) = models.reexports.iter().find(|path| names.contains(&last(path))) {
        return Err(format!("models: {clash} and a generated model have one name"));
    }
    let optional: Vec<String> = models
        .optional_reexports
        .iter()
        .filter(|path| !names.contains(&last(path)))
        .cloned()
        .collect();
    models.reexports.extend(optional);
    models.written.extend(done);
    let mut out = format!("{header}\n{doc}\n\n#![allow(clippy::doc_markdown)]\n\n");
    for path in &models.reexports {
        let _ = writeln!(out, "pub use {path};");
    }
    if !models.reexports.is_empty() {
        out.push('\n');
    }
    out.push_str(&structs);
    Ok(out)
}

/// The Rust type of a property (before `Option`), registering in `models` the component
/// schemas it holds: a `$ref` to an object schema is its model, arrays are `Vec`s, anything
/// the generator does not type yet (`oneOf`, free-form objects) stays `serde_json::Value`.
fn rust_type(spec: &Value, property: &Value, models: &mut ModelSet) -> String {
    if let Some(name) = property["$ref"]
        .as_str()
        .and_then(|r| r.strip_prefix("#/components/schemas/"))
    {
        let target = &spec["components"]["schemas"][name];
        if models.is_mapped(name) || is_object(target) {
            return models.type_of(name);
        }
        return rust_type(spec, target, models);
    }
    // `allOf: [$ref]` (the spec's way to make a reference nullable) is the reference.
    if let Some([only]) = property["allOf"].as_sequence().map(Vec::as_slice) {
        if only.get("$ref").is_some() && property.get("properties").is_none() {
            return rust_type(spec, only, models);
        }
    }
    match property["type"].as_str() {
        Some("string") => "String".to_owned(),
        Some("integer") => "i64".to_owned(),
        Some("boolean") => "bool".to_owned(),
        Some("number") => "f64".to_owned(),
        Some("array") => format!("Vec<{}>", rust_type(spec, &property["items"], models)),
        _ => VALUE.to_owned(),
    }
}

const VALUE: &str = "serde_json::Value";

/// A struct for an object schema: a model (decoded: every field `serde(default)`, unknown fields
/// ignored) or a request body (`Default`, optional fields left out when `None`). Secrets are
/// redacted in `Debug`.
fn object_struct(
    spec: &Value,
    name: &str,
    schema: &Value,
    role: Role,
    origin: &str,
    models: &mut ModelSet,
) -> Result<String, String> {
    if !is_object(schema) {
        return Err(format!("{origin}: not an object schema with properties"));
    }
    let (properties, required) = properties_of(spec, schema);
    let required: Vec<&str> = required.iter().map(String::as_str).collect();
    let mut fields = String::new();
    let mut debug = String::new();
    let mut hidden = Vec::new();
    let mut enums = String::new();
    for (key, property) in &properties {
        let key = key.as_str().unwrap_or_default();
        let field = field_name(key);
        let nullable = property["nullable"].as_bool().unwrap_or(false);
        let optional = nullable || !required.contains(&key);
        let enum_type = format!("{name}{}", pascal_case(key));
        // One of clerk-core's enums where the overrides say so (the spec types it a bare string).
        let core_enum = models.field_types.get(&format!("{origin}.{key}")).cloned();
        let base = match (&core_enum, string_enum(&enum_type, property)) {
            (Some(path), _) => path.clone(),
            (None, Some(text)) => {
                enums.push_str(&text);
                enum_type
            }
            (None, None) => rust_type(spec, property, models),
        };
        // A missing array is empty; a nullable one (or anything optional) is an `Option`; so is
        // an enum, whatever the spec says: a missing value is not any of its variants.
        let ty = if base == VALUE || (base.starts_with("Vec<") && !nullable) {
            base.clone()
        } else if optional
            || enums.contains(&format!("pub enum {base} "))
            || core_enum.is_some()
            // clerk-core's hand-written types have no `Default`.
            || models.is_mapped_type(&base)
        {
            format!("Option<{base}>")
        } else {
            base.clone()
        };
        let doc = property["description"]
            .as_str()
            // The first paragraph, on one line.
            .map(|text| {
                doc_text(
                    &text
                        .split("\n\n")
                        .next()
                        .unwrap_or_default()
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" "),
                )
            })
            .filter(|text| !text.is_empty())
            .unwrap_or_else(|| format!("`{key}`."));
        let rename = if field == key {
            String::new()
        } else {
            format!("#[serde(rename = {})]\n", literal(key))
        };
        let attr = match role {
            // clerk-core's models never serialize private metadata, at any depth.
            Role::Model if models.home == Home::Core && key == "private_metadata" => {
                "#[serde(default, skip_serializing)]\n".to_owned()
            }
            Role::Model if models.home == Home::Core && base == VALUE => {
                "#[serde(default, serialize_with = \"crate::redact::serialize_without_private_metadata\")]\n"
                    .to_owned()
            }
            // A `null` where the spec promises a value reads as the default: a webhook is never
            // refused for it.
            Role::Model if models.home == Home::Core && !ty.starts_with("Option<") => {
                "#[serde(default, deserialize_with = \"crate::webhook::null_as_default\")]\n".to_owned()
            }
            Role::Model => "#[serde(default)]\n".to_owned(),
            Role::Request if ty.starts_with("Option<") => {
                "#[serde(skip_serializing_if = \"Option::is_none\")]\n".to_owned()
            }
            Role::Request if base == VALUE => {
                "#[serde(skip_serializing_if = \"serde_json::Value::is_null\")]\n".to_owned()
            }
            Role::Request if ty.starts_with("Vec<") && optional => {
                "#[serde(skip_serializing_if = \"Vec::is_empty\")]\n".to_owned()
            }
            Role::Request => String::new(),
        };
        let _ = writeln!(fields, "/// {doc}\n{rename}{attr}pub {field}: {ty},");
        // A `code` sent in a request body is a one-time code (TOTP, a verification); a `code`
        // in an answer is an error's or a plan's.
        let secret = SECRET_FIELDS.contains(&key)
            || SECRET_FIELDS.contains(&format!("{origin}.{key}").as_str())
            || property["format"].as_str() == Some("password")
            || (role == Role::Request && key == "code");
        if models.home == Home::Core {
            if secret || CORE_HIDDEN.contains(&format!("{origin}.{key}").as_str()) {
                hidden.push(literal(key));
            }
        } else if secret {
            let _ = writeln!(
                debug,
                ".field({}, &crate::redacted::Redacted(true))",
                literal(&field)
            );
        } else {
            let _ = writeln!(debug, ".field({}, &self.{field})", literal(&field));
        }
    }
    let (derives, what) = match role {
        Role::Model => (
            "Clone, PartialEq, Default, serde::Serialize, serde::Deserialize",
            format!(
                "`{}` in Clerk's spec. Unknown fields are ignored; a missing one is its default.",
                origin.trim_start_matches(RESPONSES)
            ),
        ),
        Role::Request => (
            "Clone, PartialEq, Default, serde::Serialize, serde::Deserialize",
            format!("The request body of `{origin}`; `Default` leaves every optional field out."),
        ),
    };
    if models.home == Home::Core {
        models.hidden.insert(name.to_owned(), hidden.clone());
    }
    let debug = if models.home == Home::Core {
        // The redacted JSON of the core's rules (email addresses, phone numbers, … at any depth),
        // and the fields of this schema that carry secrets or message content.
        format!(
            "crate::redact::debug_json_hiding({}, self, &[{}], f)",
            literal(name),
            hidden.join(", ")
        )
    } else {
        format!("f.debug_struct({})\n{debug}.finish()", literal(name))
    };
    Ok(format!(
        "/// {what}\n#[derive({derives})]\npub struct {name} {{\n{fields}}}\n\n\
         impl std::fmt::Debug for {name} {{\n\
         fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n\
         {debug}\n}}\n}}\n\n{enums}",
    ))
}

/// A string property with two or more `enum` values as a Rust enum with an `Unknown(String)`
/// variant: a value Clerk adds later decodes (and encodes back) as sent, never a failed decode.
/// `None` when the property is no such enum or a value makes no variant name.
fn string_enum(name: &str, property: &Value) -> Option<String> {
    let values: Vec<&str> = property["enum"]
        .as_sequence()?
        .iter()
        .filter_map(Value::as_str)
        .collect();
    if values.len() < 2 || property["type"].as_str() != Some("string") {
        return None;
    }
    let variants: Vec<String> = values.iter().map(|value| pascal_case(value)).collect();
    let distinct: BTreeSet<&String> = variants.iter().collect();
    let usable = variants
        .iter()
        .all(|variant| variant.starts_with(|c: char| c.is_ascii_uppercase()) && variant != "Unknown");
    if distinct.len() != variants.len() || !usable {
        return None;
    }
    let mut decl = String::new();
    let mut from = String::new();
    let mut as_str = String::new();
    for (value, variant) in values.iter().zip(&variants) {
        let _ = writeln!(decl, "/// `{value}`\n{variant},");
        let _ = writeln!(from, "{} => Self::{variant},", literal(value));
        let _ = writeln!(as_str, "Self::{variant} => {},", literal(value));
    }
    Some(format!(
        "/// One of Clerk's values, or [`Unknown`]({name}::Unknown) with a value this version does not know.\n\
         #[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]\n\
         #[serde(from = \"String\", into = \"String\")]\n\
         pub enum {name} {{\n{decl}/// A value this version does not know, as Clerk sent it.\nUnknown(String),\n}}\n\n\
         impl {name} {{\n/// The value as Clerk writes it.\npub fn as_str(&self) -> &str {{\nmatch self {{\n{as_str}Self::Unknown(value) => value,\n}}\n}}\n}}\n\n\
         impl From<String> for {name} {{\nfn from(value: String) -> Self {{\nmatch value.as_str() {{\n{from}_ => Self::Unknown(value),\n}}\n}}\n}}\n\n\
         impl From<{name}> for String {{\nfn from(value: {name}) -> Self {{\nvalue.as_str().to_owned()\n}}\n}}\n\n"
    ))
}

/// A line of the spec's prose as rustdoc Markdown that builds with `-D warnings`: code spans
/// kept (dropped when unbalanced), brackets and angle brackets escaped outside them, bare URLs
/// made code.
pub fn doc_text(text: &str) -> String {
    let text = if text.matches('`').count() % 2 == 1 {
        text.replace('`', "")
    } else {
        text.to_owned()
    };
    text.split('`')
        .enumerate()
        .map(|(i, part)| {
            if i % 2 == 1 {
                return format!("`{part}`");
            }
            part.split(' ')
                .map(|word| {
                    if word.starts_with("http://") || word.starts_with("https://") {
                        format!("`{word}`")
                    } else if let Some(at) = word.find("https://").or_else(|| word.find("http://")) {
                        // A Markdown link's target (`[text](https://…)`): the URL as code.
                        let (before, url) = word.split_at(at);
                        let end = url.find(')').unwrap_or(url.len());
                        let (url, after) = url.split_at(end);
                        format!("{}`{url}`{}", escape_brackets(before), escape_brackets(after))
                    } else {
                        escape_brackets(word)
                    }
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// Brackets and angle brackets escaped: the spec's prose is no rustdoc link or HTML.
fn escape_brackets(text: &str) -> String {
    text.replace('[', "\\[")
        .replace(']', "\\]")
        .replace('<', "\\<")
        .replace('>', "\\>")
}

fn field_name(key: &str) -> String {
    let field = snake_case(key);
    if KEYWORDS.contains(&field.as_str()) {
        format!("r#{field}")
    } else {
        field
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_prose_becomes_rustdoc_that_builds() {
        assert_eq!(doc_text("prefixed with `https://`"), "prefixed with `https://`");
        assert_eq!(
            doc_text("see https://clerk.com now"),
            "see `https://clerk.com` now"
        );
        assert_eq!(doc_text("a [link] <b>"), "a \\[link\\] \\<b\\>");
        assert_eq!(doc_text("odd ` tick"), "odd  tick");
        assert_eq!(
            doc_text("the [role set](https://clerk.com/x), or"),
            "the \\[role set\\](`https://clerk.com/x`), or"
        );
    }

    /// The overrides' `field_types`: a property the spec types as a bare string is clerk-core's
    /// enum, named from the crate the model is written for, and an `Option` (a missing value is
    /// not a variant).
    #[test]
    fn a_field_type_override_types_a_string_property_with_cores_enum() {
        let spec: Value = serde_yaml::from_str(
            "components:\n  schemas:\n    OrgInvite:\n      type: object\n      required: [status]\n\
             \x20     properties:\n        status: { type: string }\n        role: { type: string }\n",
        )
        .expect("yaml");
        let schema = &spec["components"]["schemas"]["OrgInvite"];
        let types = BTreeMap::from([(
            "OrgInvite.status".to_owned(),
            "webhook::InvitationStatus".to_owned(),
        )]);
        for (models, path) in [
            (
                ModelSet::core(&BTreeMap::new()),
                "crate::webhook::InvitationStatus",
            ),
            (
                ModelSet::backend(&BTreeMap::new()),
                "clerk_core::webhook::InvitationStatus",
            ),
        ] {
            let mut models = models.with_field_types(&types);
            let text = object_struct(&spec, "OrgInvite", schema, Role::Model, "OrgInvite", &mut models)
                .expect("writes");
            assert!(text.contains(&format!("pub status: Option<{path}>,")), "{text}");
            assert!(text.contains("pub role: "), "{text}");
            assert!(!text.contains("pub enum"), "{text}");
        }
    }
}
