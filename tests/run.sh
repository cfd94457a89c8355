#!/usr/bin/env bash
# The whole test suite, from a fresh clone: every Rust test (unit, conformance, fixtures, CLI, the
# language server over stdio, the executor against real HTTP servers, the SCIM example against a real
# scim2-server, OAuth 2.0 against a real oauth2-mock-server) and the end-to-end language-server tests
# with a real LSP client (pytest-lsp with VS Code's and Neovim's capabilities), real Neovim
# headless with editors/neovim, and the VS Code extension inside a real VS Code engine (code-server,
# driven through Debian's Chromium), and the HTML test report in headless Chromium. Python tools are installed into target/test-venv, Node ones
# into target/test-node and target/test-code-server; the Debian packages the VS Code check needs
# (chromium, ripgrep, libkrb5-dev) are installed with apt-get when run as root.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
    command -v "$1" >/dev/null 2>&1 || { echo "error: $1 is missing; install it with: $2" >&2; exit 2; }
}
need cargo "the Rust toolchain (https://rustup.rs)"
need python3 "apt-get install -y python3 python3-venv"
need npm "apt-get install -y nodejs npm"

# Chromium (the HTML report in a real browser, the VS Code check), ripgrep, libkrb5-dev.
bash tests/packages.sh

cargo build --locked --bin intact

venv=target/test-venv
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv" || { echo "error: cannot create a Python venv; install it with: apt-get install -y python3-venv" >&2; exit 2; }
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r tests/requirements.txt
export INTACT_SCIM2_SERVER="$PWD/$venv/bin/scim2-server"
export INTACT_NVIM="$PWD/$venv/bin/nvim"

# A real OAuth 2.0 server (client credentials, authorization code, refresh tokens).
node_dir=target/test-node
if [ ! -x "$node_dir/node_modules/.bin/oauth2-mock-server" ]; then
    npm install --silent --no-audit --no-fund --prefix "$node_dir" oauth2-mock-server@8.2.3
fi
export INTACT_OAUTH2_MOCK_SERVER="$PWD/$node_dir/node_modules/.bin/oauth2-mock-server"

# The VS Code extension as a user builds it (editors/vscode/README.md): its grammar test, and the .vsix
# that crates/intact-cli/tests/vscode_package.rs opens.
npm ci --silent --no-audit --no-fund --prefix editors/vscode
npm test --silent --prefix editors/vscode
(cd editors/vscode && npx vsce package --out ../../target/intact.vsix >/dev/null)
export INTACT_VSIX="$PWD/target/intact.vsix"

# The Zed extension compiles against Zed's extension API (its own workspace; Zed builds it to
# WebAssembly itself), and its manifest parses.
cargo check --quiet --locked --manifest-path editors/zed/Cargo.toml
python3 -c 'import sys, tomllib; m = tomllib.load(open(sys.argv[1], "rb")); assert m["language_servers"]["intact"]["languages"] == ["Kdl"], m' editors/zed/extension.toml

if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast
    # nextest does not run doctests.
    cargo test --workspace --locked --doc
else
    cargo test --workspace --locked --no-fail-fast
fi

INTACT_BIN="$PWD/target/debug/intact" "$venv/bin/python" -m pytest -c tests/lsp/pytest.ini tests/lsp -q

# The extension inside a real VS Code engine: activation, the status item, diagnostics, completion,
# a quick fix, the "Run test" lens and commands (editors/vscode/README.md).
bash tests/editors/vscode/setup.sh
node tests/editors/vscode/check.js
