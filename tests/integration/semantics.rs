//! The language as real Power Automate exports use it: designer path keys
//! (`outputs('Get_items')?['body/value']`), `@@` escapes in values and object keys, and the
//! built-in Expression actions (Date Time, Text Functions). Each rule has a table here or in
//! its unit tests, and a run of a real flow from `tests/corpus/powerautomate` (with mocks
//! for its connector actions) that asserts the value the rule produced.

use flowexpr::project::{self, run::Environment, Project};
use flowexpr::value::{from_json_str, Value};
use flowexpr::workflow::{self, Mocks, RunOptions, Status, Workflow};
use flowexpr::RunContext;

const CLOCK: &str = "2024-01-15T10:30:00Z";

fn options(mocks: &str) -> RunOptions {
    RunOptions {
        clock: flowexpr::eval::context::parse_clock(CLOCK).ok(),
        time_scale: 0.0001,
        mocks: Mocks::from_json_str(mocks).unwrap_or_else(|e| panic!("{e}")),
        ..RunOptions::default()
    }
}

fn json(text: &str) -> Value {
    from_json_str(text).unwrap_or_else(|e| panic!("bad JSON in a test: {e}\n{text}"))
}

/// The forms a pnp sample is published in: its `.zip` files and its unpacked `sourcecode/`
/// folder, each an export as given.
fn forms(sample: &str) -> Vec<std::path::PathBuf> {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus/powerautomate/pnp").join(sample);
    let mut out: Vec<std::path::PathBuf> = std::fs::read_dir(root.join("solution"))
        .map(|entries| {
            entries
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "zip"))
                .collect()
        })
        .unwrap_or_default();
    out.sort();
    out.push(root.join("sourcecode"));
    out
}

/// An export loaded through the project loader, as `check`, `run` and `test` load it.
fn load(path: &std::path::Path) -> Project {
    let project = project::load(path).unwrap_or_else(|e| panic!("{}: {e:#}", path.display()));
    assert_eq!(project.flows.len(), 1, "{}: one flow", path.display());
    project
}

/// The flow of an export, and the run context the export gives it.
fn exported_flow(project: &Project) -> (Workflow, Environment) {
    let flow = &project.flows[0];
    let wf = flow.workflow().unwrap_or_else(|e| panic!("{}: {e:#}", flow.file));
    (wf, Environment::new(project, flow))
}

fn eval(record: &Value, expression: &str) -> String {
    let ctx = RunContext::from_value(record).unwrap_or_else(|e| panic!("{e}"));
    match workflow::engine().eval(expression, &ctx) {
        Ok(v) => v.to_string(),
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn path_keys_drive_foreach_and_conditions_of_a_real_flow() {
    // new-employee-tip-of-the-day: Foreach over outputs('GetAllNewEmployees')?['body/value'],
    // an inner Foreach over outputs('GetAllMatchingTips')?['body/value'] and an If on its
    // length. Two employees; the tips list answers one tip, then none.
    let mocks = r#"{"actions": {
        "GetAllNewEmployees": {"statusCode": 200, "body": {"value": [
            {"ID": 11, "EmployeeMail": "ann@contoso.com", "LastTipId": "0"},
            {"ID": 12, "EmployeeMail": "bob@contoso.com", "LastTipId": "4"}]}},
        "GetAllMatchingTips": [{"statusCode": 200, "body": {"value": [{"Tip": "Use keyboard shortcuts"}]}},
                               {"statusCode": 200, "body": {"value": []}}],
        "PostACToTeamsEmployee": {"statusCode": 200, "body": {}},
        "ModifiEmployeeItem": {"statusCode": 200, "body": {}},
        "RemoveEmployeeFromList": {"statusCode": 200, "body": {}}}}"#;
    for path in forms("new-employee-tip-of-the-day") {
        let at = path.display();
        let (wf, export) = exported_flow(&load(&path));
        let finished = workflow::run(&wf, RunOptions { export, ..options(mocks) })
            .unwrap_or_else(|e| panic!("{at}: {e:#}"));
        assert_eq!(finished.status, Status::Succeeded, "{at}: {}", finished.summary);
        let r = &finished.record;
        // The path key gave the Foreach its array (null would have failed the Foreach).
        assert_eq!(eval(r, "actions('ForeachNewEmployee').iterationCount"), "2", "{at}");
        // The If's condition object read length(outputs(...)?['body/value']): 1 tip, then none.
        let once = r#"{"Succeeded":1,"Skipped":1}"#;
        assert_eq!(eval(r, "actions('PostACToTeamsEmployee').statusCounts"), once, "{at}");
        assert_eq!(eval(r, "actions('RemoveEmployeeFromList').statusCounts"), once, "{at}");
        let card = eval(r, "result('ForeachTip')[0].outputs[0].inputs.parameters['body/messageBody']");
        assert!(card.contains("Use keyboard shortcuts"), "{at}: {card}");
    }
}

