//! What the figures depend on besides the queues: the machine's load, the file system the
//! databases live on, and the versions the runners were built with.

use std::collections::BTreeMap;
use std::path::Path;

use crate::runners::Queue;

/// The 1-minute load average, when the system tells it.
pub fn load_1m() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// The type of the file system `dir` is on (`ext4`, `tmpfs`…), when the system tells it.
pub fn filesystem(dir: &Path) -> Option<String> {
    let dir = dir.canonicalize().ok()?;
    let mounts = std::fs::read_to_string("/proc/mounts").ok()?;
    mounts
        .lines()
        .filter_map(|line| {
            let mut fields = line.split_whitespace();
            let (_, point, kind) = (fields.next()?, fields.next()?, fields.next()?);
            Some((point.replace("\\040", " "), kind.to_owned()))
        })
        .filter(|(point, _)| dir.starts_with(point))
        .max_by_key(|(point, _)| point.len())
        .map(|(_, kind)| kind)
}

/// The crates each runner links, with their locked versions, by runner.
pub fn versions() -> BTreeMap<&'static str, BTreeMap<String, String>> {
    let wanted: &[(Queue, &[&str])] = &[
        (Queue::Jobq, &["rusqlite", "libsqlite3-sys", "tokio"]),
        (
            Queue::Effectum,
            &["effectum", "rusqlite", "libsqlite3-sys", "tokio"],
        ),
        (
            Queue::Apalis,
            &[
                "apalis",
                "apalis-core",
                "apalis-sqlite",
                "sqlx",
                "sqlx-sqlite",
                "libsqlite3-sys",
                "tokio",
            ],
        ),
    ];
    wanted
        .iter()
        .map(|(queue, names)| {
            let lock =
                std::fs::read_to_string(queue.package_dir().join("Cargo.lock")).unwrap_or_default();
            let locked = locked_versions(&lock);
            let mut found: BTreeMap<String, String> = names
                .iter()
                .filter_map(|name| Some(((*name).to_owned(), locked.get(*name)?.clone())))
                .collect();
            if *queue == Queue::Jobq {
                if let Some(v) = locked.get("jobq") {
                    found.insert("jobq".into(), v.clone());
                }
                if let Some(commit) = git_commit() {
                    found.insert("jobq commit".into(), commit);
                }
            }
            (queue.as_str(), found)
        })
        .collect()
}

/// `name = version` of each package in a `Cargo.lock` (the last one where a name is locked
/// at several versions).
fn locked_versions(lock: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut name = None;
    for line in lock.lines() {
        if let Some(n) = line.strip_prefix("name = ") {
            name = Some(n.trim_matches('"').to_owned());
        } else if let (Some(v), Some(n)) = (line.strip_prefix("version = "), name.take()) {
            out.insert(n, v.trim_matches('"').to_owned());
        }
    }
    out
}

/// The commit of the jobq checkout this benchmark belongs to, with `-dirty` when it has
/// changes.
fn git_commit() -> Option<String> {
    let here = env!("CARGO_MANIFEST_DIR");
    let git = |args: &[&str]| {
        std::process::Command::new("git")
            .arg("-C")
            .arg(here)
            .args(args)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
    };
    let commit = git(&["rev-parse", "--short", "HEAD"])?;
    let dirty = git(&["status", "--porcelain", "--", "../.."]).is_some_and(|s| !s.is_empty());
    Some(if dirty {
        format!("{commit}-dirty")
    } else {
        commit
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_files_are_read() {
        let lock = "[[package]]\nname = \"effectum\"\nversion = \"0.7.0\"\nsource = \"x\"\n\n\
                    [[package]]\nname = \"rusqlite\"\nversion = \"0.31.0\"\n";
        let v = locked_versions(lock);
        assert_eq!(v["effectum"], "0.7.0");
        assert_eq!(v["rusqlite"], "0.31.0");
    }
}
