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
        model.for_each_type(&mut |ty| ty.for_each_name(&mut |name| named_by.entry(name).or_default().push(i)));
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
        let mut names = vec![*survivor];
        names.extend(others.iter().copied());
        let shared = crate::naming::shared_suffix(&names);
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
            model.set_name(new.clone());
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

/// The shape of a model as text: its kind and contents with the names of merged
/// models replaced and its own name and docs left out. `None` for what is never
/// merged (an operation's success answers by status).
fn shape_key(model: &Model, replaced: &BTreeMap<String, String>) -> Option<String> {
    if matches!(model, Model::Statuses(_)) {
        return None;
    }
    let mut shape = model.clone();
    shape.set_name(String::new());
    shape.set_doc(None);
    if let Model::Struct(s) = &mut shape {
        s.fields.iter_mut().for_each(|f| f.doc = None);
    }
    shape.for_each_type_mut(&mut |ty| rename(ty, replaced));
    Some(format!("{shape:?}"))
}

fn rename(ty: &mut Type, replaced: &BTreeMap<String, String>) {
    match ty {
        Type::Named(name) => {
            if let Some(to) = replaced.get(name.as_str()) {
                *name = to.clone();
            }
        }
        Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => rename(inner, replaced),
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
        assert_eq!(crate::naming::type_words("AtomSimpleExpression"), ["Atom", "Simple", "Expression"]);
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
