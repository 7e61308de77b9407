//! Run inside the crate generated from tests/fixtures/unions.yaml (see
//! tests/fixtures_compile.rs): unions decode to the right variant.

use fixture_unions::models::{Cat, Dog, Media, Node, Pet, Shape};
use fixture_unions::runtime::Nullable;
use serde_json::json;

#[test]
fn a_discriminator_picks_the_variant_by_its_tag() {
    let dog: Pet = serde_json::from_value(json!({"petType": "doggo", "bark": true})).expect("mapped tag");
    assert_eq!(dog, Pet::Dog(Dog { pet_type: "doggo".into(), bark: true }));
    // Without a mapping entry, the schema name is the tag.
    let cat: Pet = serde_json::from_value(json!({"petType": "Cat", "lives": 9})).expect("schema name");
    assert_eq!(cat, Pet::Cat(Cat { pet_type: "Cat".into(), lives: Nullable::Present(9) }));
    // The tag stays in the inner value, so serialising writes it once.
    assert_eq!(serde_json::to_value(&cat).expect("serialise"), json!({"petType": "Cat", "lives": 9}));
    let err = serde_json::from_value::<Pet>(json!({"petType": "Bird"})).expect_err("unknown tag");
    assert!(err.to_string().contains("unknown `petType` value `Bird`"), "{err}");
    let err = serde_json::from_value::<Pet>(json!({"bark": true})).expect_err("no tag");
    assert!(err.to_string().contains("petType"), "{err}");
}

#[test]
fn an_unmapped_tag_is_the_alternative_s_one_allowed_value_or_its_name() {
    let track: Media = serde_json::from_value(json!({"type": "track", "album": "A"})).expect("the enum's value");
    assert!(matches!(&track, Media::Track(t) if t.album.as_deref() == Some("A")), "{track:?}");
    let episode: Media = serde_json::from_value(json!({"type": "episode", "show": "S"})).expect("the enum's value");
    assert!(matches!(&episode, Media::Episode(e) if e.show.as_deref() == Some("S")), "{episode:?}");
    let by_name: Media = serde_json::from_value(json!({"type": "Episode"})).expect("the schema name");
    assert!(matches!(by_name, Media::Episode(_)));
    assert_eq!(serde_json::to_value(&track).expect("serialise"), json!({"type": "track", "album": "A"}));
}

#[test]
fn without_a_discriminator_the_most_specific_variant_wins() {
    // A square also has everything a circle needs? No: but an object with side and unit
    // must not be taken for anything less specific.
    let square: Shape = serde_json::from_value(json!({"side": 2.0, "unit": "cm", "radius": 1.0})).expect("square");
    assert!(matches!(square, Shape::Square(_)), "{square:?}");
    let circle: Shape = serde_json::from_value(json!({"radius": 1.0})).expect("circle");
    assert!(matches!(circle, Shape::Circle(_)), "{circle:?}");
    let text: Shape = serde_json::from_value(json!("triangle")).expect("string");
    assert_eq!(text, Shape::String("triangle".into()));
}

#[test]
fn recursion_is_boxed_only_where_it_recurses() {
    let node: Node = serde_json::from_value(json!({"value": "a", "next": {"value": null}, "children": [{"value": "c"}]})).expect("node");
    let next: Option<Box<Node>> = node.next.clone();
    assert_eq!(next.map(|n| n.value), Some(None), "a required nullable field is an Option");
    let children: Vec<Node> = node.children.clone().unwrap_or_default();
    assert_eq!(children[0].value.as_deref(), Some("c"));
    // Required and nullable: sent as null, not left out.
    let empty = Node { value: None, next: None, children: None, not_supported: None };
    assert_eq!(serde_json::to_value(&empty).expect("serialise"), json!({"value": null}));
}
