//! Identical inline types, emitted once.
//!
//! Specs repeat the same inline object in many places (GitHub's inlines the same
//! `owner` and `links` objects in hundreds of responses); each became a model of its
//! own, compiled again and again. An inline model whose shape (fields, types, enum
//! values, variants; not its docs) is that of another model is replaced by it: by a
//! component of that shape if there is one, else by the first inline model of it.
//! Components keep their names, even when two are alike. Merging runs to a fixed
//! point, since two parents become alike once their children have been merged.

use super::*;

/// Merges inline models into their first look-alike; how many were merged.
///
/// Each round keys every model still standing by its shape, with the merges made so
/// far, and merges an inline model into the first of its key. A key changes only when
/// a model it names is merged, so it is kept until then and computed again only after.
pub(super) fn dedupe_inline(models: &mut Vec<Model>, operations: &mut [Operation], components: &BTreeSet<String>) -> usize {
    // Merged model → the model that replaces it.
    let mut replaced: BTreeMap<String, String> = BTreeMap::new();
    let is_component: Vec<bool> = models.iter().map(|m| components.contains(m.name())).collect();
    let mut is_replaced = vec![false; models.len()];
    // Each shape key met, numbered, so that a round compares numbers.
    let mut key_ids: IndexMap<String, usize> = IndexMap::new();
    // Each model's key number (`None` inside for what is never merged), `None` outside
    // until it is computed and again once a model it names is merged.
    let mut keys: Vec<Option<Option<usize>>> = vec![None; models.len()];
    // Model name → the models whose types name it.
    let mut named_by: IndexMap<&str, Vec<usize>> = IndexMap::new();
    for (i, model) in models.iter().enumerate() {
        model.for_each_type(&mut |ty| for_each_name(ty, &mut |name| named_by.entry(name).or_default().push(i)));
    }
    loop {
        // Key number → the first model of it this round.
        let mut first_of: IndexMap<usize, usize> = IndexMap::new();
        let mut merged = 0;
        // Components first, so that a component is the one that stays.
        for components_pass in [true, false] {
            for (i, model) in models.iter().enumerate() {
                if is_replaced[i] || is_component[i] != components_pass {
                    continue;
                }
                let key = *keys[i].get_or_insert_with(|| {
                    let key = shape_key(model, &replaced)?;
                    let next = key_ids.len();
                    Some(*key_ids.entry(key).or_insert(next))
                });
                let Some(key) = key else { continue };
                match first_of.get(&key) {
                    Some(&first) if !components_pass => {
                        let name = model.name();
                        replaced.insert(name.to_owned(), models[first].name().to_owned());
                        is_replaced[i] = true;
                        for &stale in named_by.get(name).into_iter().flatten() {
                            keys[stale] = None;
                        }
                        merged += 1;
                    }
                    Some(_) => {}
                    None => {
                        first_of.insert(key, i);
                    }
                }
            }
        }
        if merged == 0 {
            break;
        }
    }
    drop(named_by);
    if replaced.is_empty() {
        return 0;
    }
    // A model that replaced others may have been replaced itself in a later round.
    let mut resolved: BTreeMap<String, String> = replaced
        .keys()
        .map(|name| {
            let mut to = &replaced[name];
            while let Some(next) = replaced.get(to) {
                to = next;
            }
            (name.clone(), to.clone())
        })
        .collect();
    let merged = resolved.len();
    // An inline model that stands for two others or more is named by what their names
    // share, when that is two words or more and free: `AtomSimpleExpressionOperator`,
    // `ProcessSimpleExpressionOperator` and `EnvironmentSimpleExpressionOperator`
    // become `SimpleExpressionOperator`. A pair keeps the first name: what two names
    // share is often too general for the pair alone.
    let mut groups: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, to) in &resolved {
        groups.entry(to.as_str()).or_default().push(name.as_str());
    }
    let mut taken: BTreeSet<String> = models.iter().map(|m| m.name().to_owned()).collect();
    taken.extend(RESERVED_TYPES.iter().map(|t| (*t).to_owned()));
    let mut renamed: BTreeMap<String, String> = BTreeMap::new();
    for (survivor, others) in &groups {
        if components.contains(*survivor) || others.len() < 2 {
            continue;
        }
        let shared = others.iter().fold(words_of(survivor), |acc, other| common_suffix(&acc, &words_of(other)));
        if shared.len() < 2 {
            continue;
        }
        let name: String = shared.concat();
        if !taken.contains(&name) && !name.starts_with(|c: char| c.is_ascii_digit()) {
            taken.insert(name.clone());
            renamed.insert((*survivor).to_owned(), name);
        }
    }
    for to in resolved.values_mut() {
        if let Some(new) = renamed.get(to.as_str()) {
            *to = new.clone();
        }
    }
    models.retain(|m| !resolved.contains_key(m.name()));
    for model in models.iter_mut() {
        if let Some(new) = renamed.get(model.name()) {
            set_name(model, new.clone());
        }
    }
    resolved.extend(renamed);
    for model in models.iter_mut() {
        model.for_each_type_mut(&mut |ty| rename(ty, &resolved));
    }
    for op in operations {
        op.for_each_type_mut(&mut |ty| rename(ty, &resolved));
    }
    merged
}

/// A type name's words: `AtomSimpleExpression` is `Atom`, `Simple`, `Expression`.
fn words_of(name: &str) -> Vec<&str> {
    let mut words = Vec::new();
    let mut start = 0;
    for (i, c) in name.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            words.push(&name[start..i]);
            start = i;
        }
    }
    words.push(&name[start..]);
    words
}

