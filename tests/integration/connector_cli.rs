//! `flowexpr connector list / call --dry-run / check / sweep` on the fixtures, through the
//! real binary.

#![cfg(feature = "cli")]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors").join(name)
}

fn flowexpr(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_flowexpr"));
    cmd.args(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap_or_else(|e| panic!("{e}"))
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn list_shows_operations_parameters_auth_and_policies() {
    let dir = fixture("AzureKeyVault");
    let out = flowexpr(&["connector", "list", &dir.to_string_lossy()], &[]);
    let t = text(&out);
    assert!(out.status.success());
    assert!(t.starts_with("Azure Key Vault [Sample] (AzureKeyVault)\nbase URL: https://sameerchtest.vault.azure.net/\nauth: OAuth 2.0 (aad)\n"), "{t}");
    assert!(t.contains("  GetSecret GET /secrets/{secret-name} — Get secret\n      path secret-name (string, required)\n      query api-version (string, required, internal, default \"7.0\")\n"), "{t}");
    assert!(t.contains("  dynamichosturl \"Route to keyvault\" (Request): all operations\n"), "{t}");
    let out = flowexpr(&["connector", "list", &dir.to_string_lossy(), "--json"], &[]);
    let v = flowexpr::value::from_json_str(&text(&out)).unwrap_or_default();
    assert_eq!(v.member("operations").and_then(|o| o.as_array().map(<[_]>::len)), Some(10));
}

#[test]
fn call_dry_run_redacts_secrets_and_reads_the_environment() {
    let dir = fixture("IdealPostcodes");
    let out = flowexpr(
        &[
            "connector",
            "call",
            &dir.to_string_lossy(),
            "AddressesGet",
            "--param",
            "query=SW1A 2AA",
            "--dry-run",
            "--compact",
        ],
        &[("FLOWEXPR_CONN_API_KEY", "ak_live_secret")],
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(
        text(&out),
        "{\"operation\":\"AddressesGet\",\"method\":\"GET\",\"url\":\"https://api.ideal-postcodes.co.uk/v1/addresses?query=SW1A%202AA&limit=10&page=0&api_key=[redacted]\",\"headers\":{},\"body\":null}\n"
    );
    let out = flowexpr(&["connector", "call", &dir.to_string_lossy(), "AddressGet", "--dry-run"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("has no operation \"AddressGet\"; did you mean AddressesGet?"));
    let out = flowexpr(&["connector", "call", &dir.to_string_lossy(), "UdprnByUdprnGet", "--dry-run"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the parameter \"udprn\" (in path)"));
}

#[test]
fn call_with_a_connection_file_and_a_file_parameter() {
    let dir = std::env::temp_dir().join(format!("flowexpr-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let connection = dir.join("connection.json");
    let pdf = dir.join("in.pdf");
    std::fs::write(&connection, r#"{"parameters": {"api_key": {"env": "CM_KEY"}}}"#)
        .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(&pdf, "%PDF-1.4").unwrap_or_else(|e| panic!("{e}"));
    let out = flowexpr(
        &[
            "connector",
            "call",
            &fixture("Cloudmersive_PDF").to_string_lossy(),
            "EditPdf_GetAnnotations",
            "--connection",
            &connection.to_string_lossy(),
            "--param",
            &format!("inputFile=@{}", pdf.display()),
            "--dry-run",
        ],
        &[("CM_KEY", "cm-secret")],
    );
    let _ = std::fs::remove_dir_all(&dir);
    let v = flowexpr::value::from_json_str(&text(&out)).unwrap_or_default();
    assert_eq!(
        v.member("headers").and_then(|h| h.member("Apikey")).map(|k| k.to_text()).as_deref(),
        Some("[redacted]")
    );
    let part = v.member("body").and_then(|b| b.index(0)).unwrap_or_default();
    assert_eq!(
        flowexpr::value::to_json_string(&part),
        r#"{"name":"inputFile","filename":"in.pdf","contentType":"application/pdf","content":"%PDF-1.4"}"#
    );
}

#[test]
fn check_reports_pointers_and_exits_1_on_errors() {
    let dir = std::env::temp_dir().join(format!("flowexpr-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("apiDefinition.swagger.json"),
        "{\n  \"swagger\": \"2.0\", \"info\": {\"title\": \"T\"}, \"host\": \"h\",\n  \"paths\": {\"/a/{id}\": {\"get\": {\"operationId\": \"A\", \"responses\": {}}}},\n}\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(dir.join("apiProperties.json"), r##"{"properties": {"iconBrandColor": "#fff"}}"##)
        .unwrap_or_else(|e| panic!("{e}"));
    let out = flowexpr(&["connector", "check", &dir.to_string_lossy()], &[]);
    let json = flowexpr(&["connector", "check", &dir.to_string_lossy(), "--json"], &[]);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out),
        "warning: apiDefinition.swagger.json:3:71 at /: a trailing comma before `}` was ignored\n\
         error: apiDefinition.swagger.json:3:25 at /paths/~1a~1{id}/get: the path /a/{id} has {id} but the operation declares no such path parameter\n\
         1 error(s), 1 warning(s)\n"
    );
    let v = flowexpr::value::from_json_str(&text(&json)).unwrap_or_default();
    assert_eq!(v.index(1).and_then(|f| f.member("line")), Some(flowexpr::Value::Int(3)));
}

#[test]
fn check_passes_on_the_fixtures_without_errors_that_flowexpr_cannot_run() {
    // The real connectors have findings (they are as published); none stops them loading.
    for name in ["NHTSA_vPIC", "CO2_Signal", "RescoCloud"] {
        let out = flowexpr(&["connector", "check", &fixture(name).to_string_lossy()], &[]);
        let t = text(&out);
        assert!(t.ends_with("warning(s)\n"), "{name}: {t}");
    }
}

#[test]
fn sweep_counts_the_fixtures() {
    let out = flowexpr(&["connector", "sweep", &fixture("").to_string_lossy()], &[]);
    let t = text(&out);
    assert!(out.status.success());
    assert!(t.starts_with("connectors: 12 listed, 12 folders, 12 loaded (100.00 %)"), "{t}");
    assert!(t.contains("panics: 0"), "{t}");
}
