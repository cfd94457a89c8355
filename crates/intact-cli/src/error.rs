//! The one error of the CLI and the exit codes (docs/cli.md).

/// How `intact` exits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// The job was done and found nothing wrong.
    Success,
    /// Findings: check errors, failed tests, a failed run, an unformatted file.
    Findings,
    /// The command could not do its job: bad arguments, a missing project or environment.
    Usage,
    /// The API could not be reached.
    Unreachable,
    /// `intact plan --against`: the requests changed (2, as `terraform plan -detailed-exitcode`).
    Changes,
}

impl Exit {
    /// The process's exit code.
    pub(crate) fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::Findings => 1,
            Exit::Usage | Exit::Changes => 2,
            Exit::Unreachable => 3,
        }
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
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
