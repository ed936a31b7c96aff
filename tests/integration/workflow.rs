//! The workflow runner, action type by action type and rule by rule. Each case runs a small
//! definition and checks the run record with expressions, the way `flowexpr eval --context
//! run.json` reads it.

use flowexpr::value::{from_json_str, Object, Value};
use flowexpr::workflow::{self, Mocks, RunOptions, Status, Workflow};
use flowexpr::RunContext;

const CLOCK: &str = "2024-01-15T10:30:00Z";

fn options() -> RunOptions {
    RunOptions {
        clock: flowexpr::eval::context::parse_clock(CLOCK).ok(),
        time_scale: 0.0001,
        ..RunOptions::default()
    }
}

fn json(text: &str) -> Value {
    from_json_str(text).unwrap_or_else(|e| panic!("bad JSON in a test: {e}\n{text}"))
}

/// A bare definition with a manual trigger and these actions.
fn flow(actions: &str) -> String {
    format!(r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}}, "actions": {actions}}}"#)
}

fn run_with(definition: &str, options: RunOptions) -> workflow::FinishedRun {
    let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e:#}\n{definition}"));
    workflow::run(&wf, options).unwrap_or_else(|e| panic!("{e:#}"))
}

fn run(definition: &str) -> workflow::FinishedRun {
    run_with(definition, options())
}

fn eval(record: &Value, expression: &str) -> String {
    let ctx = RunContext::from_value(record).unwrap_or_else(|e| panic!("{e}"));
    match workflow::engine().eval(expression, &ctx) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

/// Runs each case and checks `expression → expected JSON` pairs and the run status.
/// A case: label, the actions, the run status, and `expression → expected JSON` checks.
type Case<'a> = (&'a str, &'a str, Status, &'a [(&'a str, &'a str)]);

