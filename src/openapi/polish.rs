//! The last pass over the spec: the members rule (which members are `required`, which
//! `nullable`), the `FieldCode` meanings, `servers`, and the response examples recorded from
//! real answers (`openapi/examples.json`).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
use utoipa::openapi::{Components, OpenApi, RefOr, ServerBuilder};

use crate::error::FieldCode;

/// The answers `fields=` cuts down: only `id` is required there (see `super::sparse_fieldsets`).
const SPARSE: [&str; 2] = ["ArticleSummary", "ArticleDetail"];

/// Response examples by operation (`"GET /api/v1/articles"`) and status, recorded from a
/// server holding `tests/fixtures/seed-article.json` (`scripts/examples.sh`).
const EXAMPLES: &str = include_str!("../../openapi/examples.json");

/// The introduction: what every operation shares, so that no operation repeats it.
const INTRODUCTION: &str = "A headless CMS for newsrooms: articles, sections, tags, sources and reader comments as JSON.

Errors are RFC 9457 `application/problem+json` documents; invalid input lists each bad field in `errors`, each with a stable `code` (`FieldCode`). Timestamps are RFC 3339 in UTC.

**Members.** In an answer, a member that is always sent is `required`; a member that may be `null` is always sent and typed `[T, \"null\"]`; a member that is left out when it does not apply (an `include` block, `meta.total` when not counted) is neither required nor nullable: it is absent, never `null`. Two kinds of type differ, by design: `ArticleSummary` and `ArticleDetail` answer only the members `fields=` selects, so only `id` is required there; and types that request bodies use too (`Seo`, `FocalPoint`, `SocialLinkBody`) keep the request style (an optional member may be omitted or `null`), though answers send all their members.

**Headers.** Every answer carries `X-Request-Id`, `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY` a `Content-Security-Policy`, and CORS headers (`Access-Control-*`, `Vary: Origin`) as `DATELINE_CORS_ORIGINS` configures them. Anonymous public reads under `/api/v1/` carry `ETag`, `Cache-Control`, `Vary` and `Surrogate-Key` and honour `If-None-Match` (and `If-Modified-Since` where they send `Last-Modified`); errors are `Cache-Control: no-store`, answers to a request with `Authorization` `private, no-store`.

**Requests** that break the documented schema are refused: 400 for a malformed parameter or header (`If-Match` included), 422 for a body member; lengths are counted in Unicode code points, as JSON Schema counts them.";

pub fn apply(spec: &mut OpenApi) {
    spec.info.description = Some(INTRODUCTION.to_owned());
    spec.servers = Some(vec![
        ServerBuilder::new()
            .url("/")
            .description(Some(
                "The server that serves this document: every path is absolute from the host's root \
                 (`/api/v1/...`). Behind a proxy that adds a prefix, prepend it.",
            ))
            .build(),
    ]);
    let answers_only = response_only_schemas(spec);
    if let Some(components) = spec.components.as_mut() {
        for name in answers_only {
            if !SPARSE.contains(&name.as_str()) {
                require_nullable_members(components, &name);
            }
        }
        describe_field_codes(components);
    }
    add_examples(spec);
    unique_slug_lists(spec);
    parameters_are_never_null(spec);
}

/// A parameter is a string on the wire, never JSON `null`: an optional one (`Option<T>`, which
/// utoipa types `[T, "null"]`) is one that may be left out, so `null` is taken out of its type.
fn parameters_are_never_null(spec: &mut OpenApi) {
    for item in spec.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
                    && let SchemaType::Array(types) = &object.schema_type
                {
                    let kept: Vec<Type> = types.iter().filter(|t| **t != Type::Null).cloned().collect();
                    object.schema_type = match kept.as_slice() {
                        [one] => SchemaType::Type(one.clone()),
                        _ => SchemaType::Array(kept),
                    };
                }
            }
        }
    }
}

/// A slug listed twice in a filter is a 400 (`api::articles::filters::slug_list`): the slug
/// lists say `uniqueItems`. (`fields` and `include` take a repeated name once, so they do not.)
fn unique_slug_lists(spec: &mut OpenApi) {
    let slug = "#/components/schemas/SlugText";
    for item in spec.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            for parameter in operation.parameters.iter_mut().flatten() {
                let RefOr::T(parameter) = parameter else { continue };
                if let Some(RefOr::T(Schema::Array(array))) = parameter.schema.as_mut()
                    && matches!(&array.items, ArrayItems::RefOrSchema(items)
                        if matches!(items.as_ref(), RefOr::Ref(r) if r.ref_location == slug))
                {
                    array.unique_items = true;
                }
            }
        }
    }
}

