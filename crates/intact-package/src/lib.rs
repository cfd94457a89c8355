//! `intact package`: what a vendor carries from an intact project into the provider's submission
//! by hand, written out exactly. `build.rs` is the build sheet: each action as the cards to place
//! in the Integration Builder, in order, from the model's control flow; `test_plan.rs` the
//! provider's provisioning test plan with the evidence of a verify report; `wizard.rs` the
//! submission wizard's fields filled from the project.

mod build;
mod test_plan;
mod wizard;

pub use build::build_sheet;
pub use test_plan::{Evidence, test_plan};
pub use wizard::{differences, wizard_sheet};
