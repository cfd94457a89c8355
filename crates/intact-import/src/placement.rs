//! Where an import goes in the project it writes into: which names are taken (a flow or connection
//! gets another name, a tenant variable of the same name is shared) and whether its flows need a
//! folder of their own. The files the import writes are its own, so their names do not count.

use std::path::Path;

use intact_model::{Analysis, Loc};
use intact_openapi::Error;

use crate::Plan;

/// The project an import writes into.
#[derive(Clone, Copy, Debug)]
pub enum Destination<'a> {
    /// A folder without `intact.kdl`: the import writes the project file too.
    NewProject,
    /// An existing project. With `overwrite` (`--force`), the files the import writes are its
    /// own to overwrite, so what only they define is free; without, every name it defines is
    /// taken (a second import of `acme` writes `acme_2`).
    Project {
        analysis: &'a Analysis,
        overwrite: bool,
    },
}

/// What the import decided from its destination, and planned with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// Write `intact.kdl` (the output folder has none).
    pub write_project_file: bool,
    /// Names the project already defines in files the import does not write.
    pub taken: Taken,
    /// Write the flow files under `flows/NAME/` instead of `flows/` (a second document imported
    /// into a project whose flow files hold another connection's flows).
    pub flows_folder: Option<String>,
}

/// Names an existing project already uses, so that an import into it does not define them twice.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Taken {
    pub flows: Vec<String>,
    pub connections: Vec<String>,
    /// Tenant variables: a server variable of the same name reuses the project's variable.
    pub variables: Vec<String>,
}

impl Taken {
    pub fn is_empty(&self) -> bool {
        self.flows.is_empty() && self.connections.is_empty() && self.variables.is_empty()
    }
}

/// Plans (with `plan`, one pass of the generator) until the placement fits the destination: at
/// most three passes, since what is taken and where the flows go each depend on the files a
/// pass writes.
pub(crate) fn place(
    into: Destination,
    mut plan: impl FnMut(&Placement) -> Result<Plan, Error>,
) -> Result<Plan, Error> {
    let Destination::Project {
        analysis,
        overwrite,
    } = into
    else {
        return plan(&Placement {
            write_project_file: true,
            ..Placement::default()
        });
    };
    let mut placement = Placement::default();
    let mut current = plan(&placement)?;
    if overwrite {
        // First where the flows go, since that decides which files are the import's own, then
        // the names the others define.
        if let Some(folder) = flows_folder(analysis, &current) {
            placement.flows_folder = Some(folder);
            current = plan(&placement)?;
        }
        let taken = taken_names(analysis, &current, true);
        if !taken.is_empty() {
            placement.taken = taken;
            current = plan(&placement)?;
        }
    } else {
        // Nothing is overwritten: every name the project defines is taken, then flows go to a
        // folder of their own if a flow file of the plan already holds another connection's
        // flows.
        let taken = taken_names(analysis, &current, false);
        if !taken.is_empty() {
            placement.taken = taken;
            current = plan(&placement)?;
        }
        if let Some(folder) = flows_folder(analysis, &current) {
            placement.flows_folder = Some(folder);
            current = plan(&placement)?;
        }
    }
    Ok(current)
}

/// When a flow file of the plan already holds another connection's flows (a second document,
/// whose tags match the first's), the folder under `flows/` where this import's flows go instead:
/// its connection's name.
fn flows_folder(analysis: &Analysis, plan: &Plan) -> Option<String> {
    let written: Vec<&Path> = plan.files.iter().map(|f| f.path.as_path()).collect();
    let connections: Vec<String> = plan
        .files
        .iter()
        .filter(|f| f.path.starts_with("connections"))
        .filter_map(|f| f.path.file_stem())
        .map(|s| s.to_string_lossy().into_owned())
        .collect();
    let someone_elses = analysis.model.flows.iter().any(|f| {
        let path = analysis.file(f.loc.file).path();
        path.starts_with("flows")
            && written.contains(&path)
            && !f
                .connection
                .as_ref()
                .is_some_and(|c| connections.contains(&c.name))
    });
    someone_elses
        .then(|| connections.first().cloned())
        .flatten()
}

