//! Starts `intact lsp` for the KDL files of an intact project: a worktree with `intact.kdl` at its
//! root. The binary is `intact` on the worktree's `PATH`; Zed's `lsp.intact.binary.path` setting
//! names another one.

use zed_extension_api::{self as zed, settings::LspSettings};

struct Intact;

impl zed::Extension for Intact {
    fn new() -> Self {
        Intact
    }

    fn language_server_command(
        &mut self,
        server: &zed::LanguageServerId,
        worktree: &zed::Worktree,
    ) -> zed::Result<zed::Command> {
        // A KDL file outside an intact project (a Zellij config, say) gets no server.
        if worktree.read_text_file("intact.kdl").is_err() {
            return Err("not an intact project: the worktree has no intact.kdl at its root".into());
        }
        let configured = LspSettings::for_worktree(server.as_ref(), worktree)
            .ok()
            .and_then(|s| s.binary)
            .and_then(|b| b.path);
        let command = configured.or_else(|| worktree.which("intact")).ok_or_else(|| {
            "the `intact` binary is not on PATH: install it, or set lsp.intact.binary.path in Zed's settings"
                .to_string()
        })?;
        Ok(zed::Command {
            command,
            args: vec!["lsp".into()],
            env: worktree.shell_env(),
        })
    }
}

zed::register_extension!(Intact);
