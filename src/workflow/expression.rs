//! `Expression` actions: the built-in Date Time and Text Functions operations of Power
//! Automate and Logic Apps (`"type": "Expression", "kind": "ConvertTimeZone"`, ...). The
//! service runs them itself, so the runner does too: each kind is one function of the
//! language called with the action's inputs, and its result is the action's `body`
//! (`body('Convert_time_zone')`, `outputs('Find_text_position')?['body']`).
//!
//! A kind the table does not know loads as an action the runner cannot execute (a mock by
//! action name answers for it), with a message that names the kinds it knows.

use crate::value::{Object, Value};

use super::definition::ActionDef;
use super::run::{Ctx, Outcome, RunState};

/// What an input is converted to before it is passed on.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Type {
    /// Text; a number or boolean is passed as its text.
    Text,
    /// An integer; a string holding one (`"5"`, as the designer writes tokens) is read with
    /// `int()`.
    Integer,
}

/// One input of an operation, in the order of the function's arguments.
#[derive(Debug)]
struct Input {
    name: &'static str,
    ty: Type,
    required: bool,
}

const fn required(name: &'static str, ty: Type) -> Input {
    Input { name, ty, required: true }
}

const fn optional(name: &'static str, ty: Type) -> Input {
    Input { name, ty, required: false }
}

/// An operation: its `kind`, the function that computes it and the inputs that are the
/// function's arguments. Optional inputs come last; `formatString` is the format argument
/// of the date functions.
#[derive(Debug)]
pub(crate) struct Operation {
    pub kind: &'static str,
    function: &'static str,
    inputs: &'static [Input],
}

const FORMAT: Input = optional("formatString", Type::Text);

/// Add to time and Subtract from time: a time moved by an interval.
const SHIFT: &[Input] = &[
    required("baseTime", Type::Text),
    required("interval", Type::Integer),
    required("timeUnit", Type::Text),
    FORMAT,
];

/// Get future time and Get past time: the run's clock moved by an interval.
const FROM_NOW: &[Input] = &[required("interval", Type::Integer), required("timeUnit", Type::Text), FORMAT];

/// Every operation the runner performs. The kinds and inputs are those of the designer's
/// Date Time connector (Add to time, Convert time zone, Current time, Get future time, Get
/// past time, Subtract from time) and of Power Automate's Text Functions (Find text
/// position, Substring), as exported flows spell them.
pub(crate) const OPERATIONS: &[Operation] = &[
    Operation { kind: "AddToTime", function: "addToTime", inputs: SHIFT },
    Operation {
        kind: "ConvertTimeZone",
        function: "convertTimeZone",
        inputs: &[
            required("baseTime", Type::Text),
            required("sourceTimeZone", Type::Text),
            required("destinationTimeZone", Type::Text),
            FORMAT,
        ],
    },
    Operation { kind: "CurrentTime", function: "utcNow", inputs: &[FORMAT] },
    Operation { kind: "GetFutureTime", function: "getFutureTime", inputs: FROM_NOW },
    Operation { kind: "GetPastTime", function: "getPastTime", inputs: FROM_NOW },
    Operation { kind: "SubtractFromTime", function: "subtractFromTime", inputs: SHIFT },
    Operation {
        kind: "IndexOf",
        function: "indexOf",
        inputs: &[required("text", Type::Text), required("searchText", Type::Text)],
    },
    Operation {
        kind: "Substring",
        function: "substring",
        inputs: &[
            required("text", Type::Text),
            required("startingPosition", Type::Integer),
            optional("length", Type::Integer),
        ],
    },
];

/// The operation of this `kind` (matched without regard to case).
pub(crate) fn operation(kind: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|o| o.kind.eq_ignore_ascii_case(kind))
}

/// The kinds the runner knows, for messages.
pub(crate) fn known_kinds() -> String {
    OPERATIONS.iter().map(|o| o.kind).collect::<Vec<_>>().join(", ")
}

/// Runs an Expression action: renders its inputs, calls the operation's function and
/// returns its result as the `body` of the outputs.
pub(crate) fn perform(run: &RunState<'_>, def: &ActionDef, op: &Operation, ctx: &Ctx<'_>) -> Outcome {
    let inputs = match def.inputs.render(ctx) {
        Ok(v) => v,
        Err(e) => return super::run::template_error(def, "/inputs", &e),
    };
    let failed = |message: String| Outcome::failed("InvalidTemplate", message).with_inputs(inputs.clone());
    let mut args = Vec::with_capacity(op.inputs.len());
    for input in op.inputs {
        match inputs.member(input.name).filter(|v| !v.is_null()) {
            Some(v) => match convert(run, input, v, ctx) {
                Ok(v) => args.push(v),
                Err(m) => return failed(format!("The input '{}' of action '{}': {m}", input.name, def.name)),
            },
            None if input.required => {
                return failed(format!(
                    "The action '{}' ({}) needs the input '{}'; its inputs are {}.",
                    def.name,
                    op.kind,
                    input.name,
                    op.inputs.iter().map(|i| i.name).collect::<Vec<_>>().join(", ")
                ))
            }
            // Optional inputs are last: the function takes what is given.
            None => break,
        }
    }
    match run.engine.call(op.function, &args, ctx) {
        Ok(result) => {
            let mut outputs = Object::new();
            outputs.insert("body", result);
            Outcome::succeeded(Some(inputs), Some(Value::Object(outputs)))
        }
        Err(e) => failed(format!(
            "The action '{}' ({}, computed as {}()) failed: {}",
            def.name,
            op.kind,
            op.function,
            e.message()
        )),
    }
}

fn convert(run: &RunState<'_>, input: &Input, value: Value, ctx: &Ctx<'_>) -> Result<Value, String> {
    match (input.ty, &value) {
        (Type::Integer, Value::String(_)) => {
            run.engine.call("int", &[value], ctx).map_err(|e| e.message().to_string())
        }
        (Type::Text, Value::Int(_) | Value::Float(_) | Value::Decimal(_) | Value::Bool(_)) => {
            Ok(Value::from(value.to_text()))
        }
        _ => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_calls_a_function_of_the_library_with_room_for_its_inputs() {
        for op in OPERATIONS {
            let f = crate::functions::lookup(op.function).unwrap_or_else(|| panic!("{}", op.function));
            assert!(f.is_implemented(), "{}", op.kind);
            let required = op.inputs.iter().filter(|i| i.required).count();
            assert!(f.check_arity(required).is_none(), "{}: {} required inputs", op.kind, required);
            assert!(f.check_arity(op.inputs.len()).is_none(), "{}: {} inputs", op.kind, op.inputs.len());
            // Optional inputs come last, so a missing one ends the argument list.
            let first_optional = op.inputs.iter().position(|i| !i.required).unwrap_or(op.inputs.len());
            assert!(op.inputs[first_optional..].iter().all(|i| !i.required), "{}", op.kind);
        }
    }

    #[test]
    fn the_checker_knows_the_same_kinds() {
        let ours: Vec<&str> = OPERATIONS.iter().map(|o| o.kind).collect();
        assert_eq!(ours, crate::check::EXPRESSION_KINDS);
        assert_eq!(operation("converttimezone").map(|o| o.function), Some("convertTimeZone"));
        assert!(operation("FormatNumber").is_none());
    }
}
