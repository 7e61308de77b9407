//! Cargo features per tag: which feature compiles each operation and each model.
//!
//! A user of a large API enables the tags they call, and the crate compiles only those
//! operations and the models they reach. An operation is on with any of its tags'
//! features; an untagged one is always on. A model is on when an enabled operation
//! reaches it through parameters, bodies, responses and other models; one that no
//! operation reaches is on with `full`. The continuation operation of a paging pair is
//! also on with the features of its query, whose stream calls it.

use std::collections::BTreeMap;

use crate::ir::{Api, Feature, Features, Gate, Type};

/// The features a crate's `Cargo.toml` always has, and the names its dependencies take
/// (a feature may not share a dependency's name).
const RESERVED: &[&str] = &["default", "full", "serde", "specwright-runtime", "std"];

/// The most features a crate may have and still be published on crates.io.
pub const CRATES_IO_LIMIT: usize = 300;

/// Fills in `api.features`. A spec with fewer than two distinct tags gets none: one
/// feature would only be a second name for `full`.
pub fn assign(api: &mut Api) {
    let mut list: Vec<Feature> = Vec::new();
    let mut by_tag: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_name: BTreeMap<String, usize> = BTreeMap::new();
    let mut op_sets: Vec<Vec<usize>> = Vec::with_capacity(api.operations.len());
    for op in &api.operations {
        let mut set = Vec::new();
        for tag in &op.tags {
            let index = match by_tag.get(tag.as_str()) {
                Some(&i) => i,
                None => {
                    let name = feature_name(tag, list.len());
                    let i = match by_name.get(&name) {
                        Some(&i) => {
                            list[i].tags.push(tag.clone());
                            i
                        }
                        None => {
                            by_name.insert(name.clone(), list.len());
                            list.push(Feature { name, tags: vec![tag.clone()], operations: 0 });
                            list.len() - 1
                        }
                    };
                    by_tag.insert(tag, i);
                    i
                }
            };
            if !set.contains(&index) {
                set.push(index);
            }
        }
        set.sort_unstable();
        op_sets.push(set);
    }
    if list.len() < 2 {
        return;
    }
    for set in &op_sets {
        for &i in set {
            list[i].operations += 1;
        }
    }

    // A paging stream calls its continuation operation: that one is on with the query.
    let position: BTreeMap<&str, usize> = api.operations.iter().enumerate().map(|(i, op)| (op.rust.as_str(), i)).collect();
    for paging in &api.paging {
        if let (Some(&query), Some(&more)) = (position.get(paging.query.as_str()), position.get(paging.more.as_str())) {
            if op_sets[more].is_empty() {
                continue;
            }
            if op_sets[query].is_empty() {
                op_sets[more].clear();
            } else {
                let extra = op_sets[query].clone();
                op_sets[more].extend(extra);
                op_sets[more].sort_unstable();
                op_sets[more].dedup();
            }
        }
    }

    let count = list.len();
    let gate = |set: &[usize]| {
        if set.is_empty() || set.len() == count { Gate::Always } else { Gate::Any(set.to_vec()) }
    };
    let operations = api.operations.iter().zip(&op_sets).map(|(op, set)| (op.rust.clone(), gate(set))).collect();

    // Reach: each model's set of features, bit `count` standing for "always".
    let mut edges: Vec<Vec<usize>> = api
        .models
        .iter()
        .map(|m| {
            let mut out = Vec::new();
            m.for_each_type(&mut |ty| named(ty, &api.model_index, &mut out));
            out
        })
        .collect();
    for (alias, references) in &api.alias_references {
        if let Some(&from) = api.model_index.get(alias) {
            edges[from].extend(references.iter().filter_map(|name| api.model_index.get(name).copied()));
        }
    }
    for out in &mut edges {
        out.sort_unstable();
        out.dedup();
    }
    let words = (count + 1).div_ceil(64);
    let mut reach = vec![vec![0u64; words]; api.models.len()];
    let mut queue = Vec::new();
    for (op, set) in api.operations.iter().zip(&op_sets) {
        let mut bits = vec![0u64; words];
        if set.is_empty() {
            bits[count / 64] |= 1 << (count % 64);
        }
        for &i in set {
            bits[i / 64] |= 1 << (i % 64);
        }
        let mut roots = Vec::new();
        op.for_each_type(&mut |ty| named(ty, &api.model_index, &mut roots));
        for root in roots {
            if add(&mut reach[root], &bits) {
                queue.push(root);
            }
        }
    }
    while let Some(model) = queue.pop() {
        let bits = reach[model].clone();
        for &next in &edges[model] {
            if add(&mut reach[next], &bits) {
                queue.push(next);
            }
        }
    }
    let models = api
        .models
        .iter()
        .zip(&reach)
        .map(|(m, bits)| {
            let always = bits[count / 64] & (1 << (count % 64)) != 0;
            let set: Vec<usize> = (0..count).filter(|&i| bits[i / 64] & (1 << (i % 64)) != 0).collect();
            let g = if always {
                Gate::Always
            } else if set.is_empty() {
                Gate::Full
            } else {
                gate(&set)
            };
            (m.name().to_owned(), g)
        })
        .collect();
    api.features = Features { list, operations, models };
}

/// Adds `bits` to `into`; whether anything was new.
fn add(into: &mut [u64], bits: &[u64]) -> bool {
    let mut changed = false;
    for (word, bit) in into.iter_mut().zip(bits) {
        let merged = *word | bit;
        changed |= merged != *word;
        *word = merged;
    }
    changed
}

/// The models a type names, by index.
fn named(ty: &Type, index: &BTreeMap<String, usize>, out: &mut Vec<usize>) {
    match ty {
        Type::Named(name) => out.extend(index.get(name.as_str())),
        Type::Generic(name, args) => {
            out.extend(index.get(name.as_str()));
            args.iter().for_each(|arg| named(arg, index, out));
        }
        Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => named(inner, index, out),
        _ => {}
    }
}

/// A Cargo feature name for a tag: its words in lowercase joined by `-`, kept clear of
/// the names the crate has already.
fn feature_name(tag: &str, position: usize) -> String {
    let snake = crate::naming::snake(tag, "tag");
    let mut name: String = snake
        .trim_start_matches("r#")
        .chars()
        .map(|c| if c == '_' { '-' } else { c })
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect::<String>()
        .trim_matches('-')
        .to_owned();
    if name.is_empty() {
        name = format!("tag-{}", position + 1);
    }
    if RESERVED.contains(&name.as_str()) {
        name.push_str("-tag");
    }
    name
}

#[cfg(test)]
mod tests {
    use super::feature_name;

    #[test]
    fn names() {
        assert_eq!(feature_name("Atom Management", 0), "atom-management");
        assert_eq!(feature_name("AtomManagement", 0), "atom-management");
        assert_eq!(feature_name("full", 0), "full-tag");
        assert_eq!(feature_name("Default", 0), "default-tag");
        assert_eq!(feature_name("Ünïcode", 2), "ncode");
        assert_eq!(feature_name("日本", 4), "tag-5");
        assert_eq!(feature_name("v2 / users", 0), "v2-users");
    }
}
