//! Run inside the crate generated from tests/fixtures/generics.yaml (see
//! tests/fixtures_compile.rs): schemas of one shape are aliases of one generic, and
//! each alias reads, writes and builds as the struct it stands for did.

use fixture_generics::models::{
    Filter, GroupOp, Page, Pet, PetCondition, PetConditionProperty, PetFilter, PetGroup, PetPage, PetSearch, Report,
    UserPage, V1Shape, V3Point, V3Shape,
};
use fixture_generics::runtime::Nullable;
use serde_json::json;

#[test]
fn an_alias_decodes_and_encodes_as_its_schema() {
    // `total` is lenient in the spec: a number sent as a string still decodes.
    let page: PetPage = serde_json::from_value(json!({"items": [{"id": "p1", "name": "Rex"}], "next": null, "total": "1"}))
        .expect("a page");
    assert_eq!(page.items[0].name.as_deref(), Some("Rex"));
    assert_eq!(page.next, Nullable::Null);
    assert_eq!(page.total, Some(1));
    assert_eq!(
        serde_json::to_value(&page).expect("encode"),
        json!({"items": [{"id": "p1", "name": "Rex"}], "next": null, "total": 1})
    );
    // A missing required array reads as empty, as in any struct.
    let page: UserPage = serde_json::from_value(json!({"total": 2})).expect("items may be missing");
    assert!(page.items.is_empty());
    // A missing required field without an empty value is still an error, naming it.
    let err = serde_json::from_value::<PetSearch>(json!({})).expect_err("filter is required");
    assert!(err.to_string().contains("filter"), "{err}");
}

#[test]
fn struct_literals_and_variants_go_through_the_aliases() {
    let search = PetSearch {
        filter: PetFilter::Group(PetGroup {
            op: GroupOp::And,
            members: Some(vec![
                PetFilter::Condition(PetCondition { property: PetConditionProperty::Name, value: "Rex".into() }),
                Filter::Condition(PetCondition { property: PetConditionProperty::Species, value: "dog".into() }),
            ]),
        }),
    };
    let sent = json!({"filter": {"op": "and", "members": [
        {"property": "name", "value": "Rex"},
        {"property": "species", "value": "dog"},
    ]}});
    assert_eq!(serde_json::to_value(&search).expect("encode"), sent);
    let back: PetSearch = serde_json::from_value(sent).expect("decode");
    assert_eq!(back, search);
    match back.filter {
        PetFilter::Group(group) => assert_eq!(group.members.map(|m| m.len()), Some(2)),
        PetFilter::Condition(_) => panic!("a group decoded as a condition"),
    }
}

#[test]
fn defaults_need_no_default_of_the_parameter() {
    // `Pet` has a required `id` and no `Default`; the page still has one.
    let page = PetPage { total: Some(3), ..Default::default() };
    assert!(page.items.is_empty());
    assert_eq!(page.next, Nullable::Absent);
    let generic: Page<Pet> = page.clone();
    assert_eq!(generic, page);
}

#[test]
fn a_schema_of_the_same_shape_named_otherwise_stays_its_own_struct() {
    let report: Report = serde_json::from_value(json!({"items": [], "total": 0})).expect("a report");
    // Not an alias of `Page<Pet>`: a `Report` is no `PetPage`.
    let as_page: PetPage = PetPage { items: report.items.clone(), next: report.next.clone(), total: report.total };
    assert_eq!(as_page.total, Some(0));
}

#[test]
fn versions_of_one_schema_are_one_type() {
    // V1Shape names V1Point and V3Shape names V3Point; both points are `Point`, so
    // both shapes are `Shape`, with no type parameter left.
    fn area_name(shape: &V1Shape) -> Option<&str> {
        shape.name.as_deref()
    }
    let shape: V3Shape = serde_json::from_value(json!({"name": "square", "points": [{"x": 0.0, "y": 1.5}]})).expect("a shape");
    assert_eq!(area_name(&shape), Some("square"));
    let point: &V3Point = &shape.points.as_ref().expect("points")[0];
    assert_eq!(point.y, Some(1.5));
}
