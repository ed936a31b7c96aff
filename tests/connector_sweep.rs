//! The corpus sweep over the 1,035 published connectors. The corpus is not part of the
//! repository, so the test is ignored by default:
//!
//! ```sh
//! FLOWEXPR_CONNECTOR_CORPUS=../shared/corpus/connectors cargo test --release --test connector_sweep -- --ignored --nocapture
//! ```
//!
//! (The same counts come from `flowexpr connector sweep ../shared/corpus/connectors`.)

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
