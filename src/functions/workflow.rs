//! Workflow functions: what an expression reads of the run (parameters, variables, the
//! trigger, actions, loop items, the workflow).

use super::{req, Args, Call, Category, Function, Ty};
use crate::error::{Error, ErrorKind, Result};
use crate::value::{Object, Value};

const LATER: &str = "planned in the function-library issue (workflow functions)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing(
        "action",
        Category::Workflow,
        "The current action's record (only in an Until condition or webhook unsubscribe).",
        LATER,
    ),
    Function::missing("actionBody", Category::Workflow, "Older name for body().", LATER),
    Function::missing("actionOutputs", Category::Workflow, "Older name for outputs().", LATER),
    Function::eager(
        "actions",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Object",
        "An action's record: status, inputs, outputs, start and end times, code, error.",
        "actions('Get_user').outputs.body.status → 'Succeeded'",
        actions,
    ),
    Function::eager(
        "appsetting",
        Category::Workflow,
        &[req("settingName", Ty::STRING)],
        "Any",
        "An app setting of the logic app (Standard).",
        "appsetting('httpuri') → 'https://example.com'",
        appsetting,
    ),
    Function::eager(
        "body",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Any",
        "An action's output body: the same as actions(name).outputs.body.",
        "body('Get_user')?['name'] → 'Sophia'",
        body,
    ),
    Function::missing(
        "formDataMultiValues",
        Category::Workflow,
        "The values for a key in an action's form-data output.",
        LATER,
    ),
    Function::missing(
        "formDataValue",
        Category::Workflow,
        "The single value for a key in an action's form-data output.",
        LATER,
    ),
    Function::eager(
        "item",
        Category::Workflow,
        &[],
        "Any",
        "The current item of the innermost Foreach loop.",
        "item()?['id'] → 42",
        item,
    ),
    Function::eager(
        "items",
        Category::Workflow,
        &[req("loopName", Ty::STRING)],
        "Any",
        "The current item of the named Foreach loop.",
        "items('For_each')?['id'] → 42",
        items,
    ),
    Function::missing(
        "iterationIndexes",
        Category::Workflow,
        "The index of the current iteration of an Until loop.",
        LATER,
    ),
    Function::missing(
        "listCallbackUrl",
        Category::Workflow,
        "The callback URL of a webhook trigger or action.",
        LATER,
    ),
    Function::missing(
        "multipartBody",
        Category::Workflow,
        "The body of one part of an action's multipart output.",
        LATER,
    ),
    Function::eager(
        "outputs",
        Category::Workflow,
        &[req("actionName", Ty::STRING)],
        "Object",
        "An action's outputs: statusCode, headers and body.",
        "outputs('HTTP')['statusCode'] → 200",
        outputs,
    ),
    Function::eager(
        "parameters",
        Category::Workflow,
        &[req("parameterName", Ty::STRING)],
        "Any",
        "The value of a workflow parameter.",
        "parameters('pageSize') → 50",
        parameters,
    ),
    Function::missing(
        "result",
        Category::Workflow,
        "The records of the top-level actions in a Scope, Foreach or Until.",
        LATER,
    ),
    Function::eager(
        "trigger",
        Category::Workflow,
        &[],
        "Object",
        "The trigger's record: outputs, inputs, status, times.",
        "trigger().outputs.body",
        trigger,
    ),
    Function::eager(
        "triggerBody",
        Category::Workflow,
        &[],
        "Any",
        "The trigger's output body: the same as trigger().outputs.body.",
        "triggerBody()?['id'] → 7",
        trigger_body,
    ),
    Function::missing(
        "triggerFormDataMultiValues",
        Category::Workflow,
        "The values for a key in the trigger's form-data output.",
        LATER,
    ),
    Function::missing(
        "triggerFormDataValue",
        Category::Workflow,
        "The single value for a key in the trigger's form-data output.",
        LATER,
    ),
    Function::missing(
        "triggerMultipartBody",
        Category::Workflow,
        "The body of one part of the trigger's multipart output.",
        LATER,
    ),
    Function::eager(
        "triggerOutputs",
        Category::Workflow,
        &[],
        "Object",
        "The trigger's outputs: headers and body.",
        "triggerOutputs()['headers']['Content-Type']",
        trigger_outputs,
    ),
    Function::eager(
        "variables",
        Category::Workflow,
        &[req("variableName", Ty::STRING)],
        "Any",
        "The current value of a variable.",
        "variables('pageNumber') → 3",
        variables,
    ),
    Function::eager(
        "workflow",
        Category::Workflow,
        &[],
        "Object",
        "The workflow's details: name, id, type, location, run {name, id, type}, tags.",
        "workflow()['run']['name'] → '08584...'",
        workflow,
    ),
];

fn not_found(kind: ErrorKind, message: String) -> Error {
    Error::new(kind, message)
}

fn parameters(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().parameter(name).ok_or_else(|| {
        not_found(ErrorKind::NotFound, format!("The workflow parameter '{name}' is not found."))
    })
}

fn variables(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().variable(name).ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            format!(
                "The variable '{name}' is not found: initialize it with an InitializeVariable action first."
            ),
        )
    })
}

