//! Small YAML shapes shared by the config and front-matter models: an order-keeping map that
//! reports duplicate keys, "one or many" values (`owner` or `[a, b]`), and lenient strings that
//! accept numbers and booleans (`title: 2024`). Each deserializes straight from the YAML
//! events, without going through `serde_yaml::Value`, because front-matter parsing is the largest
//! cost of a build.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};

/// A mapping that keeps the order it was written in and remembers keys written twice.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderedMap<V> {
    pub entries: Vec<(String, V)>,
    /// Keys that appeared more than once; the first occurrence is kept in `entries`.
    pub duplicates: Vec<String>,
}

impl<V> Default for OrderedMap<V> {
    fn default() -> Self {
        OrderedMap { entries: Vec::new(), duplicates: Vec::new() }
    }
}

impl<V> OrderedMap<V> {
    pub fn get(&self, key: &str) -> Option<&V> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|(k, _)| k.as_str())
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

/// Maps up to this many keys find a duplicate by comparing each key with the earlier ones; larger
/// ones (a registry) through a set.
const SCAN_FOR_DUPLICATES: usize = 32;

impl<'de, V: Deserialize<'de>> Deserialize<'de> for OrderedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V2<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for V2<V> {
            type Value = OrderedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OrderedMap::default())
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = OrderedMap { entries: Vec::with_capacity(map.size_hint().unwrap_or(0).min(64)), duplicates: Vec::new() };
                // The keys seen, once there are more than a front-matter map holds: comparing
                // each key with every earlier one made a registry of 10,000 owners cost 50
                // million comparisons.
                let mut seen: crate::HashSet<String> = crate::HashSet::default();
                while let Some(key) = map.next_key::<LenientString>()? {
                    let value = map.next_value::<V>()?;
                    let duplicate = if out.entries.len() < SCAN_FOR_DUPLICATES {
                        out.entries.iter().any(|(k, _)| *k == key.0)
                    } else {
                        if seen.is_empty() {
                            seen.extend(out.entries.iter().map(|(k, _)| k.clone()));
                        }
                        !seen.insert(key.0.clone())
                    };
                    if duplicate {
                        out.duplicates.push(key.0);
                    } else {
                        out.entries.push((key.0, value));
                    }
                }
                Ok(out)
            }
        }
        d.deserialize_any(V2(PhantomData))
    }
}

impl<V: Serialize> Serialize for OrderedMap<V> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for (k, v) in &self.entries {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

/// `key: one` or `key: [one, two]`, always a list once read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct OneOrMany(pub Vec<String>);

impl<'de> Deserialize<'de> for OneOrMany {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = OneOrMany;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a name or a list of names")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<OneOrMany, E> {
                Ok(OneOrMany(vec![v.to_string()]))
            }
            fn visit_unit<E: de::Error>(self) -> Result<OneOrMany, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OneOrMany, A::Error> {
                // Exact when the deserializer knows the length: no spare capacity per list.
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
                while let Some(s) = seq.next_element::<LenientString>()? {
                    out.push(s.0);
                }
                Ok(OneOrMany(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// A string that also accepts a number or boolean scalar, written back as text.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct LenientString(pub String);

impl<'de> Deserialize<'de> for LenientString {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = LenientString;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<LenientString, E> {
                Ok(LenientString(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<LenientString, E> {
                Ok(LenientString(v.to_string()))
            }
        }
        // serde_yaml hands any scalar to `deserialize_str` as written (`2024`, `true`), without
        // first resolving its type as `deserialize_any` does: lenient and faster.
        d.deserialize_str(V)
    }
}

/// Deserializes an optional lenient string field.
pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<LenientString>::deserialize(d)?.map(|s| s.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordered_map_keeps_order_and_duplicates() {
        let m: OrderedMap<u32> = serde_yaml::from_str("b: 1\na: 2\n").unwrap();
        assert_eq!(m.keys().collect::<Vec<_>>(), ["b", "a"]);
    }

    #[test]
    fn a_key_given_twice_is_a_duplicate_in_small_and_large_maps_alike() {
        for n in [3, SCAN_FOR_DUPLICATES - 1, SCAN_FOR_DUPLICATES, SCAN_FOR_DUPLICATES + 1, 5_000] {
            // Every key once, then the first, the last and one past the scanning limit again
            // (each with a new value, which is dropped: the first occurrence stays).
            let mut yaml: String = (0..n).map(|i| format!("k{i}: {i}\n")).collect();
            let again = [0, n - 1, SCAN_FOR_DUPLICATES.min(n - 1)];
            for k in again {
                yaml.push_str(&format!("k{k}: 99999\n"));
            }
            yaml.push_str("fresh: 7\n");
            let m: OrderedMap<u32> = serde_yaml::from_str(&yaml).unwrap();
            assert_eq!(m.len(), n + 1, "{n} keys");
            assert!(m.entries.iter().take(n).enumerate().all(|(i, (k, v))| *k == format!("k{i}") && *v as usize == i), "{n} keys");
            assert_eq!(m.get("fresh"), Some(&7));
            assert_eq!(m.duplicates, again.map(|k| format!("k{k}")), "{n} keys");
        }
    }

    #[test]
    fn lenient_strings_take_any_scalar_as_written() {
        let v: Vec<LenientString> = serde_yaml::from_str("[2024, true, 1.50, text]").unwrap();
        let got: Vec<&str> = v.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(got, ["2024", "true", "1.50", "text"]);
        assert!(serde_yaml::from_str::<LenientString>("{a: 1}").is_err());
    }

    #[test]
    fn one_or_many_accepts_both_shapes() {
        let one: OneOrMany = serde_yaml::from_str("x").unwrap();
        let many: OneOrMany = serde_yaml::from_str("[x, y]").unwrap();
        assert_eq!(one.0, ["x"]);
        assert_eq!(many.0, ["x", "y"]);
        assert!(serde_yaml::from_str::<OneOrMany>("{a: 1}").is_err());
    }
}
