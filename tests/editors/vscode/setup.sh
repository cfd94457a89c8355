#!/usr/bin/env bash
# A real VS Code engine for the extension's check: code-server 4.100.3 (VS Code 1.100.3; the last
# line that accepts Node 20) from npm, and playwright-core to drive Debian's Chromium. Installs into
# target/test-code-server, once (a second run only checks it). tests/run.sh runs it, then
# `node tests/editors/vscode/check.js`.
#
# It needs Debian's chromium, ripgrep and libkrb5-dev (code-server's kerberos module builds against
# it): as root it installs them with apt-get; otherwise it says which command to run.
set -euo pipefail
cd "$(dirname "$0")/../../.."

bash tests/packages.sh

version=4.100.3
dir=target/test-code-server
if [ -f "$dir/.installed-$version" ] && "$dir/node_modules/.bin/code-server" --version >/dev/null 2>&1; then
    exit 0
fi
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
# code-server's postinstall downloads ripgrep from api.github.com, which is not reachable from every
# machine: install without scripts, give @vscode/ripgrep the system's rg, then run the rest of what
# the postinstall does (see node_modules/code-server/postinstall.sh).
npm install --silent --no-audit --no-fund --ignore-scripts "code-server@$version" playwright-core@1.64.1
npm_config_yes=true npm rebuild --silent argon2 >/dev/null
vscode=node_modules/code-server/lib/vscode
(
    cd "$vscode"
    npm install --silent --no-audit --no-fund --omit=dev --ignore-scripts
    mkdir -p node_modules/@vscode/ripgrep/bin
    ln -sf "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
    npm_config_yes=true npm rebuild --silent >/dev/null
    ln -sfn node_modules node_modules.asar
    (cd bin/remote-cli && ln -sf code-linux.sh code-server)
    (cd bin/helpers && ln -sf browser-linux.sh browser.sh)
    (cd extensions && npm install --silent --no-audit --no-fund --omit=dev >/dev/null)
)
node_modules/.bin/code-server --version >/dev/null
touch ".installed-$version"
