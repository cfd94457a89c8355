#!/usr/bin/env bash
# A real VS Code engine for the extension's check: code-server 4.100.3 (VS Code 1.100.3; the last
# line that accepts Node 20) from npm, and playwright-core to drive Debian's Chromium. Installs into
# target/test-code-server. Not part of tests/run.sh yet: it needs Debian packages (root) and a few
# minutes. Run from the repository root; then `node tests/editors/vscode/check.js`.
set -euo pipefail
cd "$(dirname "$0")/../../.."

for p in chromium rg krb5-config; do
    command -v "$p" >/dev/null 2>&1 || {
        echo "error: $p is missing; install it with: apt-get install -y chromium ripgrep libkrb5-dev" >&2
        exit 2
    }
done

dir=target/test-code-server
mkdir -p "$dir"
cd "$dir"
# code-server's postinstall downloads ripgrep from api.github.com, which is not reachable from every
# machine: install without scripts, give @vscode/ripgrep the system's rg, then run the rest of what
# the postinstall does (see node_modules/code-server/postinstall.sh).
npm install --silent --no-audit --no-fund --ignore-scripts code-server@4.100.3 playwright-core@1.64.1
npm_config_yes=true npm rebuild --silent argon2
vscode=node_modules/code-server/lib/vscode
(
    cd "$vscode"
    npm install --silent --no-audit --no-fund --omit=dev --ignore-scripts
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm_config_yes=true npm rebuild --silent
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    (cd extensions && npm install --silent --no-audit --no-fund --omit=dev)
)
node_modules/.bin/code-server --version
