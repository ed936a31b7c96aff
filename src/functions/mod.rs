//! The function library and its registry.
//!
//! Every function of the language is one [`Function`] entry: its name, parameters (with
//! the types they accept), return type, category, one-line help, an example and its
//! implementation. The same table drives the evaluator, `flowexpr functions`, `check` and
//! the REPL's completion. Each category of the reference lives in its own file and exports
//! a `FUNCTIONS` slice; [`all`] chains them.
//!
//! Implementations are plain functions. Eager ones receive their evaluated arguments as
//! [`Args`], whose typed getters produce the service's wording for type errors; lazy ones
//! (`if`, `and`, `or`, `coalesce`) receive a [`LazyCall`] and evaluate arguments on demand.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use crate::error::{Error, ErrorKind, Result};
use crate::eval::{Context, State};
use crate::syntax::Span;
use crate::value::{Value, ValueType};

pub(crate) mod collection;
pub(crate) mod conversion;
pub(crate) mod datetime;
pub(crate) mod logical;
pub(crate) mod manipulation;
pub(crate) mod math;
pub(crate) mod numbers;
pub(crate) mod string;
pub(crate) mod uri;
pub(crate) mod workflow;
pub(crate) mod xml;

/// The categories of the function reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// String functions.
    String,
    /// Collection functions.
    Collection,
    /// Logical comparison functions.
    Logical,
    /// Conversion functions.
    Conversion,
    /// Math functions.
    Math,
    /// Date and time functions.
    DateTime,
    /// Workflow functions (run state).
    Workflow,
    /// URI parsing functions.
    UriParsing,
    /// JSON and XML manipulation functions.
    Manipulation,
}

impl Category {
    /// Every category, in the reference's order.
    pub const ALL: [Category; 9] = [
        Category::String,
        Category::Collection,
        Category::Logical,
        Category::Conversion,
        Category::Math,
        Category::DateTime,
        Category::Workflow,
        Category::UriParsing,
        Category::Manipulation,
    ];

    /// The short name used on the command line (`:functions string`).
    pub fn name(self) -> &'static str {
        match self {
            Category::String => "string",
            Category::Collection => "collection",
            Category::Logical => "logical",
            Category::Conversion => "conversion",
            Category::Math => "math",
            Category::DateTime => "datetime",
            Category::Workflow => "workflow",
            Category::UriParsing => "uri",
            Category::Manipulation => "manipulation",
        }
    }

    /// The category with this short name.
    pub fn from_name(name: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of value types a parameter accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ty(u16);

impl Ty {
    /// `null`.
    pub const NULL: Ty = Ty(1);
    /// Booleans.
    pub const BOOL: Ty = Ty(1 << 1);
    /// Integers.
    pub const INT: Ty = Ty(1 << 2);
    /// Floats.
    pub const FLOAT: Ty = Ty(1 << 3);
    /// Decimals.
    pub const DECIMAL: Ty = Ty(1 << 4);
    /// Strings.
    pub const STRING: Ty = Ty(1 << 5);
    /// Arrays.
    pub const ARRAY: Ty = Ty(1 << 6);
    /// Objects.
    pub const OBJECT: Ty = Ty(1 << 7);
    /// Binary (and XML) values.
    pub const BINARY: Ty = Ty(1 << 8);
    /// Any number.
    pub const NUMBER: Ty = Ty(Ty::INT.0 | Ty::FLOAT.0 | Ty::DECIMAL.0);
    /// Anything.
    pub const ANY: Ty = Ty(0x1ff);

    /// The union of two sets.
    pub const fn or(self, other: Ty) -> Ty {
        Ty(self.0 | other.0)
    }

    /// Does the set include the type of `value`?
    pub fn accepts(self, value: &Value) -> bool {
        self.contains(value.value_type())
    }

    /// Does the set include `ty`?
    pub fn contains(self, ty: ValueType) -> bool {
        let bit = match ty {
            ValueType::Null => Ty::NULL,
            ValueType::Boolean => Ty::BOOL,
            ValueType::Integer => Ty::INT,
            ValueType::Float => Ty::FLOAT,
            ValueType::Decimal => Ty::DECIMAL,
            ValueType::String => Ty::STRING,
            ValueType::Array => Ty::ARRAY,
            ValueType::Object => Ty::OBJECT,
            ValueType::Binary => Ty::BINARY,
        };
        self.0 & bit.0 != 0
    }
}

impl fmt::Display for Ty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if *self == Ty::ANY {
            return f.write_str("Any");
        }
        let mut names = Vec::new();
        if self.0 & Ty::NUMBER.0 == Ty::NUMBER.0 {
            names.push("Number");
        } else {
            for (bit, name) in [(Ty::INT, "Integer"), (Ty::FLOAT, "Float"), (Ty::DECIMAL, "Decimal")] {
                if self.0 & bit.0 != 0 {
                    names.push(name);
                }
            }
        }
        for (bit, name) in [
            (Ty::STRING, "String"),
            (Ty::BOOL, "Boolean"),
            (Ty::ARRAY, "Array"),
            (Ty::OBJECT, "Object"),
            (Ty::BINARY, "Binary"),
            (Ty::NULL, "Null"),
        ] {
            if self.0 & bit.0 != 0 {
                names.push(name);
            }
        }
        f.write_str(&names.join(" | "))
    }
}

