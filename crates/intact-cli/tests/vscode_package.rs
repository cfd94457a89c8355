//! The VS Code extension's `.vsix`, as `npx vsce package` builds it in editors/vscode (`bash
//! tests/run.sh` builds it into target/intact.vsix and sets INTACT_VSIX): it holds the client, its
//! one runtime dependency (vscode-languageclient), the grammar and the language configuration, and
//! its manifest names the files and settings the README documents.

use std::process::Command;

#[test]
fn the_vsix_holds_the_client_its_dependency_and_the_grammar() {
    let vsix = std::env::var("INTACT_VSIX").unwrap_or_else(|_| {
        panic!(
            "this test needs the packaged extension: run `bash tests/run.sh`, which builds it into \
             target/intact.vsix and sets INTACT_VSIX, or `cd editors/vscode && npm ci && npx vsce \
             package --out ../../target/intact.vsix` and set INTACT_VSIX to that file"
        )
    });
    // The standard library has no zip reader; Python's does, and tests/run.sh needs Python anyway.
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print('\\n'.join(z.namelist())); print(z.read('extension/package.json').decode())",
            &vsix,
        ])
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = String::from_utf8_lossy(&out.stdout);
    for file in [
        "extension/package.json",
        "extension/src/extension.js",
        "extension/syntaxes/intact.tmLanguage.json",
        "extension/language-configuration.json",
        "extension/node_modules/vscode-languageclient/package.json",
    ] {
        assert!(
            listing.lines().any(|l| l == file),
            "{file} is not in the .vsix:\n{listing}"
        );
    }
    // Tools for building and testing it are not shipped.
    for dev in [
        "node_modules/@vscode/vsce/",
        "node_modules/vscode-tmgrammar-test/",
    ] {
        assert!(!listing.contains(dev), "{dev} is shipped in the .vsix");
    }
    for setting in [
        "\"intact.path\"",
        "\"intact.trace.server\"",
        "\"intact.restartServer\"",
        "\"intact.runTestAtCursor\"",
        "\"intact.checkProject\"",
        "\"intact.runTest\"",
        // Run Test at Cursor is also in the editor's context menu.
        "\"editor/context\"",
    ] {
        assert!(listing.contains(setting), "the manifest lacks {setting}");
    }
}
