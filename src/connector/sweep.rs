//! The corpus sweep: load every connector folder under a directory and build a dry-run
//! request for every operation from defaults and placeholder values.
