//! The graph's objects: a vector of entries sorted by key. A graph of ten thousand resources
//! holds millions of small objects, most with two to five keys known at compile time; a
//! `BTreeMap<String, _>` spends a 700-byte node and one allocation per key on each, which made
//! the graph nine times the size of the JSON it renders to and its page faults most of a run.

use std::borrow::Cow;

use super::Value;

/// An object key: a literal of the lowering, or a name computed from the spec.
pub type Key = Cow<'static, str>;

/// Keys in order, each once; iteration is by key, as `BTreeMap`'s.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Map(Vec<(Key, Value)>);

impl Map {
    pub fn new() -> Self {
        Self::default()
    }
    fn find(&self, k: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(e, _)| e.as_ref().cmp(k))
    }
    pub fn get(&self, k: &str) -> Option<&Value> {
        self.find(k).ok().map(|i| &self.0[i].1)
    }
    pub fn get_mut(&mut self, k: &str) -> Option<&mut Value> {
        self.find(k).ok().map(|i| &mut self.0[i].1)
    }
    pub fn contains_key(&self, k: &str) -> bool {
        self.find(k).is_ok()
    }
    /// Sets `k`, returning the value it replaces.
    pub fn insert(&mut self, k: impl Into<Key>, v: Value) -> Option<Value> {
        let k = k.into();
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.0[i].1, v)),
            Err(i) => {
                self.0.insert(i, (k, v));
                None
            }
        }
    }
    pub fn remove(&mut self, k: &str) -> Option<Value> {
        self.find(k).ok().map(|i| self.0.remove(i).1)
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = (&Key, &Value)> + ExactSizeIterator {
        self.0.iter().map(|(k, v)| (k, v))
    }
    pub fn keys(&self) -> impl DoubleEndedIterator<Item = &Key> + ExactSizeIterator {
        self.0.iter().map(|(k, _)| k)
    }
    pub fn values(&self) -> impl DoubleEndedIterator<Item = &Value> + ExactSizeIterator {
        self.0.iter().map(|(_, v)| v)
    }
}

impl<K: Into<Key>> FromIterator<(K, Value)> for Map {
    /// Later entries of a key replace earlier ones, as collecting into a `BTreeMap` does.
    fn from_iter<I: IntoIterator<Item = (K, Value)>>(iter: I) -> Self {
        let mut v: Vec<(Key, Value)> = iter.into_iter().map(|(k, v)| (k.into(), v)).collect();
        // Stable, so equal keys keep their order and the last one wins below.
        v.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Key, Value)> = Vec::with_capacity(v.len());
        for (k, val) in v {
            match out.last_mut() {
                Some(last) if last.0 == k => last.1 = val,
                _ => out.push((k, val)),
            }
        }
        Map(out)
    }
}

impl<'a> IntoIterator for &'a Map {
    type Item = (&'a Key, &'a Value);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (Key, Value)>,
        fn(&'a (Key, Value)) -> (&'a Key, &'a Value),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_keys_sorted_and_unique() {
        let mut m = Map::new();
        assert_eq!(m.insert("b", Value::Int(1)), None);
        m.insert("a", Value::Int(2));
        m.insert(String::from("c"), Value::Int(3));
        assert_eq!(m.insert("b", Value::Int(4)), Some(Value::Int(1)));
        let keys: Vec<&str> = m.keys().map(|k| k.as_ref()).collect();
        assert_eq!(keys, ["a", "b", "c"]);
        assert_eq!(m.get("b"), Some(&Value::Int(4)));
        assert_eq!(m.remove("a"), Some(Value::Int(2)));
        assert!(!m.contains_key("a"));
        let collected: Map = [
            ("z", Value::Int(1)),
            ("y", Value::Int(2)),
            ("z", Value::Int(3)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            collected
                .iter()
                .map(|(k, _)| k.as_ref())
                .collect::<Vec<_>>(),
            ["y", "z"]
        );
        assert_eq!(collected.get("z"), Some(&Value::Int(3)));
    }
}