/// The flows, connections and tenant variables of the project: with `own_files` (`--force`),
/// only those defined in files that `plan` does not write (it overwrites the others).
fn taken_names(analysis: &Analysis, plan: &Plan, own_files: bool) -> Taken {
    let written: Vec<&Path> = plan.files.iter().map(|f| f.path.as_path()).collect();
    let elsewhere = |loc: Loc| !own_files || !written.contains(&analysis.file(loc.file).path());
    let names = |defs: &mut dyn Iterator<Item = (Loc, &str)>| -> Vec<String> {
        defs.filter(|(loc, _)| elsewhere(*loc))
            .map(|(_, name)| name.to_string())
            .collect()
    };
    let m = &analysis.model;
    Taken {
        flows: names(&mut m.flows.iter().map(|f| (f.loc, f.name.name.as_str()))),
        connections: names(&mut m.connections.iter().map(|c| (c.loc, c.name.name.as_str()))),
        variables: names(&mut m.variables.iter().map(|v| (v.loc, v.name.name.as_str()))),
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use intact_model::FileInput;

    use super::*;
    use crate::PlannedFile;

    /// A project of `(path, text)` files.
    fn project(files: &[(&str, &str)]) -> Analysis {
        Analysis::new(files.iter().map(|(p, t)| FileInput::new(*p, *t)).collect())
    }

    /// A plan that writes these paths (their contents do not matter here).
    fn writes(paths: &[&str]) -> Plan {
        Plan {
            files: paths
                .iter()
                .map(|p| PlannedFile {
                    path: PathBuf::from(p),
                    bytes: Vec::new(),
                    summary: String::new(),
                })
                .collect(),
            warnings: Vec::new(),
            notes: Vec::new(),
            placement: Placement::default(),
        }
    }

    const ACME: &str = r#"connection "acme" {
    base-url "https://${app.tenant}.example.com"
}
"#;

    fn acme_project() -> Analysis {
        project(&[
            (
                "intact.kdl",
                "project \"p\" {\n    display-name \"P\"\n}\nvariable \"tenant\" {\n    label \"Tenant\"\n}\n",
            ),
            ("connections/acme.kdl", ACME),
            (
                "flows/api.kdl",
                "flow \"list_users\" connection=\"acme\" {\n}\n",
            ),
            (
                "flows/extra.kdl",
                "flow \"by_hand\" connection=\"acme\" {\n}\n",
            ),
        ])
    }

    #[test]
    fn every_name_the_project_defines_is_taken_without_overwriting() {
        let a = acme_project();
        let plan = writes(&["connections/acme.kdl", "flows/api.kdl"]);
        assert_eq!(
            taken_names(&a, &plan, false),
            Taken {
                flows: vec!["list_users".into(), "by_hand".into()],
                connections: vec!["acme".into()],
                variables: vec!["tenant".into()],
            }
        );
    }

    #[test]
    fn names_in_the_files_the_import_overwrites_are_free() {
        let a = acme_project();
        let plan = writes(&["connections/acme.kdl", "flows/api.kdl"]);
        assert_eq!(
            taken_names(&a, &plan, true),
            Taken {
                flows: vec!["by_hand".into()],
                connections: Vec::new(),
                variables: vec!["tenant".into()],
            }
        );
    }

    #[test]
    fn flows_get_a_folder_only_when_a_flow_file_holds_another_connections_flows() {
        let a = acme_project();
        // Another connection's plan writes flows/api.kdl, which holds acme's flows.
        let other = writes(&["connections/beta.kdl", "flows/api.kdl"]);
        assert_eq!(flows_folder(&a, &other), Some("beta".into()));
        // The same connection's flows are its own to rewrite.
        let same = writes(&["connections/acme.kdl", "flows/api.kdl"]);
        assert_eq!(flows_folder(&a, &same), None);
        // A flow file the project does not have yet clashes with nothing.
        let new_file = writes(&["connections/beta.kdl", "flows/users.kdl"]);
        assert_eq!(flows_folder(&a, &new_file), None);
        // Without a connection file there is no name for a folder.
        assert_eq!(flows_folder(&a, &writes(&["flows/api.kdl"])), None);
    }

    /// The passes `place` plans, with the placement of each; every pass writes `files`.
    fn passes(into: Destination, files: &[&str]) -> Vec<Placement> {
        let mut seen = Vec::new();
        let plan = place(into, |p| {
            seen.push(p.clone());
            Ok(Plan {
                placement: p.clone(),
                ..writes(files)
            })
        })
        .unwrap();
        assert_eq!(Some(&plan.placement), seen.last());
        seen
    }

    #[test]
    fn a_new_project_is_planned_once_with_its_project_file() {
        let seen = passes(
            Destination::NewProject,
            &["connections/acme.kdl", "flows/api.kdl"],
        );
        assert_eq!(
            seen,
            [Placement {
                write_project_file: true,
                ..Placement::default()
            }]
        );
    }

    #[test]
    fn into_a_project_names_are_taken_first_then_the_flows_folder() {
        let a = acme_project();
        let into = Destination::Project {
            analysis: &a,
            overwrite: false,
        };
        let seen = passes(into, &["connections/beta.kdl", "flows/api.kdl"]);
        assert_eq!(seen.len(), 3, "{seen:#?}");
        assert_eq!(seen[1].taken, taken_names(&a, &writes(&[]), false));
        assert_eq!(seen[1].flows_folder, None);
        assert_eq!(seen[2].flows_folder.as_deref(), Some("beta"));
        assert!(seen.iter().all(|p| !p.write_project_file));
    }

    #[test]
    fn overwriting_decides_the_flows_folder_first_then_what_the_other_files_define() {
        let a = acme_project();
        let into = Destination::Project {
            analysis: &a,
            overwrite: true,
        };
        // The import's own files: only what the other files define is taken.
        let seen = passes(into, &["connections/acme.kdl", "flows/api.kdl"]);
        assert_eq!(seen.len(), 2, "{seen:#?}");
        assert_eq!(seen[1].flows_folder, None);
        assert_eq!(seen[1].taken.flows, ["by_hand"]);
        assert_eq!(seen[1].taken.connections, Vec::<String>::new());
        // Another connection's: its flows get a folder before the names are counted.
        let seen = passes(into, &["connections/beta.kdl", "flows/api.kdl"]);
        assert_eq!(seen.len(), 3, "{seen:#?}");
        assert_eq!(seen[1].flows_folder.as_deref(), Some("beta"));
        assert_eq!(seen[1].taken, Taken::default());
        assert_eq!(seen[2].flows_folder.as_deref(), Some("beta"));
    }

    /// The files of `plan` as a project.
    fn as_project(plan: &Plan) -> Analysis {
        Analysis::new(
            plan.files
                .iter()
                .map(|f| FileInput::from_bytes(&f.path, &f.bytes))
                .collect(),
        )
    }

    fn paths(plan: &Plan) -> Vec<String> {
        plan.files
            .iter()
            .map(|f| f.path.to_string_lossy().replace('\\', "/"))
            .collect()
    }

    /// The same document imported twice, through the generator.
    #[test]
    fn a_second_import_of_a_document_takes_new_names_or_overwrites_its_own() {
        let doc = br#"{"openapi": "3.0.3", "info": {"title": "Acme", "version": "1"},
            "servers": [{"url": "https://api.acme.example"}],
            "paths": {"/users": {"get": {"operationId": "listUsers",
                "responses": {"200": {"description": "ok"}}}}}}"#;
        let path = Path::new("acme.json");
        let read = |_: &Path| Err(std::io::Error::other("no other file"));
        let d = intact_openapi::describe(path, doc.to_vec(), &read).unwrap();
        let opts = crate::Options::default();
        let first = crate::plan_described(&d, path, &opts, Destination::NewProject).unwrap();
        assert!(first.placement.write_project_file);
        assert!(paths(&first).contains(&"connections/acme.kdl".to_string()));
        assert!(paths(&first).contains(&"flows/api.kdl".to_string()));
        let project = as_project(&first);

        let into = Destination::Project {
            analysis: &project,
            overwrite: false,
        };
        let second = crate::plan_described(&d, path, &opts, into).unwrap();
        let p = &second.placement;
        assert!(!p.write_project_file);
        assert_eq!(p.taken.connections, ["acme"]);
        assert!(p.taken.flows.contains(&"list_users".to_string()), "{p:?}");
        assert_eq!(p.flows_folder.as_deref(), Some("acme_2"));
        let written = paths(&second);
        assert!(
            written.contains(&"connections/acme_2.kdl".to_string()),
            "{written:?}"
        );
        assert!(
            written.contains(&"flows/acme_2/api.kdl".to_string()),
            "{written:?}"
        );

        let into = Destination::Project {
            analysis: &project,
            overwrite: true,
        };
        let again = crate::plan_described(&d, path, &opts, into).unwrap();
        assert_eq!(again.placement.flows_folder, None);
        assert!(again.placement.taken.connections.is_empty());
        let mut without_project_file = first.files.clone();
        without_project_file.retain(|f| f.path != Path::new("intact.kdl"));
        assert_eq!(again.files, without_project_file);
    }

    #[test]
    fn a_project_that_defines_nothing_the_import_could_clash_with_is_planned_once() {
        let a = project(&[("intact.kdl", "project \"p\" {\n    display-name \"P\"\n}\n")]);
        for overwrite in [false, true] {
            let into = Destination::Project {
                analysis: &a,
                overwrite,
            };
            let seen = passes(into, &["connections/acme.kdl", "flows/api.kdl"]);
            assert_eq!(seen, [Placement::default()]);
        }
    }
}
