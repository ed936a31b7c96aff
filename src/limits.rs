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
