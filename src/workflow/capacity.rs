//! What a run can hold, checked before it starts: nested loops whose iteration counts are
//! known from the definition and the parameters alone (`@range(0, 100000)`, a literal
//! array, an Until's `limit.count`) must not multiply past the run's capacity, and a Wait
//! whose length is known must not outlast the run (`crate::limits::run`).
//!
//! A count that depends on what actions return is not known before the run; the runner
//! counts executions as it goes and ends the run at the same limits.

use crate::error::{Error, ErrorKind, Result};
use crate::eval::RunContext;
use crate::limits::run::{too_many_executions, wait_too_long, MAX_ACTION_EXECUTIONS, MAX_DURATION};
use crate::value::Value;

use super::definition::{ActionDef, Container, Kind};

/// Refuses a run whose known loop counts or Wait lengths exceed the run's limits.
pub(crate) fn check(actions: &Container, context: &RunContext) -> Result<()> {
    let mut loops = Vec::new();
    visit(actions, context, &mut loops)
}

fn visit(container: &Container, context: &RunContext, loops: &mut Vec<(String, u64)>) -> Result<()> {
    for action in &container.actions {
        if let Kind::Wait = action.kind {
            check_wait(action, context)?;
        }
        let count = iterations(action, context);
        if let Some(n) = count {
            loops.push((action.name.to_string(), n));
            let total = loops.iter().fold(1u64, |t, (_, n)| t.saturating_mul(*n));
            if total > MAX_ACTION_EXECUTIONS {
                return Err(Error::new(ErrorKind::Limit, too_many_executions(loops, total))
                    .with_pointer(action.pointer.clone()));
            }
        }
        for child in action.kind.children() {
            visit(child, context, loops)?;
        }
        if count.is_some() {
            loops.pop();
        }
    }
    Ok(())
}

/// A loop's iteration count, when the definition and the parameters tell it.
fn iterations(action: &ActionDef, context: &RunContext) -> Option<u64> {
    match &action.kind {
        Kind::Foreach { items, .. } => match items.render(context).ok()? {
            Value::Array(a) => Some(a.len() as u64),
            _ => None,
        },
        Kind::Until { count, .. } => count.render(context).ok()?.as_i64().map(|n| n.max(1) as u64),
        _ => None,
    }
}

fn check_wait(action: &ActionDef, context: &RunContext) -> Result<()> {
    let Ok(inputs) = action.inputs.render(context) else { return Ok(()) };
    let Some(interval) = inputs.member("interval") else { return Ok(()) };
    if let (Some(count), Some(unit)) = crate::check::capacity::interval_parts(&interval) {
        let seconds = count * unit;
        // Infinite (an overflowing count) is refused too; NaN compares false and is left to the run.
        if seconds > MAX_DURATION.as_secs_f64() {
            return Err(Error::new(ErrorKind::Limit, wait_too_long(&action.name, seconds))
                .with_pointer(action.pointer.clone()));
        }
    }
    Ok(())
}
