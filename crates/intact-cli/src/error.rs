//! The one error of the CLI and the exit codes (docs/cli.md).

/// How `intact` exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The job was done and found nothing wrong.
    Success = 0,
    /// Findings: check errors, failed tests, a failed run, an unformatted file.
    Findings = 1,
    /// The command could not do its job: bad arguments, a missing project or environment.
    Usage = 2,
    /// The API could not be reached.
    Unreachable = 3,
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e as u8)
    }
}

/// A command that could not do its job: how to exit and what to tell the user.
#[derive(Debug)]
pub(crate) struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    pub fn new(exit: Exit, message: impl Into<String>) -> CliError {
        CliError {
            exit,
            message: message.into(),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>) -> CliError {
        CliError::new(Exit::Usage, message)
    }
}

/// What a command returns: how to exit, or why it could not do its job.
pub(crate) type CommandResult = Result<Exit, CliError>;
