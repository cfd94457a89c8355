//! The types the checker gives expressions, and their construction from JSON Schema.
//!
//! `Dyn` is "unknown": anything may be done with it and nothing is reported, so an untyped response
//! body never causes a false error.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

/// Serializable so that the checker can keep the types of an OpenAPI document's responses on disk.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Type {
    Dyn,
    Null,
    Bool,
    Int,
    Double,
    String,
    List(Box<Type>),
    /// A map with string keys and values of one type (JSON objects without known fields).
    Map(Box<Type>),
    Object(Arc<ObjectType>),
}

#[derive(Clone, Debug, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct ObjectType {
    /// A short name for messages ("user", "the input of create-user").
    pub name: String,
    pub fields: Vec<Field>,
    /// The type of fields not listed, when the object is open; `None` when it is closed.
    pub additional: Option<Type>,
    /// Key patterns a closed object still accepts (`^urn:` for SCIM schema extensions).
    pub key_patterns: Vec<String>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Field {
    pub name: String,
    pub ty: Type,
    pub required: bool,
    pub description: Option<String>,
    /// For strings with a fixed set of values.
    pub allowed: Option<Vec<String>>,
}

impl ObjectType {
    /// The object either may be (two returns of a flow, the items of a list): the fields of both,
    /// joined; a field only one has may be absent.
    fn join(&self, other: &ObjectType) -> ObjectType {
        let mut fields: Vec<Field> = Vec::new();
        for f in &self.fields {
            fields.push(match other.field(&f.name) {
                Some(g) => Field {
                    ty: f.ty.join(&g.ty),
                    required: f.required && g.required,
                    ..f.clone()
                },
                None => Field {
                    required: false,
                    ..f.clone()
                },
            });
        }
        for g in other
            .fields
            .iter()
            .filter(|g| self.field(&g.name).is_none())
        {
            fields.push(Field {
                required: false,
                ..g.clone()
            });
        }
        let additional = match (&self.additional, &other.additional) {
            (Some(a), Some(b)) => Some(a.join(b)),
            (Some(a), None) | (None, Some(a)) => Some(a.clone()),
            (None, None) => None,
        };
        let mut key_patterns = self.key_patterns.clone();
        key_patterns.extend(
            other
                .key_patterns
                .iter()
                .filter(|p| !self.key_patterns.contains(p))
                .cloned(),
        );
        let same = self.name == other.name;
        ObjectType {
            name: if same {
                self.name.clone()
            } else {
                String::new()
            },
            fields,
            additional,
            key_patterns,
            description: if same { self.description.clone() } else { None },
        }
    }

    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// Whether a field the object does not list may still be given (writing a value).
    pub fn accepts_unlisted(&self, name: &str) -> bool {
        self.additional.is_some() || self.key_patterns.iter().any(|p| pattern_matches(p, name))
    }
}

/// The key patterns of contract schemas are prefixes (`^urn:`); anything else is taken to match.
fn pattern_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_prefix('^') {
        Some(prefix)
            if prefix
                .chars()
                .all(|c| c.is_alphanumeric() || c == ':' || c == '-') =>
        {
            name.starts_with(prefix)
        }
        _ => true,
    }
}

