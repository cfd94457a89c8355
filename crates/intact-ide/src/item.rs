//! What a completion offers, whichever path made it: KDL completion (`completion`) and completion
//! inside `${…}` (`expression`) both return these.

use intact_syntax::Span;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompletionItem {
    pub label: String,
    pub kind: CompletionKind,
    /// One line beside the label: a node's summary, a value's meaning.
    pub detail: Option<String>,
    /// Markdown shown for the selected item.
    pub documentation: Option<String>,
    /// What replaces [`CompletionItem::replace`].
    pub insert: String,
    /// The text the item replaces: what was typed of it (empty at a fresh place).
    pub replace: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompletionKind {
    /// A node name.
    Node,
    /// A property name (inserted with its `=`).
    Property,
    /// A value of a closed set (an enum value, a boolean).
    Value,
    /// The name of something the project defines, or a contract id.
    Reference,
    /// A name in scope in an expression (`input`, `steps`).
    Variable,
    /// A field of a value's type in an expression.
    Field,
    /// A function, a method or a mapping in an expression.
    Function,
}
