//! The members rule: in an answer, a member always sent is `required`, one that may be `null`
//! is typed `[T, "null"]` (and always sent), one left out when it does not apply is neither.

use serde_json::Value;

use super::sample;
use crate::support::schema;

/// The answers `fields=` cuts down: only `id` is required there, by design.
const SPARSE: [&str; 2] = ["ArticleSummary", "ArticleDetail"];

/// Every real answer validates against the schema the spec gives for its operation and status:
/// each required member is there, each `null` is allowed, each value has its type.
#[actix_web::test]
async fn every_sampled_answer_validates_against_its_documented_schema() {
    let (app, token) = sample::seeded().await;
    let spec = app.get("/openapi.json").await.json(200);
    let mut cases = Vec::new();
    let mut undocumented = Vec::new();
    for sampled in sample::answers(&app, &token).await {
        let status = sampled.response.status.as_u16();
        let label = format!("{} {} ({status})", sampled.operation, sampled.uri);
        let documented = &spec["paths"][sampled.operation.split_once(' ').unwrap().1]
            [sampled.operation.split(' ').next().unwrap().to_lowercase()]["responses"][status.to_string()];
        if documented.is_null() {
            undocumented.push(label);
            continue;
        }
        let Ok(body) = serde_json::from_slice::<Value>(&sampled.response.body) else {
            continue;
        };
        let (_, schema) = schema::response_schema(&spec, &sampled.operation, status)
            .unwrap_or_else(|| panic!("{label}: a JSON answer without a schema"));
        cases.push((label, schema, body));
    }
    assert!(
        undocumented.is_empty(),
        "statuses the spec does not list: {undocumented:?}"
    );
    assert!(cases.len() >= 30, "only {} JSON answers sampled", cases.len());
    let Some(violations) = schema::violations(&spec, cases) else {
        return;
    };
    assert!(
        violations.is_empty(),
        "answers that break their schema:\n{}",
        violations.join("\n")
    );
}

/// The component schemas only answers use (requests use the others, which keep the request
/// style: optional members may be omitted or `null`).
fn answer_only_schemas(spec: &Value) -> Vec<String> {
    fn refs(value: &Value, out: &mut std::collections::BTreeSet<String>) {
        match value {
            Value::Object(members) => {
                if let Some(name) = members
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    out.insert(name.to_owned());
                }
                members.values().for_each(|v| refs(v, out));
            }
            Value::Array(items) => items.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let closure = |roots: std::collections::BTreeSet<String>| {
        let mut seen = std::collections::BTreeSet::new();
        let mut stack: Vec<String> = roots.into_iter().collect();
        while let Some(name) = stack.pop() {
            if seen.insert(name.clone()) {
                let mut next = Default::default();
                refs(&spec["components"]["schemas"][&name], &mut next);
                stack.extend(next);
            }
        }
        seen
    };
    let (mut answers, mut requests) = (Default::default(), Default::default());
    for item in spec["paths"].as_object().unwrap().values() {
        for operation in item.as_object().unwrap().values() {
            refs(&operation["responses"], &mut answers);
            refs(&operation["requestBody"], &mut requests);
            refs(&operation["parameters"], &mut requests);
        }
    }
    let requests = closure(requests);
    closure(answers)
        .into_iter()
        .filter(|name| !requests.contains(name) && !SPARSE.contains(&name.as_str()))
        .collect()
}

fn is_nullable(property: &Value) -> bool {
    property["type"]
        .as_array()
        .is_some_and(|types| types.iter().any(|t| t == "null"))
        || property["oneOf"]
            .as_array()
            .is_some_and(|branches| branches.iter().any(|b| b["type"] == "null"))
}

/// All of `src/`, file by file.
fn sources() -> Vec<String> {
    let mut texts = Vec::new();
    let mut stack = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                texts.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    texts
}

/// The attributes of field `member` of `pub struct name`, if the struct is found.
fn field_attributes(sources: &[String], name: &str, member: &str) -> Option<Vec<String>> {
    let start = format!("pub struct {name} {{");
    for text in sources {
        let Some(at) = text.find(&start) else { continue };
        let body = &text[at + start.len()..];
        let body = &body[..body.find("\n}").unwrap_or(body.len())];
        let mut attributes = Vec::new();
        for line in body.lines().map(str::trim) {
            if line.starts_with("#[") {
                attributes.push(line.to_owned());
            } else if line.starts_with(&format!("pub {member}:")) {
                return Some(attributes);
            } else if line.starts_with("pub ") {
                attributes.clear();
            }
        }
        return None;
    }
    None
}

/// For every type only answers use: a nullable member is required, and a member that is not
/// required is not nullable and is left out by serde in some answers (`skip_serializing_if` on
/// its field): so "optional" in the spec means "sometimes absent", never "always there".
#[actix_web::test]
async fn optional_members_of_answers_are_the_ones_serde_leaves_out() {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let sources = sources();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for name in answer_only_schemas(&spec) {
        let schema = &spec["components"]["schemas"][&name];
        let required: Vec<&str> = schema["required"]
            .as_array()
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        for (member, property) in schema["properties"].as_object().into_iter().flatten() {
            checked += 1;
            let is_required = required.contains(&member.as_str());
            if is_nullable(property) && !is_required {
                wrong.push(format!("{name}.{member}: nullable but not required"));
            }
            if is_required {
                continue;
            }
            if is_nullable(property) {
                wrong.push(format!("{name}.{member}: optional and nullable"));
            }
            match field_attributes(&sources, &name, member) {
                Some(attributes) if attributes.iter().any(|a| a.contains("skip_serializing_if")) => {}
                Some(_) => wrong.push(format!("{name}.{member}: optional but always sent")),
                None => wrong.push(format!("{name}.{member}: no field found in src/")),
            }
        }
    }
    assert!(checked >= 200, "only {checked} members checked");
    assert!(
        wrong.is_empty(),
        "members breaking the rule:\n{}",
        wrong.join("\n")
    );
}
