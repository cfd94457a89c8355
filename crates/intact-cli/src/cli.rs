//! The command line: every command and option, as clap reads them.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(name = "intact", version, about = "Identity-provider API integration actions as config as code", long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Subcommand)]
pub(crate) enum Command {
    /// Parse, resolve and check a project.
    ///
    /// Example: intact check examples/scim-provisioning --format github
    Check {
        /// The project folder, or any folder or file inside it (default: the current folder).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Human)]
        format: Format,
        /// Exit 1 on warnings too.
        #[arg(long)]
        deny_warnings: bool,
        /// Colour in the human format: auto (on a terminal unless NO_COLOR is set), always, never.
        #[arg(long, value_enum, default_value_t = Color::Auto)]
        color: Color,
    },
    /// Format .kdl files in the canonical layout (keeps every comment).
    ///
    /// Example: intact fmt --check
    Fmt {
        /// Files or folders (default: the project around the current folder).
        paths: Vec<PathBuf>,
        /// Only list the files that would change; exit 1 if any.
        #[arg(long)]
        check: bool,
        /// Format standard input to standard output.
        #[arg(long, conflicts_with_all = ["paths", "check"])]
        stdin: bool,
    },
    /// Print the page of a diagnostic code, or list every code.
    ///
    /// Example: intact explain schema::unknown-node
    Explain {
        /// A code such as `name::unresolved`.
        code: Option<String>,
    },
    /// Write a new project that checks clean.
    ///
    /// Example: intact init my-integration
    Init {
        /// Where to create it (default: the current folder).
        dir: Option<PathBuf>,
        /// The project's name (default: from the folder name).
        #[arg(long)]
        name: Option<String>,
    },
    /// List the action contracts, or print one's JSON Schema.
    ///
    /// Example: intact contracts create-user --input
    Contracts {
        /// A contract id such as `create-user`.
        id: Option<String>,
        /// Print the input schema (the default with an id).
        #[arg(long, conflicts_with = "output")]
        input: bool,
        /// Print the output schema.
        #[arg(long)]
        output: bool,
        /// Print a valid example instead of the schema: input and output, or the one asked for.
        #[arg(long)]
        example: bool,
    },
    /// Run one action or flow against the real API of an environment; prints its output JSON.
    ///
    /// Example: intact run get_user --input user.json --env dev --trace
    Run {
        /// The action or flow.
        name: String,
        /// NAME is the action of that name (when a flow has the same name).
        #[arg(long, conflicts_with = "flow")]
        action: bool,
        /// NAME is the flow of that name (when an action has the same name).
        #[arg(long)]
        flow: bool,
        /// The input JSON: a file, or - for standard input (default: {}).
        #[arg(long)]
        input: Option<String>,
        /// A request with `operation=` that does not fit its OpenAPI operation fails its step,
        /// unsent (without: a warning on standard error, and it is sent).
        #[arg(long)]
        strict: bool,
        /// Also write the run as a mock test that replays it: DIR/NAME.kdl (inside the project,
        /// `intact test` runs it offline). Secrets are not written.
        #[arg(long, value_name = "DIR")]
        record: Option<PathBuf>,
        /// With --record: replace a recorded test that was edited since it was recorded.
        #[arg(long, requires = "record")]
        force: bool,
        #[command(flatten)]
        live: Live,
    },
    /// Run a connection's auth ping: says whether its credentials work, and why not.
    ///
    /// Example: intact ping scim --env dev
    Ping {
        /// The connection (default: the project's only one).
        connection: Option<String>,
        #[command(flatten)]
        live: Live,
    },
    /// The custom API action: one authenticated request through a connection; prints
    /// {status, headers, body} (secrets masked).
    ///
    /// Example: intact call scim GET /Users --query count=1 --env dev
    Call {
        connection: String,
        method: String,
        path: String,
        /// A query parameter, `K=V`; repeatable.
        #[arg(long = "query", value_name = "K=V")]
        query: Vec<String>,
        /// A header, `K=V`; repeatable.
        #[arg(long = "header", value_name = "K=V")]
        header: Vec<String>,
        /// A JSON body: a file, or - for standard input.
        #[arg(long)]
        json: Option<String>,
        #[command(flatten)]
        live: Live,
    },
    /// Run the project's tests against their mocks (a real HTTP server on 127.0.0.1).
    ///
    /// Example: intact test --filter create_user --format junit
    Test {
        /// The project folder, or any folder or file inside it (default: the current folder).
        path: Option<PathBuf>,
        /// Run only tests whose name contains this text; a filter that takes no test is an
        /// error (exit 2) that lists the project's tests.
        #[arg(long)]
        filter: Option<String>,
        /// With --filter: run only the test named exactly that (what an editor's "Run test"
        /// does).
        #[arg(long, requires = "filter")]
        exact: bool,
        #[arg(long, value_enum, default_value_t = TestFormat::Human)]
        format: TestFormat,
        /// Also write a report: `--report html FILE`, one self-contained page (failures first,
        /// each request and answer masked, the failing flow's graph).
        #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"])]
        report: Option<Vec<String>>,
        /// How many tests run at once (default: the machine's cores).
        #[arg(long)]
        jobs: Option<usize>,
        /// With --live: the environment whose real API the tests run against (env/NAME.toml).
        #[arg(long, requires = "live")]
        env: Option<String>,
        /// Run against the real API of --env instead of the mocks: the tests' `app`, `params`
        /// and `mock` blocks are left out; `expect` and `expect-error` are checked.
        #[arg(long, requires = "env")]
        live: bool,
    },
    /// Prove the project's actions against a live environment before a submission: generated
    /// scenarios (users, lookups that must miss, paging, groups and members, schemas, universal
    /// logout) run contract by contract; what they create is undone at the end.
    ///
    /// Example: intact verify --env local --only users --only paging
    Verify(VerifyArgs),
    /// OAuth 2.0 authorization-code login for a connection, and logout.
    ///
    /// Example: intact auth login acme --env dev
    Auth {
        #[command(subcommand)]
        what: AuthCommand,
    },
    /// The requests each action (and flow) sends for the inputs of its tests, run against the
    /// tests' own mocks; with --against REV, what changed since the project at git revision REV.
    /// Exit 0: no change; 2: requests changed (with --against); 1: an error.
    ///
    /// Example: intact plan --against origin/main --format markdown > plan.md
    Plan {
        /// The project folder, or any folder or file inside it (default: the current folder).
        path: Option<PathBuf>,
        /// Compare with the project at this git revision (a branch, tag or commit).
        #[arg(long, value_name = "REV")]
        against: Option<String>,
        /// text or json for a plan; markdown (the default) or json for --against.
        #[arg(long, value_enum)]
        format: Option<PlanFormat>,
        /// How many tests run at once (default: the machine's cores).
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Write the hand-over to the provider's submission into DIR: build.md (each action as the
    /// Integration Builder's cards in order, with the authentication mapping) and test-plan.md
    /// and .json (the provider's provisioning test plan, with a verify report's evidence).
    ///
    /// Example: intact package --verify-report verify.json --out submission
    Package {
        /// The project folder, or any folder or file inside it (default: the current folder).
        path: Option<PathBuf>,
        /// Where to write the sheets.
        #[arg(long, value_name = "DIR", required_unless_present = "against")]
        out: Option<PathBuf>,
        /// A report of `intact verify --format json`: each test case's evidence.
        #[arg(long, value_name = "FILE")]
        verify_report: Option<PathBuf>,
        /// Compare the project with a wizard sheet (wizard.json, saved earlier or edited to what
        /// was entered in the wizard): every field that differs; exit 1 if any.
        #[arg(long, value_name = "FILE", conflicts_with = "out")]
        against: Option<PathBuf>,
    },
    /// Draw a flow or action as the graph of its steps, or the project as its actions, the
    /// flows they call and the connections they use; printed as Mermaid, DOT or SVG.
    ///
    /// Example: intact graph list_users --format svg > list_users.svg
    Graph {
        /// The action or flow (default: the whole project).
        name: Option<String>,
        /// NAME is the action of that name (when a flow has the same name).
        #[arg(long, conflicts_with = "flow", requires = "name")]
        action: bool,
        /// NAME is the flow of that name (when an action has the same name).
        #[arg(long, requires = "name")]
        flow: bool,
        #[arg(long, value_enum, default_value_t = GraphFormat::Mermaid)]
        format: GraphFormat,
        /// The project folder, or any folder or file inside it (default: the current folder).
        #[arg(long)]
        project: Option<PathBuf>,
    },
    /// Generate a connection and flows from an API description.
    ///
    /// Example: intact import openapi okta.yaml --tag User
    Import {
        #[command(subcommand)]
        what: ImportCommand,
    },
    /// Run the language server over standard input and output.
    Lsp,
}

#[derive(Subcommand)]
pub(crate) enum AuthCommand {
    /// Log in with the authorization-code grant (PKCE): opens the authorize URL, receives the
    /// redirect on 127.0.0.1, and stores the tokens owner-only in the user's cache folder.
    ///
    /// Example: intact auth login acme --env dev --port 8765
    Login {
        /// The connection (its auth is `oauth2` with `grant "authorization-code"`).
        connection: String,
        #[command(flatten)]
        live: Live,
        /// The port on 127.0.0.1 for the redirect (http://127.0.0.1:PORT/callback); register
        /// that URL with the provider. 0 takes a free port.
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Seconds to wait for the browser to come back.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Only print the URL; do not open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Forget a connection's stored tokens for an environment.
    ///
    /// Example: intact auth logout acme --env dev
    Logout {
        connection: String,
        /// The environment: env/NAME.toml.
        #[arg(long)]
        env: String,
        /// The project folder (default: around the current folder).
        #[arg(long)]
        project: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum PlanFormat {
    Text,
    Markdown,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum GraphFormat {
    /// For Markdown and GitHub.
    Mermaid,
    /// For Graphviz.
    Dot,
    /// A picture, laid out by intact.
    Svg,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Junit,
}

/// `intact verify`'s options.
#[derive(clap::Args)]
pub(crate) struct VerifyArgs {
    /// Only this scenario; repeatable (users, lookups, paging, groups, schema, logout).
    #[arg(long, value_name = "SCENARIO")]
    pub(crate) only: Vec<String>,
    #[arg(long, value_enum, default_value_t = TestFormat::Human)]
    pub(crate) format: TestFormat,
    /// Also write a report: `--report html FILE`, one self-contained page (failed scenarios
    /// first, each step's requests and answers masked, the failing action's graph).
    #[arg(long, num_args = 2, value_names = ["FORMAT", "FILE"])]
    pub(crate) report: Option<Vec<String>>,
    /// Also write each action run as a mock test that replays it: DIR/verify_SCENARIO.kdl, one
    /// test per step (inside the project, `intact test` runs them offline).
    #[arg(long, value_name = "DIR")]
    pub(crate) record: Option<PathBuf>,
    /// With --record: replace recorded tests that were edited since they were recorded.
    #[arg(long, requires = "record")]
    pub(crate) force: bool,
    /// Leave the test users and groups in place (they are named intact-verify-…).
    #[arg(long)]
    pub(crate) keep: bool,
    /// Print the plan, send nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
    /// How long one step may take, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    pub(crate) timeout: u64,
    /// A request with `operation=` that does not fit its OpenAPI operation fails its step,
    /// unsent (without: a warning on standard error, and it is sent).
    #[arg(long)]
    pub(crate) strict: bool,
    #[command(flatten)]
    pub(crate) live: Live,
}

/// What `run`, `ping`, `call` and `verify` share: the environment to run against.
#[derive(clap::Args)]
pub(crate) struct Live {
    /// The environment: env/NAME.toml.
    #[arg(long)]
    pub(crate) env: String,
    /// Print each request (status, duration) and `log` line, secrets masked, to standard error.
    #[arg(long)]
    pub(crate) trace: bool,
    /// The project folder (default: around the current folder).
    #[arg(long)]
    pub(crate) project: Option<PathBuf>,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum TestFormat {
    Human,
    Junit,
    Json,
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum Color {
    Auto,
    Always,
    Never,
}

#[derive(Subcommand)]
pub(crate) enum ImportCommand {
    /// Write a connection (auth, ping), tenant variables, the custom API action and one flow per
    /// operation from an OpenAPI 3.0/3.1 description; the document is copied under openapi/.
    ///
    /// Example: intact import openapi okta.yaml --tag User --ping getCurrentUser
    Openapi {
        /// The OpenAPI document (JSON or YAML).
        spec: PathBuf,
        /// The project folder to write into (default: the project around the current folder, or
        /// the current folder as a new project).
        #[arg(long)]
        out: Option<PathBuf>,
        /// The connection's name (default: from the API's title).
        #[arg(long)]
        connection: Option<String>,
        /// A security scheme to generate; repeat for a connection per scheme (default: the first
        /// supported one).
        #[arg(long = "scheme", value_name = "NAME")]
        schemes: Vec<String>,
        /// Only these operationIds (space- or comma-separated, repeatable).
        #[arg(long, value_name = "ID", num_args = 1.., value_delimiter = ',', conflicts_with = "tag")]
        operations: Vec<String>,
        /// Only operations whose first tag is one of these (repeatable).
        #[arg(long = "tag", value_name = "TAG", num_args = 1.., value_delimiter = ',')]
        tag: Vec<String>,
        /// The operationId of the auth ping (default: a GET of the current user or a list).
        #[arg(long, value_name = "ID")]
        ping: Option<String>,
        /// How the API key is written in its header or query value, `{key}` standing for the
        /// key, e.g. 'Token token={key}' (default: the format the scheme's description shows).
        #[arg(long, value_name = "FORMAT")]
        key_format: Option<String>,
        /// Which of the document's servers to use, from 0.
        #[arg(long, value_name = "N", default_value_t = 0)]
        server: usize,
        /// The API's address, when the document's server is relative or missing.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Print the files that would be written, and what each holds; write nothing.
        #[arg(long)]
        dry_run: bool,
        /// With --dry-run, print the text of each generated KDL file too.
        #[arg(long, requires = "dry_run")]
        print: bool,
        /// Overwrite files that exist.
        #[arg(long, conflicts_with = "update")]
        force: bool,
        /// Update the project an earlier import made to this new version of its description:
        /// files nobody edited are regenerated, edited ones kept (with what the new version would
        /// write), the project's copy replaced. Give the options the first import had.
        #[arg(long)]
        update: bool,
        /// With --update: the summary as human text or JSON.
        #[arg(long, value_enum, default_value_t = UpdateFormat::Human, requires = "update")]
        format: UpdateFormat,
    },
}

#[derive(Clone, Copy, ValueEnum, PartialEq, Eq)]
pub(crate) enum UpdateFormat {
    Human,
    Json,
}
