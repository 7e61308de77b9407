//! Part of stage 3: schemas of one shape become one generic model.
//!
//! Specs that describe many objects the same way repeat the same schemas once per
//! object: Boomi's has 70 `XQueryConfig`s, `XExpression`s and `XQueryResponse`s that
//! differ only in the object `X` and its property enum. Each was a struct with its own
//! `Serialize`, `Deserialize`, `Debug`, `Clone` and `PartialEq`, and together they were
//! a third of the crate's check time. Here a family of such schemas becomes one generic
//! model, `QueryResponse<T0>`, and each schema a type alias of it,
//! `pub type AccountQueryResponse = QueryResponse<Account>;`: the same name, fields,
//! struct literals, enum variants and wire format, compiled once.
//!
//! Two schemas are of one shape when they are equal but for the models they name:
//! the same fields (Rust and wire names, requiredness, nullability, docs, leniency) or
//! the same variants. Schemas that name each other (an expression and the group of
//! expressions it may be) are taken together, a strongly connected component at a
//! time, so that a recursive family is generic as a whole (`Expression<T0>` and
//! `GroupingExpression<T0>`, each naming the other) and no alias leads back to
//! itself. Where the members name the same model the generic names it too; where
//! they differ, that is a type parameter. A family needs [`MIN_FAMILY`] members.
//! The generic is named after the words its members' names end with.

use std::collections::{BTreeMap, BTreeSet};

use crate::ir::{Alias, Api, Model, Type};
use crate::naming::Scope;

/// The fewest schemas of one shape that become a generic: fewer are not worth the
/// indirection of an alias for a reader of the crate.
pub const MIN_FAMILY: usize = 4;

/// Turns each family of schemas of one shape into a generic model and aliases.
pub fn generalize(api: &mut Api) {
    // A model named like a type parameter would be shadowed inside a generic.
    if api.models.iter().any(|m| is_param_name(m.name())) {
        return;
    }
    // A filter converts into its query's request body (`impl From<XFilter> for
    // XQueryConfig`): two bodies that became one type would take each other's filters.
    // Those bodies stay structs of their own, and the families are found again.
    let mut excluded = BTreeSet::new();
    loop {
        let plan = plan(api, &excluded);
        let mut by_type: BTreeMap<&Type, Vec<&str>> = BTreeMap::new();
        for f in &api.filters {
            if let Some(ty) = plan.resolved.get(&f.shape.request) {
                by_type.entry(ty).or_default().push(&f.shape.request);
            }
        }
        let shared: Vec<String> =
            by_type.into_values().filter(|requests| requests.len() > 1).flatten().map(|r| (*r).to_owned()).collect();
        if shared.is_empty() || shared.iter().all(|r| excluded.contains(r)) {
            apply(api, plan);
            return;
        }
        excluded.extend(shared);
    }
}

/// What [`generalize`] changes: the aliases that replace members and the generics
/// that go before them, by model index.
struct Plan {
    replaced: BTreeMap<usize, Model>,
    inserted: BTreeMap<usize, Vec<Model>>,
    resolved: BTreeMap<String, Type>,
    alias_references: BTreeMap<String, Vec<String>>,
}

fn apply(api: &mut Api, mut plan: Plan) {
    if plan.replaced.is_empty() {
        return;
    }
    let old = std::mem::take(&mut api.models);
    for (i, model) in old.into_iter().enumerate() {
        api.models.extend(plan.inserted.remove(&i).unwrap_or_default());
        api.models.push(plan.replaced.remove(&i).unwrap_or(model));
    }
    api.alias_references.extend(plan.alias_references);
    api.reindex();
}

