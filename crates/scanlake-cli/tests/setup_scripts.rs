//! The test command's own setup: `scripts/local-slurm/start.sh` installs the Debian packages and
//! goes on, whether or not the machine already had a `policy-rc.d` (it once exited silently right
//! after installing when it had, and the test command swallowed that).

use std::path::Path;
use std::process::Command;

/// Runs start.sh up to and including the install, with `apt-get` replaced by a recorder.
fn install(dir: &Path, rc: &Path) -> std::process::Output {
    let stubs = dir.join("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    let apt = stubs.join("apt-get");
    // Records each call and whether daemons were kept from starting at that moment.
    std::fs::write(
        &apt,
        format!(
            "#!/bin/sh\necho \"$* rc=$([ -x '{}' ] && echo yes)\" >>'{}'\n",
            rc.display(),
            dir.join("calls").display()
        ),
    )
    .unwrap();
    Command::new("chmod").arg("+x").arg(&apt).status().unwrap();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/local-slurm/start.sh");
    Command::new("bash")
        .arg(script)
        // Not /usr/sbin: the daemons are "missing" whether or not this machine has them.
        .env("PATH", format!("{}:/usr/bin:/bin", stubs.display()))
        .env("SCANLAKE_POLICY_RC", rc)
        .env("SCANLAKE_SLURM_INSTALL_ONLY", "1")
        .env("SCANLAKE_SLURM_DIR", dir.join("state"))
        .output()
        .unwrap()
}

#[test]
fn install_goes_on_when_policy_rc_d_already_exists() {
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("policy-rc.d");
    std::fs::write(&rc, "#!/bin/sh\nexit 0\n").unwrap();
    let out = install(dir.path(), &rc);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
    assert!(calls.contains("install") && calls.contains("munge slurmctld slurmd"), "{calls}");
    assert_eq!(std::fs::read_to_string(&rc).unwrap(), "#!/bin/sh\nexit 0\n", "the machine's own file is kept");
}

#[test]
fn install_keeps_daemons_from_starting_and_cleans_up() {
    let dir = tempfile::tempdir().unwrap();
    let rc = dir.path().join("policy-rc.d");
    let out = install(dir.path(), &rc);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let calls = std::fs::read_to_string(dir.path().join("calls")).unwrap();
    assert!(calls.lines().all(|l| l.ends_with("rc=yes")), "{calls}");
    assert!(!rc.exists(), "the file it added is removed");
}