/// One parameter of a function.
#[derive(Debug, Clone, Copy)]
pub struct Param {
    /// Its name in the reference.
    pub name: &'static str,
    /// The types it accepts without error (used by `check` for literal arguments).
    pub ty: Ty,
    /// May it be left out?
    pub optional: bool,
    /// Does it repeat (`concat(text1, text2, ...)`)? Only the last parameter may.
    pub repeats: bool,
}

/// A required parameter.
pub const fn req(name: &'static str, ty: Ty) -> Param {
    Param { name, ty, optional: false, repeats: false }
}

/// An optional parameter.
pub const fn opt(name: &'static str, ty: Ty) -> Param {
    Param { name, ty, optional: true, repeats: false }
}

/// A parameter that repeats; the function needs at least one.
pub const fn rest(name: &'static str, ty: Ty) -> Param {
    Param { name, ty, optional: false, repeats: true }
}

/// An eager implementation: receives the evaluated arguments.
pub type EagerFn = fn(&mut Call<'_, '_>, Args<'_>) -> Result<Value>;

/// A lazy implementation: evaluates its arguments itself, when and if it needs them.
pub type LazyFn = fn(&mut LazyCall<'_, '_, '_>) -> Result<Value>;

/// How a function is implemented.
#[derive(Clone, Copy)]
pub enum Imp {
    /// Arguments are evaluated left to right before the call.
    Eager(EagerFn),
    /// The function evaluates the arguments it needs (short-circuiting).
    Lazy(LazyFn),
    /// The service has this function but this version does not implement it; the text says
    /// why or what to use instead.
    Missing(&'static str),
}

/// A function of the language.
#[derive(Clone, Copy)]
pub struct Function {
    /// The canonical name (camelCase, as in the reference).
    pub name: &'static str,
    /// Its category.
    pub category: Category,
    /// Its parameters.
    pub params: &'static [Param],
    /// What it returns, in the reference's words (`"String"`, `"Integer or Float"`).
    pub returns: &'static str,
    /// One line of help.
    pub help: &'static str,
    /// An example call and its result.
    pub example: &'static str,
    /// The implementation.
    pub imp: Imp,
}

impl Function {
    /// An eagerly evaluated function.
    pub const fn eager(
        name: &'static str,
        category: Category,
        params: &'static [Param],
        returns: &'static str,
        help: &'static str,
        example: &'static str,
        f: EagerFn,
    ) -> Function {
        Function { name, category, params, returns, help, example, imp: Imp::Eager(f) }
    }

    /// A function that evaluates its own arguments.
    pub const fn lazy(
        name: &'static str,
        category: Category,
        params: &'static [Param],
        returns: &'static str,
        help: &'static str,
        example: &'static str,
        f: LazyFn,
    ) -> Function {
        Function { name, category, params, returns, help, example, imp: Imp::Lazy(f) }
    }

    /// A function of the service that this version does not implement yet; calling it is a
    /// clear error naming `why`.
    pub const fn missing(
        name: &'static str,
        category: Category,
        help: &'static str,
        why: &'static str,
    ) -> Function {
        Function { name, category, params: &[], returns: "Any", help, example: "", imp: Imp::Missing(why) }
    }

    /// The fewest arguments it takes.
    pub fn min_args(&self) -> usize {
        self.params.iter().filter(|p| !p.optional).count()
    }

    /// The most arguments it takes (`None`: no limit).
    pub fn max_args(&self) -> Option<usize> {
        match self.params.last() {
            Some(p) if p.repeats => None,
            _ => Some(self.params.len()),
        }
    }

    /// Is it implemented?
    pub fn is_implemented(&self) -> bool {
        !matches!(self.imp, Imp::Missing(_))
    }

    /// Does it evaluate its own arguments?
    pub fn is_lazy(&self) -> bool {
        matches!(self.imp, Imp::Lazy(_))
    }

    /// The parameter that argument `index` binds to.
    pub fn param_for(&self, index: usize) -> Option<&'static Param> {
        self.params.get(index).or_else(|| self.params.last().filter(|p| p.repeats))
    }

    /// `name(param: Type, param?: Type, ...) -> Return`
    pub fn signature(&self) -> String {
        let mut s = format!("{}(", self.name);
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                s.push_str(", ");
            }
            s.push_str(p.name);
            if p.optional {
                s.push('?');
            }
            s.push_str(": ");
            s.push_str(&p.ty.to_string());
            if p.repeats {
                s.push_str(", ...");
            }
        }
        s.push_str(") -> ");
        s.push_str(self.returns);
        s
    }

    /// The error for a call with `given` arguments, in the service's wording, if the count
    /// is wrong.
    pub fn check_arity(&self, given: usize) -> Option<String> {
        let (min, max) = (self.min_args(), self.max_args());
        let ok = given >= min && max.is_none_or(|m| given <= m);
        if ok {
            return None;
        }
        let expects = match max {
            Some(m) if m == min => count_words(min),
            None => format!("at least {}", count_words(min)),
            Some(m) => format!("between {} and {}", number_word(min), count_words(m)),
        };
        Some(format!(
            "The template language function '{}' expects {expects}. It was given {given}.",
            self.name
        ))
    }
}

