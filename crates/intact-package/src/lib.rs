//! `intact package`: what a vendor carries from an intact project into the provider's submission
//! by hand, written out exactly. `build.rs` is the build sheet: each action as the cards to place
//! in the Integration Builder, in order, from the model's control flow.

mod build;

pub use build::build_sheet;
