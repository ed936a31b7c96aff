//! Syntax tree → value: compiling expressions once and evaluating them many times against
//! a [`Context`].
//!
//! ```
//! use flowexpr::{Engine, RunContext};
//! let engine = Engine::new();
//! let expr = engine.compile("add(mul(variables('pageNumber'), 50), 7)").unwrap();
//! let ctx = RunContext::from_json_str(r#"{"variables": {"pageNumber": 3}}"#).unwrap();
//! assert_eq!(expr.eval(&ctx).unwrap(), flowexpr::Value::Int(157));
//! ```

pub mod context;
mod node;

use std::sync::Arc;

pub use context::{Context, RunContext};
pub(crate) use node::Node;

use crate::error::{Error, ErrorKind, Result};
use crate::functions::{self, Function};
use crate::limits::Limits;
use crate::syntax::{self, Expr};
use crate::value::Value;

/// Compiles expressions and templates. Holds the limits and any functions an embedder adds
/// to the built-in library. Cheap to create; share one if you add functions.
#[derive(Clone, Default)]
pub struct Engine {
    limits: Limits,
    extra: Vec<&'static Function>,
}

impl Engine {
    /// An engine with the built-in functions and the default limits.
    pub fn new() -> Engine {
        Engine::default()
    }

    /// An engine with the given limits.
    pub fn with_limits(limits: Limits) -> Engine {
        Engine { limits, extra: Vec::new() }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Changes the limits for expressions compiled from now on.
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// Adds a function, or replaces a built-in one of the same name (matched without
    /// regard to case).
    pub fn register(&mut self, function: &'static Function) {
        self.extra.retain(|f| !f.name.eq_ignore_ascii_case(function.name));
        self.extra.push(function);
    }

    /// The function with this name: an added one first, then the built-ins.
    pub fn lookup(&self, name: &str) -> Option<&'static Function> {
        self.extra
            .iter()
            .rev()
            .find(|f| f.name.eq_ignore_ascii_case(name))
            .copied()
            .or_else(|| functions::lookup(name))
    }

    /// Every function this engine knows.
    pub fn functions(&self) -> Vec<&'static Function> {
        let mut all: Vec<&'static Function> = functions::all()
            .filter(|f| !self.extra.iter().any(|e| e.name.eq_ignore_ascii_case(f.name)))
            .collect();
        all.extend(self.extra.iter().copied());
        all
    }

    /// Parses and compiles an expression (the text after the `@`).
    pub fn compile(&self, text: &str) -> Result<Expression> {
        let expr = syntax::parse_expression_with(text, &self.limits)?;
        Ok(self.compile_ast(&expr, text))
    }

    /// Compiles a parsed expression; `source` is the text its spans point into.
    pub fn compile_ast(&self, expr: &Expr, source: &str) -> Expression {
        Expression {
            inner: Arc::new(Compiled {
                node: node::compile(self, expr),
                source: Arc::from(source),
                limits: self.limits.clone(),
            }),
        }
    }

    /// Compiles and evaluates an expression in one step.
    pub fn eval(&self, text: &str, context: &dyn Context) -> Result<Value> {
        self.compile(text)?.eval(context)
    }

    pub(crate) fn compile_node(&self, expr: &Expr) -> Node {
        node::compile(self, expr)
    }

    /// Calls a function of this engine's library with arguments already evaluated, as
    /// `name(args...)` would: the runner's condition objects (`{"equals": [a, b]}`), Switch
    /// cases and built-in actions compute their results this way.
    ///
    /// ```
    /// use flowexpr::{Engine, RunContext, Value};
    /// let engine = Engine::new();
    /// let out = engine.call("indexOf", &[Value::from("hello"), Value::from("L")], &RunContext::default());
    /// assert_eq!(out.ok(), Some(Value::Int(2)));
    /// ```
    pub fn call(&self, name: &str, args: &[Value], context: &dyn Context) -> Result<Value> {
        let function = self.lookup(name).ok_or_else(|| {
            Error::new(
                ErrorKind::UnknownFunction,
                format!("The template function '{name}' is not defined or not valid."),
            )
        })?;
        if function.is_implemented() {
            if let Some(message) = function.check_arity(args.len()) {
                return Err(Error::new(ErrorKind::ArgumentCount, message));
            }
        }
        let mut state = State::new(context, &self.limits, name);
        node::call_with_values(&mut state, function, args)
    }
}

/// A compiled expression: `Send + Sync`, cheap to clone, evaluated any number of times.
#[derive(Clone)]
pub struct Expression {
    inner: Arc<Compiled>,
}

struct Compiled {
    node: Node,
    source: Arc<str>,
    limits: Limits,
}

impl Expression {
    /// Evaluates against a run context.
    pub fn eval(&self, context: &dyn Context) -> Result<Value> {
        let c = &*self.inner;
        let mut state = State::new(context, &c.limits, &c.source);
        state.eval(&c.node).map_err(|e| e.with_source(Arc::clone(&c.source)))
    }

    /// The source text.
    pub fn source(&self) -> &str {
        &self.inner.source
    }
}

impl std::fmt::Debug for Expression {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Expression({:?})", self.inner.source)
    }
}

/// The state of one evaluation: the run context, the limits and the fuel left.
pub struct State<'c> {
    pub(crate) context: &'c dyn Context,
    pub(crate) limits: &'c Limits,
    pub(crate) source: &'c str,
    fuel: u64,
}

impl<'c> State<'c> {
    pub(crate) fn new(context: &'c dyn Context, limits: &'c Limits, source: &'c str) -> State<'c> {
        State { context, limits, source, fuel: limits.fuel.unwrap_or(u64::MAX) }
    }

    /// Spends fuel; fails when the budget is used up.
    #[inline]
    pub(crate) fn charge(&mut self, units: u64) -> Result<()> {
        match self.fuel.checked_sub(units) {
            Some(left) => {
                self.fuel = left;
                Ok(())
            }
            None => {
                self.fuel = 0;
                Err(Error::new(
                    ErrorKind::Limit,
                    format!(
                        "evaluation ran out of fuel ({} units): the expression does too much work",
                        self.limits.fuel.unwrap_or(0)
                    ),
                ))
            }
        }
    }

    pub(crate) fn eval(&mut self, node: &Node) -> Result<Value> {
        node::eval(self, node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(text: &str) -> Result<Value> {
        Engine::new().eval(text, &RunContext::default())
    }

    #[test]
    fn compiled_expressions_are_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<Expression>();
        check::<Engine>();
    }

    #[test]
    fn unknown_functions_fail_only_when_called() {
        assert_eq!(eval("if(true, 1, nope())").ok(), Some(Value::Int(1)));
        let e = eval("if(false, 1, nope())").err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("The template function 'nope' is not defined or not valid"), "{e}");
    }

    #[test]
    fn fuel_stops_runaway_work() {
        let engine = Engine::with_limits(Limits { fuel: Some(10), ..Limits::default() });
        let e = engine.eval("add(add(add(add(add(add(1,1),1),1),1),1),1)", &RunContext::default());
        assert!(e.is_err_and(|e| e.kind() == ErrorKind::Limit));
    }

    #[test]
    fn errors_carry_the_source() {
        let e = eval("createArray(1)[5]").err();
        let text = e.map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(text.contains("createArray(1)[5]") && text.contains('^'), "{text}");
    }
}