impl fmt::Debug for Function {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.signature())
    }
}

fn number_word(n: usize) -> Cow<'static, str> {
    const WORDS: [&str; 11] =
        ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];
    WORDS.get(n).map_or_else(|| Cow::Owned(n.to_string()), |w| Cow::Borrowed(*w))
}

fn count_words(n: usize) -> String {
    match n {
        0 => "no parameters".to_string(),
        1 => "one parameter".to_string(),
        n => format!("{} parameters", number_word(n)),
    }
}

/// "first", "second", ... for argument positions (0-based `index`).
pub fn ordinal(index: usize) -> Cow<'static, str> {
    const WORDS: [&str; 10] =
        ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
    WORDS.get(index).map_or_else(|| Cow::Owned(format!("{}th", index + 1)), |w| Cow::Borrowed(*w))
}

/// Every built-in function, in category order.
pub fn all() -> impl Iterator<Item = &'static Function> {
    [
        string::FUNCTIONS,
        collection::FUNCTIONS,
        logical::FUNCTIONS,
        conversion::FUNCTIONS,
        math::FUNCTIONS,
        datetime::FUNCTIONS,
        workflow::FUNCTIONS,
        uri::FUNCTIONS,
        manipulation::FUNCTIONS,
        numbers::FUNCTIONS,
        xml::FUNCTIONS,
    ]
    .into_iter()
    .flatten()
}

fn table() -> &'static HashMap<String, &'static Function> {
    static TABLE: OnceLock<HashMap<String, &'static Function>> = OnceLock::new();
    TABLE.get_or_init(|| all().map(|f| (f.name.to_ascii_lowercase(), f)).collect())
}

/// The built-in function with this name, matched without regard to case.
pub fn lookup(name: &str) -> Option<&'static Function> {
    let table = table();
    if name.bytes().all(|b| !b.is_ascii_uppercase()) {
        return table.get(name).copied();
    }
    table.get(&name.to_ascii_lowercase()).copied()
}

/// The built-in names closest to `name`, for "did you mean" hints.
pub fn suggest(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    all()
        .map(|f| (edit_distance(&lower, &f.name.to_ascii_lowercase()), f.name))
        .filter(|(d, n)| *d <= 2.max(n.len() / 4))
        .min_by_key(|(d, _)| *d)
        .map(|(_, n)| n)
}

