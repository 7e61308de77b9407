//! The checked-in `generated-client/` must be exactly what the generator writes now.

use specwright::Staleness;
use test_support::workspace_root;

#[test]
fn checked_in_client_is_fresh() {
    let (_, stale) = specwright::preset::boomi(&workspace_root()).check().expect("the seed spec generates");
    let listing: Vec<String> = stale
        .iter()
        .map(|f| {
            let why = match f.why {
                Staleness::Missing => "missing",
                Staleness::Differs => "differs",
                Staleness::Extra => "no longer generated",
            };
            format!("  generated-client/{} ({why})", f.path.display())
        })
        .collect();
    assert!(
        stale.is_empty(),
        "generated-client/ is stale; run `{}` and commit the result:\n{}",
        specwright::preset::COMMAND,
        listing.join("\n")
    );
}