/// The families of the models not `excluded`, as generics and aliases.
fn plan(api: &Api, excluded: &BTreeSet<String>) -> Plan {
    let index: BTreeMap<&str, usize> = api.models.iter().enumerate().map(|(i, m)| (m.name(), i)).collect();
    let untagged_variants = crate::emit::models::untagged_variants(api);
    let candidate: Vec<bool> = api
        .models
        .iter()
        .map(|m| match m {
            _ if excluded.contains(m.name()) => false,
            Model::Struct(s) => s.additional.is_none() && s.fields.iter().all(|f| !f.secret),
            Model::Union(u) => u.discriminator.is_none(),
            _ => false,
        })
        .collect();
    let edges: Vec<Vec<usize>> = api
        .models
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut out = Vec::new();
            if candidate[i] {
                m.for_each_type(&mut |ty| {
                    ty.for_each_name(&mut |name| {
                        if let Some(&j) = index.get(name)
                            && candidate[j]
                        {
                            out.push(j);
                        }
                    })
                });
            }
            out
        })
        .collect();
    let components = strongly_connected(&edges, &candidate);

    // Tarjan's algorithm lists a component after every component it reaches, so one
    // pass gives each its height: 0 for one that reaches no other, else one more than
    // the highest it reaches. Families are built lowest first, so that a family's
    // holes are the generics its references became: members whose holes are aliases
    // of one type (Google's `V1Entity` and `V1beta2Entity`, both `Entity`) need no
    // parameter for them.
    let mut component_of = vec![usize::MAX; api.models.len()];
    for (c, members) in components.iter().enumerate() {
        for &m in members {
            component_of[m] = c;
        }
    }
    let mut height = vec![0usize; components.len()];
    for (c, members) in components.iter().enumerate() {
        let mut h = 0;
        for &m in members {
            for &to in &edges[m] {
                let d = component_of[to];
                if d != c {
                    h = h.max(height[d] + 1);
                }
            }
        }
        height[c] = h;
    }

    // Each component's members in a canonical order, its signature and its holes.
    let mut families: indexmap::IndexMap<FamilyKey<'_>, Vec<(usize, Component)>> = indexmap::IndexMap::new();
    for (members, h) in components.into_iter().zip(height) {
        let Some(mut component) = Component::new(&api.models, members, &untagged_variants) else { continue };
        // Of one shape and named alike: a schema of the same shape by chance, named
        // otherwise (`ConnectionLicensingReport` beside the `XQueryConfig`s), stays
        // out, so the others still share a name.
        let last_words: Vec<&str> = component
            .members
            .iter()
            .map(|&i| crate::naming::type_words(api.models[i].name()).last().copied().unwrap_or(""))
            .collect();
        let signature = std::mem::take(&mut component.signature);
        families.entry((last_words, signature)).or_default().push((h, component));
    }
    // A member with a field that leads back to it without a `Vec` between has that
    // field boxed, which a generic could not tell from its parameters: such members
    // stay as they are (checked here, for family members only, as it walks models).
    let boxes = |i: usize| match &api.models[i] {
        Model::Struct(s) => s.fields.iter().any(|f| crate::emit::models::recurses(api, &s.name, &f.ty)),
        Model::Union(u) => u.variants.iter().any(|v| crate::emit::models::recurses(api, &u.name, &v.ty)),
        _ => true,
    };
    let mut families: Vec<(usize, Vec<Component>)> = families
        .into_values()
        .filter(|f| f.len() >= MIN_FAMILY)
        .map(|f| {
            let kept: Vec<(usize, Component)> = f.into_iter().filter(|(_, c)| !c.members.iter().any(|&i| boxes(i))).collect();
            let h = kept.iter().map(|(h, _)| *h).max().unwrap_or(0);
            let mut members: Vec<Component> = kept.into_iter().map(|(_, c)| c).collect();
            members.sort_by_key(|c| c.first());
            (h, members)
        })
        .filter(|(_, f)| f.len() >= MIN_FAMILY)
        .collect();
    // Lowest first, so a family's holes are the generics its references became; then
    // the biggest first, so it gets the plain name when two want one; then in spec
    // order, so every run claims names alike.
    families.sort_by_key(|(h, f)| (*h, std::cmp::Reverse(f.len()), f[0].first()));

    let mut names = Scope::with_reserved(crate::lower::RESERVED_TYPES);
    for m in &api.models {
        names.claim(m.name().to_owned());
    }
    // What each schema that became an alias stands for, its arguments resolved too.
    let mut resolved: BTreeMap<String, Type> = BTreeMap::new();
    let mut replaced: BTreeMap<usize, Model> = BTreeMap::new();
    let mut inserted: BTreeMap<usize, Vec<Model>> = BTreeMap::new();
    let mut alias_references = BTreeMap::new();
    for (_, family) in families {
        let Some(built) = build(&api.models, &family, &mut names, &resolved) else { continue };
        for (anchor, generic) in built.generics {
            inserted.entry(anchor).or_default().push(generic);
        }
        for (i, alias, target) in built.aliases {
            let mut references = Vec::new();
            api.models[i].for_each_type(&mut |ty| ty.for_each_name(&mut |name| references.push(name.to_owned())));
            alias_references.insert(api.models[i].name().to_owned(), references);
            resolved.insert(api.models[i].name().to_owned(), target);
            replaced.insert(i, alias);
        }
    }
    Plan { replaced, inserted, resolved, alias_references }
}

