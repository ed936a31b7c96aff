//! URI parsing functions.

use super::{Category, Function};

const LATER: &str = "planned in the function-library issue (URI parsing)";

pub(crate) const FUNCTIONS: &[Function] = &[
    Function::missing("uriHost", Category::UriParsing, "The host of a URI.", LATER),
    Function::missing("uriPath", Category::UriParsing, "The path of a URI.", LATER),
    Function::missing("uriPathAndQuery", Category::UriParsing, "The path and query of a URI.", LATER),
    Function::missing("uriPort", Category::UriParsing, "The port of a URI (or the scheme's default).", LATER),
    Function::missing("uriQuery", Category::UriParsing, "The query of a URI, with its '?'.", LATER),
    Function::missing("uriScheme", Category::UriParsing, "The scheme of a URI.", LATER),
];
