//! The clients this workspace checks in, as ready-made [`Config`]s: the only place that
//! knows about Boomi. The library's [`Config`] itself is spec-agnostic; the CLI runs
//! these when it is given no spec.

use std::path::Path;

use crate::Config;

/// The command that regenerates the checked-in clients; named in their headers.
pub const COMMAND: &str = "cargo run -p specwright";

/// The Boomi Platform spec, relative to the workspace root.
pub const BOOMI_SPEC: &str = "spec/boomi-platform.yaml";

/// Where the Boomi client lives, relative to the workspace root.
pub const BOOMI_OUT: &str = "generated-client";

/// The overlays applied to the Boomi client, relative to the workspace root.
pub const BOOMI_OVERLAYS: &str = "spec/overlays";

/// Package name of the Boomi client.
pub const BOOMI_CRATE: &str = "boomi-platform";

/// The Boomi API Control Plane spec, relative to the workspace root.
pub const CONTROLPLANE_SPEC: &str = "spec/controlplane.yaml";

/// Where the Control Plane client lives, relative to the workspace root.
pub const CONTROLPLANE_OUT: &str = "generated-controlplane";

/// Package name of the Control Plane client.
pub const CONTROLPLANE_CRATE: &str = "boomi-controlplane";

/// Every client checked into the workspace, as the README's main command regenerates
/// them: the Boomi Platform client and the Boomi API Control Plane client.
pub fn all(workspace_root: &Path) -> Vec<Config> {
    vec![boomi(workspace_root), controlplane(workspace_root)]
}

/// The Control Plane client: `generated-controlplane/` from `spec/controlplane.yaml`.
pub fn controlplane(workspace_root: &Path) -> Config {
    let mut config = Config::new(workspace_root.join(CONTROLPLANE_SPEC));
    config
        .spec_display_name(CONTROLPLANE_SPEC)
        .crate_name(CONTROLPLANE_CRATE)
        .out_dir(workspace_root.join(CONTROLPLANE_OUT))
        .runtime_path("../runtime")
        .regenerate_command(COMMAND)
        .crate_docs(workspace_root.join("spec/controlplane.docs.md"));
    config
}

/// The Boomi client of the README's main command: `generated-client/` from
/// `spec/boomi-platform.yaml` corrected by every `spec/overlays/*.yaml` in name order,
/// under `workspace_root`, with a path dependency on the workspace's runtime.
pub fn boomi(workspace_root: &Path) -> Config {
    let mut config = boomi_seed_only(workspace_root);
    let dir = workspace_root.join(BOOMI_OVERLAYS);
    let mut overlays: Vec<_> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
                .collect()
        })
        .unwrap_or_default();
    overlays.sort();
    for path in overlays {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        config.overlay_named(&path, format!("{BOOMI_OVERLAYS}/{name}"));
    }
    config
}

/// The Boomi client from the seed spec alone, without overlays (`--no-overlays`).
pub fn boomi_seed_only(workspace_root: &Path) -> Config {
    let mut config = Config::new(workspace_root.join(BOOMI_SPEC));
    config
        .spec_display_name(BOOMI_SPEC)
        .crate_name(BOOMI_CRATE)
        .out_dir(workspace_root.join(BOOMI_OUT))
        .runtime_path("../runtime")
        .regenerate_command(COMMAND)
        .crate_docs(workspace_root.join("spec/boomi-platform.docs.md"))
        // The real API sends `["Long", 3832]`, numbers and booleans as strings and one
        // object for an array (boomi-api-facts: Java-typed arrays, single objects).
        .lenient(true);
    config
}