/// The Levenshtein distance between two strings (for "did you mean" hints).
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The call being evaluated: the function, where it is, and the evaluation state (run
/// context, clock, limits, fuel).
pub struct Call<'s, 'c> {
    pub(crate) function: &'static Function,
    pub(crate) span: Span,
    pub(crate) state: &'s mut State<'c>,
}

impl<'s, 'c> Call<'s, 'c> {
    /// The function's canonical name.
    pub fn name(&self) -> &'static str {
        self.function.name
    }

    /// The span of the whole call.
    pub fn span(&self) -> Span {
        self.span
    }

    /// The run context.
    pub fn context(&self) -> &'c dyn Context {
        self.state.context
    }

    /// The current time: the run context's clock.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.state.context.now()
    }

    /// The limits in force.
    pub fn limits(&self) -> &crate::Limits {
        self.state.limits
    }

    /// Spends `units` of fuel; fails when the budget is used up.
    pub fn charge(&mut self, units: u64) -> Result<()> {
        self.state.charge(units)
    }

    /// Fails if a string of `len` characters would exceed the string limit.
    pub fn check_string_length(&self, len: usize) -> Result<()> {
        let max = self.state.limits.max_string_length;
        if len > max {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "The template language function '{}' would produce a string of {len} characters; the limit is {max}.",
                    self.name()
                ),
            ));
        }
        Ok(())
    }

    /// Fails if an array of `len` items would exceed the array limit.
    pub fn check_array_length(&self, len: usize) -> Result<()> {
        let max = self.state.limits.max_array_length;
        if len > max {
            return Err(Error::new(
                ErrorKind::Limit,
                format!(
                    "The template language function '{}' would produce an array of {len} items; the limit is {max}.",
                    self.name()
                ),
            ));
        }
        Ok(())
    }

    /// An evaluation error in the service's style: "The template language function 'x' ...".
    pub fn error(&self, detail: impl fmt::Display) -> Error {
        Error::new(
            ErrorKind::Evaluation,
            format!("The template language function '{}' {detail}", self.name()),
        )
    }
}

/// A call whose arguments are evaluated on demand.
pub struct LazyCall<'a, 's, 'c> {
    pub(crate) call: Call<'s, 'c>,
    pub(crate) args: &'a [crate::eval::Node],
}

impl<'a, 's, 'c> LazyCall<'a, 's, 'c> {
    /// The number of arguments given.
    pub fn len(&self) -> usize {
        self.args.len()
    }

    /// Were no arguments given?
    pub fn is_empty(&self) -> bool {
        self.args.is_empty()
    }

    /// Evaluates argument `index` (`null` if there is no such argument).
    pub fn eval(&mut self, index: usize) -> Result<Value> {
        match self.args.get(index) {
            Some(node) => self.call.state.eval(node),
            None => Ok(Value::Null),
        }
    }

    /// The span of argument `index`.
    pub fn arg_span(&self, index: usize) -> Span {
        self.args.get(index).map_or(self.call.span, |n| n.span())
    }

    /// The call (name, context, limits, error helpers).
    pub fn call(&mut self) -> &mut Call<'s, 'c> {
        &mut self.call
    }
}

/// The evaluated arguments of an eager call, with getters that check types and produce the
/// service's wording when a type is wrong.
#[derive(Clone, Copy)]
pub struct Args<'v> {
    pub(crate) function: &'static str,
    pub(crate) values: &'v [Value],
    pub(crate) spans: &'v [Span],
}

impl<'v> Args<'v> {
    /// Arguments for testing or for calling one function from another.
    pub fn new(function: &'static str, values: &'v [Value], spans: &'v [Span]) -> Args<'v> {
        Args { function, values, spans }
    }

    /// The number of arguments.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Were no arguments given?
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// All arguments.
    pub fn all(&self) -> &'v [Value] {
        self.values
    }

