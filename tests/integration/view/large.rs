//! The large run of the page tests and of `benches/view.rs`: 500 actions (the service's
//! limit), a Foreach of 1,000 iterations and six parallel chains.

use serde_json::{json, Value};

/// 500 actions (the service's limit): a loop of 1,000 iterations and parallel chains.
fn large_definition() -> Value {
    let mut actions = serde_json::Map::new();
    actions.insert(
        "Loop".into(),
        json!({"type": "Foreach", "foreach": "@range(0, 1000)",
               "actions": {"Inner": {"type": "Compose", "inputs": "@items('Loop')"}}}),
    );
    for chain in 0..6 {
        for step in 0..83 {
            let name = format!("Step_{chain}_{step}");
            let after = if step == 0 {
                json!({"Loop": ["Succeeded"]})
            } else {
                json!({format!("Step_{chain}_{}", step - 1): ["Succeeded"]})
            };
            actions.insert(name, json!({"type": "Compose", "inputs": step, "runAfter": after}));
        }
    }
    json!({"triggers": {"manual": {"type": "Request", "kind": "Http"}}, "actions": actions})
}

/// The large definition, loaded and run (no mocks needed: every action is a Compose).
pub fn large_run() -> (flowexpr::workflow::Workflow, flowexpr::Value) {
    use flowexpr::workflow::{self, RunOptions, Workflow};
    let flow = Workflow::from_json_str(&large_definition().to_string()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(flow.action_count(), 500);
    let finished = workflow::run(&flow, RunOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    (flow, finished.record)
}
