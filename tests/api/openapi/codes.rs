//! Status-like strings are enums: `FieldError.code` lists exactly the codes of
//! `dateline::field_code::FieldCode`, and real refusals carry codes from it.

use dateline::field_code::FieldCode;
use serde_json::{Value, json};

use super::sample;

#[actix_web::test]
async fn the_spec_lists_exactly_the_field_codes_and_real_refusals_use_them() {
    let (app, token) = sample::seeded().await;
    let spec = app.get("/openapi.json").await.json(200);
    let schemas = &spec["components"]["schemas"];
    assert_eq!(
        schemas["FieldError"]["properties"]["code"]["$ref"],
        "#/components/schemas/FieldCode"
    );
    let listed: Vec<&str> = schemas["FieldCode"]["enum"]
        .as_array()
        .expect("FieldCode is an enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let declared: Vec<&str> = FieldCode::ALL.iter().map(|c| c.as_str()).collect();
    assert_eq!(listed, declared);
    let description = schemas["FieldCode"]["description"].as_str().unwrap();
    assert!(
        description.contains("- `required`: "),
        "each code's meaning is listed"
    );

    let mut seen = Vec::new();
    for sampled in sample::answers(&app, &token).await {
        let status = sampled.response.status.as_u16();
        if status != 400 && status != 422 {
            continue;
        }
        let problem = sampled.response.problem(status);
        for error in problem["errors"].as_array().into_iter().flatten() {
            let code = error["code"].as_str().unwrap().to_owned();
            assert!(
                listed.contains(&code.as_str()),
                "{}: `{code}` is not listed",
                sampled.uri
            );
            assert!(
                !error["field"].as_str().unwrap().is_empty(),
                "{}: a field is named",
                sampled.uri
            );
            seen.push(code);
        }
    }
    let refused = app
        .post_json(
            "/api/v1/sources",
            Some(&token),
            json!({"name": "Wire", "url": "ftp://wire.example.com"}),
        )
        .await
        .problem(422);
    seen.push(refused["errors"][0]["code"].as_str().unwrap().to_owned());
    for expected in ["required", "out_of_range", "invalid", "url"] {
        assert!(seen.iter().any(|c| c == expected), "`{expected}` among {seen:?}");
    }
}

/// Every string property called `status` (or ending in `_status`) in the spec is an enum (the
/// integer ones are HTTP status codes).
#[actix_web::test]
async fn every_status_member_is_an_enum() {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let schemas = spec["components"]["schemas"].as_object().unwrap();
    let is_enum = |property: &Value| {
        let target = property["$ref"]
            .as_str()
            .and_then(|r| r.strip_prefix("#/components/schemas/"))
            .map_or(property, |name| &schemas[name]);
        target["enum"].is_array()
    };
    let mut free = Vec::new();
    let mut checked = 0;
    for (name, schema) in schemas {
        for (member, property) in schema["properties"].as_object().into_iter().flatten() {
            let integer = property["type"] == "integer"
                || property["type"]
                    .as_array()
                    .is_some_and(|types| types.iter().any(|t| t == "integer"));
            if (member == "status" || member.ends_with("_status")) && !integer {
                checked += 1;
                if !is_enum(property) {
                    free.push(format!("{name}.{member}"));
                }
            }
        }
    }
    assert!(checked >= 5, "only {checked} status members");
    assert!(free.is_empty(), "status members that are free strings: {free:?}");
    assert!(is_enum(&schemas["SubmittedComment"]["properties"]["status"]));
}

/// A revision diff's values are any JSON value (a headline, a list of tags, `null`), so the
/// schema gives them no type.
#[actix_web::test]
async fn revision_diff_values_are_any_json_value() {
    let spec = serde_json::to_value(dateline::server::openapi_spec()).unwrap();
    let change = &spec["components"]["schemas"]["FieldChange"]["properties"];
    for side in ["from", "to"] {
        let schema = change[side].as_object().expect("a schema");
        assert!(
            !schema.contains_key("type") && !schema.contains_key("$ref"),
            "{side}: {schema:?}"
        );
    }
}