    /// Argument `index`, if given.
    pub fn get(&self, index: usize) -> Option<&'v Value> {
        self.values.get(index)
    }

    /// Argument `index`, or `null` if it was not given.
    pub fn value(&self, index: usize) -> &'v Value {
        static NULL: Value = Value::Null;
        self.values.get(index).unwrap_or(&NULL)
    }

    /// The span of argument `index` (the last argument's if out of range).
    pub fn span(&self, index: usize) -> Span {
        self.spans.get(index).or(self.spans.last()).copied().unwrap_or_default()
    }

    /// A type error for argument `index`: "The template language function 'f' expects its
    /// second parameter to be {expected}. The provided value is of type 'Integer'." (just
    /// "its parameter" for a function of one parameter).
    pub fn type_error(&self, index: usize, expected: &str) -> Error {
        let got = self.value(index).value_type();
        // A function of one parameter says "its parameter", as the service does.
        let single = lookup(self.function).is_some_and(|f| f.max_args() == Some(1));
        let which = if single { String::new() } else { format!("{} ", ordinal(index)) };
        Error::new(
            ErrorKind::InvalidArgument,
            format!(
                "The template language function '{}' expects its {which}parameter to be {expected}. The provided value is of type '{got}'.",
                self.function,
            ),
        )
        .with_span(self.span(index))
    }

    /// An error about the value of argument `index`: "The template language function 'f'
    /// {detail}".
    pub fn invalid(&self, index: usize, detail: impl fmt::Display) -> Error {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("The template language function '{}' {detail}", self.function),
        )
        .with_span(self.span(index))
    }

    /// Argument `index` as a string; any other type is an error ("to be of type string").
    pub fn str(&self, index: usize) -> Result<&'v str> {
        match self.value(index) {
            Value::String(s) => Ok(s),
            _ => Err(self.type_error(index, "of type string")),
        }
    }

    /// Argument `index` as text, converting other types as the service does where a string
    /// is expected (`null` → `""`, numbers, booleans, JSON for arrays and objects).
    pub fn text(&self, index: usize) -> Cow<'v, str> {
        match self.value(index) {
            Value::String(s) => Cow::Borrowed(&**s),
            other => Cow::Owned(other.to_text()),
        }
    }

    /// Argument `index` as an integer; a float or decimal with no fraction is accepted.
    pub fn int(&self, index: usize) -> Result<i64> {
        match self.value(index) {
            Value::Int(i) => Ok(*i),
            Value::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(*f as i64),
            Value::Decimal(d) if d.fract().is_zero() => rust_decimal::prelude::ToPrimitive::to_i64(d)
                .ok_or_else(|| self.type_error(index, "an integer")),
            _ => Err(self.type_error(index, "an integer")),
        }
    }

    /// Argument `index` as a boolean.
    pub fn bool(&self, index: usize) -> Result<bool> {
        match self.value(index) {
            Value::Bool(b) => Ok(*b),
            _ => Err(self.type_error(index, "a boolean")),
        }
    }

    /// Argument `index` as an array.
    pub fn array(&self, index: usize) -> Result<&'v [Value]> {
        match self.value(index) {
            Value::Array(a) => Ok(a),
            _ => Err(self.type_error(index, "an array")),
        }
    }

    /// Argument `index` as an object.
    pub fn object(&self, index: usize) -> Result<&'v crate::value::Object> {
        match self.value(index) {
            Value::Object(o) => Ok(o),
            _ => Err(self.type_error(index, "of type object")),
        }
    }

    /// Argument `index` if given and not null.
    pub fn optional(&self, index: usize) -> Option<&'v Value> {
        self.values.get(index).filter(|v| !v.is_null())
    }

    /// Argument `index` as a string, if given and not null.
    pub fn opt_str(&self, index: usize) -> Result<Option<&'v str>> {
        match self.optional(index) {
            None => Ok(None),
            Some(_) => self.str(index).map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_names_are_unique_and_case_insensitive() {
        let mut seen = std::collections::HashSet::new();
        for f in all() {
            assert!(seen.insert(f.name.to_ascii_lowercase()), "{} registered twice", f.name);
            assert!(!f.help.is_empty(), "{} has no help", f.name);
            let repeats = f.params.iter().filter(|p| p.repeats).count();
            assert!(repeats == 0 || f.params.last().is_some_and(|p| p.repeats), "{}", f.name);
            let mut optional_seen = false;
            for p in f.params {
                assert!(!optional_seen || p.optional, "{}: required after optional", f.name);
                optional_seen |= p.optional;
            }
        }
        assert!(lookup("CONCAT").is_some());
        assert!(lookup("concat").is_some());
        assert!(lookup("nope").is_none());
    }

    #[test]
    fn arity_messages_use_the_service_wording() {
        let Some(f) = lookup("empty") else { panic!("empty is registered") };
        assert_eq!(f.check_arity(1), None);
        let msg = f.check_arity(0).unwrap_or_default();
        assert!(msg.contains("expects one parameter"), "{msg}");
        let Some(f) = lookup("coalesce") else { panic!("coalesce is registered") };
        assert!(f.check_arity(0).unwrap_or_default().contains("at least one parameter"));
    }

    #[test]
    fn suggestions() {
        assert_eq!(suggest("concatt"), Some("concat"));
        assert_eq!(suggest("utcnwo"), Some("utcNow"));
        assert_eq!(suggest("zzzzzzzzzz"), None);
    }
}