/// `T0`, `T1`, ...: the names the emitters give type parameters.
pub fn param_name(i: usize) -> String {
    format!("T{i}")
}

fn is_param_name(name: &str) -> bool {
    name.strip_prefix('T').is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// Tarjan's algorithm, without recursion: the strongly connected components of the
/// candidates, each in order of index.
fn strongly_connected(edges: &[Vec<usize>], candidate: &[bool]) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = edges.len();
    let mut order = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut stack = Vec::new();
    let mut next = 0;
    let mut out = Vec::new();
    for root in 0..n {
        if !candidate[root] || order[root] != UNSEEN {
            continue;
        }
        // (node, index of the next edge to follow)
        let mut work = vec![(root, 0)];
        order[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (node, ref mut edge)) = work.last_mut() {
            if let Some(&to) = edges[node].get(*edge) {
                *edge += 1;
                if order[to] == UNSEEN {
                    order[to] = next;
                    low[to] = next;
                    next += 1;
                    stack.push(to);
                    on_stack[to] = true;
                    work.push((to, 0));
                } else if on_stack[to] {
                    low[node] = low[node].min(order[to]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[node]);
            }
            if low[node] == order[node] {
                let mut component = Vec::new();
                while let Some(member) = stack.pop() {
                    on_stack[member] = false;
                    component.push(member);
                    if member == node {
                        break;
                    }
                }
                component.sort_unstable();
                out.push(component);
            }
        }
    }
    out
}

/// A strongly connected component of candidate models, as a possible family member.
struct Component {
    /// Model indices, in the canonical order (by shape) that makes members of one
    /// family line up position by position.
    members: Vec<usize>,
    /// The shape of every member in order, with names inside the component as their
    /// position and names outside it as holes.
    signature: Signature,
    /// The model names in the holes, in the order the signature meets them.
    holes: Vec<String>,
}

/// Each member without its name and doc, its model names replaced, and whether it is
/// an untagged union's variant: what members of one family have in common.
type Signature = Vec<(Model, bool)>;

/// The last word of each member's name, and the signature: a family's key.
type FamilyKey<'a> = (Vec<&'a str>, Signature);

impl Component {
    fn new(models: &[Model], mut members: Vec<usize>, untagged: &BTreeSet<&str>) -> Option<Self> {
        if members.len() > 1 {
            // Members line up by their shape with every name a hole, as text (which
            // orders); two of one shape could line up either way: not a family member.
            let shape = |i: usize| format!("{:?}", describe(&models[i], untagged, &mut |_| Type::Named(String::new())));
            let mut shaped: Vec<(String, usize)> = members.iter().map(|&i| (shape(i), i)).collect();
            shaped.sort();
            if shaped.windows(2).any(|w| w[0].0 == w[1].0) {
                return None;
            }
            members = shaped.into_iter().map(|(_, i)| i).collect();
        }
        let position: BTreeMap<&str, usize> = members.iter().enumerate().map(|(k, &i)| (models[i].name(), k)).collect();
        let mut holes = Vec::new();
        let signature = members
            .iter()
            .map(|&i| {
                describe(&models[i], untagged, &mut |name| match position.get(name) {
                    Some(k) => Type::Named(format!("#{k}")),
                    None => {
                        holes.push(name.to_owned());
                        Type::Named("$".to_owned())
                    }
                })
            })
            .collect();
        Some(Self { members, signature, holes })
    }

