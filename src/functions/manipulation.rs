//! JSON manipulation functions: `addProperty`, `coalesce`, `removeProperty`,
//! `setProperty`.
//!
//! Property names match as the service matches them: the exact key first, else the first
//! key equal without regard to case. `addProperty` fails if any key matches;
//! `setProperty` replaces the matching member (keeping the key as it was written) and moves
//! it to the end; `removeProperty` removes the matching member, or returns the object
//! unchanged. Binary content counts as the object it serializes to
//! (`{"$content-type", "$content"}`). The functions work on one level: for a nested
//! property, wrap the inner call in an outer `setProperty`.

use super::{req, rest, Args, Call, Category, Function, LazyCall, Ty};
use crate::error::Result;
use crate::value::{Object, Value};

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::eager(
        "addProperty",
        Category::Manipulation,
        &[req("object", Ty::OBJECT.or(Ty::BINARY)), req("property", Ty::STRING), req("value", Ty::ANY)],
        "Object",
        "The object with a new property; fails if the property exists (in any case).",
        "addProperty(json('{\"a\": 1}'), 'b', 2) → {\"a\": 1, \"b\": 2}",
        add_property,
    ),
    Function::lazy(
        "coalesce",
        Category::Manipulation,
        &[rest("object", Ty::ANY)],
        "Any",
        "The first argument that is not null; later arguments are not evaluated.",
        "coalesce(null, true, false) → true",
        coalesce,
    ),
    Function::eager(
        "removeProperty",
        Category::Manipulation,
        &[req("object", Ty::OBJECT.or(Ty::BINARY)), req("property", Ty::STRING)],
        "Object",
        "The object without a property (unchanged if it has no such property).",
        "removeProperty(json('{\"a\": 1, \"b\": 2}'), 'b') → {\"a\": 1}",
        remove_property,
    ),
    Function::eager(
        "setProperty",
        Category::Manipulation,
        &[req("object", Ty::OBJECT.or(Ty::BINARY)), req("property", Ty::STRING), req("value", Ty::ANY)],
        "Object",
        "The object with a property set (added if missing; an existing one keeps its spelling and moves last).",
        "setProperty(json('{\"a\": 1}'), 'a', 2) → {\"a\": 2}",
        set_property,
    ),
];

/// The first argument as an object; binary content is its envelope.
fn object_arg(args: &Args<'_>) -> Result<Object> {
    match args.value(0) {
        Value::Object(o) => Ok(o.clone()),
        Value::Binary(b) => {
            let mut o = Object::with_capacity(3);
            o.insert("$content-type", Value::from(b.content_type()));
            o.insert("$content", Value::from(b.base64()));
            Ok(o)
        }
        _ => Err(args.type_error(0, "of type object")),
    }
}

fn add_property(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let mut object = object_arg(&args)?;
    let name = args.str(1)?;
    call.charge(object.len() as u64)?;
    if let Some(i) = object.position_ci(name) {
        let existing = object.get_index(i).map_or(name, |(k, _)| &**k);
        return Err(args.invalid(
            1,
            format!(
                "expects the property to not exist in the object. The property '{existing}' already exists."
            ),
        ));
    }
    object.insert(name, args.value(2).clone());
    Ok(Value::Object(object))
}

fn set_property(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let mut object = object_arg(&args)?;
    let name = args.str(1)?;
    call.charge(object.len() as u64)?;
    let value = args.value(2).clone();
    match object.position_ci(name).and_then(|i| object.remove_index(i)) {
        Some((key, _)) => object.insert(key, value),
        None => object.insert(name, value),
    }
    Ok(Value::Object(object))
}

fn remove_property(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let mut object = object_arg(&args)?;
    let name = args.str(1)?;
    call.charge(object.len() as u64)?;
    if let Some(i) = object.position_ci(name) {
        object.remove_index(i);
    }
    Ok(Value::Object(object))
}

fn coalesce(lazy: &mut LazyCall<'_, '_, '_>) -> Result<Value> {
    for i in 0..lazy.len() {
        let value = lazy.eval(i)?;
        if !value.is_null() {
            return Ok(value);
        }
    }
    Ok(Value::Null)
}
