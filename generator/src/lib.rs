//! Generates a typed async Rust client crate from an OpenAPI 3.0 or 3.1 document.
//!
//! The pipeline has one module per stage and the data flows forward only:
//! [`load`] → [`check`] → [`lower`] (with [`query_shape`], [`paging`] and [`generics`]) →
//! [`emit`] → [`render`] →
//! [`write`](mod@write). The CLI, `build.rs` users and tests all go through [`Config`]:
//!
//! ```no_run
//! let output = specwright::Config::new("spec/petstore.yaml")
//!     .crate_name("petstore")
//!     .generate()?;
//! for (path, text) in &output.files {
//!     println!("{}: {} bytes", path.display(), text.len());
//! }
//! # Ok::<(), specwright::GenerateError>(())
//! ```
//!
//! A whole crate goes to a folder with [`Config::write`]. From a build script, as
//! prost-build does, [`Config::build_script`] writes the client as one module into
//! `OUT_DIR` for the crate to `include!`:
//!
//! ```no_run
//! // The body of build.rs's main; the crate depends on specwright-runtime and serde
//! // (with derive), and on specwright as a build-dependency.
//! let written = specwright::Config::new("petstore.yaml").build_script()?;
//! // src/lib.rs then has:
//! // pub mod petstore { include!(concat!(env!("OUT_DIR"), "/petstore.rs")); }
//! # let _ = written;
//! # Ok::<(), specwright::Error>(())
//! ```

pub mod check;
pub mod diagnostics;
pub mod emit;
pub mod features;
pub mod generics;
pub mod ir;
pub mod load;
pub mod lower;
pub mod naming;
pub mod overlay;
pub mod paging;
pub mod preset;
pub mod query_shape;
pub mod render;
pub mod stages;
pub mod vendor;
pub mod write;

use std::collections::BTreeMap;
use std::path::PathBuf;

pub use diagnostics::{Diagnostic, GenerateError, Severity};
pub use emit::Runtime;
pub use write::{StaleFile, Staleness, WriteReport};

use diagnostics::Diagnostics;
use stages::Stages;
use emit::krate::CrateSettings;