impl Type {
    pub fn object(name: impl Into<String>, fields: Vec<Field>, additional: Option<Type>) -> Type {
        Type::Object(Arc::new(ObjectType {
            name: name.into(),
            fields,
            additional,
            key_patterns: Vec::new(),
            description: None,
        }))
    }

    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }

    /// How the type is named in messages.
    pub fn describe(&self) -> String {
        match self {
            Type::Dyn => "any value".into(),
            Type::Null => "null".into(),
            Type::Bool => "a boolean".into(),
            Type::Int => "an integer".into(),
            Type::Double => "a number".into(),
            Type::String => "a string".into(),
            Type::List(t) => match **t {
                Type::Dyn => "a list".into(),
                _ => format!("a list of {}", plural(&t.describe())),
            },
            Type::Map(_) => "a map".into(),
            Type::Object(o) if o.name.is_empty() => "an object".into(),
            // A name that is a description already: "the inputs of flow `f`".
            Type::Object(o) if o.name.starts_with("the ") => o.name.clone(),
            Type::Object(o) => format!("{} object", article(&o.name)),
        }
    }

    /// The least type that holds both (for lists, branches, defaults).
    pub fn join(&self, other: &Type) -> Type {
        match (self, other) {
            (a, b) if a == b => a.clone(),
            (Type::Dyn, _) | (_, Type::Dyn) => Type::Dyn,
            (Type::Null, t) | (t, Type::Null) => t.clone(),
            (Type::Int, Type::Double) | (Type::Double, Type::Int) => Type::Double,
            (Type::List(a), Type::List(b)) => Type::list(a.join(b)),
            (Type::Map(a), Type::Map(b)) => Type::Map(Box::new(a.join(b))),
            (Type::Object(a), Type::Object(b)) => Type::Object(Arc::new(a.join(b))),
            _ => Type::Dyn,
        }
    }

    pub fn is_dyn(&self) -> bool {
        matches!(self, Type::Dyn)
    }

    /// Whether a value of this type may stand where `expected` is required; `Dyn` fits anything.
    pub fn fits(&self, expected: &Type) -> bool {
        match (self, expected) {
            (Type::Dyn, _) | (_, Type::Dyn) => true,
            // Optional fields may be given null.
            (Type::Null, _) => true,
            (Type::Int, Type::Double) => true,
            (Type::List(a), Type::List(b)) => a.fits(b),
            (Type::Map(_), Type::Object(_)) | (Type::Object(_), Type::Map(_)) => true,
            (Type::Map(a), Type::Map(b)) => a.fits(b),
            (Type::Object(a), Type::Object(b)) => {
                // Every known field must fit, and no field the target lacks (when it is closed).
                a.fields.iter().all(|f| match b.field(&f.name) {
                    Some(bf) => f.ty.fits(&bf.ty),
                    None => b.accepts_unlisted(&f.name),
                })
            }
            (a, b) => a == b,
        }
    }
}

/// `word` with its indefinite article (types in messages, flow input types).
pub fn article(word: &str) -> String {
    // By sound: "an object", "an unknown", but "a user".
    let lower = word.to_lowercase();
    let vowel = lower.starts_with(['a', 'e', 'i', 'o']) || lower.starts_with("un");
    if vowel {
        format!("an {word}")
    } else {
        format!("a {word}")
    }
}

fn plural(described: &str) -> String {
    let bare = described.trim_start_matches("an ").trim_start_matches("a ");
    match bare {
        "any value" => "values".into(),
        b if b.ends_with(" object") => format!("{b}s"),
        b => format!("{b}s"),
    }
}

/// The documents a schema's `$ref`s may point into, by name: a path with `/` separators, as
/// [`intact_jsonref::join`] makes it from the referring document's name (`common.json` beside
/// `create-user.input.json`, `openapi/docs/users.yaml`).
pub trait SchemaSource {
    fn document(&self, name: &str) -> Option<&Value>;
}

impl SchemaSource for BTreeMap<String, Value> {
    fn document(&self, name: &str) -> Option<&Value> {
        self.get(name)
    }
}

/// A schema's `$ref`s are read as every reference is (`intact-jsonref`, decision 0011): a
/// document is its name.
impl intact_jsonref::Documents for dyn SchemaSource + '_ {
    type Id = String;
    fn find(&self, path: &Path) -> Option<String> {
        let name = path.to_string_lossy().replace('\\', "/");
        self.document(&name).map(|_| name)
    }
    fn path<'s>(&'s self, id: &'s String) -> Option<&'s Path> {
        Some(Path::new(id))
    }
    fn value(&self, id: &String) -> Option<&Value> {
        self.document(id)
    }
}

/// Turns JSON Schemas into types, following their `$ref`s between the documents of a
/// [`SchemaSource`].
pub struct SchemaConverter<'a> {
    pub documents: &'a dyn SchemaSource,
    depth: usize,
}

impl<'a> SchemaConverter<'a> {
    pub fn new(documents: &'a dyn SchemaSource) -> Self {
        SchemaConverter {
            documents,
            depth: 0,
        }
    }

