//! JSON Schema validation of answers and examples against the spec, by the Python `jsonschema`
//! package (2020-12, the dialect of OpenAPI 3.1): an independent validator, not our own code.

use std::io::Write;
use std::process::{Command, Stdio};

use serde_json::{Value, json};

/// The checker: reads `{"components", "cases": [{"label", "schema", "instance"}]}` on standard
/// input, prints one line per case that does not validate.
const CHECKER: &str = r#"
import json, sys
from jsonschema import Draft202012Validator
doc = json.load(sys.stdin)
for case in doc["cases"]:
    root = dict(case["schema"]) if isinstance(case["schema"], dict) else {"allOf": [case["schema"]]}
    root["components"] = doc["components"]
    for error in Draft202012Validator(root).iter_errors(case["instance"]):
        path = "/".join(str(p) for p in error.absolute_path)
        print(f"{case['label']}: at /{path}: {error.message[:300]}")
"#;

/// The schema of `operation`'s answer with `status` in `spec` (`"GET /api/v1/articles"`), with
/// its media type.
pub fn response_schema(spec: &Value, operation: &str, status: u16) -> Option<(String, Value)> {
    let (method, path) = operation.split_once(' ')?;
    let response = &spec["paths"][path][method.to_lowercase()]["responses"][status.to_string()];
    let (media_type, content) = response["content"].as_object()?.iter().next()?;
    Some((media_type.clone(), content.get("schema")?.clone()))
}

/// Validates each `(label, schema, instance)` against the spec's components; the failures, one
/// line each. `None` without a Python that has `jsonschema` (outside CI only).
pub fn violations(spec: &Value, cases: Vec<(String, Value, Value)>) -> Option<Vec<String>> {
    let python = super::webhooks::python()?;
    let input = json!({
        "components": spec["components"],
        "cases": cases
            .into_iter()
            .map(|(label, schema, instance)| json!({"label": label, "schema": schema, "instance": instance}))
            .collect::<Vec<_>>(),
    });
    let mut child = Command::new(python)
        .args(["-c", CHECKER])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start python");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.to_string().as_bytes())
        .expect("write cases");
    let output = child.wait_with_output().expect("python ran");
    assert!(output.status.success(), "the checker failed");
    Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::to_owned)
            .collect(),
    )
}
