//! The build and wizard sheets of each bundled example against `tests/expected/NAME.build.md`
//! and `NAME.wizard.md`
//! (`UPDATE_EXPECT=1 cargo test -p intact-package` rewrites them), and every step of every
//! action and flow is on it.

use std::path::Path;

use intact_model::{Analysis, project, walk_steps};

#[test]
fn the_examples_build_sheets_are_as_expected_and_complete() {
    for example in ["scim-provisioning", "universal-logout"] {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../examples")
            .join(example);
        let a = Analysis::new(project::load(&root).unwrap());
        let sheet = intact_package::build_sheet(&a);
        let (wizard, _) = intact_package::wizard_sheet(&a);
        for (name, text) in [("build", &sheet), ("wizard", &wizard)] {
            let path = Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/expected")
                .join(format!("{example}.{name}.md"));
            if std::env::var_os("UPDATE_EXPECT").is_some() {
                std::fs::write(&path, text).unwrap();
            } else {
                let expected = std::fs::read_to_string(&path).unwrap_or_default();
                assert!(
                    &expected == text,
                    "{} differs; `UPDATE_EXPECT=1 cargo test -p intact-package` rewrites it after a reviewed change:\n{text}",
                    path.display()
                );
            }
        }
        // Complete by construction: every named step and every action is on the sheet.
        for ac in &a.model.actions {
            assert!(
                sheet.contains(&format!("### Action `{}`", ac.name.name)),
                "{}",
                ac.name.name
            );
        }
        let owners = a
            .model
            .actions
            .iter()
            .map(|ac| &ac.steps)
            .chain(a.model.flows.iter().map(|f| &f.steps));
        for steps in owners {
            walk_steps(steps, &mut |s| {
                if let Some(n) = &s.name {
                    assert!(
                        sheet.contains(&format!("`{}`", n.name)),
                        "step `{}` is missing",
                        n.name
                    );
                }
            });
        }
    }
}
