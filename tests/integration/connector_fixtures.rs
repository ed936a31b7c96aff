//! The ten real connectors of the spec's §8 (and two alternates), each called against a
//! loopback server standing in for its backend; the tests assert the exact requests
//! (method, URL, headers, body) that the policies and the authentication produce.

#![cfg(feature = "cli")]

use crate::connector_support;

use connector_support::{connect, fixture, headers, json, Backend, Reply};
use flowexpr::connector::{CallInput, CallOptions};
use flowexpr::value::{to_json_string, Binary};
use flowexpr::Value;

fn opts() -> CallOptions {
    CallOptions::default()
}

#[test]
fn nhtsa_vpic_forces_format_json_after_the_path_parameters() {
    let c = fixture("NHTSA_vPIC");
    let backend = Backend::start(|_| Reply::json(200, r#"{"Count": 1, "Results": [{"Make": "BMW"}]}"#));
    let bound = connect(&c, &format!(r#"{{"origin": "{}"}}"#, backend.origin));
    let input = CallInput::new().param("VIN", "5UXWX7C5*BA").param("modelyear", "2011");
    let out = c.call("Decode", &bound, &input, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    assert_eq!(r.method, "GET");
    assert_eq!(r.url, "/api/vehicles/DecodeVinValuesExtended/5UXWX7C5*BA?modelyear=2011&format=json");
    assert_eq!(r.app_headers(), headers(&[]));
    assert_eq!(out.status, 200);
    assert_eq!(
        out.body.member("Results").and_then(|r| r.index(0)).and_then(|m| m.member("Make")),
        Some(Value::from("BMW"))
    );
    let sent = out.request.map(|r| r.url).unwrap_or_default();
    assert_eq!(
        sent,
        format!(
            "{}/api/vehicles/DecodeVinValuesExtended/5UXWX7C5*BA?modelyear=2011&format=json",
            backend.origin
        )
    );
}

#[test]
fn nhtsa_vpic_without_the_origin_builds_the_real_url() {
    let c = fixture("NHTSA_vPIC");
    let bound = connect(&c, "{}");
    let dry = c
        .dry_run("Part", &bound, &CallInput::new().param("manufacturer", "Honda & Co"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        dry.request.url,
        "https://vpic.nhtsa.dot.gov/api/vehicles/GetParts?type=565&manufacturer=Honda%20%26%20Co&format=json"
    );
}

#[test]
fn ideal_postcodes_sends_the_api_key_in_the_query() {
    let c = fixture("IdealPostcodes");
    let backend = Backend::start(|_| Reply::json(200, r#"{"result": {"hits": []}, "code": 2000}"#));
    let bound = connect(
        &c,
        &format!(r#"{{"origin": "{}", "parameters": {{"api_key": "ak_test_123"}}}}"#, backend.origin),
    );
    let input = CallInput::new().param("query", "10 Downing Street");
    c.call("AddressesGet", &bound, &input, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    assert_eq!(
        (r.method.as_str(), r.url.as_str()),
        ("GET", "/v1/addresses?query=10%20Downing%20Street&limit=10&page=0&api_key=ak_test_123")
    );
    assert_eq!(r.app_headers(), headers(&[]));
    let r2 = c.call("UdprnByUdprnGet", &bound, &CallInput::new().param("udprn", "23747771"), &opts());
    assert!(r2.is_ok());
    assert_eq!(backend.requests()[1].url, "/v1/udprn/23747771?api_key=ak_test_123");
    let dry = c.dry_run("AddressesGet", &bound, &input).unwrap_or_else(|e| panic!("{e}"));
    let shown = dry.to_value().member("url").map(|u| u.to_text()).unwrap_or_default();
    assert!(shown.ends_with("&api_key=[redacted]") && !shown.contains("ak_test"), "{shown}");
}

#[test]
fn co2_signal_routes_every_operation_and_gives_get_zones_its_own_host() {
    let c = fixture("CO2_Signal");
    let backend = Backend::start(|r| {
        if r.url.starts_with("/v3/zones") {
            Reply::json(200, r#"{"DE": {"zoneName": "Germany"}, "FR": {"zoneName": "France"}}"#)
        } else {
            Reply::json(200, r#"{"countryCode": "DE", "data": {"carbonIntensity": 300}}"#)
        }
    });
    let bound = connect(
        &c,
        &format!(r#"{{"origin": "{}", "parameters": {{"api_key": "co2-key"}}}}"#, backend.origin),
    );
    c.call("GetLatestbyCode", &bound, &CallInput::new().param("countryCode", "DE"), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let zones = c.call("GetZones", &bound, &CallInput::new(), &opts()).unwrap_or_else(|e| panic!("{e}"));
    let requests = backend.requests();
    assert_eq!((requests[0].method.as_str(), requests[0].url.as_str()), ("GET", "/v1/latest?countryCode=DE"));
    assert_eq!(requests[0].app_headers(), headers(&[("auth-token", "co2-key")]));
    // Both routerequesttoendpoint instances apply to GetZones, in file order: /latest, then /v3/zones.
    assert_eq!((requests[1].method.as_str(), requests[1].url.as_str()), ("GET", "/v3/zones"));
    // setheader with an empty value sends the header empty (decision for open question 6).
    assert_eq!(requests[1].app_headers(), headers(&[("auth-token", "")]));
    let sent = zones.request.map(|r| r.url).unwrap_or_default();
    assert_eq!(sent, format!("{}/v3/zones", backend.origin));
    assert_eq!(
        to_json_string(&zones.body.member("Zones").unwrap_or_default()),
        r#"[{"Name":"DE","Details":{"zoneName":"Germany"}},{"Name":"FR","Details":{"zoneName":"France"}}]"#
    );
    let dry = c.dry_run("GetZones", &bound, &CallInput::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        dry.request.url,
        "https://api.electricitymap.org/v3/zones".replace("https://api.electricitymap.org", &backend.origin)
    );
    assert!(dry.notes.iter().any(|n| n.contains("basePath /v1")), "{:?}", dry.notes);
}

#[test]
fn cloudmersive_pdf_uploads_files_as_multipart() {
    let c = fixture("Cloudmersive_PDF");
    let backend = Backend::start(|_| Reply::json(200, r#"{"Successful": true, "Annotations": []}"#));
    let bound =
        connect(&c, &format!(r#"{{"origin": "{}", "parameters": {{"api_key": "cm-key"}}}}"#, backend.origin));
    let mut input = CallInput::new()
        .param("inputFile", Value::binary(Binary::new("application/pdf", b"%PDF-1.4 test".to_vec())));
    input.file_names.push(("inputFile".into(), "report.pdf".into()));
    let out = c.call("EditPdf_GetAnnotations", &bound, &input, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    assert_eq!(r.method, "POST");
    // The README-sample setqueryparameter really adds queryParameterName=queryParameterValue.
    assert_eq!(r.url, "/convert/edit/pdf/annotations/list?queryParameterName=queryParameterValue");
    assert_eq!(
        r.app_headers(),
        headers(&[
            ("apikey", "cm-key"),
            ("content-type", "multipart/form-data; boundary=flowexpr-boundary-0")
        ])
    );
    assert_eq!(
        r.body_text(),
        "--flowexpr-boundary-0\r\nContent-Disposition: form-data; name=\"inputFile\"; filename=\"report.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF-1.4 test\r\n--flowexpr-boundary-0--\r\n"
    );
    assert_eq!(out.body.member("Successful"), Some(Value::Bool(true)));
}

#[test]
fn cloudmersive_pdf_header_parameters_travel_with_the_file() {
    let c = fixture("Cloudmersive_PDF");
    let backend = Backend::start(|_| Reply {
        status: 200,
        headers: vec![("Content-Type".into(), "application/octet-stream".into())],
        body: vec![1, 2, 3],
    });
    let bound =
        connect(&c, &format!(r#"{{"origin": "{}", "parameters": {{"api_key": "cm-key"}}}}"#, backend.origin));
    let input = CallInput::new().param("inputFile", Value::from("plain text file")).param("password", "pw 1");
    let out = c.call("EditPdf_Decrypt", &bound, &input, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    assert_eq!(r.url, "/convert/edit/pdf/decrypt?queryParameterName=queryParameterValue");
    assert_eq!(r.header("password"), Some("pw 1"));
    assert!(r.body_text().contains(
        "filename=\"inputFile\"\r\nContent-Type: application/octet-stream\r\n\r\nplain text file\r\n"
    ));
    assert_eq!(out.body.as_binary().map(|b| b.bytes().to_vec()), Some(vec![1, 2, 3]));
}

#[test]
fn jira_routes_through_the_instance_host_with_basic_auth() {
    let c = fixture("JIRA");
    let backend = Backend::start(|r| {
        if r.method == "POST" {
            Reply::json(201, r#"{"id": "10000"}"#)
        } else {
            Reply::json(200, r#"{"key": "PRJ-1", "fields": {"summary": "S"}}"#)
        }
    });
    let bound = connect(
        &c,
        &format!(
            r#"{{"origin": "{}", "parameters": {{"jirainstance": "acme", "username": "ada@example.com", "password": "tok"}}}}"#,
            backend.origin
        ),
    );
    let dry = c
        .dry_run("GetIssue", &bound, &CallInput::new().param("issueKey", "PRJ-1"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(dry.request.url.ends_with("/rest/api/2/issue/PRJ-1"), "{}", dry.request.url);
    let real = connect(
        &c,
        r#"{"parameters": {"jirainstance": "acme", "username": "ada@example.com", "password": "tok"}}"#,
    );
    let dry = c
        .dry_run("GetIssue", &real, &CallInput::new().param("issueKey", "PRJ-1"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dry.request.url, "https://acme.atlassian.net/rest/api/2/issue/PRJ-1");
    assert_eq!(dry.redacted().header("authorization"), Some("Basic [redacted]"));

    c.call("GetIssue", &bound, &CallInput::new().param("issueKey", "PRJ-1"), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let comment = CallInput::new().param("issueKey", "PRJ-1").with_body(json(r#"{"body": "Looks good"}"#));
    let out = c.call("AddComment", &bound, &comment, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let requests = backend.requests();
    let basic = "Basic YWRhQGV4YW1wbGUuY29tOnRvaw==";
    assert_eq!((requests[0].method.as_str(), requests[0].url.as_str()), ("GET", "/rest/api/2/issue/PRJ-1"));
    assert_eq!(requests[0].app_headers(), headers(&[("authorization", basic)]));
    assert_eq!(
        (requests[1].method.as_str(), requests[1].url.as_str()),
        ("POST", "/rest/api/2/issue/PRJ-1/comment")
    );
    assert_eq!(
        requests[1].app_headers(),
        headers(&[("authorization", basic), ("content-type", "application/json")])
    );
    assert_eq!(requests[1].body_text(), r#"{"body":"Looks good"}"#);
    assert_eq!(out.status, 201);
}

#[test]
fn jira_pages_follow_next_links_with_the_same_auth() {
    let c = fixture("JIRA");
    let backend = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let origin_cell = std::sync::Arc::clone(&backend);
    let server = Backend::start(move |r| {
        let origin = origin_cell.lock().map(|o| o.clone()).unwrap_or_default();
        if r.url.contains("startAt=2") {
            Reply::json(200, r#"{"value": [{"key": "C"}]}"#)
        } else {
            Reply::json(
                200,
                &format!(
                    r#"{{"value": [{{"key": "A"}}, {{"key": "B"}}], "nextLink": "{origin}/rest/api/2/project/search?startAt=2"}}"#
                ),
            )
        }
    });
    if let Ok(mut o) = backend.lock() {
        *o = server.origin.clone();
    }
    let bound = connect(
        &c,
        &format!(
            r#"{{"origin": "{}", "parameters": {{"jirainstance": "acme", "username": "u", "password": "p"}}}}"#,
            server.origin
        ),
    );
    let options = CallOptions { paginate: true, ..CallOptions::default() };
    let out =
        c.call("ListProjects_V2", &bound, &CallInput::new(), &options).unwrap_or_else(|e| panic!("{e}"));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].url, "/rest/api/2/project/search");
    assert_eq!(requests[1].url, "/rest/api/2/project/search?startAt=2");
    assert_eq!(requests[1].header("authorization"), Some("Basic dTpw"));
    assert_eq!(out.pages, 2);
    assert_eq!(to_json_string(&out.body), r#"{"value":[{"key":"A"},{"key":"B"},{"key":"C"}]}"#);
    let single =
        c.call("ListProjects_V2", &bound, &CallInput::new(), &opts()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(single.pages, 1);
    assert!(single.body.member("nextLink").is_some());
}

#[test]
fn agilepoint_double_encodes_and_subscribes_webhooks() {
    let c = fixture("AgilePoint_NX");
    let origin_cell = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let cell = std::sync::Arc::clone(&origin_cell);
    let backend = Backend::start(move |r| {
        let origin = cell.lock().map(|o| o.clone()).unwrap_or_default();
        match r.method.as_str() {
            "POST" if r.url.contains("Webhook") => Reply::json(201, r#"{"id": 42}"#)
                .with_header("Location", &format!("{origin}/AgilePointServer/Admin/DeleteWebhook/42")),
            "DELETE" => Reply { status: 200, headers: vec![], body: vec![] },
            _ => Reply::json(200, "true"),
        }
    });
    if let Ok(mut o) = origin_cell.lock() {
        *o = backend.origin.clone();
    }
    // The whole base URL comes from a connection parameter (dynamichosturl).
    let bound = connect(
        &c,
        &format!(
            r#"{{"parameters": {{"agilepointServerUrl": "{}/AgilePointServer", "username": "dom\\ada", "password": "pw"}}}}"#,
            backend.origin
        ),
    );
    c.call("CompleteAutoWorkItem", &bound, &CallInput::new().param("WORKITEMID", "a/b c"), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let mut input = CallInput::new().with_body(json(r#"{"Name": "w1", "TargetApplications": ["*"]}"#));
    input.notification_url = Some("https://flow.example/callback?sig=1".into());
    let sub = c
        .call("TriggerByAgilePointProcessInstanceCreation", &bound, &input, &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let location = sub
        .headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("location"))
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let gone = c.unsubscribe(&location, &bound, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.requests();
    let basic = "Basic ZG9tXGFkYTpwdw==";
    assert_eq!(
        (r[0].method.as_str(), r[0].url.as_str()),
        ("POST", "/AgilePointServer/Workflow/CompleteProcedure/a%252Fb%2520c")
    );
    assert_eq!(r[0].app_headers(), headers(&[("authorization", basic)]));
    assert_eq!(
        (r[1].method.as_str(), r[1].url.as_str()),
        ("POST", "/AgilePointServer/Admin/CreateAndActivateWebhook")
    );
    assert_eq!(
        r[1].body_text(),
        r#"{"Name":"w1","TargetApplications":["*"],"Triggers":["StartProcessInstance"],"NotificationAddressUrl":"https://flow.example/callback?sig=1"}"#
    );
    assert_eq!(
        (r[2].method.as_str(), r[2].url.as_str()),
        ("DELETE", "/AgilePointServer/Admin/DeleteWebhook/42")
    );
    assert_eq!(r[2].header("authorization"), Some(basic));
    assert_eq!(gone.status, 200);
}

#[test]
fn azure_key_vault_refreshes_an_aad_token_once_and_sends_the_internal_api_version() {
    let c = fixture("AzureKeyVault");
    let backend = Backend::start(|r| {
        if r.url.ends_with("/oauth2/token") {
            Reply::json(200, r#"{"access_token": "at-1", "token_type": "Bearer", "expires_in": 3600}"#)
        } else {
            Reply::json(200, r#"{"value": "s3cr3t", "id": "https://v/secrets/db"}"#)
        }
    });
    let bound = connect(
        &c,
        &format!(
            r#"{{"origin": "{}", "parameters": {{"keyVaultName": "myvault"}},
                "oauth": {{"refreshToken": "rt-1", "clientId": "app-id", "clientSecret": "app-secret"}}}}"#,
            backend.origin
        ),
    );
    let dry = c
        .dry_run("GetSecret", &bound, &CallInput::new().param("secret-name", "db"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(
        dry.notes.iter().any(|n| n.contains("https://login.windows.net/common/oauth2/token")),
        "{:?}",
        dry.notes
    );
    let out = c
        .call("GetSecret", &bound, &CallInput::new().param("secret-name", "db"), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    c.call("ListSecret", &bound, &CallInput::new().param("maxresults", "5"), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = backend.requests();
    assert_eq!(r.len(), 3, "one token request, two calls: {r:#?}");
    assert_eq!((r[0].method.as_str(), r[0].url.as_str()), ("POST", "/common/oauth2/token"));
    assert_eq!(
        r[0].body_text(),
        "grant_type=refresh_token&refresh_token=rt-1&client_id=app-id&client_secret=app-secret&resource=https%3A%2F%2Fvault.azure.net"
    );
    assert_eq!(r[0].header("content-type"), Some("application/x-www-form-urlencoded"));
    assert_eq!((r[1].method.as_str(), r[1].url.as_str()), ("GET", "/secrets/db?api-version=7.0"));
    assert_eq!(r[1].app_headers(), headers(&[("authorization", "Bearer at-1")]));
    assert_eq!(r[2].url, "/secrets?maxresults=5&api-version=7.0");
    assert_eq!(out.body.member("value"), Some(Value::from("s3cr3t")));
    let real = connect(&c, r#"{"parameters": {"keyVaultName": "myvault"}, "oauth": {"accessToken": "x"}}"#);
    let dry = c
        .dry_run("GetSecret", &real, &CallInput::new().param("secret-name", "db"))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dry.request.url, "https://myvault.vault.azure.net/secrets/db?api-version=7.0");
}

#[test]
fn planner_create_task_chains_every_body_template_in_file_order() {
    let c = fixture("Planner");
    let backend =
        Backend::start(|_| Reply::json(201, r#"{"id": "t1", "assignments": {"u1": {"orderHint": "8585"}}}"#));
    let bound = connect(
        &c,
        &format!(r#"{{"origin": "{}", "oauth": {{"accessToken": "graph-token"}}}}"#, backend.origin),
    );
    let body = json(r#"{"groupId": "g1", "planId": "p1", "title": "T", "assignments": "a.b@x.com;c"}"#);
    let out = c
        .call("CreateTask_V4", &bound, &CallInput::new().with_body(body), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = backend.only();
    assert_eq!((r.method.as_str(), r.url.as_str()), ("POST", "/beta/planner/tasks"));
    assert_eq!(
        r.app_headers(),
        headers(&[
            ("authorization", "Bearer graph-token"),
            ("content-type", "application/json"),
            ("prefer", "return=representation")
        ])
    );
    assert_eq!(
        r.body_text(),
        concat!(
            r#"{"groupId":"g1","planId":"p1","title":"T","assignments":{"#,
            r#""a%2Eb%40x%2Ecom":{"orderHint":" !","@odata.type":"microsoft.graph.plannerAssignment"},"#,
            r#""c":{"orderHint":" !","@odata.type":"microsoft.graph.plannerAssignment"}}}"#
        )
    );
    assert_eq!(
        to_json_string(&out.body),
        r#"{"id":"t1","assignments":{"u1":{"orderHint":"8585"}},"_assignments":[{"userId":"u1","value":{"orderHint":"8585"}}]}"#
    );
}

#[test]
fn planner_update_details_fetches_the_etag_first_and_reshapes_both_ways() {
    let c = fixture("Planner");
    let backend = Backend::start(|r| {
        if r.method == "GET" {
            Reply::json(200, r#"{"@odata.etag": "W/\"JzEtVGFzay\"", "id": "t1"}"#)
        } else {
            Reply::json(
                200,
                r#"{"id": "t1", "checklist": {"c1": {"title": "Do"}}, "references": {"https%3A//x%2Ecom/a%2Eb": {"alias": "A"}}}"#,
            )
        }
    });
    let bound = connect(
        &c,
        &format!(r#"{{"origin": "{}", "oauth": {{"accessToken": "graph-token"}}}}"#, backend.origin),
    );
    let body = json(
        r#"{"description": "d", "references": [{"resourceLink": "https://x.com/a.b", "alias": "A"}],
            "checklist": [{"id": "c1", "title": "Do", "isChecked": false}]}"#,
    );
    let out = c
        .call("UpdateTaskDetails_V2", &bound, &CallInput::new().param("id", "t1").with_body(body), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    let r = backend.requests();
    assert_eq!(r.len(), 2);
    assert_eq!((r[0].method.as_str(), r[0].url.as_str()), ("GET", "/v1.0/planner/tasks/t1/details"));
    assert_eq!(r[0].header("authorization"), Some("Bearer graph-token"));
    assert_eq!((r[1].method.as_str(), r[1].url.as_str()), ("PATCH", "/v1.0/planner/tasks/t1/details"));
    assert_eq!(
        r[1].app_headers(),
        headers(&[
            ("authorization", "Bearer graph-token"),
            ("content-type", "application/json"),
            ("if-match", "W/\"JzEtVGFzay\""),
            ("prefer", "return=representation")
        ])
    );
    assert_eq!(
        r[1].body_text(),
        concat!(
            r#"{"description":"d","references":{"https%3A//x%2Ecom/a%2Eb":{"alias":"A","previewPriority":" !","@odata.type":"microsoft.graph.plannerExternalReference"}},"#,
            r#""checklist":{"c1":{"title":"Do","isChecked":false,"@odata.type":"microsoft.graph.plannerChecklistItem"}}}"#
        )
    );
    assert_eq!(
        to_json_string(&out.body),
        r#"{"id":"t1","checklist":[{"id":"c1","value":{"title":"Do"}}],"references":[{"resourceLink":"https://x.com/a.b","value":{"alias":"A"}}]}"#
    );
    assert_eq!(out.lookups.len(), 1);
}

#[test]
fn planner_pages_and_group_queries() {
    let c = fixture("Planner");
    let cell = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
    let inner = std::sync::Arc::clone(&cell);
    let backend = Backend::start(move |r| {
        let origin = inner.lock().map(|o| o.clone()).unwrap_or_default();
        if r.url.contains("skiptoken") {
            Reply::json(200, r#"{"value": [{"id": "t3", "assignments": {}}]}"#)
        } else if r.url.starts_with("/v1.0/me/planner/tasks") {
            Reply::json(
                200,
                &format!(
                    r#"{{"value": [{{"id": "t1", "assignments": {{"u": {{}}}}}}, {{"id": "t2", "assignments": {{}}}}], "@odata.nextLink": "{origin}/v1.0/me/planner/tasks?$skiptoken=X"}}"#
                ),
            )
        } else {
            Reply::json(200, r#"{"value": [{"id": "g1", "displayName": "Team"}]}"#)
        }
    });
    if let Ok(mut o) = cell.lock() {
        *o = backend.origin.clone();
    }
    let bound = connect(
        &c,
        &format!(r#"{{"origin": "{}", "oauth": {{"accessToken": "graph-token"}}}}"#, backend.origin),
    );
    let options = CallOptions { paginate: true, ..CallOptions::default() };
    let out = c.call("ListMyTasks_V2", &bound, &CallInput::new(), &options).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.pages, 2);
    let ids: Vec<String> = out
        .body
        .member("value")
        .and_then(|v| {
            v.as_array().map(|a| a.iter().filter_map(|t| t.member("id")).map(|i| i.to_text()).collect())
        })
        .unwrap_or_default();
    assert_eq!(ids, ["t1", "t2", "t3"]);
    // Each page went through the Response policies (assignments object → _assignments array).
    assert_eq!(
        out.body
            .member("value")
            .and_then(|v| v.index(0))
            .and_then(|t| t.member("_assignments"))
            .map(|a| to_json_string(&a)),
        Some(r#"[{"userId":"u","value":{}}]"#.to_string())
    );
    c.call("ListGroups", &bound, &CallInput::new(), &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.requests();
    assert_eq!(r[1].url, "/v1.0/me/planner/tasks?$skiptoken=X");
    assert_eq!(r[1].header("authorization"), Some("Bearer graph-token"));
    assert_eq!(r[2].url, "/v1.0/me/memberOf/$/microsoft.graph.group?$filter=groupTypes/any(c:c%20eq%20'Unified')&$select=id,displayName");
}

#[test]
fn planner_without_a_token_explains_the_certificate_provider() {
    let c = fixture("Planner");
    let bound = connect(&c, "{}");
    let e = c
        .call("ListGroups", &bound, &CallInput::new(), &opts())
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(e.contains("aadcertificate") && e.contains("oauth.accessToken"), "{e}");
}

#[test]
fn huddle_polls_with_the_previous_response_and_refreshes_its_token() {
    let c = fixture("Huddle");
    let tokens = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let counter = std::sync::Arc::clone(&tokens);
    let backend = Backend::start(move |r| {
        if r.url == "/token" {
            let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            return Reply::json(
                200,
                &format!(
                    r#"{{"access_token": "at-{n}", "refresh_token": "rt-{}", "expires_in": 3600}}"#,
                    n + 1
                ),
            );
        }
        if r.header("authorization") == Some("Bearer at-1") && r.url.contains("after=") {
            return Reply::json(401, r#"{"error": "expired"}"#);
        }
        if r.url.contains("after=") {
            Reply::json(200, r#"{"files": []}"#)
        } else {
            Reply::json(
                200,
                r#"{"files": [{"created": "2024-05-01T10:00:00Z", "name": "a.txt"}, {"created": "2024-04-30T09:00:00Z", "name": "b.txt"}]}"#,
            )
        }
    });
    let bound = connect(
        &c,
        &format!(
            r#"{{"origin": "{}", "oauth": {{"refreshToken": "rt-1", "clientId": "huddle-app", "clientSecret": "hs"}}}}"#,
            backend.origin
        ),
    );
    let input = CallInput::new().param("workspaceId", "w1").param("folderId", "f1");
    let first = c.call("PollFolderForFileUpload", &bound, &input, &opts()).unwrap_or_else(|e| panic!("{e}"));
    let poll = first.poll.clone().unwrap_or_else(|| panic!("a polling trigger"));
    assert_eq!(poll.items.len(), 2);
    assert_eq!(to_json_string(&poll.state), r#"{"queries":{"after":"2024-05-01T10:00:00Z"}}"#);
    let options = CallOptions { poll_state: Some(poll.state.clone()), ..CallOptions::default() };
    let second =
        c.call("PollFolderForFileUpload", &bound, &input, &options).unwrap_or_else(|e| panic!("{e}"));
    let second_poll = second.poll.unwrap_or_else(|| panic!("a polling trigger"));
    assert!(second_poll.items.is_empty());
    assert_eq!(second_poll.state, poll.state, "no new data keeps the state");
    let r = backend.requests();
    let urls: Vec<(&str, &str)> = r.iter().map(|x| (x.method.as_str(), x.url.as_str())).collect();
    assert_eq!(
        urls,
        [
            ("POST", "/token"),
            ("GET", "/trigger/v2/poll/folder/f1/upload?workspaceId=w1"),
            ("GET", "/trigger/v2/poll/folder/f1/upload?workspaceId=w1&after=2024-05-01T10:00:00Z"),
            ("POST", "/token"),
            ("GET", "/trigger/v2/poll/folder/f1/upload?workspaceId=w1&after=2024-05-01T10:00:00Z"),
        ]
    );
    assert_eq!(
        r[0].body_text(),
        "grant_type=refresh_token&refresh_token=rt-1&client_id=huddle-app&client_secret=hs&scope=Scope"
    );
    assert_eq!(
        r[3].body_text(),
        "grant_type=refresh_token&refresh_token=rt-2&client_id=huddle-app&client_secret=hs&scope=Scope"
    );
    assert_eq!(r[4].header("authorization"), Some("Bearer at-2"));
}

#[test]
fn resco_cloud_picks_a_parameter_set_and_routes_odata_paths() {
    let c = fixture("RescoCloud");
    let backend = Backend::start(|_| Reply::json(200, r#"{"value": []}"#));
    let bound = connect(
        &c,
        &format!(
            r#"{{"origin": "{}", "parameterSet": "cloudServer",
                "parameters": {{"server": "https://rescocrm.com", "organization": "acme", "username": "ada", "password": "pw"}}}}"#,
            backend.origin
        ),
    );
    assert_eq!(bound.parameter_set.as_deref(), Some("cloudServer"));
    c.call("Record-Get", &bound, &CallInput::new().param("entity", "account").param("id", "00 01"), &opts())
        .unwrap_or_else(|e| panic!("{e}"));
    c.call(
        "Record-Get-Questionnaire",
        &bound,
        &CallInput::new().param("questionnaire", "q1").param("id", "5"),
        &opts(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    c.call("Schema-Questionnaires", &bound, &CallInput::new(), &opts()).unwrap_or_else(|e| panic!("{e}"));
    let r = backend.requests();
    assert_eq!((r[0].method.as_str(), r[0].url.as_str()), ("GET", "/odata/v4/acme/account('00%2001')"));
    assert_eq!(
        r[0].app_headers(),
        headers(&[
            ("authorization", "Basic YWRhOnB3"),
            ("prefer", "odata.include-annotations=*,resco.strictlookup=true")
        ])
    );
    assert_eq!(r[1].url, "/odata/questionnaires/v4/acme/q1(5)");
    assert_eq!(r[2].url, "/odata/questionnaires/v4/acme/?$kind=QuestionnaireSet");
    let real = connect(
        &c,
        r#"{"parameterSet": "onPremiseServer", "parameters": {"server": "https://crm.contoso.local:8443", "organization": "acme", "username": "u", "password": "p"}}"#,
    );
    let dry = c.dry_run("User-Get", &real, &CallInput::new()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dry.request.url, "https://crm.contoso.local:8443/odata/v4/acme/me");
    let e = connect_error(&c, r#"{"parameters": {"server": "x"}}"#);
    assert!(e.contains("several parameter sets (cloudServer, onPremiseServer)"), "{e}");
}

fn connect_error(c: &flowexpr::connector::Connector, text: &str) -> String {
    let value = json(text);
    flowexpr::connector::Connection::from_value_with_env(&value, std::sync::Arc::new(|_: &str| None))
        .and_then(|conn| conn.bind(c))
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
}

#[test]
fn open_data_network_refuses_scripted_operations_unless_mocked() {
    let c = fixture("Open_Data_Network");
    assert!(c.has_script);
    let bound = connect(&c, r#"{"parameterSet": "api-auth", "parameters": {"api_key": "app-token"}}"#);
    let op = c.operations[0].id.clone();
    let input = flowexpr::connector::request::placeholders(&c, &c.operations[0]);
    let e = c.call(&op, &bound, &input, &opts()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("custom code (script.csx)") && e.contains("give a mock"), "{e}");
    let dry = c.dry_run(&op, &bound, &input).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(dry.request.header("X-App-Token"), Some("app-token"));
    assert!(dry.notes.iter().any(|n| n.contains("script.csx")));
    // Open question 3: the script receives the request after the Request policies (the
    // `$$version` header comes from a setheader policy).
    assert_eq!(dry.request.header("$$version"), Some("2.1"));
    let mut mocks = flowexpr::value::Object::new();
    mocks.insert(op.as_str(), json(r#"{"statusCode": 200, "body": {"results": [1, 2]}}"#));
    let options = CallOptions { mocks, ..CallOptions::default() };
    let out = c.call(&op, &bound, &input, &options).unwrap_or_else(|e| panic!("{e}"));
    assert!(out.mocked && out.request.is_none());
    assert_eq!(to_json_string(&out.body), r#"{"results":[1,2]}"#);
}

#[test]
fn desk_director_marks_the_connection_unauthenticated_on_401() {
    let c = fixture("DeskDirector");
    let test_op = c.test_connection.clone().unwrap_or_else(|| panic!("DeskDirector has a testConnection"));
    let backend = Backend::start(|_| Reply::json(401, r#"{"message": "bad key"}"#));
    let bound = connect(
        &c,
        &format!(
            r#"{{"origin": "{}", "parameters": {{"apiKey": "dd", "siteHost": "acme.deskdirector.com"}}}}"#,
            backend.origin
        ),
    );
    let input = flowexpr::connector::request::placeholders(
        &c,
        c.operation(&test_op).unwrap_or_else(|| panic!("{test_op}")),
    );
    let out = c.call(&test_op, &bound, &input, &opts()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(out.status, 401);
    assert!(!out.succeeded());
    assert!(bound.unauthenticated().is_some());
    let again = c.call(&test_op, &bound, &input, &opts()).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(again.contains("marked unauthenticated"), "{again}");
    assert_eq!(backend.requests().len(), 1);
    // The setheader policy writes the key as `DdApi <key>` over the apiKey definition's header.
    assert_eq!(backend.requests()[0].header("authorization"), Some("DdApi dd"));
}
