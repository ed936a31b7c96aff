//! Placeholder; the benchmark suite is written in a later step.
fn main() {}
