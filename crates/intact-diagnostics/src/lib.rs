//! What intact's rules report: a [`Diagnostic`] with the [`Rule`] it comes from. The rule registry
//! is built from the pages under `docs/rules/` (build.rs, decisions 0002 and 0009), so a code
//! without a page does not compile. The semantic pass (`intact-semantic`) and the checker
//! (`intact-check`) both report through it; renderers and editors read it.

mod diagnostic;
pub mod registry;

pub use diagnostic::{Diagnostic, Fix, Label, Severity};
pub use registry::{Rule, RuleInfo};
