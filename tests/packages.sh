#!/usr/bin/env bash
# The Debian packages the suite's browser and editor checks need: Chromium (the HTML report opened
# in crates/intact-cli/tests/html_report.rs, and the VS Code check's browser), ripgrep and
# libkrb5-dev (code-server). As root it installs what is missing with apt-get; otherwise it says
# which command to run. tests/run.sh and tests/editors/vscode/setup.sh run it.
set -euo pipefail

packages=()
command -v chromium >/dev/null 2>&1 || packages+=(chromium)
command -v rg >/dev/null 2>&1 || packages+=(ripgrep)
command -v krb5-config >/dev/null 2>&1 || packages+=(libkrb5-dev)
if [ ${#packages[@]} -gt 0 ]; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "installing ${packages[*]} (Debian packages) for the browser and VS Code checks" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    else
        echo "error: the test suite needs ${packages[*]}; install with: sudo apt-get install -y ${packages[*]}" >&2
        exit 2
    fi
fi
