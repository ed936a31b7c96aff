use std::sync::Arc;

use indexmap::IndexMap;

use super::{Str, Value};

/// Keys are hashed with foldhash: several times faster than SipHash on the short keys
/// of JSON objects, and seeded per process, so keys chosen by a server cannot be made to
/// collide on purpose.
type Map = IndexMap<Str, Value, foldhash::fast::RandomState>;

/// An insertion-ordered object, shared on clone and copied only when changed.
///
/// Keys are kept exactly as written (`{"a": 1, "A": 2}` holds two keys); reads through
/// [`Object::get_ci`] follow the service's rule: the exact key first, then the first key
/// equal without regard to case.
#[derive(Clone, Default)]
pub struct Object(Arc<Map>);

impl Object {
    /// An empty object.
    pub fn new() -> Object {
        Object::default()
    }

    /// An empty object with room for `n` members.
    pub fn with_capacity(n: usize) -> Object {
        Object(Arc::new(Map::with_capacity_and_hasher(n, foldhash::fast::RandomState::default())))
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Has it no members?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The member with exactly this key.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.0.get(key)
    }

    /// The member with this key: exact match first, then the first key that matches
    /// without regard to case.
    pub fn get_ci(&self, key: &str) -> Option<&Value> {
        if let Some(v) = self.get_exact(key) {
            return Some(v);
        }
        self.find_ci(key).map(|i| &self.0[i])
    }

    /// The member with exactly this key. Small objects — most of what expressions walk
    /// through — are scanned instead of hashed, which is faster for a few keys.
    fn get_exact(&self, key: &str) -> Option<&Value> {
        const SCAN: usize = 8;
        if self.0.len() <= SCAN {
            return self.0.iter().find(|(k, _)| short_eq(k.as_bytes(), key.as_bytes())).map(|(_, v)| v);
        }
        self.0.get(key)
    }

    /// The position of the member [`Object::get_ci`] would read.
    pub fn position_ci(&self, key: &str) -> Option<usize> {
        self.0.get_index_of(key).or_else(|| self.find_ci(key))
    }

    fn find_ci(&self, key: &str) -> Option<usize> {
        self.0.keys().position(|k| eq_ignore_case(k, key))
    }

    /// The key and value at a position.
    pub fn get_index(&self, index: usize) -> Option<(&Str, &Value)> {
        self.0.get_index(index)
    }

    /// Is there a member with exactly this key?
    pub fn contains_key(&self, key: &str) -> bool {
        self.0.contains_key(key)
    }

    /// Sets a member, keeping its position if the exact key exists, else appending it.
    pub fn insert(&mut self, key: impl Into<Str>, value: Value) {
        Arc::make_mut(&mut self.0).insert(key.into(), value);
    }

    /// Sets a member at the end: an existing member with exactly this key is removed first.
    /// This is how the service's JSON reader treats a repeated key.
    pub fn push_last(&mut self, key: impl Into<Str>, value: Value) {
        let map = Arc::make_mut(&mut self.0);
        let (index, previous) = map.insert_full(key.into(), value);
        if previous.is_some() {
            let last = map.len() - 1;
            map.move_index(index, last);
        }
    }

    /// Removes the member at a position, keeping the order of the others.
    pub fn remove_index(&mut self, index: usize) -> Option<(Str, Value)> {
        Arc::make_mut(&mut self.0).shift_remove_index(index)
    }

    /// Removes the member with exactly this key, keeping the order of the others.
    pub fn remove(&mut self, key: &str) -> Option<Value> {
        Arc::make_mut(&mut self.0).shift_remove(key)
    }

    /// Replaces the value at a position.
    pub fn set_index(&mut self, index: usize, value: Value) {
        if let Some((_, slot)) = Arc::make_mut(&mut self.0).get_index_mut(index) {
            *slot = value;
        }
    }

    /// The members in order.
    pub fn iter(&self) -> indexmap::map::Iter<'_, Str, Value> {
        self.0.iter()
    }

    /// The keys in order.
    pub fn keys(&self) -> indexmap::map::Keys<'_, Str, Value> {
        self.0.keys()
    }

    /// The values in order.
    pub fn values(&self) -> indexmap::map::Values<'_, Str, Value> {
        self.0.values()
    }

    /// Do both handles share the same storage?
    pub fn ptr_eq(&self, other: &Object) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl std::fmt::Debug for Object {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

/// Objects are equal when they hold the same keys with equal values, in any order.
impl PartialEq for Object {
    fn eq(&self, other: &Object) -> bool {
        self.ptr_eq(other)
            || (self.len() == other.len() && self.iter().all(|(k, v)| other.get(k).is_some_and(|w| v == w)))
    }
}

impl<'a> IntoIterator for &'a Object {
    type Item = (&'a Str, &'a Value);
    type IntoIter = indexmap::map::Iter<'a, Str, Value>;
    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

impl<K: Into<Str>> FromIterator<(K, Value)> for Object {
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Object {
        let mut map = Map::default();
        for (k, v) in iter {
            map.insert(k.into(), v);
        }
        Object(Arc::new(map))
    }
}

/// Byte equality without a call into `memcmp` for the short keys of JSON objects.
#[inline]
fn short_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        a.iter().zip(b).all(|(x, y)| x == y)
    } else {
        a == b
    }
}

/// Compares two strings without regard to case, as .NET's `OrdinalIgnoreCase` does
/// (simple upper-case mapping per character).
pub fn eq_ignore_case(a: &str, b: &str) -> bool {
    if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
        return true;
    }
    if a.is_ascii() && b.is_ascii() {
        return false;
    }
    let mut x = a.chars().map(fold);
    let mut y = b.chars().map(fold);
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p == q => {}
            _ => return false,
        }
    }
}

fn fold(c: char) -> char {
    let mut up = c.to_uppercase();
    match (up.next(), up.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_rules() {
        assert!(eq_ignore_case("abCDef", "ABCDEF"));
        assert!(eq_ignore_case("straße", "STRAßE"));
        assert!(eq_ignore_case("ça", "ÇA"));
        assert!(!eq_ignore_case("a", "ab"));
    }

    #[test]
    fn push_last_moves_a_repeated_key_to_the_end() {
        let mut o = Object::new();
        o.push_last("a", Value::Int(1));
        o.push_last("b", Value::Int(-1));
        o.push_last("a", Value::Int(2));
        let keys: Vec<&str> = o.keys().map(|k| &**k).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(o.get("a"), Some(&Value::Int(2)));
    }

    #[test]
    fn mutation_copies_on_write() {
        let mut a = Object::new();
        a.insert("x", Value::Int(1));
        let b = a.clone();
        assert!(a.ptr_eq(&b));
        a.insert("y", Value::Int(2));
        assert!(!a.ptr_eq(&b));
        assert_eq!(b.len(), 1);
        assert_eq!(a.len(), 2);
    }
}