fn appsetting(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context()
        .appsetting(name)
        .ok_or_else(|| not_found(ErrorKind::NotFound, format!("The app setting '{name}' is not found.")))
}

/// The record of the named action, or the service's error.
pub(crate) fn action_record(call: &Call<'_, '_>, args: &Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().action(name).ok_or_else(|| {
        not_found(
            ErrorKind::NotFound,
            format!("The action '{name}' is not defined in the workflow, or has not run yet in this run."),
        )
    })
}

fn actions(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    action_record(call, &args)
}

fn outputs(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(action_record(call, &args)?.member("outputs").unwrap_or_default())
}

fn body(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    Ok(action_record(call, &args)?.member("outputs").and_then(|o| o.member("body")).unwrap_or_default())
}

fn trigger_record(call: &Call<'_, '_>) -> Value {
    call.context().trigger().unwrap_or_default()
}

fn trigger(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(trigger_record(call))
}

fn trigger_outputs(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(trigger_record(call).member("outputs").unwrap_or_default())
}

fn trigger_body(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(trigger_record(call).member("outputs").and_then(|o| o.member("body")).unwrap_or_default())
}

fn item(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    call.context().loop_item(None).ok_or_else(|| {
        call.error("can only be used inside a Foreach loop (or a Select, Query or Table 'from' array).")
    })
}

fn items(call: &mut Call<'_, '_>, args: Args<'_>) -> Result<Value> {
    let name = args.str(0)?;
    call.context().loop_item(Some(name)).ok_or_else(|| {
        args.invalid(
            0,
            format!("expects its parameter to name an enclosing Foreach loop; '{name}' is not one."),
        )
    })
}

fn workflow(call: &mut Call<'_, '_>, _: Args<'_>) -> Result<Value> {
    Ok(call.context().workflow().unwrap_or_else(default_workflow))
}

/// What `workflow()` returns when the run context does not say.
pub(crate) fn default_workflow() -> Value {
    let mut run = Object::new();
    run.insert("id", Value::from("/workflows/local/runs/local"));
    run.insert("name", Value::from("local"));
    run.insert("type", Value::from("Microsoft.Logic/workflows/runs"));
    let mut o = Object::new();
    o.insert("id", Value::from("/workflows/local"));
    o.insert("name", Value::from("local"));
    o.insert("type", Value::from("Microsoft.Logic/workflows"));
    o.insert("location", Value::from("local"));
    o.insert("run", Value::Object(run));
    o.insert("tags", Value::Object(Object::new()));
    Value::Object(o)
}

#[cfg(test)]
mod tests {
    use crate::{Engine, RunContext};

    const CTX: &str = r#"{
        "parameters": {"firstName": "Sophia", "age": 42},
        "variables": {"pageNumber": 3},
        "appsettings": {"httpuri": "https://example.com"},
        "trigger": {"outputs": {"headers": {"x": "1"}, "body": {"id": 7}}},
        "actions": {"Get_user": {"status": "Succeeded", "outputs": {"statusCode": 200, "body": {"name": "Ann"}}},
                    "Skipped_one": {"status": "Skipped"}},
        "items": {"For_each": {"id": 1}},
        "workflow": {"name": "wf", "run": {"name": "r1"}}
    }"#;

    fn eval(text: &str) -> Result<String, String> {
        let ctx = RunContext::from_json_str(CTX).map_err(|e| e.to_string())?;
        Engine::new().eval(text, &ctx).map(|v| v.to_string()).map_err(|e| e.to_string())
    }

    #[test]
    fn table() {
        for (text, expected) in [
            ("parameters('firstName')", r#""Sophia""#),
            ("parameters('FIRSTNAME')", r#""Sophia""#),
            ("variables('pageNumber')", "3"),
            ("appsetting('httpuri')", r#""https://example.com""#),
            ("appSetting('httpuri')", r#""https://example.com""#),
            ("triggerBody()?['id']", "7"),
            ("triggerOutputs()['headers']['x']", r#""1""#),
            ("trigger().outputs.body.id", "7"),
            ("actions('Get_user').status", r#""Succeeded""#),
            ("actions('Get user').status", r#""Succeeded""#),
            ("outputs('Get_user')['statusCode']", "200"),
            ("body('Get_user')?['name']", r#""Ann""#),
            ("body('Skipped_one')", "null"),
            ("items('For_each').id", "1"),
            ("item().id", "1"),
            ("workflow().run.name", r#""r1""#),
        ] {
            assert_eq!(eval(text).as_deref(), Ok(expected), "{text}");
        }
    }

    #[test]
    fn errors() {
        for (text, fragment) in [
            ("parameters('nope')", "The workflow parameter 'nope' is not found"),
            ("variables('nope')", "The variable 'nope' is not found"),
            ("body('Nope')", "The action 'Nope' is not defined"),
            ("items('Other')", "'Other' is not one"),
            ("parameters(1)", "be of type string"),
        ] {
            let e = eval(text).err().unwrap_or_default();
            assert!(e.contains(fragment), "{text}: {e}");
        }
        let e = Engine::new()
            .eval("item()", &RunContext::default())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains("Foreach"), "{e}");
    }
}
