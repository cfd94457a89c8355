//! Headless Chromium for the tests that open a page intact wrote (`--report html`): no network
//! (every request goes to a closed port), and the rendered DOM read back. Several test binaries
//! include it, each using a part (hence `dead_code` is allowed).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Debian's Chromium, or INTACT_CHROMIUM; the test fails naming the command that installs it.
pub fn chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("INTACT_CHROMIUM") {
        return PathBuf::from(p);
    }
    for p in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] {
        if Path::new(p).exists() {
            return PathBuf::from(p);
        }
    }
    panic!(
        "this test opens the report in Chromium, which is not installed: `sudo apt-get install -y chromium` \
         (bash tests/run.sh installs it when run as root), or set INTACT_CHROMIUM"
    );
}

/// Chromium's flags: headless, and no network (a proxy on a closed port for every host).
pub fn browser(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--proxy-server=http://127.0.0.1:9",
            "--proxy-bypass-list=<-loopback>",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("Chromium starts")
}

/// The rendered `<section class="run …">`s in order: each one's outcome and markup.
pub fn sections(dom: &str) -> Result<Vec<(String, String)>, String> {
    if !dom.contains("<main>") {
        return Err("Chromium rendered no page".into());
    }
    let mut out = Vec::new();
    let mut rest = dom;
    while let Some(i) = rest.find("<section class=\"run ") {
        let after = &rest[i..];
        let end = after.find("</section>").ok_or("an unclosed section")?;
        let section = &after[..end];
        let outcome = section
            .split("data-outcome=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .ok_or("a section without its outcome")?;
        out.push((outcome.to_string(), section.to_string()));
        rest = &after[end..];
    }
    Ok(out)
}
