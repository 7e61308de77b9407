//! What the corpus runner and the fuzzer share: both run the generator in worker
//! processes of their own binary and talk to them over lines of tab-separated fields.

pub mod protocol;