fn check_cases(cases: &[Case<'_>]) {
    for (label, actions, status, checks) in cases {
        let finished = run(&flow(actions));
        assert_eq!(finished.status, *status, "{label}: run status\n{}", finished.summary);
        for (expression, expected) in *checks {
            let got = eval(&finished.record, expression);
            assert_eq!(got, *expected, "{label}: {expression}\n{}", finished.summary);
        }
    }
}

#[test]
fn data_actions() {
    check_cases(&[
        (
            "compose keeps types",
            r#"{"C": {"type": "Compose", "inputs": {"n": "@add(1, 2)", "s": "@{add(1, 2)}"}}}"#,
            Status::Succeeded,
            &[
                ("outputs('C')", r#"{"n":3,"s":"3"}"#),
                ("actions('C').status", r#""Succeeded""#),
                ("actions('C').code", r#""NotSpecified""#),
            ],
        ),
        (
            "compose body",
            r#"{"C": {"type": "compose", "inputs": {"body": [1]}}}"#,
            Status::Succeeded,
            &[("body('C')", "[1]")],
        ),
        (
            "query",
            r#"{"Q": {"type": "Query", "inputs": {"from": "@createArray(1, 5, 2, 8)", "where": "@greater(item(), 2)"}}}"#,
            Status::Succeeded,
            &[("body('Q')", "[5,8]")],
        ),
        (
            "query none",
            r#"{"Q": {"type": "Query", "inputs": {"from": "@createArray(1)", "where": "@greater(item(), 2)"}}}"#,
            Status::Succeeded,
            &[("body('Q')", "[]")],
        ),
        (
            "query non-array",
            r#"{"Q": {"type": "Query", "inputs": {"from": "@json('{}')", "where": "@true"}}}"#,
            Status::Failed,
            &[("actions('Q').code", r#""InvalidTemplate""#)],
        ),
        (
            "select object",
            r#"{"S": {"type": "Select", "inputs": {"from": "@createArray(1, 2)", "select": {"v": "@item()", "d": "@mul(item(), 2)"}}}}"#,
            Status::Succeeded,
            &[("body('S')", r#"[{"v":1,"d":2},{"v":2,"d":4}]"#)],
        ),
        (
            "select scalar",
            r#"{"S": {"type": "Select", "inputs": {"from": "@createArray('a', 'b')", "select": "@concat(item(), '!')"}}}"#,
            Status::Succeeded,
            &[("body('S')", r#"["a!","b!"]"#)],
        ),
        (
            "join",
            r#"{"J": {"type": "Join", "inputs": {"from": "@createArray(1, 2, 3, 4)", "joinWith": ","}}}"#,
            Status::Succeeded,
            &[("body('J')", r#""1,2,3,4""#)],
        ),
        (
            "table csv",
            r#"{"T": {"type": "Table", "inputs": {"format": "CSV", "from": "@json('[{\"ID\":0,\"Product_Name\":\"Apples\"},{\"ID\":1,\"Product_Name\":\"Oranges\"}]')"}}}"#,
            Status::Succeeded,
            &[("body('T')", r#""ID,Product_Name\n0,Apples\n1,Oranges""#)],
        ),
        (
            "table columns",
            r#"{"T": {"type": "Table", "inputs": {"format": "csv", "from": "@createArray(1, 2)", "columns": [{"header": "N", "value": "@item()"}, {"header": "Double", "value": "@mul(item(), 2)"}]}}}"#,
            Status::Succeeded,
            &[("body('T')", r#""N,Double\n1,2\n2,4""#)],
        ),
        (
            "table html",
            r#"{"T": {"type": "Table", "inputs": {"format": "HTML", "from": "@json('[{\"a\":\"<x>\"}]')"}}}"#,
            Status::Succeeded,
            &[(
                "body('T')",
                r#""<table><thead><tr><th>a</th></tr></thead><tbody><tr><td>&lt;x&gt;</td></tr></tbody></table>""#,
            )],
        ),
        (
            "table bad format",
            r#"{"T": {"type": "Table", "inputs": {"format": "XLS", "from": "@createArray()"}}}"#,
            Status::Failed,
            &[],
        ),
        (
            "parse json",
            r#"{"P": {"type": "ParseJson", "inputs": {"content": "{\"id\": 7, \"name\": \"x\"}", "schema": {"type": "object", "properties": {"id": {"type": "integer"}}, "required": ["id"]}}}}"#,
            Status::Succeeded,
            &[("body('P')?['id']", "7")],
        ),
        (
            "parse json schema failure",
            r#"{"P": {"type": "ParseJson", "inputs": {"content": {"id": "seven"}, "schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}"#,
            Status::Failed,
            &[
                ("actions('P').code", r#""ValidationFailed""#),
                ("outputs('P')?['errors']?[0]?['path']", r#""/id""#),
            ],
        ),
        (
            "parse json invalid",
            r#"{"P": {"type": "ParseJson", "inputs": {"content": "{nope", "schema": {}}}}"#,
            Status::Failed,
            &[("actions('P').code", r#""InvalidJSON""#)],
        ),
    ]);
}

#[test]
fn variables() {
    check_cases(&[
        (
            "every variable action",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 5}]}},
            "A": {"type": "InitializeVariable", "runAfter": {"I": ["Succeeded"]}, "inputs": {"variables": [{"name": "list", "type": "array"}]}},
            "S": {"type": "InitializeVariable", "runAfter": {"A": ["Succeeded"]}, "inputs": {"variables": [{"name": "text", "type": "String", "value": "a"}]}},
            "Inc": {"type": "IncrementVariable", "runAfter": {"S": ["Succeeded"]}, "inputs": {"name": "n"}},
            "Inc3": {"type": "incrementvariable", "runAfter": {"Inc": ["Succeeded"]}, "inputs": {"name": "n", "value": 3}},
            "Dec": {"type": "DecrementVariable", "runAfter": {"Inc3": ["Succeeded"]}, "inputs": {"name": "n", "value": 2}},
            "App": {"type": "AppendToArrayVariable", "runAfter": {"Dec": ["Succeeded"]}, "inputs": {"name": "list", "value": {"x": "@variables('n')"}}},
            "AppS": {"type": "AppendToStringVariable", "runAfter": {"App": ["Succeeded"]}, "inputs": {"name": "text", "value": "@variables('n')"}},
            "Set": {"type": "SetVariable", "runAfter": {"AppS": ["Succeeded"]}, "inputs": {"name": "text", "value": "@concat(variables('text'), '!')"}}
        }"#,
            Status::Succeeded,
            &[
                ("variables('n')", "7"),
                ("variables('list')", r#"[{"x":7}]"#),
                ("variables('text')", r#""a7!""#),
                ("body('Inc3')", r#"{"name":"n","value":9}"#),
                ("body('Set')?['value']", r#""a7!""#),
            ],
        ),
        (
            "type mismatch fails the action",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 1}]}},
            "Set": {"type": "SetVariable", "runAfter": {"I": ["Succeeded"]}, "inputs": {"name": "n", "value": "text"}}
        }"#,
            Status::Failed,
            &[(
                "actions('Set').error.message",
                r#""The variable 'n' of type 'Integer' cannot be initialized or updated with a value of type 'String'. The variable 'n' only supports values of type 'Integer'.""#,
            )],
        ),
        (
            "increment a string fails",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "s", "type": "string", "value": "x"}]}},
            "Inc": {"type": "IncrementVariable", "runAfter": {"I": ["Succeeded"]}, "inputs": {"name": "s"}}
        }"#,
            Status::Failed,
            &[("actions('Inc').status", r#""Failed""#)],
        ),
        (
            "undeclared variable",
            r#"{"Set": {"type": "SetVariable", "inputs": {"name": "nope", "value": 1}}}"#,
            Status::Failed,
            &[("actions('Set').code", r#""InvalidVariableValue""#)],
        ),
        (
            "several variables in one action",
            r#"{"I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "a", "type": "boolean", "value": true}, {"name": "b", "type": "object"}]}}}"#,
            Status::Succeeded,
            &[("variables('a')", "true"), ("variables('b')", "{}")],
        ),
        (
            "float takes integers",
            r#"{"I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "f", "type": "float", "value": 2}]}},
            "Inc": {"type": "IncrementVariable", "runAfter": {"I": ["Succeeded"]}, "inputs": {"name": "f", "value": 0.5}}}"#,
            Status::Succeeded,
            &[("variables('f')", "2.5")],
        ),
    ]);
}

#[test]
fn conditions_and_switch() {
    check_cases(&[
        (
            "if object form",
            r#"{"If": {"type": "If", "expression": {"and": [{"greater": [5, 3]}, {"not": {"equals": ["y", "x"]}}]},
            "actions": {"Yes": {"type": "Compose", "inputs": 1}}, "else": {"actions": {"No": {"type": "Compose", "inputs": 2}}}}}"#,
            Status::Succeeded,
            &[
                ("outputs('Yes')", "1"),
                ("actions('No').status", r#""Skipped""#),
                ("actions('No').code", r#""ActionBranchingConditionNotSatisfied""#),
                ("actions('If').inputs.expressionResult", "true"),
            ],
        ),
        (
            "if expression form, else",
            r#"{"If": {"type": "if", "expression": "@equals(1, 2)",
            "actions": {"Yes": {"type": "Compose", "inputs": 1}}, "else": {"actions": {"No": {"type": "Compose", "inputs": 2}}}}}"#,
            Status::Succeeded,
            &[("outputs('No')", "2"), ("actions('Yes').status", r#""Skipped""#)],
        ),
        (
            "or / less / contains / startsWith / endsWith / lessOrEquals / greaterOrEquals",
            r#"{"If": {"type": "If", "expression": {"or": [{"less": [5, 3]}, {"and": [{"contains": ["abc", "b"]}, {"startsWith": ["Hello", "he"]}, {"endsWith": ["abc", "C"]}, {"lessOrEquals": [1, 1]}, {"greaterOrEquals": [2, 1]}]}]},
            "actions": {"Yes": {"type": "Compose", "inputs": 1}}}}"#,
            Status::Succeeded,
            &[("outputs('Yes')", "1")],
        ),
        (
            "non-boolean condition fails",
            r#"{"If": {"type": "If", "expression": "@'yes'", "actions": {}}}"#,
            Status::Failed,
            &[("actions('If').code", r#""InvalidTemplate""#)],
        ),
        (
            "failure inside a branch fails the condition",
            r#"{"If": {"type": "If", "expression": "@true", "actions": {"Bad": {"type": "Compose", "inputs": "@div(1, 0)"}}}}"#,
            Status::Failed,
            &[("actions('If').status", r#""Failed""#), ("actions('If').code", r#""ActionFailed""#)],
        ),
        (
            "switch case",
            r#"{"Sw": {"type": "Switch", "expression": "@add(400, 29)", "cases": {
                "A": {"case": 429, "actions": {"In_A": {"type": "Compose", "inputs": "a"}}},
                "B": {"case": "x", "actions": {"In_B": {"type": "Compose", "inputs": "b"}}}},
            "default": {"actions": {"In_Default": {"type": "Compose", "inputs": "d"}}}}}"#,
            Status::Succeeded,
            &[
                ("outputs('In_A')", r#""a""#),
                ("actions('In_B').status", r#""Skipped""#),
                ("actions('In_Default').status", r#""Skipped""#),
                ("actions('Sw').inputs.case", r#""A""#),
            ],
        ),
        (
            "switch default",
            r#"{"Sw": {"type": "switch", "expression": "y", "cases": {"B": {"case": "x", "actions": {"In_B": {"type": "Compose", "inputs": "b"}}}},
            "default": {"actions": {"In_Default": {"type": "Compose", "inputs": "d"}}}}}"#,
            Status::Succeeded,
            &[("outputs('In_Default')", r#""d""#), ("actions('In_B').status", r#""Skipped""#)],
        ),
    ]);
}

#[test]
fn loops() {
    check_cases(&[
        (
            "foreach sequential keeps order",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "seen", "type": "array"}]}},
            "Loop": {"type": "Foreach", "runAfter": {"I": ["Succeeded"]}, "foreach": "@createArray('a', 'b', 'c')", "operationOptions": "Sequential",
                "actions": {"Add": {"type": "AppendToArrayVariable", "inputs": {"name": "seen", "value": "@concat(item(), string(iterationIndexes('Loop')))"}}}}
        }"#,
            Status::Succeeded,
            &[("variables('seen')", r#"["a0","b1","c2"]"#), ("actions('Loop').iterationCount", "3")],
        ),
        (
            "foreach parallel loses no increment",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 0}]}},
            "Loop": {"type": "Foreach", "runAfter": {"I": ["Succeeded"]}, "foreach": "@range(0, 200)",
                "actions": {"Inc": {"type": "IncrementVariable", "inputs": {"name": "n", "value": "@item()"}}}}
        }"#,
            Status::Succeeded,
            &[("variables('n')", "19900")],
        ),
        (
            "nested foreach reads items of the outer loop",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "pairs", "type": "array"}]}},
            "Outer": {"type": "Foreach", "runAfter": {"I": ["Succeeded"]}, "foreach": "@createArray(1, 2)", "operationOptions": "Sequential",
                "actions": {"Inner": {"type": "Foreach", "foreach": "@createArray('x', 'y')",
                    "actions": {"Add": {"type": "AppendToArrayVariable", "inputs": {"name": "pairs", "value": "@concat(string(items('Outer')), items('Inner'))"}}}}}}
        }"#,
            Status::Succeeded,
            &[("variables('pairs')", r#"["1x","1y","2x","2y"]"#)],
        ),
        (
            "inner records are per iteration",
            r#"{
            "Loop": {"type": "Foreach", "foreach": "@range(0, 30)", "actions": {
                "Double": {"type": "Compose", "inputs": "@mul(item(), 2)"},
                "Check": {"type": "Compose", "runAfter": {"Double": ["Succeeded"]}, "inputs": "@equals(outputs('Double'), mul(item(), 2))"}}},
            "All": {"type": "Query", "runAfter": {"Loop": ["Succeeded"]}, "inputs": {"from": "@result('Loop')[1]['outputs']", "where": "@equals(item()['outputs'], false)"}}
        }"#,
            Status::Succeeded,
            &[
                ("body('All')", "[]"),
                ("result('Loop')[1]['repetitionCount']", "30"),
                ("result('Loop')[0]['name']", r#""Double""#),
            ],
        ),
        (
            "a failed iteration fails the loop",
            r#"{"Loop": {"type": "Foreach", "foreach": "@createArray(1, 0, 2)", "actions": {"Div": {"type": "Compose", "inputs": "@div(1, item())"}}}}"#,
            Status::Failed,
            &[("actions('Loop').status", r#""Failed""#), ("result('Loop')[0]['status']", r#""Failed""#)],
        ),
        (
            "foreach over a non-array",
            r#"{"Loop": {"type": "Foreach", "foreach": "@json('{}')", "actions": {}}}"#,
            Status::Failed,
            &[(
                "actions('Loop').error.message",
                r#""The execution of template action 'Loop' failed: the result of the evaluation of 'foreach' expression '@json('{}')' is of type 'Object'. The result must be a valid array.""#,
            )],
        ),
        (
            "until runs the body before the check",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "n", "type": "integer", "value": 10}]}},
            "U": {"type": "Until", "runAfter": {"I": ["Succeeded"]}, "expression": "@greater(variables('n'), 5)", "limit": {"count": 60, "timeout": "PT1H"},
                "actions": {"Inc": {"type": "IncrementVariable", "inputs": {"name": "n"}}}}
        }"#,
            Status::Succeeded,
            &[("variables('n')", "11"), ("actions('U').iterationCount", "1")],
        ),
        (
            "until stops at its count",
            r#"{
            "I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "idx", "type": "array"}]}},
            "U": {"type": "Until", "runAfter": {"I": ["Succeeded"]}, "expression": "@equals(1, 2)", "limit": {"count": 3},
                "actions": {"Add": {"type": "AppendToArrayVariable", "inputs": {"name": "idx", "value": "@iterationIndexes('U')"}}}}
        }"#,
            Status::Succeeded,
            &[
                ("variables('idx')", "[0,1,2]"),
                ("actions('U').limitReached", r#""the count limit of 3 iterations""#),
            ],
        ),
        (
            "until with FailWhenLimitsReached",
            r#"{"U": {"type": "Until", "expression": {"equals": [1, 2]}, "limit": {"count": 2}, "operationOptions": "FailWhenLimitsReached",
            "actions": {"C": {"type": "Compose", "inputs": 1}}}}"#,
            Status::Failed,
            &[("actions('U').code", r#""UntilLimitReached""#)],
        ),
        (
            "until timeout is checked per iteration",
            r#"{"U": {"type": "Until", "expression": "@false", "limit": {"count": 5000, "timeout": "PT1M"},
            "actions": {"W": {"type": "Wait", "inputs": {"interval": {"count": 25, "unit": "Second"}}}}}}"#,
            Status::Succeeded,
            &[
                ("contains(actions('U').limitReached, 'the timeout of PT1M')", "true"),
                ("lessOrEquals(actions('U').iterationCount, 3)", "true"),
            ],
        ),
        (
            "until fails when its last iteration fails",
            r#"{"U": {"type": "Until", "expression": "@true", "actions": {"Bad": {"type": "Compose", "inputs": "@div(1, 0)"}}}}"#,
            Status::Failed,
            &[("actions('U').status", r#""Failed""#)],
        ),
    ]);
}

#[test]
fn scopes_terminate_wait_response() {
    check_cases(&[
        (
            "try/catch with result()",
            r#"{
            "Try": {"type": "Scope", "actions": {"Ok": {"type": "Compose", "inputs": 1}, "Bad": {"type": "Compose", "runAfter": {"Ok": ["Succeeded"]}, "inputs": "@div(1, 0)"}}},
            "Catch": {"type": "Scope", "runAfter": {"Try": ["Failed", "TimedOut"]}, "actions": {
                "Failures": {"type": "Query", "inputs": {"from": "@result('Try')", "where": "@equals(item()['status'], 'Failed')"}}}}
        }"#,
            Status::Succeeded,
            &[
                ("actions('Try').status", r#""Failed""#),
                ("actions('Try').error.message", r#""An action failed. No dependent actions succeeded.""#),
                ("body('Failures')[0]['name']", r#""Bad""#),
                ("length(body('Failures'))", "1"),
                ("actions('Bad').code", r#""InvalidTemplate""#),
            ],
        ),
        (
            "an empty scope succeeds",
            r#"{"S": {"type": "Scope", "actions": {}}}"#,
            Status::Succeeded,
            &[("actions('S').status", r#""Succeeded""#)],
        ),
        (
            "terminate failed",
            r#"{
            "T": {"type": "Terminate", "inputs": {"runStatus": "Failed", "runError": {"code": "Nope", "message": "stopped"}}},
            "After": {"type": "Compose", "runAfter": {"T": ["Succeeded"]}, "inputs": 1}
        }"#,
            Status::Failed,
            &[
                ("actions('After').status", r#""Skipped""#),
                ("actions('After').code", r#""Terminated""#),
                ("actions('T').status", r#""Succeeded""#),
            ],
        ),
        (
            "terminate succeeded overrides a failure",
            r#"{
            "Bad": {"type": "Compose", "inputs": "@div(1, 0)"},
            "T": {"type": "Terminate", "runAfter": {"Bad": ["Failed"]}, "inputs": {"runStatus": "Succeeded"}}
        }"#,
            Status::Succeeded,
            &[],
        ),
        (
            "terminate cancelled",
            r#"{"T": {"type": "Terminate", "inputs": {"runStatus": "Cancelled"}}}"#,
            Status::Cancelled,
            &[],
        ),
        (
            "wait interval on the scaled clock",
            r#"{"W": {"type": "Wait", "inputs": {"interval": {"count": 2, "unit": "Hour"}}}}"#,
            Status::Succeeded,
            &[("actions('W').status", r#""Succeeded""#)],
        ),
        (
            "wait until",
            r#"{"W": {"type": "Wait", "inputs": {"until": {"timestamp": "2024-01-15T10:31:00Z"}}}}"#,
            Status::Succeeded,
            &[],
        ),
        (
            "wait with both forms fails",
            r#"{"W": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Second"}, "until": {"timestamp": "2024-01-15T10:31:00Z"}}}}"#,
            Status::Failed,
            &[],
        ),
        (
            "response",
            r#"{"R": {"type": "Response", "kind": "Http", "inputs": {"statusCode": 201, "headers": {"X": "1"}, "body": {"ok": true}}}}"#,
            Status::Succeeded,
            &[("outputs('R')", r#"{"statusCode":201,"headers":{"X":"1"},"body":{"ok":true}}"#)],
        ),
        (
            "a second response fails",
            r#"{"R": {"type": "Response", "inputs": {}}, "R2": {"type": "Response", "runAfter": {"R": ["Succeeded"]}, "inputs": {"statusCode": 400}}}"#,
            Status::Failed,
            &[("actions('R2').code", r#""ActionResponseAlreadySent""#)],
        ),
        (
            "a 3xx response fails",
            r#"{"R": {"type": "Response", "inputs": {"statusCode": 302}}}"#,
            Status::Failed,
            &[],
        ),
    ]);
}

#[test]
fn run_after_rules() {
    // B runs after A with the listed statuses; A succeeds, fails, or is skipped.
    let a_succeeds = r#"{"type": "Compose", "inputs": 1}"#;
    let a_fails = r#"{"type": "Compose", "inputs": "@div(1, 0)"}"#;
    let a_skipped = r#"{"type": "Compose", "runAfter": {"Z": ["Failed"]}, "inputs": 1}"#;
    for (a, statuses, b_runs) in [
        (a_succeeds, r#"["Succeeded"]"#, true),
        (a_succeeds, r#"["FAILED"]"#, false),
        (a_fails, r#"["Failed"]"#, true),
        (a_fails, r#"["Succeeded"]"#, false),
        (a_fails, r#"["Succeeded", "failed"]"#, true),
        (a_skipped, r#"["Skipped"]"#, true),
        (a_skipped, r#"["Succeeded"]"#, false),
        (a_skipped, r#"["Failed", "TimedOut"]"#, false),
        (a_fails, r#"["TimedOut"]"#, false),
    ] {
        let actions = format!(
            r#"{{"Z": {{"type": "Compose", "inputs": 0}}, "A": {a}, "B": {{"type": "Compose", "runAfter": {{"A": {statuses}}}, "inputs": 2}}}}"#
        );
        let finished = run(&flow(&actions));
        let b = eval(&finished.record, "actions('B').status");
        assert_eq!(b, if b_runs { r#""Succeeded""# } else { r#""Skipped""# }, "A = {a}, B after {statuses}");
        if !b_runs {
            let message = eval(&finished.record, "actions('B').error.message");
            assert!(
                message.contains("the 'runAfter' condition for action 'A' is not satisfied"),
                "{message}"
            );
        }
    }
}

#[test]
fn run_status_follows_the_branch_ends() {
    check_cases(&[
        (
            "a skip cascades",
            r#"{"A": {"type": "Compose", "inputs": "@div(1, 0)"}, "B": {"type": "Compose", "runAfter": {"A": ["Succeeded"]}, "inputs": 1},
            "C": {"type": "Compose", "runAfter": {"B": ["Succeeded"]}, "inputs": 1}}"#,
            Status::Failed,
            &[("actions('C').status", r#""Skipped""#), ("actions('B').code", r#""ActionConditionFailed""#)],
        ),
        (
            "a handled failure succeeds",
            r#"{"A": {"type": "Compose", "inputs": "@div(1, 0)"}, "Handle": {"type": "Compose", "runAfter": {"A": ["Failed"]}, "inputs": 1}}"#,
            Status::Succeeded,
            &[],
        ),
        (
            "a branch ending in a skip after success succeeds",
            r#"{"A": {"type": "Compose", "inputs": 1}, "OnFail": {"type": "Compose", "runAfter": {"A": ["Failed"]}, "inputs": 1}}"#,
            Status::Succeeded,
            &[("actions('OnFail').status", r#""Skipped""#)],
        ),
        (
            "a failed parallel branch fails the run",
            r#"{"A": {"type": "Compose", "inputs": 1}, "B": {"type": "Compose", "inputs": "@div(1, 0)"}}"#,
            Status::Failed,
            &[("actions('A').status", r#""Succeeded""#)],
        ),
        (
            "a join waits for every predecessor",
            r#"{"A": {"type": "Wait", "inputs": {"interval": {"count": 1, "unit": "Minute"}}}, "B": {"type": "Compose", "inputs": 1},
            "J": {"type": "Compose", "runAfter": {"A": ["Succeeded"], "B": ["Succeeded"]}, "inputs": "@actions('A').status"}}"#,
            Status::Succeeded,
            &[("outputs('J')", r#""Succeeded""#)],
        ),
        (
            "the trigger may be named in runAfter",
            r#"{"A": {"type": "Compose", "runAfter": {"manual": ["Succeeded"]}, "inputs": "@triggerBody()"}}"#,
            Status::Succeeded,
            &[],
        ),
    ]);
}

#[test]
fn independent_branches_overlap() {
    let finished = run(&flow(
        r#"{"A": {"type": "Wait", "inputs": {"interval": {"count": 30, "unit": "Minute"}}},
            "B": {"type": "Wait", "inputs": {"interval": {"count": 30, "unit": "Minute"}}}}"#,
    ));
    // Each branch waits 30 (nominal) minutes; run together they end well before an hour.
    let started = eval(&finished.record, "actions('B').startTime");
    let a_ended = eval(&finished.record, "actions('A').endTime");
    assert!(started < a_ended, "B started {started}, A ended {a_ended}");
    let start =
        chrono::DateTime::parse_from_rfc3339(&eval(&finished.record, "trigger().startTime").replace('"', ""));
    let end = chrono::DateTime::parse_from_rfc3339(
        finished
            .record
            .member("endTime")
            .and_then(|e| e.as_str().map(str::to_string))
            .unwrap_or_default()
            .as_str(),
    );
    if let (Ok(s), Ok(e)) = (start, end) {
        assert!((e - s).num_minutes() < 55, "the two 30-minute waits overlapped: {}", (e - s).num_minutes());
    }
}

#[test]
fn expression_errors_point_at_the_string() {
    let finished = run(&flow(
        r#"{"Scope": {"type": "Scope", "actions": {"C": {"type": "Compose", "inputs": {"a": ["x", "@{variables('missing')}"]}}}}}"#,
    ));
    let message = eval(&finished.record, "actions('C').error.message");
    assert!(message.contains("/actions/Scope/actions/C/inputs/a/1"), "{message}");
    assert!(message.contains("The variable 'missing' is not found") && message.contains('^'), "{message}");
    assert_eq!(eval(&finished.record, "actions('C').code"), r#""InvalidTemplate""#);
}

#[test]
fn mocks_answer_connectors_and_http() {
    let definition = flow(
        r#"{"Send": {"type": "ApiConnection", "inputs": {"host": {"connection": {"name": "x"}}, "method": "post", "path": "/mail"}},
            "Get": {"type": "Http", "runAfter": {"Send": ["Succeeded"]}, "inputs": {"method": "GET", "uri": "https://api.example.invalid/items", "queries": {"a b": "1&2"},
                "retryPolicy": {"type": "fixed", "count": 3, "interval": "PT10S"}}},
            "Page": {"type": "Http", "runAfter": {"Get": ["Succeeded"]}, "inputs": {"method": "GET", "uri": "https://api.example.invalid/pages"},
                "runtimeConfiguration": {"paginationPolicy": {"minimumItemCount": 10}}}}"#,
    );
    let mocks = Mocks::from_json_str(
        r#"{"actions": {"Send": {"statusCode": 200, "body": {"sent": true}},
                        "Get": [{"statusCode": 503}, {"statusCode": 429, "headers": {"Retry-After": "1"}}, {"statusCode": 200, "body": [1, 2]}]},
            "http": [{"method": "GET", "url": "https://api.example.invalid/pages", "responses": [
                {"body": {"value": [1, 2], "nextLink": "https://api.example.invalid/pages2"}}]},
                     {"url": "https://api.example.invalid/pages2", "response": {"body": {"value": [3]}}}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let finished = run_with(&definition, RunOptions { mocks, ..options() });
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    assert_eq!(eval(r, "body('Send')"), r#"{"sent":true}"#);
    assert_eq!(eval(r, "body('Get')"), "[1,2]");
    assert_eq!(eval(r, "length(actions('Get').attempts)"), "3");
    assert_eq!(eval(r, "actions('Get').attempts[1].waitBeforeNext"), r#""PT1S""#, "Retry-After on 429");
    assert_eq!(eval(r, "actions('Get').attempts[0].waitBeforeNext"), r#""PT10S""#, "the fixed interval");
    assert_eq!(
        eval(r, "actions('Get').attempts[0].uri"),
        r#""https://api.example.invalid/items?a%20b=1%262""#
    );
    assert_eq!(eval(r, "body('Page')"), r#"{"value":[1,2,3]}"#);

    let unmocked = Workflow::from_json_str(&flow(r#"{"Send": {"type": "ApiConnection", "inputs": {}}}"#))
        .unwrap_or_else(|e| panic!("{e}"));
    let e = workflow::run(&unmocked, options()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("'Send' (ApiConnection"), "{e}");
    let typo = Mocks::from_json_str(r#"{"actions": {"Nope": {}}}"#).unwrap_or_else(|e| panic!("{e}"));
    assert!(workflow::run(&unmocked, RunOptions { mocks: typo, ..options() }).is_err());
}

#[test]
fn failed_http_actions_keep_their_outputs() {
    let definition = flow(
        r#"{"Get": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x.invalid/a", "retryPolicy": {"type": "none"}}}}"#,
    );
    let mocks = Mocks::from_json_str(r#"{"http": [{"url": "https://x.invalid/*", "response": {"statusCode": 404, "body": {"error": "gone"}}}]}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    let finished = run_with(&definition, RunOptions { mocks, ..options() });
    assert_eq!(finished.status, Status::Failed);
    assert_eq!(eval(&finished.record, "actions('Get').code"), r#""NotFound""#);
    assert_eq!(eval(&finished.record, "outputs('Get').statusCode"), "404");
    assert_eq!(eval(&finished.record, "body('Get').error"), r#""gone""#);
}

#[test]
fn parameters_types_defaults_files_and_environment() {
    let definition = r#"{"parameters": {
            "n": {"type": "Int", "defaultValue": 1},
            "f": {"type": "float", "defaultValue": 1.5},
            "s": {"type": "string", "allowedValues": ["a", "b"], "defaultValue": "a"},
            "secret": {"type": "securestring"},
            "list": {"type": "array", "defaultValue": []}},
        "triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"C": {"type": "Compose", "inputs": {"n": "@parameters('n')", "f": "@parameters('f')", "s": "@parameters('s')",
            "auth": "Bearer @{parameters('secret')}", "list": "@parameters('list')"}}}}"#;
    let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e}"));
    let file = workflow::params::parameters_from_value(&json(r#"{"n": {"value": 5}, "list": [1]}"#))
        .unwrap_or_default();
    let env = vec![
        ("FLOWEXPR_PARAM_SECRET".to_string(), "hunter22".to_string()),
        ("FLOWEXPR_PARAM_f".to_string(), "2".to_string()),
    ];
    let finished =
        workflow::run(&wf, RunOptions { parameters: file.clone(), environment: env.clone(), ..options() })
            .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(finished.status, Status::Succeeded);
    let record = finished.record.to_string();
    assert!(!record.contains("hunter22"), "the secret is redacted everywhere: {record}");
    assert_eq!(
        eval(&finished.record, "outputs('C')"),
        r#"{"n":5,"f":2.0,"s":"a","auth":"Bearer ***","list":[1]}"#
    );
    assert_eq!(eval(&finished.record, "parameters('secret')"), r#""***""#);

    for (supplied, env, fragment) in [
        (r#"{}"#, vec![], "parameter 'secret' (securestring) has no value"),
        (
            r#"{"n": "five"}"#,
            env.clone(),
            "parameter 'n' is of type int, but the value from the parameters file is String",
        ),
        (r#"{"s": "c"}"#, env.clone(), "is not one of its allowedValues"),
        (
            r#"{}"#,
            vec![("FLOWEXPR_PARAM_n".to_string(), "x".to_string()), env[0].clone()],
            "FLOWEXPR_PARAM_n",
        ),
    ] {
        let parameters = workflow::params::parameters_from_value(&json(supplied)).unwrap_or_default();
        let e = workflow::run(&wf, RunOptions { parameters, environment: env, ..options() })
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(e.contains(fragment), "{supplied}: {e}");
    }
}

#[test]
fn definitions_are_validated_with_pointers() {
    // Ten scopes around the Compose: one more than the service accepts (1 + 8).
    let deep = (0..10).fold(r#"{"type": "Compose", "inputs": 1}"#.to_string(), |inner, i| {
        format!(r#"{{"type": "Scope", "actions": {{"S{i}": {inner}}}}}"#)
    });
    let many_cases: String =
        (0..26).map(|i| format!(r#""C{i}": {{"case": {i}, "actions": {{}}}}"#)).collect::<Vec<_>>().join(",");
    for (label, actions, fragment) in [
        (
            "unknown runAfter",
            r#"{"A": {"type": "Compose", "inputs": 1, "runAfter": {"Nope": ["Succeeded"]}}}"#,
            "/actions/A/runAfter/Nope",
        ),
        (
            "cycle",
            r#"{"A": {"type": "Compose", "runAfter": {"B": []}}, "B": {"type": "Compose", "runAfter": {"A": []}}}"#,
            "cycle",
        ),
        (
            "bad status",
            r#"{"A": {"type": "Compose"}, "B": {"type": "Compose", "runAfter": {"A": ["Done"]}}}"#,
            "/actions/B/runAfter/A/0",
        ),
        (
            "duplicate names",
            r#"{"A": {"type": "Scope", "actions": {"a": {"type": "Compose"}}}}"#,
            "used twice",
        ),
        ("nesting", &format!(r#"{{"Top": {deep}}}"#), "nested inside 10 control actions"),
        (
            "switch cases",
            &format!(r#"{{"Sw": {{"type": "Switch", "expression": 1, "cases": {{{many_cases}}}}}}}"#),
            "the limit is 25",
        ),
        (
            "repetitions",
            r#"{"L": {"type": "Foreach", "foreach": "@createArray()", "runtimeConfiguration": {"concurrency": {"repetitions": 51}}, "actions": {}}}"#,
            "from 1 to 50",
        ),
        (
            "sequential twice",
            r#"{"L": {"type": "Foreach", "foreach": "@createArray()", "operationOptions": "Sequential", "runtimeConfiguration": {"concurrency": {"repetitions": 1}}, "actions": {}}}"#,
            "not both",
        ),
        (
            "until count",
            r#"{"U": {"type": "Until", "expression": "@true", "limit": {"count": 5001}, "actions": {}}}"#,
            "from 1 to 5000",
        ),
        (
            "until timeout",
            r#"{"U": {"type": "Until", "expression": "@true", "limit": {"timeout": "soon"}, "actions": {}}}"#,
            "/actions/U/limit/timeout",
        ),
        (
            "nested variable",
            r#"{"S": {"type": "Scope", "actions": {"I": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "x", "type": "string"}]}}}}}"#,
            "top level",
        ),
        (
            "terminate in a loop",
            r#"{"L": {"type": "Foreach", "foreach": "@createArray()", "actions": {"T": {"type": "Terminate", "inputs": {"runStatus": "Failed"}}}}}"#,
            "cannot be placed inside a Foreach",
        ),
        ("syntax", r#"{"C": {"type": "Compose", "inputs": {"x": "@concat('a'"}}}"#, "/actions/C/inputs/x"),
        (
            "condition operator",
            r#"{"If": {"type": "If", "expression": {"like": [1, 2]}, "actions": {}}}"#,
            "/actions/If/expression/like",
        ),
        ("long name", &format!(r#"{{"{}": {{"type": "Compose"}}}}"#, "x".repeat(81)), "the limit is 80"),
    ] {
        let e = Workflow::from_json_str(&flow(actions)).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(fragment), "{label}: {e}");
    }
    let bad_http = Workflow::from_json_str(&flow(r#"{"H": {"type": "Http", "inputs": {"method": "GET", "uri": "https://x.invalid", "retryPolicy": {"type": "fixed", "count": 91, "interval": "PT5S"}}}}"#))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bad_http.invalid_actions().len(), 1);
    let e = workflow::run(&bad_http, options()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("'H'") && e.contains("/actions/H/inputs/retryPolicy"), "{e}");
    let too_many: String =
        (0..501).map(|i| format!(r#""A{i}": {{"type": "Compose"}}"#)).collect::<Vec<_>>().join(",");
    let e = Workflow::from_json_str(&flow(&format!("{{{too_many}}}")))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("501 actions; the limit is 500"), "{e}");
    assert!(Workflow::from_json_str(r#"{"foo": 1}"#).is_err());
    assert!(Workflow::from_json_str(
        r#"{"definition": {"triggers": {}, "actions": {}}, "kind": "Stateful"}"#
    )
    .is_ok_and(|w| w.is_standard()));
}

#[test]
fn trigger_body_headers_and_workflow() {
    let definition = flow(
        r#"{"C": {"type": "Compose", "inputs": {"id": "@triggerBody()?['id']", "h": "@triggerOutputs()['headers']['X-Test']",
        "q": "@triggerOutputs()?['queries']?['page']", "run": "@workflow()['run']['name']", "name": "@workflow().name"}}}"#,
    );
    let mut headers = Object::new();
    headers.insert("X-Test", Value::from("yes"));
    let mut queries = Object::new();
    queries.insert("page", Value::from("2"));
    let finished = run_with(
        &definition,
        RunOptions {
            trigger_body: Some(json(r#"{"id": 7}"#)),
            trigger_headers: headers,
            trigger_queries: queries,
            workflow_name: "orders".into(),
            ..options()
        },
    );
    assert_eq!(eval(&finished.record, "outputs('C')?['id']"), "7");
    assert_eq!(eval(&finished.record, "outputs('C')?['h']"), r#""yes""#);
    assert_eq!(eval(&finished.record, "outputs('C')?['q']"), r#""2""#);
    assert_eq!(eval(&finished.record, "outputs('C')?['name']"), r#""orders""#);
    assert_eq!(eval(&finished.record, "equals(outputs('C')?['run'], workflow().run.name)"), "true");
}

#[test]
fn summary_shows_the_tree() {
    let finished =
        run(&flow(r#"{"S": {"type": "Scope", "actions": {"Inner": {"type": "Compose", "inputs": 1}}}}"#));
    assert!(
        finished.summary.contains("Succeeded") && finished.summary.contains("    Inner"),
        "{}",
        finished.summary
    );
    assert!(
        finished.summary.trim_end().lines().last().is_some_and(|l| l.starts_with("Run Succeeded")),
        "{}",
        finished.summary
    );
}

#[test]
fn run_time_limits_fail_with_clear_errors() {
    let big = format!("[{}0]", "0,".repeat(100_000));
    let finished =
        run(&flow(&format!(r#"{{"L": {{"type": "Foreach", "foreach": {big}, "actions": {{}}}}}}"#)));
    assert_eq!(eval(&finished.record, "actions('L').code"), r#""ForeachItemsLimitExceeded""#);
    assert_eq!(
        eval(&finished.record, "actions('L').error.message"),
        r#""The 'foreach' of action 'L' has 100001 items; the limit is 100000 items.""#
    );
    let finished = run(&flow(&format!(
        r#"{{"I": {{"type": "InitializeVariable", "inputs": {{"variables": [{{"name": "a", "type": "array", "value": {big}}}]}}}}}}"#
    )));
    assert_eq!(
        eval(&finished.record, "actions('I').error.message"),
        r#""The array variable 'a' would hold 100001 items; the limit is 100000.""#
    );
    check_cases(&[(
        "until count from an expression",
        r#"{"U": {"type": "Until", "expression": "@true", "limit": {"count": "@add(5000, 1)"}, "actions": {}}}"#,
        Status::Failed,
        &[("actions('U').code", r#""InvalidTemplate""#)],
    )]);
    let outputs: String =
        (0..11).map(|i| format!(r#""o{i}": {{"type": "int", "value": 1}}"#)).collect::<Vec<_>>().join(",");
    let e = Workflow::from_json_str(&format!(
        r#"{{"triggers": {{}}, "actions": {{}}, "outputs": {{{outputs}}}}}"#
    ))
    .err()
    .map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.contains("11 outputs; the limit is 10")));
    let params: String = (0..51)
        .map(|i| format!(r#""p{i}": {{"type": "int", "defaultValue": 1}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let e = Workflow::from_json_str(&format!(
        r#"{{"parameters": {{{params}}}, "triggers": {{}}, "actions": {{}}}}"#
    ))
    .err()
    .map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.contains("51 parameters; the limit is 50")));
    assert!(
        Workflow::from_json_str(&format!(
            r#"{{"definition": {{"parameters": {{{params}}}, "triggers": {{}}, "actions": {{}}}}}}"#
        ))
        .is_ok(),
        "Standard allows 500"
    );
    let vars: String = (0..251)
        .map(|i| format!(r#""V{i}": {{"type": "InitializeVariable", "inputs": {{"variables": [{{"name": "v{i}", "type": "integer"}}]}}}}"#))
        .collect::<Vec<_>>()
        .join(",");
    let e = Workflow::from_json_str(&flow(&format!("{{{vars}}}"))).err().map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.contains("251 variables; the limit is 250")));
    let long = "d".repeat(257);
    let e = Workflow::from_json_str(&flow(&format!(
        r#"{{"A": {{"type": "Compose", "description": "{long}"}}}}"#
    )))
    .err()
    .map(|e| e.to_string());
    assert!(e.is_some_and(|e| e.contains("/actions/A/description")));
}

#[test]
fn workflow_outputs_and_loop_results_are_in_the_record() {
    let finished = run(r#"{"triggers": {}, "actions": {
        "L": {"type": "Foreach", "foreach": "@createArray(1, 2)", "actions": {"C": {"type": "Compose", "inputs": "@mul(item(), 10)"}}}},
        "outputs": {"total": {"type": "int", "value": "@add(1, 2)"}, "when": {"type": "string", "value": "@utcNow()"}}}"#);
    assert_eq!(eval(&finished.record, "length(result('L')[0]['outputs'])"), "2");
    let record = &finished.record;
    assert_eq!(record.member("outputs").and_then(|o| o.member("total")), Some(Value::Int(3)));
    assert_eq!(eval(record, "actions('C').repetitions[1].iterationIndexes"), r#"{"L":1}"#);
    assert_eq!(record.member("clock").map(|c| c.to_string()), Some(format!("\"{CLOCK}\"")));
}

#[test]
fn a_timed_out_http_action_runs_its_timed_out_handler() {
    let definition = flow(
        r#"{"Slow": {"type": "Http", "inputs": {"method": "GET", "uri": "https://slow.invalid/x"}, "limit": {"timeout": "PT10S"}},
            "Handle": {"type": "Compose", "runAfter": {"Slow": ["TimedOut"]}, "inputs": "@actions('Slow').code"},
            "Normal": {"type": "Compose", "runAfter": {"Slow": ["Succeeded", "Failed"]}, "inputs": 1}}"#,
    );
    // A 202 polled every 4 s (Retry-After) never finishes: limit.timeout ends the action.
    let mocks = Mocks::from_json_str(
        r#"{"http": [{"url": "https://slow.invalid/*", "response": {"statusCode": 202, "headers": {"Location": "https://slow.invalid/poll", "Retry-After": "4"}}}]}"#,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let finished = run_with(&definition, RunOptions { mocks, time_scale: 0.001, ..options() });
    // Normal ends its branch Skipped, so that branch takes Slow's status: the run Failed
    // although Handle ran (the branch-end rule).
    assert_eq!(finished.status, Status::Failed, "{}", finished.summary);
    assert_eq!(eval(&finished.record, "actions('Slow').status"), r#""TimedOut""#);
    assert_eq!(eval(&finished.record, "outputs('Handle')"), r#""ActionTimedOut""#);
    assert_eq!(eval(&finished.record, "actions('Normal').status"), r#""Skipped""#);
    assert_eq!(eval(&finished.record, "actions('Slow').attempts[1].kind"), r#""poll""#);
}

#[test]
fn values_nested_deeper_each_iteration_are_stopped() {
    // Each iteration wraps the previous output one level deeper; the run must fail with a
    // clear error before the value gets too deep to read back (or to drop safely).
    let finished = run(r#"{"triggers": {}, "actions": {
        "Init": {"type": "InitializeVariable", "inputs": {"variables": [{"name": "v", "type": "array", "value": []}]}},
        "Deeper": {"type": "Until", "runAfter": {"Init": ["Succeeded"]}, "expression": "@equals(1, 2)",
                   "limit": {"count": 500},
                   "actions": {"Wrap": {"type": "SetVariable", "inputs": {"name": "v", "value": "@createArray(variables('v'))"}}}}}}"#);
    let text = finished.record.to_string();
    assert!(text.contains("more than 128 levels deep"), "{text}");
    assert_eq!(finished.status.name(), "Failed");
}

/// A definition whose manual trigger has these extra fields, with one Compose of the body.
fn triggered(trigger_fields: &str) -> String {
    format!(
        r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http" {trigger_fields}}}}},
            "actions": {{"Echo": {{"type": "Compose", "inputs": "@triggerBody()?['id']"}}}}}}"#
    )
}

fn with_body(body: &str) -> RunOptions {
    RunOptions { trigger_body: Some(json(body)), ..options() }
}

#[test]
fn trigger_conditions_start_a_run_or_skip_it() {
    let def = triggered(
        r#", "conditions": [{"expression": "@greater(triggerBody()?['id'], 1)"},
                           {"expression": "@{equals(triggerOutputs()?['headers']?['Content-Type'], 'application/json')}"}]"#,
    );
    let met = run_with(&def, with_body(r#"{"id": 2}"#));
    assert_eq!(met.status, Status::Succeeded, "{}", met.summary);
    assert_eq!(eval(&met.record, "outputs('Echo')"), "2");

    let not_met = run_with(&def, with_body(r#"{"id": 1}"#));
    assert_eq!(not_met.status, Status::Skipped);
    assert_eq!(eval(&not_met.record, "trigger()?['status']"), r#""Skipped""#);
    assert_eq!(not_met.record.member("actions").map(|a| a.to_string()), Some("{}".to_string()));
    assert!(not_met.summary.contains("conditions were not met"), "{}", not_met.summary);

    // A condition that fails to evaluate stops the trigger, with the condition's pointer.
    let def = triggered(r#", "conditions": [{"expression": "@div(1, triggerBody()?['id'])"}]"#);
    let wf = Workflow::from_json_str(&def).unwrap_or_else(|e| panic!("{e:#}"));
    let e = workflow::run(&wf, with_body(r#"{"id": 0}"#))
        .err()
        .map(|e| (e.pointer().map(str::to_string), e.to_string()));
    assert!(
        e.as_ref().is_some_and(|(p, m)| p.as_deref() == Some("/triggers/manual/conditions/0/expression")
            && m.contains("the trigger condition failed")),
        "{e:?}"
    );
    // Malformed conditions are definition errors at load time.
    for (fields, pointer) in [
        (r#", "conditions": {"expression": "@true"}"#, "/triggers/manual/conditions"),
        (r#", "conditions": [{"exp": "@true"}]"#, "/triggers/manual/conditions/0"),
        (r#", "conditions": [{"expression": "@equals(1"}]"#, "/triggers/manual/conditions/0/expression"),
        (r#", "splitOn": ["@x"]"#, "/triggers/manual/splitOn"),
    ] {
        let e =
            Workflow::from_json_str(&triggered(fields)).err().and_then(|e| e.pointer().map(str::to_string));
        assert_eq!(e.as_deref(), Some(pointer), "{fields}");
    }
}

#[test]
fn split_on_starts_one_run_per_item() {
    let def = triggered(
        r#", "splitOn": "@triggerBody()?['value']",
             "conditions": [{"expression": "@not(equals(triggerBody()?['id'], 2))"}]"#,
    );
    let wf = Workflow::from_json_str(&def).unwrap_or_else(|e| panic!("{e:#}"));
    assert!(wf.has_split_on());
    let runs = workflow::fire(&wf, with_body(r#"{"value": [{"id": 1}, {"id": 2}, {"id": 3}]}"#))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let statuses: Vec<Status> = runs.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [Status::Succeeded, Status::Skipped, Status::Succeeded]);
    // Each run sees its item as the trigger body; the condition is checked per item.
    assert_eq!(eval(&runs[0].record, "outputs('Echo')"), "1");
    assert_eq!(eval(&runs[2].record, "outputs('Echo')"), "3");
    assert_eq!(eval(&runs[2].record, "triggerBody()"), r#"{"id":3}"#);
    assert_eq!(eval(&runs[1].record, "trigger()?['outputs']?['body']?['id']"), "2");

    // `run` wants exactly one run, and refuses before running anything.
    let sent = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let with_http = def.replace(
        r#""Echo": {"type": "Compose", "inputs": "@triggerBody()?['id']"}"#,
        r#""Echo": {"type": "Http", "inputs": {"method": "GET", "uri": "http://127.0.0.1:9/x"}}"#,
    );
    let http_wf = Workflow::from_json_str(&with_http).unwrap_or_else(|e| panic!("{e:#}"));
    let counting = RunOptions {
        transport: Some(std::sync::Arc::new(Counting(std::sync::Arc::clone(&sent)))),
        ..with_body(r#"{"value": [{"id": 1}, {"id": 3}]}"#)
    };
    assert!(workflow::run(&http_wf, counting).is_err());
    assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 0);
    // `fire` runs both, each sending its request.
    let counting = RunOptions {
        transport: Some(std::sync::Arc::new(Counting(std::sync::Arc::clone(&sent)))),
        ..with_body(r#"{"value": [{"id": 1}, {"id": 3}]}"#)
    };
    assert_eq!(workflow::fire(&http_wf, counting).map(|runs| runs.len()).ok(), Some(2));
    assert_eq!(sent.load(std::sync::atomic::Ordering::SeqCst), 2);
    let one = run_with(&def, with_body(r#"{"value": [{"id": 7}]}"#));
    assert_eq!(eval(&one.record, "outputs('Echo')"), "7");
    let many =
        workflow::run(&wf, with_body(r#"{"value": [{"id": 1}, {"id": 3}]}"#)).err().map(|e| e.to_string());
    assert!(many.as_deref().is_some_and(|m| m.contains("gave 2 items")), "{many:?}");
    let none = run_with(&def, with_body(r#"{"value": []}"#));
    assert_eq!(none.status, Status::Skipped);
    assert!(none.summary.contains("no items"), "{}", none.summary);

    // Something other than an array stops the trigger.
    let e = workflow::fire(&wf, with_body(r#"{"value": {"id": 1}}"#))
        .err()
        .map(|e| (e.pointer().map(str::to_string), e.to_string()));
    assert!(
        e.as_ref().is_some_and(|(p, m)| p.as_deref() == Some("/triggers/manual/splitOn")
            && m.contains("must give an array; it gave Object")),
        "{e:?}"
    );
}

#[test]
fn tracked_properties_are_evaluated_with_the_finished_action() {
    let def = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
            "actions": {
              "Price": {"type": "Compose", "inputs": {"sku": "@triggerBody()?['sku']", "amount": 12.5},
                "trackedProperties": {"sku": "@action()?['outputs']?['sku']", "status": "@action()['status']",
                                      "note": "order @{triggerBody()?['id']}"}},
              "Broken": {"type": "Compose", "inputs": 1, "runAfter": {"Price": ["Succeeded"]},
                "trackedProperties": {"x": "@div(1, 0)"}},
              "Never": {"type": "Compose", "inputs": 1, "runAfter": {"Price": ["Failed"]},
                "trackedProperties": {"x": "@action()['status']"}}
            }}"#;
    let finished = run_with(def, with_body(r#"{"id": 9, "sku": "A-1"}"#));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    assert_eq!(
        eval(&finished.record, "actions('Price')?['trackedProperties']"),
        r#"{"sku":"A-1","status":"Succeeded","note":"order 9"}"#
    );
    // A failing expression does not fail the action; the record says why.
    assert_eq!(eval(&finished.record, "actions('Broken')?['status']"), r#""Succeeded""#);
    assert!(eval(&finished.record, "actions('Broken')?['trackedPropertiesError']").contains("div"));
    // Skipped actions are not tracked.
    assert_eq!(eval(&finished.record, "actions('Never')?['trackedProperties']"), "null");
}

#[test]
fn action_in_an_until_condition_is_the_loop_itself() {
    let def = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http"}},
        "actions": {"Poll": {"type": "Until", "limit": {"count": 10, "timeout": "PT1H"},
            "expression": "@and(equals(action()?['name'], 'Poll'), equals(action()?['status'], 'Running'), greaterOrEquals(action()?['iterationCount'], 3))",
            "actions": {"Step": {"type": "Compose", "inputs": "@iterationIndexes('Poll')"}}}}}"#;
    let finished = run_with(def, options());
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    assert_eq!(eval(&finished.record, "actions('Poll')?['iterationCount']"), "3");
}

/// A transport that only counts what it is asked to send.
struct Counting(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl flowexpr::runtime::transport::Transport for Counting {
    fn send(
        &self,
        _: &flowexpr::runtime::transport::HttpRequest,
        _: std::time::Duration,
    ) -> Result<flowexpr::runtime::transport::HttpResponse, flowexpr::runtime::transport::TransportError>
    {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        Ok(flowexpr::runtime::transport::HttpResponse::new(200))
    }
}
