//! `boomi-deploy`: package, deploy, promote and configure Boomi components from CI/CD.
//!
//! Everything lives in the library (`boomi_deploy`) so that it can be tested; this is
//! the front end that turns its outcome into an exit code.

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(boomi_deploy::main())
}
