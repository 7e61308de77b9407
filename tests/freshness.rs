//! The checked-in clients (`generated-client/`, `generated-controlplane/`) must be
//! exactly what the generator writes now.

use specwright::Staleness;
use test_support::workspace_root;

#[test]
fn checked_in_clients_are_fresh() {
    let root = workspace_root();
    let presets = specwright::preset::all(&root);
    assert_eq!(presets.len(), 2, "the Boomi Platform and Control Plane clients");
    let mut listing = Vec::new();
    for config in &presets {
        let (_, stale) = config.check().expect("the checked-in specs generate");
        let dir = config.output_dir().and_then(|d| d.strip_prefix(&root).ok()).unwrap_or(std::path::Path::new("?")).to_owned();
        for f in stale {
            let why = match f.why {
                Staleness::Missing => "missing",
                Staleness::Differs => "differs",
                Staleness::Extra => "no longer generated",
            };
            listing.push(format!("  {}/{} ({why})", dir.display(), f.path.display()));
        }
    }
    assert!(
        listing.is_empty(),
        "checked-in clients are stale; run `{}` and commit the result:\n{}",
        specwright::preset::COMMAND,
        listing.join("\n")
    );
}
