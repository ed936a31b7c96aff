//! XML functions: `xml` and `xpath`.

use super::{Category, Function};

const LATER: &str = "planned in the function-library issue (XML)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing("xml", Category::Conversion, "An XML value from XML text or a JSON object.", LATER),
    Function::missing("xpath", Category::Manipulation, "Evaluates an XPath expression on XML.", LATER),
];