    /// The type of `schema`, found in document `doc`.
    pub fn convert(&mut self, doc: &str, schema: &Value, name: &str) -> Type {
        // Recursive schemas (schemaProperty.properties) end in Dyn rather than looping.
        if self.depth > 12 {
            return Type::Dyn;
        }
        self.depth += 1;
        let t = self.convert_inner(doc, schema, name);
        self.depth -= 1;
        t
    }

    /// The document (by name) and the value a `$ref` written in document `doc` points at.
    pub fn resolve(
        &self,
        doc: &str,
        reference: &str,
    ) -> Result<(String, &'a Value), intact_jsonref::Error> {
        let t = intact_jsonref::resolve(self.documents, &doc.to_string(), reference)?;
        Ok((t.document, t.value))
    }

    fn convert_inner(&mut self, doc: &str, schema: &Value, name: &str) -> Type {
        let Some(obj) = schema.as_object() else {
            return Type::Dyn;
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            // Named by what it points at (`Pet` for `#/components/schemas/Pet`), else by its file.
            let reference = intact_jsonref::Reference::parse(r).ok();
            let ref_name = reference
                .as_ref()
                .and_then(intact_jsonref::Reference::name)
                .or_else(|| {
                    let document = reference?.document;
                    Some(document.rsplit('/').next()?.to_string())
                })
                .unwrap_or_else(|| name.to_string());
            return match self.resolve(doc, r) {
                Ok((file, target)) => self.convert(&file, target, &ref_name),
                Err(_) => Type::Dyn,
            };
        }
        if let Some(parts) = obj.get("allOf").and_then(Value::as_array) {
            return self.all_of(doc, obj, parts, name);
        }
        if let Some(parts) = obj
            .get("oneOf")
            .or_else(|| obj.get("anyOf"))
            .and_then(Value::as_array)
        {
            return self.one_of(doc, obj, parts, name);
        }
        if let Some(c) = obj.get("const") {
            return match c {
                Value::String(_) => Type::String,
                Value::Bool(_) => Type::Bool,
                Value::Number(n) if n.is_i64() || n.is_u64() => Type::Int,
                Value::Number(_) => Type::Double,
                Value::Null => Type::Null,
                _ => Type::Dyn,
            };
        }
        let types: Vec<&str> = match obj.get("type") {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(a)) => a
                .iter()
                .filter_map(Value::as_str)
                .filter(|t| *t != "null")
                .collect(),
            _ => Vec::new(),
        };
        let kind = if types.len() == 1 {
            types[0]
        } else if types.is_empty() && obj.contains_key("properties") {
            "object"
        } else {
            return Type::Dyn;
        };
        match kind {
            "string" => Type::String,
            "integer" => Type::Int,
            "number" => Type::Double,
            "boolean" => Type::Bool,
            "null" => Type::Null,
            "array" => Type::list(
                obj.get("items")
                    .map_or(Type::Dyn, |i| self.convert(doc, i, name)),
            ),
            "object" => self.object(doc, obj, name),
            _ => Type::Dyn,
        }
    }
}

