//! The functions expressions may call: CEL's standard ones that intact supports and intact's own
//! (language reference, Expressions). Mappings are added per project by the checker.
//!
//! `map`, `filter`, `exists`, `all`, `exists_one` and `has` are macros: the parser expands them.

/// What an argument must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    Any,
    String,
    Int,
    List,
    /// A string, a list or a map (`size`).
    Sized,
}

/// What a call returns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Returns {
    Bool,
    Int,
    Double,
    String,
    StringList,
    Dyn,
    /// The join of the argument types (`default`).
    JoinOfArgs,
}

#[derive(Debug)]
pub struct Function {
    pub name: &'static str,
    pub params: &'static [Param],
    pub returns: Returns,
    /// May also be called as a method on its first argument (`s.lower()`).
    pub method: bool,
    /// May be called as a plain function (`lower(s)`); CEL's string methods are methods only.
    pub function: bool,
    pub signature: &'static str,
    pub doc: &'static str,
}

const fn f(
    name: &'static str,
    params: &'static [Param],
    returns: Returns,
    method: bool,
    function: bool,
    signature: &'static str,
    doc: &'static str,
) -> Function {
    Function {
        name,
        params,
        returns,
        method,
        function,
        signature,
        doc,
    }
}

use Param::*;

pub static BUILTINS: &[Function] = &[
    f(
        "size",
        &[Sized],
        Returns::Int,
        true,
        true,
        "size(x) -> int",
        "The length of a string, list or map.",
    ),
    f(
        "int",
        &[Any],
        Returns::Int,
        false,
        true,
        "int(x) -> int",
        "Converts a number or numeric string to an integer.",
    ),
    f(
        "double",
        &[Any],
        Returns::Double,
        false,
        true,
        "double(x) -> double",
        "Converts to a floating-point number.",
    ),
    f(
        "string",
        &[Any],
        Returns::String,
        false,
        true,
        "string(x) -> string",
        "Converts to text.",
    ),
    f(
        "bool",
        &[Any],
        Returns::Bool,
        false,
        true,
        "bool(x) -> bool",
        "Converts \"true\"/\"false\" to a boolean.",
    ),
    f(
        "type",
        &[Any],
        Returns::Dyn,
        false,
        true,
        "type(x) -> type",
        "The type of a value, to compare with a type name: `type(x) == string` (also int, double, bool, list, map, null_type).",
    ),
    f(
        "matches",
        &[String, String],
        Returns::Bool,
        true,
        true,
        "s.matches(regex) -> bool",
        "Whether the string matches the regular expression.",
    ),
    f(
        "startsWith",
        &[String, String],
        Returns::Bool,
        true,
        false,
        "s.startsWith(prefix) -> bool",
        "Whether the string starts with the prefix.",
    ),
    f(
        "endsWith",
        &[String, String],
        Returns::Bool,
        true,
        false,
        "s.endsWith(suffix) -> bool",
        "Whether the string ends with the suffix.",
    ),
    f(
        "contains",
        &[String, String],
        Returns::Bool,
        true,
        false,
        "s.contains(part) -> bool",
        "Whether the string contains the part.",
    ),
    f(
        "lower",
        &[String],
        Returns::String,
        true,
        true,
        "lower(s) -> string",
        "The string in lower case.",
    ),
    f(
        "upper",
        &[String],
        Returns::String,
        true,
        true,
        "upper(s) -> string",
        "The string in upper case.",
    ),
    f(
        "trim",
        &[String],
        Returns::String,
        true,
        true,
        "trim(s) -> string",
        "The string without leading and trailing whitespace.",
    ),
    f(
        "split",
        &[String, String],
        Returns::StringList,
        true,
        true,
        "split(s, separator) -> list(string)",
        "The parts of the string between separators.",
    ),
    f(
        "join",
        &[List, String],
        Returns::String,
        true,
        true,
        "join(list, separator) -> string",
        "The list's elements as text, separated.",
    ),
    f(
        "replace",
        &[String, String, String],
        Returns::String,
        true,
        true,
        "replace(s, old, new) -> string",
        "The string with every `old` replaced by `new`.",
    ),
    f(
        "default",
        &[Any, Any],
        Returns::JoinOfArgs,
        false,
        true,
        "default(x, fallback)",
        "`fallback` when `x` is null or when a field on the path of `x` is missing, else `x`.",
    ),
    f(
        "base64_encode",
        &[String],
        Returns::String,
        true,
        true,
        "base64_encode(s) -> string",
        "Standard base64 of the string's UTF-8 bytes.",
    ),
    f(
        "base64_decode",
        &[String],
        Returns::String,
        true,
        true,
        "base64_decode(s) -> string",
        "Decodes standard base64 to text.",
    ),
    f(
        "url_encode",
        &[String],
        Returns::String,
        true,
        true,
        "url_encode(s) -> string",
        "Percent-encodes the string for a URL component.",
    ),
    f(
        "json_encode",
        &[Any],
        Returns::String,
        false,
        true,
        "json_encode(x) -> string",
        "The value as JSON text.",
    ),
    f(
        "json_decode",
        &[String],
        Returns::Dyn,
        false,
        true,
        "json_decode(s) -> any",
        "Parses JSON text.",
    ),
    f(
        "now",
        &[],
        Returns::String,
        false,
        true,
        "now() -> string",
        "The current time, RFC 3339, UTC.",
    ),
    f(
        "uuid",
        &[],
        Returns::String,
        false,
        true,
        "uuid() -> string",
        "A random UUID (version 4).",
    ),
];

/// The names of CEL's types, which expressions may compare with `type(x)`: `type(x) == int`.
pub const TYPE_NAMES: &[&str] = &[
    "bool",
    "bytes",
    "double",
    "int",
    "list",
    "map",
    "null_type",
    "string",
    "type",
    "uint",
];

pub fn builtin(name: &str) -> Option<&'static Function> {
    BUILTINS.iter().find(|f| f.name == name)
}
