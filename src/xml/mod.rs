//! XML values: conversion between XML and JSON following the service's (Newtonsoft.Json)
//! conventions, and XPath.

use crate::error::{Error, ErrorKind, Result};
use crate::value::{Binary, Value};

/// Converts an XML value to JSON (`json(xml(...))`).
pub fn xml_to_json(xml: &Binary) -> Result<Value> {
    let _ = xml;
    Err(Error::new(
        ErrorKind::NotImplemented,
        "converting XML to JSON is planned in the function-library issue (XML)",
    ))
}
