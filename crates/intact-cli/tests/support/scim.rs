//! A real SCIM 2.0 server for the end-to-end tests: `scim2-server` from PyPI, started on a free
//! port with a bearer token, stopped when dropped. `bash tests/run.sh` installs it into
//! target/test-venv and sets INTACT_SCIM2_SERVER.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const TOKEN: &str = "e2e-bearer-token-7f3a";

pub struct ScimServer {
    child: Child,
    pub port: u16,
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn start_server() -> ScimServer {
    let bin = std::env::var("INTACT_SCIM2_SERVER").unwrap_or_else(|_| {
        panic!(
            "this test needs a real SCIM 2.0 server: run `bash tests/run.sh`, which installs scim2-server into \
             target/test-venv and sets INTACT_SCIM2_SERVER, or `pip install scim2-server==0.8.3` and set \
             INTACT_SCIM2_SERVER to its path"
        )
    });
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&bin)
        .args([
            "--hostname",
            "127.0.0.1",
            "--port",
            &port.to_string(),
            "--bearer-token",
            TOKEN,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {bin}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "scim2-server did not start listening on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    ScimServer { child, port }
}

/// Runs `intact ARGS` in `root` with the server's token in `SCIM_TOKEN`, asserting that the token
/// reaches neither stream and that nothing panicked; answers the exit code, standard output and
/// standard error.
pub fn intact(root: &Path, args: &[&str]) -> (i32, String, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(args)
        .current_dir(root)
        .env("SCIM_TOKEN", TOKEN)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(
        !out.contains(TOKEN) && !err.contains(TOKEN),
        "the token leaked:\n{out}\n{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code().unwrap_or(-1), out, err)
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_dir(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A copy of the SCIM example whose environment `e2e` points at the server on `port` (the token
/// from `SCIM_TOKEN`), changed by `edit`.
pub fn example_project(port: u16, edit: impl FnOnce(&Path)) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/scim-provisioning");
    copy_dir(&example, dir.path());
    std::fs::write(
        dir.path().join("env/e2e.toml"),
        format!("[app]\nhost = \"127.0.0.1:{port}\"\n\n[connection.scim]\ntoken = {{ env = \"SCIM_TOKEN\" }}\nbase-url = \"http://127.0.0.1:{port}/v2\"\n"),
    )
    .unwrap();
    edit(dir.path());
    dir
}