/// In an answer, a member that may be `null` is always sent (serde writes `None` as `null`
/// unless the field skips it, and every skipping field is declared not nullable): so it is
/// `required`. Types that requests use too keep the request style (optional and nullable).
fn require_nullable_members(components: &mut Components, name: &str) {
    let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(name) else {
        return;
    };
    let nullable: Vec<String> = object
        .properties
        .iter()
        .filter(|(member, schema)| !object.required.contains(member) && is_nullable(schema))
        .map(|(member, _)| member.clone())
        .collect();
    object.required.extend(nullable);
}

/// `[T, "null"]`, or a `oneOf` with a `null` branch (how a nullable reference is written).
fn is_nullable(schema: &RefOr<Schema>) -> bool {
    match schema {
        RefOr::T(Schema::Object(object)) => match &object.schema_type {
            SchemaType::Array(types) => types.contains(&Type::Null),
            _ => false,
        },
        RefOr::T(Schema::Array(array)) => match &array.schema_type {
            SchemaType::Array(types) => types.contains(&Type::Null),
            _ => false,
        },
        RefOr::T(Schema::OneOf(one_of)) => one_of.items.iter().any(|item| {
            matches!(item, RefOr::T(Schema::Object(o)) if o.schema_type == SchemaType::Type(Type::Null))
        }),
        _ => false,
    }
}

/// The component schemas reachable from a response and from no request body or parameter.
fn response_only_schemas(spec: &OpenApi) -> BTreeSet<String> {
    let json = serde_json::to_value(spec).unwrap_or_default();
    let schemas = &json["components"]["schemas"];
    let mut answers = BTreeSet::new();
    let mut requests = BTreeSet::new();
    for item in json["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
    {
        for operation in item.as_object().into_iter().flat_map(|item| item.values()) {
            references(&operation["responses"], &mut answers);
            references(&operation["requestBody"], &mut requests);
            references(&operation["parameters"], &mut requests);
        }
    }
    let answers = reachable(schemas, answers);
    let requests = reachable(schemas, requests);
    answers.difference(&requests).cloned().collect()
}

/// The schema names `value` refers to directly.
fn references(value: &Value, found: &mut BTreeSet<String>) {
    match value {
        Value::Object(members) => {
            if let Some(name) = members
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                found.insert(name.to_owned());
            }
            members.values().for_each(|member| references(member, found));
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// `roots` and every schema they refer to, transitively.
fn reachable(schemas: &Value, roots: BTreeSet<String>) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut stack: Vec<String> = roots.into_iter().collect();
    while let Some(name) = stack.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let mut next = BTreeSet::new();
        references(&schemas[&name], &mut next);
        stack.extend(next.into_iter().filter(|n| !seen.contains(n)));
    }
    seen
}

/// Each code's meaning in the `FieldCode` schema's description (utoipa drops variant docs).
fn describe_field_codes(components: &mut Components) {
    let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut("FieldCode") else {
        return;
    };
    let listed: Vec<String> = FieldCode::ALL
        .iter()
        .map(|code| format!("- `{}`: {}", code.as_str(), code.meaning()))
        .collect();
    let intro = object.description.clone().unwrap_or_default();
    object.description = Some(format!("{intro}\n\n{}", listed.join("\n")));
}

/// Sets the recorded examples on their responses' first media type.
fn add_examples(spec: &mut OpenApi) {
    let examples: BTreeMap<String, BTreeMap<String, Value>> =
        serde_json::from_str(EXAMPLES).expect("openapi/examples.json is valid");
    for (operation, by_status) in examples {
        let Some((method, path)) = operation.split_once(' ') else {
            continue;
        };
        let Some(item) = spec.paths.paths.get_mut(path) else {
            continue;
        };
        let operation = match method {
            "GET" => item.get.as_mut(),
            "POST" => item.post.as_mut(),
            "PUT" => item.put.as_mut(),
            "PATCH" => item.patch.as_mut(),
            "DELETE" => item.delete.as_mut(),
            _ => None,
        };
        let Some(operation) = operation else { continue };
        for (status, example) in by_status {
            let Some(RefOr::T(response)) = operation.responses.responses.get_mut(&status) else {
                continue;
            };
            if let Some(RefOr::T(content)) = response.content.values_mut().next() {
                content.example = Some(example);
            }
        }
    }
}