/// Anything that can go wrong when generating or writing.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec has errors.
    #[error("{0}")]
    Generate(#[from] GenerateError),
    /// Reading or writing a file failed.
    #[error(transparent)]
    Io(#[from] write::IoError),
    /// `write` or `check` was called without an output directory.
    #[error("no output directory is set (Config::out_dir)")]
    NoOutDir,
    /// `build_script` was called outside a build script.
    #[error("OUT_DIR is not set: Config::build_script runs from a build.rs")]
    NoOutDirEnv,
}

/// What generation produced.
#[derive(Debug, Clone)]
pub struct Output {
    /// File path (relative to the crate root) → contents, in path order.
    pub files: BTreeMap<PathBuf, String>,
    /// Warnings: what was skipped or approximated, each with its pointer.
    pub warnings: Vec<Diagnostic>,
    /// The IR, for callers that want figures (operation and model counts).
    pub api: ir::Api,
    /// How long each stage took (read, load, check, lower, emit, render), in order.
    pub timings: Vec<(&'static str, std::time::Duration)>,
}

/// What [`Config::generate_module`] produced.
#[derive(Debug, Clone)]
pub struct ModuleOutput {
    /// The module's source text.
    pub text: String,
    /// Warnings: what was skipped or approximated, each with its pointer.
    pub warnings: Vec<Diagnostic>,
    /// The IR, for callers that want figures.
    pub api: ir::Api,
}

/// `result` with the diagnostics of the stages before it (reading, overlays) in front.
fn with_earlier<T>(
    mut earlier: Vec<Diagnostic>,
    result: Result<T, GenerateError>,
    warnings: impl FnOnce(&mut T) -> &mut Vec<Diagnostic>,
) -> Result<T, GenerateError> {
    match result {
        Ok(mut output) => {
            let later = warnings(&mut output);
            earlier.append(later);
            *later = earlier;
            Ok(output)
        }
        Err(mut err) => {
            earlier.append(&mut err.diagnostics);
            err.diagnostics = earlier;
            Err(err)
        }
    }
}

/// How to generate one client crate; setters return `&mut Self`, as in prost-build.
#[derive(Debug, Clone)]
pub struct Config {
    spec: PathBuf,
    spec_display: Option<String>,
    crate_name: Option<String>,
    out_dir: Option<PathBuf>,
    runtime: Runtime,
    command: Option<String>,
    crate_docs: Option<PathBuf>,
    standalone: bool,
    lenient: bool,
    progress: bool,
    tag_features: bool,
    generic_families: bool,
    overlays: Vec<(PathBuf, String)>,
}

impl Config {
    /// Generation from the spec at `spec` (YAML or JSON).
    pub fn new(spec: impl Into<PathBuf>) -> Self {
        Self {
            spec: spec.into(),
            spec_display: None,
            crate_name: None,
            out_dir: None,
            runtime: Runtime::Vendored,
            command: None,
            crate_docs: None,
            standalone: false,
            lenient: false,
            progress: false,
            tag_features: true,
            generic_families: true,
            overlays: Vec::new(),
        }
    }

    /// Names each stage on stderr as it begins, once a run has taken more than half a
    /// second (a big spec); a short run prints nothing.
    pub fn progress(&mut self, yes: bool) -> &mut Self {
        self.progress = yes;
        self
    }

    /// Decodes every number, boolean and array field leniently, as servers that differ
    /// from their spec need: numbers and booleans also as strings (and Java-typed
    /// pairs, `["Long", 3832]`), one element for an array. Off by default: a wrong
    /// type is then an error. The same as `x-specwright-lenient: true` on the
    /// document root; the extension on an object schema or a property covers only it.
    pub fn lenient(&mut self, yes: bool) -> &mut Self {
        self.lenient = yes;
        self
    }

    /// Puts each operation behind a Cargo feature per tag, and each model behind the
    /// features whose operations reach it, with `full` (the default feature) enabling
    /// all; on by default for a spec with two tags or more. A crate written into
    /// `OUT_DIR` by [`Config::build_script`] never has features.
    pub fn tag_features(&mut self, yes: bool) -> &mut Self {
        self.tag_features = yes;
        self
    }

    /// Makes each family of four or more schemas of one shape (the same fields or
    /// variants, differing only in the models they name, their names ending alike) one
    /// generic model, each schema an alias of it: `pub type AccountQueryResponse =
    /// QueryResponse<Account>;`. On by default: such families were a third of the
    /// check time of Boomi's crate. Off, every schema is a type of its own.
    pub fn generic_families(&mut self, yes: bool) -> &mut Self {
        self.generic_families = yes;
        self
    }

    /// Applies an OpenAPI Overlay to the spec before anything else; overlays apply in
    /// the order they are added.
    pub fn overlay(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        let path = path.into();
        let name = path.display().to_string();
        self.overlay_named(path, name)
    }

    /// Like [`overlay`](Self::overlay), naming it `name` in headers and diagnostics.
    pub fn overlay_named(&mut self, path: impl Into<PathBuf>, name: impl Into<String>) -> &mut Self {
        self.overlays.push((path.into(), name.into()));
        self
    }

    /// Drops the overlays added so far.
    pub fn clear_overlays(&mut self) -> &mut Self {
        self.overlays.clear();
        self
    }

    /// How the spec is named in headers (default: its file name), so that output does
    /// not depend on where the checkout is.
    pub fn spec_display_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.spec_display = Some(name.into());
        self
    }

    /// The package name (default: from `info.title`).
    pub fn crate_name(&mut self, name: impl Into<String>) -> &mut Self {
        self.crate_name = Some(name.into());
        self
    }

    /// Where `write` and `check` work.
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// The output directory, if set.
    pub fn output_dir(&self) -> Option<&std::path::Path> {
        self.out_dir.as_deref()
    }

    /// How the generated crate reaches the runtime (default [`Runtime::Vendored`]).
    pub fn runtime(&mut self, runtime: Runtime) -> &mut Self {
        self.runtime = runtime;
        self
    }

    /// A path dependency on the runtime crate, written into `Cargo.toml` as given
    /// (relative to the generated crate): `runtime(Runtime::Path(path))`.
    pub fn runtime_path(&mut self, path: impl Into<String>) -> &mut Self {
        self.runtime(Runtime::Path(path.into()))
    }

    /// The command named in the `@generated` headers (default: `generator <spec>`).
    pub fn regenerate_command(&mut self, command: impl Into<String>) -> &mut Self {
        self.command = Some(command.into());
        self
    }

    /// A Markdown file for the crate docs (a usage tour; its Rust examples are compiled
    /// as doctests), written as `TOUR.md` beside the README and included in the crate
    /// docs after it: with the `full` feature where the crate has features, since the
    /// examples may call any operation. A missing file is skipped.
    pub fn crate_docs(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.crate_docs = Some(path.into());
        self
    }

    /// Adds an empty `[workspace]` to the generated `Cargo.toml`, so the crate builds
    /// on its own inside another workspace's folder.
    pub fn standalone(&mut self, yes: bool) -> &mut Self {
        self.standalone = yes;
        self
    }

    fn display_name(&self) -> String {
        self.spec_display.clone().unwrap_or_else(|| {
            self.spec
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| self.spec.display().to_string())
        })
    }

    /// The spec as the generator sees it: read, with the overlays applied. Useful to
    /// hand the corrected document to other tools (a mock server, a validator).
    /// Returns it with the overlays' warnings.
    pub fn document(&self) -> Result<(serde_json::Value, Vec<Diagnostic>), GenerateError> {
        self.document_timed(&mut Stages::new(false))
    }

    fn document_timed(&self, stages: &mut Stages) -> Result<(serde_json::Value, Vec<Diagnostic>), GenerateError> {
        stages.begin("read");
        let mut diags = Diagnostics::new(&self.spec);
        let raw = load::read_document(&self.spec, &mut diags);
        let mut raw = match raw {
            Some(raw) if !diags.has_errors() => raw,
            _ => return Err(GenerateError { diagnostics: diags.into_vec() }),
        };
        let mut warnings = diags.into_vec();
        for (path, name) in &self.overlays {
            stages.begin("overlays");
            let mut od = Diagnostics::new(name);
            if let Some(loaded) = overlay::load(path, &mut od) {
                overlay::apply(&mut raw, &loaded, &mut od);
            }
            let failed = od.has_errors();
            warnings.extend(od.into_vec());
            if failed {
                return Err(GenerateError { diagnostics: warnings });
            }
        }
        Ok((raw, warnings))
    }

    /// Runs the pipeline in memory: read the spec, apply the overlays, generate.
    pub fn generate(&self) -> Result<Output, GenerateError> {
        let mut stages = Stages::new(self.progress);
        let (raw, earlier) = self.document_timed(&mut stages)?;
        with_earlier(earlier, self.generate_timed(raw, Diagnostics::new(&self.spec), stages), |o| &mut o.warnings)
    }

    /// Load, check and lower: the stages every output shares.
    fn lower_value(&self, raw: serde_json::Value, diags: &mut Diagnostics, stages: &mut Stages) -> Option<ir::Api> {
        stages.begin("load");
        let loaded = load::load_value(raw, diags)?;
        stages.begin("check");
        check::check(&loaded.raw, diags);
        if diags.has_errors() {
            return None;
        }
        stages.begin("lower");
        let mut api = lower::lower(&loaded.api, &loaded.raw, self.lenient, diags);
        if diags.has_errors() {
            return None;
        }
        query_shape::find_queries(&mut api);
        paging::find(&mut api, diags);
        if self.generic_families {
            generics::generalize(&mut api);
        }
        Some(api)
    }

    /// The `@generated` line: the command that regenerates the output and its sources.
    fn header(&self) -> String {
        let mut source = self.display_name();
        for (_, name) in &self.overlays {
            source.push_str(&format!(" + overlay {name}"));
        }
        let command = self
            .command
            .clone()
            .unwrap_or_else(|| format!("specwright {source}"));
        render::header_text(&command, &source)
    }

    /// Runs the pipeline on a document already in memory (e.g. after overlays).
    pub fn generate_value(&self, raw: serde_json::Value, diags: Diagnostics) -> Result<Output, GenerateError> {
        self.generate_timed(raw, diags, Stages::new(self.progress))
    }

    fn generate_timed(&self, raw: serde_json::Value, mut diags: Diagnostics, mut stages: Stages) -> Result<Output, GenerateError> {
        let fail = |diags: Diagnostics| GenerateError { diagnostics: diags.into_vec() };
        let Some(mut api) = self.lower_value(raw, &mut diags, &mut stages) else {
            return Err(fail(diags));
        };
        if self.tag_features {
            stages.begin("features");
            features::assign(&mut api);
        }

        let extra_docs = match &self.crate_docs {
            Some(path) => match std::fs::read_to_string(path) {
                Ok(text) => Some(text),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
                Err(err) => {
                    diags.error("", format!("cannot read crate docs {}: {err}", path.display()));
                    return Err(fail(diags));
                }
            },
            None => None,
        };
        let name = self.crate_name.clone().unwrap_or_else(|| default_crate_name(&api.title));
        let settings = CrateSettings {
            name: &name,
            runtime: &self.runtime,
            extra_docs: extra_docs.as_deref(),
            standalone: self.standalone,
        };
        let header = self.header();

        stages.begin("emit");
        let mut files = BTreeMap::new();
        files.insert(
            PathBuf::from("Cargo.toml"),
            render::toml_file(&emit::cargo_toml(&api, &settings), &header),
        );
        files.insert(
            PathBuf::from("README.md"),
            render::markdown_file(&emit::readme(&api, &settings), &header),
        );
        if let Some(tour) = emit::tour(&settings) {
            files.insert(PathBuf::from("TOUR.md"), render::markdown_file(&tour, &header));
        }
        let lib = emit::lib_rs(&api, &self.runtime, settings.extra_docs.is_some());
        stages.begin("render");
        let header_ref = header.as_str();
        let mut rendered = vec![("src/lib.rs", render::rust_file(lib, header_ref))];
        let models = emit::ModelsFile::new(&api);
        rendered.push(("src/models.rs", render::rust_units(models.units(), |i| models.unit(i), header_ref)));
        let client = emit::ClientFile::new(&api);
        rendered.push(("src/client.rs", render::rust_units(client.units(), |i| client.unit(i), header_ref)));
        if !api.filters.is_empty() {
            let filters = emit::FiltersFile::new(&api);
            rendered.push(("src/filters.rs", render::rust_units(filters.units(), |i| filters.unit(i), header_ref)));
        }
        for (path, result) in rendered {
            match result {
                Ok(text) => {
                    files.insert(PathBuf::from(path), text);
                }
                Err(message) => diags.error("", format!("{path}: {message}")),
            }
        }
        if self.runtime == Runtime::Vendored {
            let ident = name.replace('-', "_");
            for (path, text) in vendor::vendored_files(&ident) {
                files.insert(path, format!("// {header}\n{text}"));
            }
        }
        if diags.has_errors() {
            return Err(fail(diags));
        }
        Ok(Output {
            files,
            warnings: diags.into_vec(),
            api,
            timings: stages.finish(),
        })
    }

    /// The client as the items of one module, for a crate to `include!` (see
    /// [`Config::build_script`]). It uses the runtime as the external crate
    /// `specwright_runtime`, whatever [`Config::runtime`] says; the including crate
    /// depends on it and on `serde` with `derive`.
    pub fn generate_module(&self) -> Result<ModuleOutput, GenerateError> {
        let (raw, earlier) = self.document()?;
        let mut diags = Diagnostics::new(&self.spec);
        let result = match self.lower_value(raw, &mut diags, &mut Stages::new(false)) {
            None => Err(GenerateError { diagnostics: diags.into_vec() }),
            Some(api) => {
                let filters = (!api.filters.is_empty()).then(|| emit::filters(&api));
                let tokens = emit::module_rs(emit::models(&api), emit::client(&api), filters);
                match render::rust_file(tokens, &self.header()) {
                    Ok(text) => Ok(ModuleOutput { text, warnings: diags.into_vec(), api }),
                    Err(message) => {
                        diags.error("", message);
                        Err(GenerateError { diagnostics: diags.into_vec() })
                    }
                }
            }
        };
        with_earlier(earlier, result, |m| &mut m.warnings)
    }

    /// For `build.rs`: generates the client as one module into
    /// `$OUT_DIR/<module>.rs` (the module name is the crate name in snake case, see
    /// [`Config::crate_name`]), tells Cargo to rerun when the spec, an overlay or the
    /// crate docs change, and passes each warning on as a `cargo:warning`. Returns the
    /// file written. Include it with
    /// `pub mod petstore { include!(concat!(env!("OUT_DIR"), "/petstore.rs")); }`.
    pub fn build_script(&self) -> Result<PathBuf, Error> {
        let out_dir = std::env::var_os("OUT_DIR").ok_or(Error::NoOutDirEnv)?;
        println!("cargo:rerun-if-changed={}", self.spec.display());
        for (path, _) in &self.overlays {
            println!("cargo:rerun-if-changed={}", path.display());
        }
        let module = self.generate_module()?;
        for warning in &module.warnings {
            println!("cargo:warning={}", warning.to_string().replace('\n', " "));
        }
        let name = self.crate_name.clone().unwrap_or_else(|| default_crate_name(&module.api.title));
        let path = PathBuf::from(out_dir).join(format!("{}.rs", name.replace('-', "_")));
        // Only this one file: OUT_DIR may hold other modules (several specs, other tools).
        write::write_file(&path, &module.text)?;
        Ok(path)
    }

    /// Generates and writes to the output directory (only files whose bytes change;
    /// stale generated files are removed).
    pub fn write(&self) -> Result<(Output, WriteReport), Error> {
        let dir = self.out_dir.as_ref().ok_or(Error::NoOutDir)?;
        let output = self.generate()?;
        let report = write::write(dir, &output.files)?;
        Ok((output, report))
    }

    /// Generates in memory and lists the files on disk that differ.
    pub fn check(&self) -> Result<(Output, Vec<StaleFile>), Error> {
        let dir = self.out_dir.as_ref().ok_or(Error::NoOutDir)?;
        let output = self.generate()?;
        let stale = write::check(dir, &output.files)?;
        Ok((output, stale))
    }
}

/// A package name from a title: lowercase words joined by `-`.
fn default_crate_name(title: &str) -> String {
    let name = naming::snake(title, "api-client").trim_start_matches("r#").trim_matches('_').replace('_', "-");
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) || !name.is_ascii() {
        let ascii: String = name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let ascii = ascii.trim_matches('-');
        if ascii.is_empty() { "api-client".to_owned() } else { format!("api-{ascii}") }
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn crate_names_from_titles() {
        assert_eq!(super::default_crate_name("Boomi Platform REST API"), "boomi-platform-rest-api");
        assert_eq!(super::default_crate_name("1Password"), "api-1password");
        assert_eq!(super::default_crate_name("Übersicht"), "api-bersicht");
        assert_eq!(super::default_crate_name("!!!"), "api-client");
    }
}
