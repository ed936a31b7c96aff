//! JSON and XML manipulation functions.

use super::{rest, Category, Function, LazyCall, Ty};
use crate::error::Result;
use crate::value::Value;

const LATER: &str = "planned in the function-library issue (JSON manipulation)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing("addProperty", Category::Manipulation, "Adds a property to an object.", LATER),
    Function::lazy(
        "coalesce",
        Category::Manipulation,
        &[rest("object", Ty::ANY)],
        "Any",
        "The first argument that is not null; later arguments are not evaluated.",
        "coalesce(null, true, false) → true",
        coalesce,
    ),
    Function::missing("removeProperty", Category::Manipulation, "Removes a property from an object.", LATER),
    Function::missing("setProperty", Category::Manipulation, "Sets a property of an object.", LATER),
];

fn coalesce(lazy: &mut LazyCall<'_, '_, '_>) -> Result<Value> {
    for i in 0..lazy.len() {
        let value = lazy.eval(i)?;
        if !value.is_null() {
            return Ok(value);
        }
    }
    Ok(Value::Null)
}
