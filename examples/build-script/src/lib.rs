//! A crate whose API client is generated at build time from `petstore.yaml` by
//! `build.rs`, instead of being checked in.

/// The Petstore client, generated into `OUT_DIR` by `build.rs`.
pub mod petstore {
    include!(concat!(env!("OUT_DIR"), "/petstore.rs"));
}
