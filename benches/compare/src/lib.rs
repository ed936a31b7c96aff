//! See benches/versus_cel.rs.
