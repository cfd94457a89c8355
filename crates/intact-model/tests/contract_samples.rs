//! The contract schemas against the samples under tests/fixtures/contracts/: every valid sample
//! passes, every invalid one fails, and fails for the reason its name gives.

use std::path::Path;

use intact_model::contracts::{CONTRACTS, Side, validator};

#[test]
fn samples_validate_as_named() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/contracts");
    let mut checked = 0;
    let mut failures = Vec::new();
    for c in CONTRACTS {
        let dir = root.join(c.id.as_str());
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        // The canonical valid samples are the schemas' own `examples`.
        for side in [Side::Input, Side::Output] {
            let examples = intact_model::contracts::examples(c.id, side);
            assert!(
                !examples.is_empty(),
                "{} {side:?}: the schema has no example",
                c.id
            );
            let v = validator(c.id, side).unwrap();
            for e in examples {
                let errors: Vec<String> = v.iter_errors(e).map(|e| e.to_string()).collect();
                checked += 1;
                if !errors.is_empty() {
                    failures.push(format!(
                        "{} {side:?}: the schema's example is invalid: {errors:?}",
                        c.id
                    ));
                }
            }
        }
        for name in names {
            let side = if name.starts_with("input.") {
                Side::Input
            } else {
                Side::Output
            };
            let value: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(dir.join(&name)).unwrap()).unwrap();
            let v = validator(c.id, side).unwrap();
            let errors: Vec<String> = v
                .iter_errors(&value)
                .map(|e| format!("{e} at {}", e.instance_path()))
                .collect();
            checked += 1;
            let expect_valid = name.contains(".valid");
            if expect_valid && !errors.is_empty() {
                failures.push(format!("{}/{name} should be valid: {errors:?}", c.id));
            }
            if !expect_valid {
                if errors.is_empty() {
                    failures.push(format!("{}/{name} should be invalid", c.id));
                    continue;
                }
                // `input.invalid.missing-userId.json`: the reason's last word names the field.
                let reason = name
                    .trim_end_matches(".json")
                    .rsplit('.')
                    .next()
                    .unwrap_or("");
                let field = reason.rsplit('-').next().unwrap_or("");
                let mentions = errors
                    .iter()
                    .any(|e| e.contains(field) || e.to_lowercase().contains(&field.to_lowercase()));
                if !field.is_empty() && field != "field" && !mentions {
                    failures.push(format!(
                        "{}/{name} fails, but not about `{field}`: {errors:?}",
                        c.id
                    ));
                }
            }
        }
    }
    assert!(checked > 150, "only {checked} samples");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// `intact contracts ID --input|--output` prints a schema any tool reads alone: no `$ref` leaves
/// it, its text reads back as the bundled value, and it accepts its examples with no other file.
#[test]
fn bundled_schemas_stand_alone() {
    use intact_model::contracts::{bundled_schema, bundled_schema_text, examples};
    for c in CONTRACTS {
        for side in [Side::Input, Side::Output] {
            let text = bundled_schema_text(c.id, side).unwrap();
            assert!(!text.contains("common.json"), "{} {side:?}", c.id);
            let value: serde_json::Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{} {side:?} is not JSON: {e}\n{text}", c.id));
            assert_eq!(
                Some(&value),
                bundled_schema(c.id, side).as_ref(),
                "{} {side:?}",
                c.id
            );
            let alone = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .build(&value)
                .unwrap_or_else(|e| panic!("{} {side:?} does not compile alone: {e}", c.id));
            for e in examples(c.id, side) {
                assert!(alone.is_valid(e), "{} {side:?}: its example fails", c.id);
            }
        }
    }
}