impl SchemaConverter<'_> {
    /// An object schema: its properties as fields (each with its description and allowed values,
    /// read through a `$ref` when the property is one), what else it accepts.
    fn object(&mut self, doc: &str, obj: &serde_json::Map<String, Value>, name: &str) -> Type {
        let required: Vec<&str> = obj
            .get("required")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut fields = Vec::new();
        if let Some(props) = obj.get("properties").and_then(Value::as_object) {
            for (k, v) in props {
                let ty = self.convert(doc, v, k);
                let target = v
                    .get("$ref")
                    .and_then(Value::as_str)
                    .and_then(|r| self.resolve(doc, r).ok())
                    .map(|(_, t)| t);
                let described = v
                    .get("description")
                    .or_else(|| target.and_then(|t| t.get("description")));
                let allowed = v
                    .get("enum")
                    .or_else(|| target.and_then(|t| t.get("enum")))
                    .and_then(Value::as_array)
                    .map(|a| {
                        a.iter()
                            .filter_map(Value::as_str)
                            .map(str::to_string)
                            .collect()
                    });
                fields.push(Field {
                    name: k.clone(),
                    ty,
                    required: required.contains(&k.as_str()),
                    description: described.and_then(Value::as_str).map(str::to_string),
                    allowed,
                });
            }
        }
        let additional = match obj.get("additionalProperties") {
            Some(Value::Bool(false)) => None,
            Some(v @ Value::Object(_)) => Some(self.convert(doc, v, name)),
            _ => Some(Type::Dyn),
        };
        // Keys a closed object still accepts: SCIM schema extensions under `urn:` keys.
        let key_patterns = obj
            .get("patternProperties")
            .and_then(Value::as_object)
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default();
        let description = obj
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string);
        Type::Object(Arc::new(ObjectType {
            name: name.to_string(),
            fields,
            additional,
            key_patterns,
            description,
        }))
    }

    /// `allOf`: a value that is every part at once. Object parts merge into one object (the union
    /// of their fields, required where any part requires it), so that a typo under a composed
    /// type is found as under a plain one; the schema's own keywords beside `allOf` are one more
    /// part. A part that says nothing of the shape (only a description) is left out; parts that
    /// are not all objects give the one non-object type they agree on, else unknown.
    fn all_of(
        &mut self,
        doc: &str,
        obj: &serde_json::Map<String, Value>,
        parts: &[Value],
        name: &str,
    ) -> Type {
        let mut types: Vec<Type> = parts.iter().map(|p| self.convert(doc, p, name)).collect();
        let mut own = obj.clone();
        own.remove("allOf");
        if own.contains_key("properties") || own.contains_key("type") {
            types.push(self.convert_inner(doc, &Value::Object(own), name));
        }
        let shaped: Vec<Type> = types.into_iter().filter(|t| !t.is_dyn()).collect();
        let objects: Vec<&ObjectType> = shaped
            .iter()
            .filter_map(|t| match t {
                Type::Object(o) => Some(o.as_ref()),
                _ => None,
            })
            .collect();
        if objects.is_empty() {
            return match shaped.as_slice() {
                [one, rest @ ..] if rest.iter().all(|t| t == one) => one.clone(),
                _ => Type::Dyn,
            };
        }
        if objects.len() != shaped.len() {
            return Type::Dyn;
        }
        let mut fields: Vec<Field> = Vec::new();
        for o in &objects {
            for f in &o.fields {
                match fields.iter_mut().find(|x| x.name == f.name) {
                    Some(known) => {
                        known.required |= f.required;
                        if known.ty.is_dyn() {
                            known.ty = f.ty.clone();
                        }
                        if known.description.is_none() {
                            known.description.clone_from(&f.description);
                        }
                    }
                    None => fields.push(f.clone()),
                }
            }
        }
        // A part may require a field that another part describes.
        let mut required = Vec::new();
        for part in parts
            .iter()
            .chain(std::iter::once(&Value::Object(obj.clone())))
        {
            self.required_names(doc, part, 0, &mut required);
        }
        for f in &mut fields {
            f.required |= required.contains(&f.name);
        }
        // Closed only when every part is; a typed map of extra keys wins over an untyped one.
        let additional = if objects.iter().all(|o| o.additional.is_none()) {
            None
        } else {
            objects
                .iter()
                .filter_map(|o| o.additional.clone())
                .find(|t| !t.is_dyn())
                .or(Some(Type::Dyn))
        };
        let description = obj
            .get("description")
            .and_then(Value::as_str)
            .or_else(|| parts.iter().find_map(|p| p.get("description")?.as_str()))
            .map(str::to_string)
            .or_else(|| objects.iter().find_map(|o| o.description.clone()));
        Type::Object(Arc::new(ObjectType {
            name: name.to_string(),
            fields,
            additional,
            key_patterns: objects
                .iter()
                .flat_map(|o| o.key_patterns.clone())
                .collect(),
            description,
        }))
    }
}