    fn first(&self) -> usize {
        self.members.iter().copied().min().unwrap_or(usize::MAX)
    }
}

/// The model without its name and doc, each model name in it replaced by `rename`;
/// with whether it is an untagged union's variant.
fn describe(model: &Model, untagged: &BTreeSet<&str>, rename: &mut impl FnMut(&str) -> Type) -> (Model, bool) {
    let mut copy = model.clone();
    copy.set_name(String::new());
    copy.set_doc(None);
    copy.for_each_type_mut(&mut |ty| rename_types(ty, rename));
    (copy, untagged.contains(model.name()))
}

/// Replaces each `Type::Named` in `ty`, outermost first, arguments left to right.
fn rename_types(ty: &mut Type, rename: &mut impl FnMut(&str) -> Type) {
    match ty {
        Type::Named(name) => *ty = rename(name),
        Type::Array(inner) | Type::Map(inner) | Type::Nullable(inner) => rename_types(inner, rename),
        Type::Generic(_, args) => args.iter_mut().for_each(|arg| rename_types(arg, rename)),
        _ => {}
    }
}

/// What [`build`] makes of a family.
struct Built {
    /// The generic models, each with the index of the model it goes before.
    generics: Vec<(usize, Model)>,
    /// The alias that replaces each member, by index, with the type it stands for.
    aliases: Vec<(usize, Model, Type)>,
}

