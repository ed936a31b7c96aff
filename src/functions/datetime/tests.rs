//! Tests of the date and time functions.
