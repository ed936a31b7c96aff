//! Resource limits for parsing and evaluation.

/// Limits applied while parsing and evaluating. Every one is enforced with a clear error
/// (kind [`crate::ErrorKind::Limit`]) instead of a crash, a hang or unbounded memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// The longest expression accepted, in characters. The service's limit is 8,192.
    pub max_expression_length: usize,
    /// The deepest nesting of calls and brackets accepted.
    pub max_nesting_depth: usize,
    /// Evaluation fuel: each step of evaluation costs one unit, and functions that build or
    /// scan large values cost in proportion to the work. `None` means unlimited.
    pub fuel: Option<u64>,
    /// The longest string a function may build, in characters. The service's limit for
    /// `concat()` and `join()` results is 104,857,600.
    pub max_string_length: usize,
    /// The most items an array built by a function (`range`, `chunk`, `split`, ...) may
    /// hold.
    pub max_array_length: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_expression_length: 8_192,
            max_nesting_depth: 100,
            fuel: Some(100_000_000),
            max_string_length: 104_857_600,
            max_array_length: 10_000_000,
        }
    }
}

impl Limits {
    /// No limits beyond those that protect the process (nesting depth stays bounded).
    pub fn relaxed() -> Limits {
        Limits {
            max_expression_length: usize::MAX,
            max_nesting_depth: 100,
            fuel: None,
            max_string_length: usize::MAX,
            max_array_length: usize::MAX,
        }
    }
}

/// The service's limits on one workflow run (Logic Apps' limits page, Consumption and
/// Standard stateful), which `check`, the runner and the HTTP runtime all enforce: no wait,
/// loop or poll goes past them.
pub mod run {
    use std::time::Duration;

    /// The longest a stateful run may last: 90 days.
    pub const MAX_DURATION: Duration = Duration::from_secs(90 * 86_400);

    /// Action executions the service runs per five minutes (Consumption).
    pub const EXECUTIONS_PER_FIVE_MINUTES: u64 = 100_000;

    /// The action executions one run can hold: the throughput limit over the run-duration
    /// limit (100,000 per 5 minutes for 90 days: 2,592,000,000). Nested loops whose
    /// iterations multiply past it are refused before the run starts.
    pub const MAX_ACTION_EXECUTIONS: u64 = EXECUTIONS_PER_FIVE_MINUTES * (MAX_DURATION.as_secs() / 300);

    /// Why nested loops are refused: `loops` are the loop names from the outside in, each
    /// with its iteration count, `total` their product.
    pub fn too_many_executions(loops: &[(String, u64)], total: u64) -> String {
        let chain: Vec<String> =
            loops.iter().map(|(n, c)| format!("'{n}' ({} iterations)", group(*c))).collect();
        format!(
            "the nested loops {} run their actions {} times; a run can hold {} action executions ({} per 5 minutes for 90 days)",
            chain.join(" × "),
            group(total),
            group(MAX_ACTION_EXECUTIONS),
            group(EXECUTIONS_PER_FIVE_MINUTES)
        )
    }

    /// Why a Wait is refused: it lasts longer than a run may.
    pub fn wait_too_long(name: &str, seconds: f64) -> String {
        format!(
            "the Wait '{name}' lasts {} seconds; a run lasts at most 90 days ({} seconds)",
            if seconds < 1e15 { group(seconds as u64) } else { format!("{seconds:e}") },
            group(MAX_DURATION.as_secs())
        )
    }

    /// 2592000000 → "2,592,000,000".
    fn group(n: u64) -> String {
        let digits = n.to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    #[cfg(test)]
    mod tests {
        #[test]
        fn the_numbers() {
            assert_eq!(super::MAX_ACTION_EXECUTIONS, 2_592_000_000);
            let m =
                super::too_many_executions(&[("A".into(), 100_000), ("B".into(), 100_000)], 10_000_000_000);
            assert!(m.contains("'A' (100,000 iterations) × 'B' (100,000 iterations) run their actions 10,000,000,000 times"), "{m}");
        }
    }
}