/// The words at the end of both.
fn common_suffix<'a>(a: &[&'a str], b: &[&str]) -> Vec<&'a str> {
    let shared = a.iter().rev().zip(b.iter().rev()).take_while(|(x, y)| x == y).count();
    a[a.len() - shared..].to_vec()
}

fn set_name(model: &mut Model, name: String) {
    match model {
        Model::Struct(s) => s.name = name,
        Model::Enum(e) => e.name = name,
        Model::Alias(a) => a.name = name,
        Model::Union(u) => u.name = name,
        Model::Statuses(s) => s.name = name,
    }
}

/// The shape of a model as text: its kind and contents with the names of merged
/// models replaced and its own name and docs left out. `None` for what is never
/// merged (an operation's success answers by status).
fn shape_key(model: &Model, replaced: &BTreeMap<String, String>) -> Option<String> {
    let mut shape = model.clone();
    match &mut shape {
        Model::Statuses(_) => return None,
        Model::Struct(s) => {
            s.name.clear();
            s.doc = None;
            s.fields.iter_mut().for_each(|f| f.doc = None);
        }
        Model::Enum(e) => {
            e.name.clear();
            e.doc = None;
        }
        Model::Alias(a) => {
            a.name.clear();
            a.doc = None;
        }
        Model::Union(u) => {
            u.name.clear();
            u.doc = None;
        }
    }
    shape.for_each_type_mut(&mut |ty| rename(ty, replaced));
    Some(format!("{shape:?}"))
}

/// The model names a type refers to.
fn for_each_name<'a>(ty: &'a Type, visit: &mut impl FnMut(&'a str)) {
    match ty {
        Type::Named(name) => visit(name),
        Type::Array(inner) | Type::Map(inner) => for_each_name(inner, visit),
        _ => {}
    }
}

fn rename(ty: &mut Type, replaced: &BTreeMap<String, String>) {
    match ty {
        Type::Named(name) => {
            if let Some(to) = replaced.get(name.as_str()) {
                *name = to.clone();
            }
        }
        Type::Array(inner) | Type::Map(inner) => rename(inner, replaced),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{lower_parts, model};
    use super::*;
    use serde_json::json;

    fn owner() -> serde_json::Value {
        json!({ "type": "object", "description": "who owns it", "properties": {
            "login": { "type": "string" },
            "site": { "type": "object", "properties": { "url": { "type": "string" } } },
        } })
    }

    #[test]
    fn alike_inline_objects_become_one_type() {
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Repo": { "type": "object", "properties": { "owner": owner() } },
                "Gist": { "type": "object", "properties": { "owner": owner(), "kind": { "type": "string", "enum": ["a", "b"] } } },
                "Issue": { "type": "object", "properties": { "kind": { "type": "string", "enum": ["a", "b"] } } },
            }),
        );
        let names: Vec<&str> = api.models.iter().map(Model::name).collect();
        // Gist's owner and its site, and Issue's kind, are the first ones again.
        assert_eq!(names, ["Repo", "RepoOwner", "RepoOwnerSite", "Gist", "GistKind", "Issue"]);
        let Model::Struct(gist) = model(&api, "Gist") else { panic!("Gist is a struct") };
        assert_eq!(gist.fields[0].ty, Type::Named("RepoOwner".into()));
        let Model::Struct(issue) = model(&api, "Issue") else { panic!("Issue is a struct") };
        assert_eq!(issue.fields[0].ty, Type::Named("GistKind".into()));
    }

    #[test]
    fn a_component_of_the_shape_is_the_one_kept() {
        let mut shape = owner();
        shape["description"] = json!("a component");
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Repo": { "type": "object", "properties": { "owner": owner() } },
                "Owner": shape,
                "OwnerCopy": owner(),
            }),
        );
        let Model::Struct(repo) = model(&api, "Repo") else { panic!("Repo is a struct") };
        assert_eq!(repo.fields[0].ty, Type::Named("Owner".into()));
        // Components keep their names, alike or not.
        assert!(api.models.iter().any(|m| m.name() == "OwnerCopy"));
        assert!(api.models.iter().all(|m| m.name() != "RepoOwner"));
    }

    #[test]
    fn a_merged_type_is_named_by_the_words_its_names_share() {
        let operator = json!({ "type": "string", "enum": ["EQUALS", "LIKE"] });
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "AtomSimpleExpression": { "type": "object", "properties": { "operator": operator.clone() } },
                "ProcessSimpleExpression": { "type": "object", "properties": { "operator": operator.clone() } },
                "RoleSimpleExpression": { "type": "object", "properties": { "operator": operator } },
            }),
        );
        let names: Vec<&str> = api.models.iter().map(Model::name).collect();
        assert_eq!(names, ["AtomSimpleExpression", "SimpleExpressionOperator", "ProcessSimpleExpression", "RoleSimpleExpression"]);
        let Model::Struct(process) = model(&api, "ProcessSimpleExpression") else { panic!("a struct") };
        assert_eq!(process.fields[0].ty, Type::Named("SimpleExpressionOperator".into()));
        assert_eq!(words_of("AtomSimpleExpression"), ["Atom", "Simple", "Expression"]);
    }

    #[test]
    fn different_shapes_stay_apart() {
        let mut other = owner();
        other["required"] = json!(["login"]);
        let (api, _) = lower_parts(
            json!({}),
            json!({
                "Repo": { "type": "object", "properties": { "owner": owner() } },
                "Gist": { "type": "object", "properties": { "owner": other } },
            }),
        );
        let Model::Struct(gist) = model(&api, "Gist") else { panic!("Gist is a struct") };
        assert_eq!(gist.fields[0].ty, Type::Named("GistOwner".into()));
    }
}
