//! Generates the Petstore client into `OUT_DIR` on every build where the spec changed.

fn main() {
    let mut config = specwright::Config::new("petstore.yaml");
    config.crate_name("petstore");
    if let Err(err) = config.build_script() {
        // A build script reports failure by exiting non-zero; the message shows in cargo's output.
        eprintln!("{err}");
        std::process::exit(1);
    }
}