#[test]
fn path_keys_split_a_trigger_and_at_at_keys_reach_a_schema_in_a_real_flow() {
    // teams-invites-via-graph-api: splitOn @triggerOutputs()?['body/value'], a response id
    // read as triggerOutputs()?['body/resourceData/responseId'], a Query over
    // outputs('List_teams')?['body/value'] filtered on a form answer read by path key, a
    // ParseJson whose schema requires "@@odata.type", and an If on ['body/outcome'].
    let owner = r##"{"@odata.type": "#microsoft.graph.user", "id": "u1", "businessPhones": [],
        "displayName": "Ann Lee", "givenName": "Ann", "jobTitle": null, "mail": "ann@contoso.com",
        "mobilePhone": null, "officeLocation": null, "preferredLanguage": "en-US", "surname": "Lee",
        "userPrincipalName": "ann@contoso.com"}"##;
    let mocks = format!(
        r#"{{"actions": {{
        "Get_response_details": {{"body": {{"r81212c7401884acfaa7410cac9137188": "Sales",
            "r9655680fef104d43a58fe5239026eab3": "guest@fabrikam.com"}}}},
        "List_teams": {{"body": {{"value": [{{"displayName": "HR", "id": "t-hr"}}, {{"displayName": "Sales", "id": "t-sales"}}]}}}},
        "Get_Owners": {{"body": {{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#users", "value": [{owner}]}}}},
        "Start_and_wait_for_an_approval": {{"body": {{"outcome": "Reject"}}}},
        "GetUser": {{"body": {{"value": []}}}}, "Add_a_member_to_a_team": {{}}, "Invite": {{}},
        "Add_a_member_to_a_team_2": {{}}}}}}"#
    );
    let trigger = || Some(json(r#"{"value": [{"resourceData": {"responseId": "42"}}]}"#));
    for path in forms("teams-invites-via-graph-api") {
        let at = path.display();
        let project = load(&path);
        let (wf, export) = exported_flow(&project);
        let runs = workflow::fire(&wf, RunOptions { trigger_body: trigger(), export, ..options(&mocks) })
            .unwrap_or_else(|e| panic!("{at}: {e:#}"));
        assert_eq!(runs.len(), 1, "{at}: one item, one run");
        let finished = &runs[0];
        assert_eq!(finished.status, Status::Succeeded, "{at}: {}", finished.summary);
        let r = &finished.record;
        assert_eq!(eval(r, "actions('Get_response_details').inputs.parameters.response_id"), r#""42""#);
        assert_eq!(eval(r, "body('Filter_array')"), r#"[{"displayName":"Sales","id":"t-sales"}]"#);
        assert_eq!(eval(r, "outputs('Compose')"), r#""t-sales""#);
        assert_eq!(eval(r, "actions('Parse_JSON').status"), r#""Succeeded""#, "{at}: {}", finished.summary);
        assert_eq!(eval(r, "body('Parse_JSON')?['value'][0]['@odata.type']"), r##""#microsoft.graph.user""##);
        assert_eq!(eval(r, "body('Join')"), r#""ann@contoso.com""#);
        // The approval said Reject: the condition on ['body/outcome'] is false.
        assert_eq!(eval(r, "actions('Condition').inputs"), r#"{"expressionResult":false}"#, "{at}");
        assert_eq!(eval(r, "actions('GetUser').status"), r#""Skipped""#, "{at}");

        // Without the owner's "@odata.type" the schema (required "@@odata.type") rejects it.
        let mocks = mocks.replace(r##""@odata.type": "#microsoft.graph.user", "##, "");
        let export = Environment::new(&project, &project.flows[0]);
        let runs = workflow::fire(&wf, RunOptions { trigger_body: trigger(), export, ..options(&mocks) })
            .unwrap_or_else(|e| panic!("{at}: {e:#}"));
        let message = eval(&runs[0].record, "actions('Parse_JSON').error.message");
        assert!(message.contains(r#"\"@odata.type\" is a required property"#), "{at}: {message}");
    }
}

/// The action of this name anywhere in a definition's tree (nested ones included).
fn find_action(value: &Value, name: &str) -> Option<Value> {
    match value {
        Value::Object(o) => o
            .get(name)
            .filter(|a| a.member("type").is_some())
            .cloned()
            .or_else(|| o.iter().find_map(|(_, v)| find_action(v, name))),
        Value::Array(items) => items.iter().find_map(|v| find_action(v, name)),
        _ => None,
    }
}

/// The relevant part of a real flow: its parameters, a manual trigger, and the named actions
/// exactly as exported except for `runAfter`, which chains them in the order given. A name
/// with a JSON action after `=` is a stand-in for an action the part leaves out.
fn part(sample: &str, steps: &[&str]) -> String {
    let path = forms(sample).remove(0);
    let definition = load(&path).flows[0].definition();
    let all = definition.member("actions").unwrap_or_default();
    let mut actions = flowexpr::value::Object::new();
    let mut previous: Option<String> = None;
    for step in steps {
        let (name, mut action) = match step.split_once('=') {
            Some((name, stand_in)) => (name.to_string(), json(stand_in)),
            None => (
                step.to_string(),
                find_action(&all, step).unwrap_or_else(|| panic!("{sample} has no '{step}'")),
            ),
        };
        let run_after = match &previous {
            Some(p) => json(&format!(r#"{{"{p}": ["Succeeded"]}}"#)),
            None => json("{}"),
        };
        if let Value::Object(o) = &mut action {
            o.insert("runAfter", run_after);
        }
        actions.insert(name.clone(), action);
        previous = Some(name);
    }
    let mut out = flowexpr::value::Object::new();
    out.insert("parameters", definition.member("parameters").unwrap_or_default());
    out.insert("triggers", json(r#"{"manual": {"type": "Request", "kind": "Http"}}"#));
    out.insert("actions", Value::Object(actions));
    Value::Object(out).to_string()
}

fn run_part(definition: &str, mocks: &str) -> workflow::FinishedRun {
    let wf = Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e:#}\n{definition}"));
    workflow::run(&wf, options(mocks)).unwrap_or_else(|e| panic!("{e:#}"))
}

#[test]
fn at_at_and_interpolated_keys_in_a_real_flow() {
    // ProjectForTheWeb-Provisioning builds the key "@odata.type" as
    // "@{outputs('Compose_-_@')}odata.type", where the Compose's input is "@@" (an "@").
    let definition = part(
        "ProjectForTheWeb-Provisioning",
        &[
            "Compose_-_@",
            r#"Output_of_Call_CreateProjectV1_for_ProjectId={"type": "Compose", "inputs": "p-1"}"#,
            r#"Compose_-_Get_operation_set_ID={"type": "Compose", "inputs": "op-1"}"#,
            "Perform_unbound_action_-_Project_Buckets",
        ],
    );
    let finished =
        run_part(&definition, r#"{"actions": {"Perform_unbound_action_-_Project_Buckets": {"body": {}}}}"#);
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    assert_eq!(eval(r, "outputs('Compose_-_@')"), r#""@""#);
    assert_eq!(
        eval(r, "actions('Perform_unbound_action_-_Project_Buckets').inputs.parameters['item/Entity']"),
        r#"{"msdyn_name":"My project bucket","@odata.type":"Microsoft.Dynamics.CRM.msdyn_projectbucket","msdyn_project@odata.bind":"msdyn_projects(p-1)"}"#
    );
}

#[test]
fn a_real_find_text_position_action_runs_without_a_mock() {
    // graph_api_in_power_bi: "Find text position" (Expression, kind IndexOf) over a Graph
    // nextLink, read back as outputs('Find_text_position')?['body'] by the next Compose.
    let next_link = "https://graph.microsoft.com/v1.0/users?$skiptoken=X1";
    let init = |name: &str, value: &str| {
        format!(
            r#"Init {name}={{"type": "InitializeVariable", "inputs": {{"variables": [{{"name": "{name}", "type": "string", "value": "{value}"}}]}}}}"#
        )
    };
    let (next, skip) = (init("Next Link", next_link), init("Skip Token", ""));
    let definition = part(
        "graph_api_in_power_bi",
        &[&next, &skip, "Find_text_position", "String_Length", "Set_Skip_Token_variable"],
    );
    let finished = run_part(&definition, "{}");
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    assert_eq!(eval(r, "body('Find_text_position')"), "28");
    assert_eq!(
        eval(r, "actions('Find_text_position').inputs"),
        format!(r#"{{"text":"{next_link}","searchText":"v1.0"}}"#)
    );
    assert_eq!(eval(r, "outputs('String_Length')"), "24");
    assert_eq!(eval(r, "variables('Skip Token')"), r#""users?$skiptok""#);
    // The flow's end of paging: "Stop" has no "v1.0".
    let stop = part("graph_api_in_power_bi", &[&init("Next Link", "Stop"), "Find_text_position"]);
    assert_eq!(eval(&run_part(&stop, "{}").record, "outputs('Find_text_position')?['body']"), "-1");
}

#[test]
fn a_real_exports_date_time_actions_run_and_feed_a_query_read_by_path_key() {
    // ScheduledQuoteEmail (a solution zip): Get future time (GetFutureTime, 8 days) and
    // Current time (CurrentTime) are split on '.' and formatted into the $filter of a
    // Dataverse ListRecords; an HTML table reads each quote's item()?['owninguser/fullname'].
    // The service runs both Expression actions itself, so the runner does: only the mail is
    // stubbed, and ListRecords is answered by its operation.
    let path = forms("ScheduledQuoteEmail-d365goddess").remove(0);
    let (wf, export) = exported_flow(&load(&path));
    let mocks = r#"{"operations": {"shared_commondataserviceforapps": {"ListRecords": {"body": {"value": [
        {"quotenumber": "Q-1", "name": "Fleet", "statecode": 0, "effectiveto": "2024-01-20T00:00:00Z",
         "owninguser": {"fullname": "Ann Lee"}}]}}}}}"#;
    // Real time (the clock-reading kinds are checked to the minute); the flow has no waits.
    let options = RunOptions { export, stub_unmocked: true, time_scale: 1.0, ..options(mocks) };
    let finished = workflow::run(&wf, options).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let r = &finished.record;
    assert_eq!(eval(r, "outputs('Future_Date')"), r#""2024-01-23""#);
    assert_eq!(eval(r, "outputs('Current_Date')"), r#""2024-01-15""#);
    assert!(eval(r, "body('Get_future_time')").starts_with(r#""2024-01-23T10:30:"#));
    assert_eq!(
        eval(r, "actions('List_records').inputs.parameters['$filter']"),
        r#""effectiveto le '2024-01-23' and effectiveto ge '2024-01-15'""#
    );
    let table = eval(r, "body('Create_HTML_table')");
    assert!(table.contains("<td>Ann Lee</td>") && table.contains("<td>Q-1</td>"), "{table}");
    assert_eq!(finished.stubbed, ["Send_an_email_from_a_shared_mailbox_(V2)"]);
}

/// A definition with a manual trigger and these actions.
fn flow(actions: &str) -> String {
    format!(r#"{{"triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}}, "actions": {actions}}}"#)
}

#[test]
fn expression_actions_compute_their_body_with_the_language_functions() {
    // (kind, inputs, body) with the run's clock starting at 2024-01-15T10:30:00Z in real time
    // (the clock-reading kinds format to the minute).
    let cases = [
        (
            "AddToTime",
            r#"{"baseTime": "2024-01-15T10:30:00Z", "interval": 2, "timeUnit": "Day"}"#,
            r#""2024-01-17T10:30:00.0000000Z""#,
        ),
        (
            "AddToTime",
            r#"{"baseTime": "2024-01-31", "interval": "1", "timeUnit": "Month", "formatString": "yyyy-MM-dd"}"#,
            r#""2024-02-29""#,
        ),
        (
            "SubtractFromTime",
            r#"{"baseTime": "2024-01-15T10:30:00Z", "interval": 90, "timeUnit": "Minute"}"#,
            r#""2024-01-15T09:00:00.0000000Z""#,
        ),
        (
            "GetFutureTime",
            r#"{"interval": 5, "timeUnit": "Minute", "formatString": "yyyy-MM-ddTHH:mm"}"#,
            r#""2024-01-15T10:35""#,
        ),
        (
            "GetPastTime",
            r#"{"interval": "1", "timeUnit": "Week", "formatString": "yyyy-MM-ddTHH:mm"}"#,
            r#""2024-01-08T10:30""#,
        ),
        ("CurrentTime", r#"{"formatString": "yyyy-MM-ddTHH:mm"}"#, r#""2024-01-15T10:30""#),
        (
            "ConvertTimeZone",
            r#"{"baseTime": "2024-01-15T10:30:00Z", "sourceTimeZone": "UTC", "destinationTimeZone": "W. Europe Standard Time", "formatString": "yyyy-MM-dd HH:mm"}"#,
            r#""2024-01-15 11:30""#,
        ),
        (
            "ConvertTimeZone",
            r#"{"baseTime": "2024-07-01T12:00:00Z", "sourceTimeZone": "UTC", "destinationTimeZone": "Pacific Standard Time"}"#,
            r#""2024-07-01T05:00:00.0000000""#,
        ),
        ("IndexOf", r#"{"text": "Hello World", "searchText": "world"}"#, "6"),
        ("IndexOf", r#"{"text": "Hello World", "searchText": "planet"}"#, "-1"),
        ("indexof", r#"{"text": 12345, "searchText": 34}"#, "2"),
        ("Substring", r#"{"text": "Hello World", "startingPosition": 6, "length": 5}"#, r#""World""#),
        ("Substring", r#"{"text": "Hello World", "startingPosition": "6"}"#, r#""World""#),
    ];
    for (kind, inputs, body) in cases {
        let actions = format!(r#"{{"A": {{"type": "Expression", "kind": "{kind}", "inputs": {inputs}}}}}"#);
        let wf = Workflow::from_json_str(&flow(&actions)).unwrap_or_else(|e| panic!("{e:#}"));
        let real_time = RunOptions { time_scale: 1.0, ..options("{}") };
        let finished = workflow::run(&wf, real_time).unwrap_or_else(|e| panic!("{e:#}"));
        let label = format!("{kind} {inputs}");
        assert_eq!(finished.status, Status::Succeeded, "{label}\n{}", finished.summary);
        assert_eq!(eval(&finished.record, "body('A')"), body, "{label}");
        assert_eq!(eval(&finished.record, "outputs('A')"), format!(r#"{{"body":{body}}}"#), "{label}");
    }
    // Without a format, CurrentTime is utcNow(): the round-trip form in UTC.
    let wf = Workflow::from_json_str(&flow(r#"{"A": {"type": "Expression", "kind": "CurrentTime"}}"#))
        .unwrap_or_else(|e| panic!("{e:#}"));
    let finished = workflow::run(&wf, RunOptions { time_scale: 1.0, ..options("{}") })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let now = eval(&finished.record, "body('A')");
    assert!(now.starts_with(r#""2024-01-15T10:30:"#) && now.ends_with(r#"Z""#) && now.len() == 30, "{now}");
}

#[test]
fn expression_actions_fail_with_what_they_need() {
    let cases = [
        (
            "Substring",
            r#"{"startingPosition": 1}"#,
            "needs the input 'text'; its inputs are text, startingPosition, length",
        ),
        (
            "AddToTime",
            r#"{"baseTime": "2024-01-15", "interval": 1, "timeUnit": "Fortnight"}"#,
            "computed as addToTime()",
        ),
        ("GetFutureTime", r#"{"interval": "soon", "timeUnit": "Day"}"#, "The input 'interval' of action 'A'"),
        ("Substring", r#"{"text": "abc", "startingPosition": 2, "length": 5}"#, "computed as substring()"),
    ];
    for (kind, inputs, message) in cases {
        let actions = format!(r#"{{"A": {{"type": "Expression", "kind": "{kind}", "inputs": {inputs}}}}}"#);
        let finished = run_part(&flow(&actions), "{}");
        assert_eq!(finished.status, Status::Failed, "{kind} {inputs}");
        assert_eq!(eval(&finished.record, "actions('A').code"), r#""InvalidTemplate""#);
        let got = eval(&finished.record, "actions('A').error.message");
        assert!(got.contains(message), "{kind} {inputs}: {got}");
    }

    // An unknown kind cannot run: the run refuses at the start, naming the kinds it knows,
    // unless a mock by action name answers for it. A mock also still wins for a known kind.
    let unknown = flow(r#"{"A": {"type": "Expression", "kind": "FormatNumber", "inputs": {"number": 1}}}"#);
    let wf = Workflow::from_json_str(&unknown).unwrap_or_else(|e| panic!("{e:#}"));
    let e = workflow::run(&wf, options("{}")).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(
        e.contains("Expression of kind 'FormatNumber'")
            && e.contains("AddToTime, ConvertTimeZone, CurrentTime"),
        "{e}"
    );
    assert!(e.contains("/actions/A/kind"), "{e}");
    let mocked = run_part(&unknown, r#"{"actions": {"A": {"body": "1.00"}}}"#);
    assert_eq!(eval(&mocked.record, "body('A')"), r#""1.00""#);
    let known = flow(r#"{"A": {"type": "Expression", "kind": "CurrentTime", "inputs": {}}}"#);
    let mocked = run_part(&known, r#"{"actions": {"A": {"body": "mocked"}}}"#);
    assert_eq!(eval(&mocked.record, "body('A')"), r#""mocked""#);
}

/// (code, pointer, line:column) of each finding of `check` on a definition.
fn findings(definition: &str) -> Vec<(String, String, String)> {
    let report = flowexpr::check::check_text(definition).unwrap_or_else(|e| panic!("{e}"));
    report
        .findings
        .iter()
        .map(|f| {
            let at = report.line_col(f).map(|(l, c)| format!("{l}:{c}")).unwrap_or_default();
            (f.code.to_string(), f.pointer.clone(), at)
        })
        .collect()
}

#[test]
fn check_resolves_path_key_references_and_checks_keys_and_kinds() {
    // outputs('X')?['body/value'] is a reference to X like any other: reported when X is
    // not an action, silent when it is.
    let definition = flow(
        r#"{"Get_items": {"type": "Compose", "inputs": {"value": [1]}},
            "Known": {"type": "Compose", "runAfter": {"Get_items": ["Succeeded"]}, "inputs": "@outputs('Get_items')?['body/value']"},
            "Unknown": {"type": "Compose", "runAfter": {"Get_items": ["Succeeded"]}, "inputs": "@outputs('Get_itemz')?['body/value']"}}"#,
    );
    let found = findings(&definition);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("unknown-action", "/actions/Unknown/inputs"));

    // Keys are templates: their expressions are checked, with positions in the key.
    let definition = "{\"triggers\": {\"manual\": {\"type\": \"Request\", \"kind\": \"Http\"}},\n\"actions\": {\"C\": {\"type\": \"Compose\", \"inputs\": {\n  \"@@odata.type\": \"x\",\n  \"@{variables('nope')}\": 1,\n  \"@{concat('a'\": 2}}}}";
    let found = findings(definition);
    let codes: Vec<(&str, &str)> = found.iter().map(|(c, _, at)| (c.as_str(), at.as_str())).collect();
    // The unknown name's argument, and the `@{` that is never closed.
    assert_eq!(codes, [("unknown-variable", "4:16"), ("syntax", "5:4")], "{found:?}");

    // Expression actions of the kinds the runner performs need nothing; others need a mock.
    let definition = flow(
        r#"{"Now": {"type": "Expression", "kind": "CurrentTime", "inputs": {}},
            "Fmt": {"type": "Expression", "kind": "FormatNumber", "inputs": {}}}"#,
    );
    let found = findings(&definition);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].0.as_str(), found[0].1.as_str()), ("unknown-expression-kind", "/actions/Fmt/kind"));
}

#[test]
fn path_keys_work_wherever_the_runner_evaluates_expressions() {
    let body = json(
        r#"{"value": [{"cat_flow": {"admin_displayname": "Ann"}, "n": 1}, {"cat_flow": {"admin_displayname": "Bob"}, "n": 2}], "status": "new"}"#,
    );
    let definition = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http",
            "conditions": [{"expression": "@equals(triggerOutputs()?['body/status'], 'new')"}]}},
        "actions": {
            "Get": {"type": "Compose", "inputs": {"body": "@triggerBody()"}},
            "Names": {"type": "Select", "runAfter": {"Get": ["Succeeded"]},
                "inputs": {"from": "@outputs('Get')?['body/value']", "select": "@item()?['cat_flow/admin_displayname']"}},
            "Big": {"type": "Query", "runAfter": {"Names": ["Succeeded"]},
                "inputs": {"from": "@outputs('Get')?['body/value']", "where": "@greater(item()?['n'], 1)"}},
            "Each": {"type": "Foreach", "runAfter": {"Big": ["Succeeded"]}, "foreach": "@outputs('Get')?['body/value']",
                "actions": {"Name": {"type": "Compose", "inputs": "@items('Each')?['cat_flow/admin_displayname']"}}},
            "If": {"type": "If", "runAfter": {"Each": ["Succeeded"]},
                "expression": {"and": [{"equals": ["@outputs('Get')?['body/status']", "new"]}]},
                "actions": {"Then": {"type": "Compose", "inputs": "yes"}}},
            "Switch": {"type": "Switch", "runAfter": {"If": ["Succeeded"]}, "expression": "@outputs('Get')?['body/status']",
                "cases": {"New": {"case": "new", "actions": {"Case": {"type": "Compose", "inputs": "new"}}}}},
            "Init": {"type": "InitializeVariable", "runAfter": {"Switch": ["Succeeded"]},
                "inputs": {"variables": [{"name": "i", "type": "integer", "value": 0}]}},
            "Until": {"type": "Until", "runAfter": {"Init": ["Succeeded"]},
                "expression": "@equals(variables('i'), outputs('Get')?['body/value/1/n'])",
                "limit": {"count": 5, "timeout": "PT1H"},
                "actions": {"Inc": {"type": "IncrementVariable", "inputs": {"name": "i", "value": 1}}}}}}"#;
    let finished = workflow::run(
        &Workflow::from_json_str(definition).unwrap_or_else(|e| panic!("{e:#}")),
        RunOptions { trigger_body: Some(body.clone()), ..options("{}") },
    )
    .unwrap_or_else(|e| panic!("{e:#}"));
    let r = &finished.record;
    assert_eq!(eval(r, "trigger().status"), r#""Succeeded""#, "the trigger condition held");
    assert_eq!(eval(r, "body('Names')"), r#"["Ann","Bob"]"#);
    assert_eq!(eval(r, "length(body('Big'))"), "1");
    assert_eq!(eval(r, "actions('Each').iterationCount"), "2");
    assert_eq!(eval(r, "actions('Then').status"), r#""Succeeded""#);
    assert_eq!(eval(r, "actions('Case').status"), r#""Succeeded""#);
    // 'value/1/n' steps into an array by name, which fails like ?['1'] on an array: the
    // Until's condition fails and says so.
    assert_eq!(eval(r, "actions('Until').status"), r#""Failed""#, "{}", finished.summary);
    let message = eval(r, "actions('Until').error.message");
    assert!(message.contains("integer index"), "{message}");

    // splitOn: one run per item of triggerOutputs()?['body/value'].
    let split = r#"{"triggers": {"manual": {"type": "Request", "kind": "Http", "splitOn": "@triggerOutputs()?['body/value']"}},
        "actions": {"Who": {"type": "Compose", "inputs": "@triggerBody()?['cat_flow/admin_displayname']"}}}"#;
    let wf = Workflow::from_json_str(split).unwrap_or_else(|e| panic!("{e:#}"));
    let runs = workflow::fire(&wf, RunOptions { trigger_body: Some(body), ..options("{}") })
        .unwrap_or_else(|e| panic!("{e:#}"));
    let who: Vec<String> = runs.iter().map(|r| eval(&r.record, "outputs('Who')")).collect();
    assert_eq!(who, [r#""Ann""#, r#""Bob""#]);
}

#[test]
fn a_teams_card_is_sent_with_at_type_keys() {
    // A MessageCard as the designer writes it: every key starting with @ doubled, whether or
    // not a sibling holds an expression.
    let definition = flow(
        r#"{"Post": {"type": "OpenApiConnection", "inputs": {"host": {"connectionName": "shared_teams", "operationId": "PostMessageToConversation"},
            "parameters": {"body/messageBody": {"@@type": "MessageCard", "@@context": "https://schema.org/extensions",
                "sections": [{"activityTitle": "@{triggerBody()?['title']}", "facts": [{"name": "@@mention", "value": "static"}]}],
                "potentialAction": [{"@@type": "OpenUri", "name": "Open"}]}}}}}"#,
    );
    let wf = Workflow::from_json_str(&definition).unwrap_or_else(|e| panic!("{e:#}"));
    let options = RunOptions {
        trigger_body: Some(json(r#"{"title": "Build failed"}"#)),
        ..options(r#"{"actions": {"Post": {}}}"#)
    };
    let finished = workflow::run(&wf, options).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(
        eval(&finished.record, "actions('Post').inputs.parameters['body/messageBody']"),
        r#"{"@type":"MessageCard","@context":"https://schema.org/extensions","sections":[{"activityTitle":"Build failed","facts":[{"name":"@mention","value":"static"}]}],"potentialAction":[{"@type":"OpenUri","name":"Open"}]}"#
    );
}

#[test]
fn load_checks_read_strings_by_the_template_rule() {
    // What the runner checks when a definition loads reads each string as rendering will:
    // "@@x" is the text @x (checked, and refused where text is wrong), "@expr" and
    // "@{...}" are computed when the action runs. (definition, pointer and message of the
    // refusal, or None when it loads)
    let http = |extra: &str| {
        flow(&format!(
            r#"{{"A": {{"type": "Http", "inputs": {{"method": "GET", "uri": "http://127.0.0.1:9/"{extra}}}}}}}"#
        ))
    };
    let until = |timeout: &str| {
        format!(
            r#"{{"parameters": {{"h": {{"type": "String", "defaultValue": "1"}}}},
            "triggers": {{"manual": {{"type": "Request", "kind": "Http"}}}},
            "actions": {{"U": {{"type": "Until", "expression": "@true", "limit": {{"count": 2, "timeout": "{timeout}"}},
                "actions": {{"C": {{"type": "Compose", "inputs": 1}}}}}}}}}}"#
        )
    };
    let cases: Vec<(String, Option<(&str, &str)>)> = vec![
        (http(r#", "headers": "@parameters('h')""#), None),
        (
            http(r#", "headers": "@@parameters('h')""#),
            Some(("/actions/A/inputs/headers", r#"not the text "@parameters('h')""#)),
        ),
        (
            http(r#", "queries": "@{parameters('q')}""#),
            Some((
                "/actions/A/inputs/queries",
                "not text with @{...} parts, which always renders as a string",
            )),
        ),
        (http(r#", "authentication": "@parameters('a')""#), None),
        (
            http(r#", "authentication": "@@parameters('a')""#),
            Some(("/actions/A/inputs/authentication", "must be an object")),
        ),
        (http(r#", "authentication": {"type": "@parameters('t')"}"#), None),
        (
            http(r#", "authentication": {"type": "@@Basic", "username": "u"}"#),
            Some(("/actions/A/inputs/authentication/type", "'@Basic' is not an authentication type")),
        ),
        (until("PT1H"), None),
        (until("@parameters('h')"), None),
        (until("PT@{parameters('h')}H"), None),
        (until("@@PT1H"), Some(("/actions/U/limit/timeout", "@PT1H"))),
    ];
    for (definition, expected) in cases {
        // An Http action the runner cannot send loads as an invalid action, which a run refuses.
        let refused = match Workflow::from_json_str(&definition) {
            Ok(wf) => wf.invalid_actions().first().map(|a| (a.pointer.clone(), a.message.clone())),
            Err(e) => Some((e.pointer().unwrap_or_default().to_string(), e.message().to_string())),
        };
        match (refused, expected) {
            (None, None) => {}
            (Some((pointer, message)), Some((want_pointer, want_message))) => {
                assert_eq!(pointer, want_pointer, "{definition}: {message}");
                assert!(message.contains(want_message), "{definition}: {message}");
            }
            (got, want) => panic!("{definition}: refused {got:?}, expected {want:?}"),
        }
    }

    // The computed timeout works when the loop runs; a case "@@x" is the constant @x.
    let wf = Workflow::from_json_str(&until("PT@{parameters('h')}H")).unwrap_or_else(|e| panic!("{e:#}"));
    let finished = workflow::run(&wf, options("{}")).unwrap_or_else(|e| panic!("{e:#}"));
    assert_eq!(finished.status, Status::Succeeded, "{}", finished.summary);
    let switch = flow(
        r#"{"S": {"type": "Switch", "expression": "@concat('@', 'x')",
            "cases": {"At": {"case": "@@x", "actions": {"Hit": {"type": "Compose", "inputs": 1}}}}}}"#,
    );
    let finished = run_part(&switch, "{}");
    assert_eq!(eval(&finished.record, "actions('Hit').status"), r#""Succeeded""#, "{}", finished.summary);
}

#[test]
fn expression_kinds_in_an_export_check_run_and_stub_as_the_runner_does() {
    // A real export (ScheduledQuoteEmail, as its solution zip holds it) with one Expression
    // action given a kind the runner does not perform, and a key interpolating an unknown
    // variable: the loader's check reports both with pointers and lines into the export's
    // file, beside its own warnings; the runner lists the action, refuses to start without
    // a mock, stubs it with --stub-unmocked and still runs the known kinds.
    let path = forms("ScheduledQuoteEmail-d365goddess").remove(0);
    let original = load(&path);
    let flow = &original.flows[0];
    let mut doc: serde_json::Value = serde_json::from_str(&flow.text).unwrap_or_else(|e| panic!("{e}"));
    let actions = doc
        .pointer_mut("/properties/definition/actions")
        .and_then(|a| a.as_object_mut())
        .unwrap_or_else(|| panic!("no actions"));
    actions.insert(
        "Format_number".into(),
        serde_json::json!({"type": "Expression", "kind": "FormatNumber", "runAfter": {"Current_Date": ["Succeeded"]},
            "inputs": {"number": 1, "format": "C2"}}),
    );
    actions.insert(
        "Keyed".into(),
        serde_json::json!({"type": "Compose", "runAfter": {}, "inputs": {"@{variables('nope')}": 1, "@@odata.type": "x"}}),
    );
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    let project = project::from_text(&flow.file, &flow.name, &text).unwrap_or_else(|e| panic!("{e:#}"));
    let flow = &project.flows[0];
    let report = project::check_flow(&project, flow).unwrap_or_else(|e| panic!("{e:#}"));
    let found: Vec<(&str, &str, usize)> = report
        .findings
        .iter()
        .map(|f| (f.code, f.pointer.as_str(), report.line_col(f).map_or(0, |(l, _)| l)))
        .collect();
    let line_of = |needle: &str| text.lines().position(|l| l.contains(needle)).map_or(0, |i| i + 1);
    let expected = [
        (
            "unknown-expression-kind",
            "/properties/definition/actions/Format_number/kind",
            line_of(r#""kind": "FormatNumber""#),
        ),
        (
            "unknown-variable",
            "/properties/definition/actions/Keyed/inputs/@{variables('nope')}",
            line_of("variables('nope')"),
        ),
    ];
    for e in expected {
        assert!(found.contains(&e), "{e:?} in {found:?}");
    }
    // The loader's own warnings stand beside them: the two connector references.
    assert_eq!(found.iter().filter(|f| f.0 == "needs-connection").count(), 2, "{found:?}");
    assert_eq!(found.len(), 4, "{}", report.render(&flow.file));

    let wf = flow.workflow().unwrap_or_else(|e| panic!("{e:#}"));
    let listed: Vec<String> = wf
        .unsupported_actions()
        .iter()
        .filter(|a| a.type_name.starts_with("Expression"))
        .map(|a| format!("{} {} {}", a.name, a.pointer, a.type_name))
        .collect();
    assert_eq!(
        listed,
        [format!(
            "Format_number /properties/definition/actions/Format_number/kind Expression of kind 'FormatNumber'; the runner performs the kinds {}",
            "AddToTime, ConvertTimeZone, CurrentTime, GetFutureTime, GetPastTime, SubtractFromTime, IndexOf, Substring"
        )]
    );
    let refused =
        workflow::run(&wf, RunOptions { export: Environment::new(&project, flow), ..options("{}") });
    let refused = refused.err().map(|e| e.to_string()).unwrap_or_default();
    assert!(refused.contains("'Format_number' (Expression of kind 'FormatNumber'"), "{refused}");
    let export = Environment::new(&project, flow);
    let options = RunOptions { export, stub_unmocked: true, time_scale: 1.0, ..options("{}") };
    let finished = workflow::run(&wf, options).unwrap_or_else(|e| panic!("{e:#}"));
    let r = &finished.record;
    // Both run after Current_Date, in parallel. (The stubbed ListRecords gives no rows, so
    // the table, and the mail after it, fail.)
    let mut stubbed = finished.stubbed.clone();
    stubbed.sort();
    assert_eq!(stubbed, ["Format_number", "List_records"]);
    assert_eq!(eval(r, "outputs('Current_Date')"), r#""2024-01-15""#, "{}", finished.summary);
    assert_eq!(eval(r, "actions('Format_number').status"), r#""Succeeded""#);
}
