//! Text → syntax tree: the grammar (`grammar/expression.pest`), the parser, the syntax tree
//! with spans, and parse errors in words.
//!
//! ```
//! use flowexpr::syntax::{parse_expression, ExprKind};
//! let expr = parse_expression("body('HTTP')?['data'][0].id").unwrap();
//! assert!(matches!(expr.kind, ExprKind::Member(_)));
//! assert_eq!(expr.to_string(), "body('HTTP')?['data'][0].id");
//! ```

mod ast;
mod error;
mod parser;

pub use ast::{Call, Expr, ExprKind, Member, MemberKey, Segment, Span, Template};
#[cfg(feature = "cli")]
pub(crate) use error::trailing_identifier;
pub use parser::{parse_expression, parse_expression_with, parse_template, parse_template_with};
