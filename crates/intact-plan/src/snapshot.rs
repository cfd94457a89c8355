//! The project as it was at a git revision, written to a temporary folder: the files under the
//! project's folder at that revision, read with `git ls-tree` and `git cat-file --batch` (the
//! working tree, the index and the branches are left alone).

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use intact_model::project::ROOT_FILE;

fn git(dir: &Path, args: &[&str]) -> Result<Vec<u8>, String> {
    let o = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .output()
        .map_err(|e| {
            format!("cannot run git ({e}); `--against` reads the old project with git: install it")
        })?;
    if !o.status.success() {
        return Err(format!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&o.stderr).trim()
        ));
    }
    Ok(o.stdout)
}

/// The project at `root` as it was at `rev`, in a temporary folder (removed when dropped).
pub fn at_revision(root: &Path, rev: &str) -> Result<tempfile::TempDir, String> {
    let top = String::from_utf8_lossy(&git(root, &["rev-parse", "--show-toplevel"])?)
        .trim()
        .to_string();
    let top = Path::new(&top)
        .canonicalize()
        .map_err(|e| format!("{top}: {e}"))?;
    let here = root
        .canonicalize()
        .map_err(|e| format!("{}: {e}", root.display()))?;
    let prefix = here
        .strip_prefix(&top)
        .map_err(|_| {
            format!(
                "{} is not inside its git repository {}",
                here.display(),
                top.display()
            )
        })?
        .to_string_lossy()
        .replace('\\', "/");
    // `REV^{tree}` names a tree for a commit, a tag or a tree alike, and fails clearly otherwise.
    let tree = format!("{rev}^{{tree}}");
    git(&top, &["rev-parse", "--verify", "--quiet", &tree])
        .map_err(|_| format!("`{rev}` is not a revision of {}", top.display()))?;
    let mut args = vec!["ls-tree", "-r", "-z", "--full-tree", tree.as_str()];
    if !prefix.is_empty() {
        args.extend(["--", prefix.as_str()]);
    }
    let listing = git(&top, &args)?;
    let mut files = Vec::new();
    for entry in listing.split(|b| *b == 0).filter(|e| !e.is_empty()) {
        let entry = String::from_utf8_lossy(entry);
        let Some((meta, path)) = entry.split_once('\t') else {
            continue;
        };
        let mut parts = meta.split(' ');
        let (mode, kind, id) = (parts.next(), parts.next(), parts.next());
        // Regular files only: a link or a submodule is not a project file.
        if kind == Some("blob") && mode != Some("120000") {
            let rel = path
                .strip_prefix(&prefix)
                .unwrap_or(path)
                .trim_start_matches('/');
            files.push((rel.to_string(), id.unwrap_or_default().to_string()));
        }
    }
    if !files.iter().any(|(p, _)| p == ROOT_FILE) {
        return Err(format!(
            "at `{rev}` there is no {ROOT_FILE} in {}: the project did not exist there",
            if prefix.is_empty() {
                "the repository's root"
            } else {
                prefix.as_str()
            }
        ));
    }
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut cat = Command::new("git")
        .arg("-C")
        .arg(&top)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git cat-file: {e}"))?;
    let mut input = cat.stdin.take().expect("piped");
    let ids: String = files.iter().map(|(_, id)| format!("{id}\n")).collect();
    let writer = std::thread::spawn(move || input.write_all(ids.as_bytes()));
    let mut out = BufReader::new(cat.stdout.take().expect("piped"));
    for (rel, _) in &files {
        let mut header = String::new();
        out.read_line(&mut header).map_err(|e| e.to_string())?;
        let size: usize = header
            .trim_end()
            .rsplit(' ')
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("git cat-file answered {header:?} for {rel}"))?;
        let mut bytes = vec![0; size + 1];
        out.read_exact(&mut bytes).map_err(|e| e.to_string())?;
        bytes.pop();
        let to = dir.path().join(rel);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::write(&to, bytes).map_err(|e| format!("{}: {e}", to.display()))?;
    }
    let _ = writer.join();
    let _ = cat.wait();
    Ok(dir)
}