/// The generic models of a family and the aliases of its members; `None` when the
/// members' names share no word to name a generic after.
fn build(models: &[Model], family: &[Component], names: &mut Scope, resolved: &BTreeMap<String, Type>) -> Option<Built> {
    let width = family[0].members.len();
    let holes = family[0].holes.len();
    // Each hole as the type it stands for: its model, or the generic its alias names.
    let resolve = |name: &str| resolved.get(name).cloned().unwrap_or_else(|| Type::Named(name.to_owned()));
    let types: Vec<Vec<Type>> = family.iter().map(|c| c.holes.iter().map(|n| resolve(n)).collect()).collect();
    // A hole that stands for the same type in every member stays that type; the
    // others are parameters, one per distinct column of types.
    let mut params: Vec<Vec<&Type>> = Vec::new();
    // Per parameter, the hole it was first found in: its members' own names there
    // are the aliases' arguments.
    let mut param_hole: Vec<usize> = Vec::new();
    let mut fill: Vec<Type> = Vec::with_capacity(holes);
    for h in 0..holes {
        let column: Vec<&Type> = types.iter().map(|t| &t[h]).collect();
        if column.iter().all(|t| *t == column[0]) {
            fill.push(column[0].clone());
        } else {
            let p = match params.iter().position(|p| *p == column) {
                Some(p) => p,
                None => {
                    params.push(column);
                    param_hole.push(h);
                    params.len() - 1
                }
            };
            fill.push(Type::Param(p));
        }
    }
    let own_params: Vec<Type> = (0..params.len()).map(Type::Param).collect();

    let mut suffixes = Vec::with_capacity(width);
    for k in 0..width {
        let member_names: Vec<&str> = family.iter().map(|c| models[c.members[k]].name()).collect();
        suffixes.push(common_suffix(&member_names)?);
    }
    let generic_names: Vec<String> = suffixes
        .into_iter()
        .map(|suffix| {
            let name = if names.contains(&suffix) {
                if params.is_empty() { format!("Shared{suffix}") } else { format!("{suffix}Of") }
            } else {
                suffix
            };
            names.claim(name)
        })
        .collect();

    let first = &family[0];
    let position: BTreeMap<&str, usize> = first.members.iter().enumerate().map(|(k, &i)| (models[i].name(), k)).collect();
    let mut generics = Vec::with_capacity(width);
    let mut next_hole = 0;
    for (k, &i) in first.members.iter().enumerate() {
        let mut generic = models[i].clone();
        generic.for_each_type_mut(&mut |ty| {
            rename_types(ty, &mut |name| match position.get(name) {
                Some(&at) => Type::Generic(generic_names[at].clone(), own_params.clone()),
                None => {
                    next_hole += 1;
                    fill[next_hole - 1].clone()
                }
            })
        });
        let listed: Vec<String> = family.iter().take(3).map(|c| format!("`{}`", models[c.members[k]].name())).collect();
        let more = family.len().saturating_sub(3);
        let doc = format!(
            "The shape {} schemas of the spec share ({}{}); each is a type alias of this.",
            family.len(),
            listed.join(", "),
            if more > 0 { format!(" and {more} more") } else { String::new() },
        );
        generic.set_name(generic_names[k].clone());
        generic.set_doc(Some(doc));
        let anchor = family.iter().map(|c| c.members[k]).min().unwrap_or(i);
        generics.push((anchor, generic));
    }

    let mut aliases = Vec::new();
    for (at, component) in family.iter().enumerate() {
        let args: Vec<Type> = param_hole.iter().map(|&h| Type::Named(component.holes[h].clone())).collect();
        let resolved_args: Vec<Type> = params.iter().map(|column| column[at].clone()).collect();
        for (k, &i) in component.members.iter().enumerate() {
            let (name, doc) = match &models[i] {
                Model::Struct(s) => (s.name.clone(), s.doc.clone()),
                Model::Union(u) => (u.name.clone(), u.doc.clone()),
                _ => return None,
            };
            let ty = Type::Generic(generic_names[k].clone(), args.clone());
            let target = Type::Generic(generic_names[k].clone(), resolved_args.clone());
            aliases.push((i, Model::Alias(Alias { name, doc, ty }), target));
        }
    }
    Some(Built { generics, aliases })
}

/// The words all `names` end with (see [`crate::naming::shared_suffix`]),
/// `QueryResponse` for `AccountQueryResponse` and `AtomQueryResponse`; `None` when they
/// share none.
fn common_suffix(names: &[&str]) -> Option<String> {
    let suffix: String = crate::naming::shared_suffix(names).concat();
    // A name must start with a letter: `2Response` shares only `Response`.
    let suffix = suffix.trim_start_matches(|c: char| !c.is_ascii_alphabetic()).to_owned();
    (!suffix.is_empty()).then_some(suffix)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suffixes() {
        assert_eq!(common_suffix(&["AccountQueryResponse", "AtomQueryResponse"]).as_deref(), Some("QueryResponse"));
        assert_eq!(common_suffix(&["Expression", "AccountExpression"]).as_deref(), Some("Expression"));
        assert_eq!(common_suffix(&["Cat", "Dog"]), None);
        assert_eq!(common_suffix(&["X12Response", "Edi2Response"]).as_deref(), Some("Response"));
    }

    #[test]
    fn components_are_strongly_connected() {
        // 0 → 1 → 0, 2 → 0, 3 alone, 4 not a candidate.
        let edges = vec![vec![1], vec![0], vec![0], vec![], vec![]];
        let got = strongly_connected(&edges, &[true, true, true, true, false]);
        // A component comes after every component it reaches: heights rely on it.
        let at = |c: &[usize]| got.iter().position(|g| g == c);
        assert!(at(&[0, 1]) < at(&[2]), "{got:?}");
        let mut got: Vec<Vec<usize>> = got;
        got.sort();
        assert_eq!(got, vec![vec![0, 1], vec![2], vec![3]]);
    }
}
