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
        let dir = root.join(c.id);
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        assert!(
            names.iter().any(|n| n.starts_with("input.valid")),
            "{}: no valid input sample",
            c.id
        );
        assert!(
            names.iter().any(|n| n.starts_with("output.valid")),
            "{}: no valid output sample",
            c.id
        );
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
