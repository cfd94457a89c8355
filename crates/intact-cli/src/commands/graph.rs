//! `intact graph`: a flow or action as the graph of its steps, or the project as actions →
//! flows → connections, in Mermaid, DOT or SVG (`intact-graph`).

use std::path::PathBuf;

use super::*;
use crate::cli::GraphFormat;
use crate::commands::run::{Kind, resolve};

pub(crate) fn run(
    name: Option<String>,
    kind: Option<Kind>,
    format: GraphFormat,
    project: Option<PathBuf>,
) -> CommandResult {
    let root = project_root(project.as_deref())?;
    // Drawn from what the files say, findings or not: a picture helps most while a flow is wrong.
    let analysis = load(&root)?;
    let m = &analysis.model;
    let graph = match name {
        None => intact_graph::project(&analysis),
        Some(name) => match resolve(&analysis, &name, kind, "graph")? {
            Kind::Action => {
                let ac = m.actions.iter().find(|a| a.name.name == name);
                intact_graph::action(&analysis, ac.expect("resolve found it"))
            }
            Kind::Flow => {
                let f = m.flows.iter().find(|f| f.name.name == name);
                intact_graph::flow(&analysis, f.expect("resolve found it"))
            }
        },
    };
    let text = match format {
        GraphFormat::Mermaid => intact_graph::mermaid(&graph),
        GraphFormat::Dot => intact_graph::dot(&graph),
        GraphFormat::Svg => intact_graph::svg(&graph) + "\n",
    };
    write_stdout(&text)?;
    Ok(Exit::Success)
}
