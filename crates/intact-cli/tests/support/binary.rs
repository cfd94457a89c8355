//! The `intact` binary as the binary's tests run it: colours off, no backtraces, the exit code
//! asserted with both streams shown, and throwaway projects (each test file uses a part of it).
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `intact ARGS` in `cwd`.
pub fn intact(args: &[&str], cwd: &Path) -> Output {
    intact_with(args, cwd, &[])
}

/// `intact ARGS` in `cwd` with these environment variables set too.
pub fn intact_with(args: &[&str], cwd: &Path, env: &[(&str, &str)]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_intact"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .envs(env.iter().copied())
        .env_remove("RUST_BACKTRACE")
        .output()
        .expect("the intact binary runs")
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts the exit code and that nothing panicked.
pub fn assert_exit(o: &Output, code: i32) {
    assert!(
        !stderr(o).contains("panicked"),
        "intact panicked:\n{}",
        stderr(o)
    );
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// A project of `files` (path, text) in a temporary folder.
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (path, text) in files {
        let p = dir.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    dir
}