impl SchemaConverter<'_> {
    /// `oneOf` / `anyOf`: a value of one of the shapes. Object alternatives join (as two returns
    /// of a flow do): a field every alternative has is known with its joined type, required when
    /// all require it; a field only some have is known but may be absent, so reading it wants a
    /// guard (`expr::optional-field`); a field none has is `expr::unknown-field`. A `null`
    /// alternative (3.1's way of saying nullable) adds nothing. Alternatives of different kinds
    /// (a string or an object) give unknown. With a `discriminator`, its property is required and
    /// takes the mapping's values.
    fn one_of(
        &mut self,
        doc: &str,
        obj: &serde_json::Map<String, Value>,
        parts: &[Value],
        name: &str,
    ) -> Type {
        let mut joined: Option<Type> = None;
        for part in parts {
            let t = self.convert(doc, part, name);
            if t == Type::Null {
                continue;
            }
            joined = Some(match joined {
                None => t,
                Some(j) => j.join(&t),
            });
        }
        let Some(Type::Object(o)) = joined else {
            return joined.unwrap_or(Type::Dyn);
        };
        let mut o = (*o).clone();
        o.name = name.to_string();
        if let Some(d) = obj.get("description").and_then(Value::as_str) {
            o.description = Some(d.to_string());
        }
        if let Some(disc) = obj.get("discriminator") {
            let values: Option<Vec<String>> = disc
                .get("mapping")
                .and_then(Value::as_object)
                .map(|m| m.keys().cloned().collect());
            if let Some(prop) = disc.get("propertyName").and_then(Value::as_str)
                && let Some(f) = o.fields.iter_mut().find(|f| f.name == prop)
            {
                f.required = true;
                if values.is_some() {
                    f.allowed = values;
                }
            }
        }
        Type::Object(Arc::new(o))
    }

    /// The names a schema requires, through `$ref`s and nested `allOf`s.
    fn required_names(&self, doc: &str, schema: &Value, depth: usize, out: &mut Vec<String>) {
        if depth > 12 {
            return;
        }
        let Some(obj) = schema.as_object() else {
            return;
        };
        if let Some(r) = obj.get("$ref").and_then(Value::as_str) {
            if let Ok((file, target)) = self.resolve(doc, r) {
                self.required_names(&file, target, depth + 1, out);
            }
            return;
        }
        if let Some(names) = obj.get("required").and_then(Value::as_array) {
            out.extend(names.iter().filter_map(Value::as_str).map(str::to_string));
        }
        for part in obj
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            self.required_names(doc, part, depth + 1, out);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_resolve_relative_to_their_document() {
        let docs: BTreeMap<String, Value> = [
            ("openapi/api.yaml", json!({})),
            ("openapi/docs/users.yaml", json!({"u": 1})),
            ("openapi/common.yaml", json!({"c": 2})),
            ("common.json", json!({"j": 3})),
            ("x.json", json!({})),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let c = SchemaConverter::new(&docs);
        let found = |doc: &str, r: &str| c.resolve(doc, r).map(|(d, v)| (d, v.clone())).ok();
        assert_eq!(
            found("openapi/api.yaml", "./docs/users.yaml#/u"),
            Some(("openapi/docs/users.yaml".into(), json!(1)))
        );
        assert_eq!(
            found("openapi/docs/users.yaml", "../common.yaml#/c"),
            Some(("openapi/common.yaml".into(), json!(2)))
        );
        assert_eq!(
            found("x.json", "common.json#/j"),
            Some(("common.json".into(), json!(3)))
        );
    }

    #[test]
    fn converts_objects_refs_and_arrays() {
        let mut docs = BTreeMap::new();
        docs.insert(
            "common.json".to_string(),
            json!({"$defs": {"user": {"type": "object", "additionalProperties": false, "properties": {"userName": {"type": "string", "description": "The name."}}}}}),
        );
        docs.insert(
            "x.json".to_string(),
            json!({"type": "object", "required": ["users"], "properties": {"users": {"type": "array", "items": {"$ref": "common.json#/$defs/user"}}}}),
        );
        let t = SchemaConverter::new(&docs).convert("x.json", &docs["x.json"], "output");
        let Type::Object(o) = t else { panic!() };
        let users = o.field("users").unwrap();
        assert!(users.required);
        let Type::List(item) = &users.ty else {
            panic!()
        };
        let Type::Object(u) = &**item else { panic!() };
        assert_eq!(u.name, "user");
        assert!(u.additional.is_none());
        assert_eq!(
            u.field("userName").unwrap().description.as_deref(),
            Some("The name.")
        );
    }

    /// `allOf` merges its object parts (issue 25.1): the union of their fields, required where any
    /// part requires it, closed only when every part is; a description-only part says nothing.
    #[test]
    fn all_of_merges_its_object_parts() {
        let mut docs = BTreeMap::new();
        docs.insert(
            "x.json".to_string(),
            json!({
                "$defs": {"base": {"type": "object", "additionalProperties": false, "properties": {"id": {"type": "string"}, "name": {"type": "string"}}}},
                "allOf": [
                    {"$ref": "#/$defs/base"},
                    {"type": "object", "required": ["name"], "properties": {"tags": {"type": "array", "items": {"type": "string"}}}},
                    {"description": "A team."}
                ]
            }),
        );
        let t = SchemaConverter::new(&docs).convert("x.json", &docs["x.json"], "Team");
        let Type::Object(o) = t else { panic!("{t:?}") };
        let names: Vec<&str> = o.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["id", "name", "tags"]);
        assert!(o.field("name").unwrap().required);
        assert!(!o.field("id").unwrap().required);
        assert_eq!(o.additional, Some(Type::Dyn), "one part is open");
        assert_eq!(o.description.as_deref(), Some("A team."));
        // Parts that are all the same non-object type give that type.
        let t = SchemaConverter::new(&docs).convert(
            "x.json",
            &json!({"allOf": [{"type": "string"}, {"type": "string", "maxLength": 3}]}),
            "code",
        );
        assert_eq!(t, Type::String);
    }

    /// `oneOf`: object alternatives join (a field of some is optional, of none unknown), a null
    /// alternative adds nothing, a discriminator's property is required with the mapping's values;
    /// mixed kinds stay unknown; `const` is its value's type.
    #[test]
    fn one_of_joins_its_alternatives() {
        let mut docs = BTreeMap::new();
        docs.insert(
            "x.json".to_string(),
            json!({
                "$defs": {
                    "cat": {"type": "object", "required": ["kind", "name", "meows"], "properties": {"kind": {"type": "string"}, "name": {"type": "string"}, "meows": {"type": "boolean"}}},
                    "dog": {"type": "object", "required": ["kind", "name"], "properties": {"kind": {"type": "string"}, "name": {"type": "string"}, "barks": {"type": "boolean"}}}
                },
                "oneOf": [{"$ref": "#/$defs/cat"}, {"$ref": "#/$defs/dog"}, {"type": "null"}],
                "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/$defs/cat", "dog": "#/$defs/dog"}}
            }),
        );
        let t = SchemaConverter::new(&docs).convert("x.json", &docs["x.json"], "Pet");
        let Type::Object(o) = t else { panic!("{t:?}") };
        assert!(o.field("name").unwrap().required);
        assert!(!o.field("meows").unwrap().required, "only cats meow");
        assert!(!o.field("barks").unwrap().required);
        assert!(o.field("wings").is_none());
        let kind = o.field("kind").unwrap();
        assert!(kind.required);
        assert_eq!(
            kind.allowed,
            Some(vec!["cat".to_string(), "dog".to_string()])
        );
        let mixed = json!({"anyOf": [{"type": "string"}, {"type": "object"}]});
        assert_eq!(
            SchemaConverter::new(&docs).convert("x.json", &mixed, "m"),
            Type::Dyn
        );
        let same = json!({"oneOf": [{"type": "string"}, {"type": "string", "format": "email"}]});
        assert_eq!(
            SchemaConverter::new(&docs).convert("x.json", &same, "s"),
            Type::String
        );
        assert_eq!(
            SchemaConverter::new(&docs).convert("x.json", &json!({"const": 3}), "c"),
            Type::Int
        );
    }
}
