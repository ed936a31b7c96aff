//! The corpus sweep over the 1,035 published connectors. The corpus is not part of the
//! repository, so the test is ignored by default:
//!
//! ```sh
//! FLOWEXPR_CONNECTOR_CORPUS=/path/to/corpus/connectors cargo test --release --test connector_sweep -- --ignored --nocapture
//! ```
//!
//! (The same counts come from `flowexpr connector sweep /path/to/corpus/connectors`.)

use std::path::PathBuf;

use flowexpr::connector::sweep;

#[test]
#[ignore = "needs the connector corpus: set FLOWEXPR_CONNECTOR_CORPUS"]
fn the_corpus_loads_and_every_operation_builds() {
    let Some(dir) = std::env::var_os("FLOWEXPR_CONNECTOR_CORPUS").map(PathBuf::from) else {
        panic!("set FLOWEXPR_CONNECTOR_CORPUS to the folder of connector folders");
    };
    let report = sweep::sweep(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    println!("{}", report.render(false));
    assert_eq!(report.panics, 0);
    assert!(report.load_percent() >= 99.0, "{:.2} % of the connectors load", report.load_percent());
    assert!(report.build_percent() >= 98.0, "{:.2} % of the operations build", report.build_percent());
}

#[test]
fn the_sweep_of_the_fixtures_builds_every_operation_but_the_broken_ones() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/connectors");
    let report = sweep::sweep(&dir).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((report.listed, report.loaded, report.panics), (12, 12, 0));
    assert!(report.operations > 150, "{}", report.operations);
    assert_eq!(report.built, report.operations, "{}", report.render(true));
}

#[test]
#[ignore = "needs the connector corpus: set FLOWEXPR_CONNECTOR_CORPUS"]
fn the_corpus_checks_without_panics() {
    use flowexpr::connector::load::LoadOptions;
    use flowexpr::connector::{check, Connector, Severity};
    let Some(dir) = std::env::var_os("FLOWEXPR_CONNECTOR_CORPUS").map(PathBuf::from) else {
        panic!("set FLOWEXPR_CONNECTOR_CORPUS to the folder of connector folders");
    };
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    let (mut checked, mut errors, mut warnings, mut located) = (0, 0, 0, 0);
    for folder in folders {
        let Ok(c) = Connector::load_with(&folder, LoadOptions { positions: true }) else { continue };
        let findings = check::check(&c);
        checked += 1;
        errors += findings.iter().filter(|f| f.severity == Severity::Error).count();
        warnings += findings.iter().filter(|f| f.severity == Severity::Warning).count();
        located += findings.iter().filter(|f| f.line_col.is_some()).count();
    }
    println!(
        "checked {checked} connectors: {errors} errors, {warnings} warnings, {located} with line and column"
    );
    assert!(checked > 1000);
    assert_eq!(located, errors + warnings, "every finding has a position");
}
