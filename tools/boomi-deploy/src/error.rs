//! What can go wrong, and the exit code each failure maps to.

use boomi_platform::Error;
use boomi_platform::models::ErrorResponse;

/// The result of every API call of the generated client.
pub type ApiResult<T> = Result<T, Error<ErrorResponse>>;

/// Exit code: done, or nothing to do.
pub const EXIT_OK: u8 = 0;
/// Exit code: an error (from the API, the network, or a file).
pub const EXIT_ERROR: u8 = 1;
/// Exit code: the command line or an input file is wrong.
pub const EXIT_USAGE: u8 = 2;
/// Exit code: refused by a sequencing rule (promotion, rollback without `--yes`).
pub const EXIT_REFUSED: u8 = 3;

/// Why a command did not finish. The message is printed on stderr as it is, so it
/// never holds a credential or an encrypted value.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// The command line or an input file is wrong; nothing was sent.
    #[error("{0}")]
    Usage(String),
    /// A sequencing rule refused the change; nothing was sent.
    #[error("{0}")]
    Refused(String),
    /// The API, the network or the local system failed.
    #[error("{0}")]
    Failed(String),
}

impl Failure {
    /// The process exit code for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Usage(_) => EXIT_USAGE,
            Failure::Refused(_) => EXIT_REFUSED,
            Failure::Failed(_) => EXIT_ERROR,
        }
    }
}

/// The outcome of a step.
pub type Outcome<T> = Result<T, Failure>;

/// Turns an error of the generated client into a message that says what was being
/// done, with the server's own message, or the base URL when it could not be reached.
pub fn api_failure(context: &str, base_url: &str, error: Error<ErrorResponse>) -> Failure {
    let text = match &error {
        Error::Api(api) | Error::UnexpectedStatus(api) => {
            let message = api
                .message()
                .unwrap_or_else(|| "no message from the server".to_owned());
            let hint = match api.status {
                401 => " (check BOOMI_ACCOUNT_ID, BOOMI_USERNAME and BOOMI_API_TOKEN)",
                403 => " (the user lacks the privilege for this)",
                503 => " (the rate limit was still exceeded after retrying; try again later)",
                _ => "",
            };
            format!("{context}: HTTP {}: {message}{hint}", api.status)
        }
        _ if error.is_timeout() => format!("{context}: no answer from {base_url} in time"),
        // The runtime's message carries the whole cause chain ("… Connection refused").
        _ if error.is_connect() => format!("{context}: cannot connect to {base_url}: {error}"),
        Error::Decode { .. } => format!("{context}: unexpected answer from {base_url}: {error}"),
        Error::InvalidRequest(message) => format!("{context}: {message}"),
        // The runtime's message says what happened and what to set (a size limit).
        _ => format!("{context}: the request to {base_url} failed: {error}"),
    };
    Failure::Failed(text)
}
