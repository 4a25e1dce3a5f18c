//! systemd: the unit `service install` writes (Type=notify, watchdog, restart on failure,
//! hardening), installing and removing it, and the sd_notify messages the service sends.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::config::Config;

/// The unit's name.
pub const UNIT: &str = "fortnox-bridge.service";

/// What the service tells systemd.
#[derive(Debug, Clone, Copy)]
pub enum State {
    Ready,
    Stopping,
    Watchdog,
}

/// Tells systemd (`Type=notify`) how the service is; a no-op outside systemd and on Windows.
pub fn notify(state: State) {
    #[cfg(unix)]
    {
        use sd_notify::NotifyState;
        let state = match state {
            State::Ready => NotifyState::Ready,
            State::Stopping => NotifyState::Stopping,
            State::Watchdog => NotifyState::Watchdog,
        };
        let _ = sd_notify::notify(&[state]);
    }
    #[cfg(not(unix))]
    let _ = state;
}

/// The watchdog interval systemd asked for (`WatchdogSec=`), if any.
pub fn watchdog_interval() -> Option<std::time::Duration> {
    #[cfg(unix)]
    {
        sd_notify::watchdog_enabled()
    }
    #[cfg(not(unix))]
    {
        None
    }
}

/// The unit file for running `exe` with the configuration at `config_path`.
pub fn unit(exe: &Path, config_path: &Path, config: &Config, user: Option<&str>) -> String {
    let writable = config.writable_dirs();
    let quote = |p: &Path| format!("\"{}\"", p.display());
    // Taken as written to the end of the line: no quotes (systemd then calls it not absolute),
    // `%` doubled (a specifier otherwise).
    let workdir = config_path.parent().unwrap_or_else(|| Path::new("/"));
    let workdir = workdir.display().to_string().replace('%', "%%");
    let mut unit = String::new();
    let _ = write!(
        unit,
        "# Written by `fortnox-bridge service install`; remove with `service uninstall`.\n\
         [Unit]\n\
         Description=fortnox-bridge: posts dropped SIE files, Z-reports and orders to Fortnox\n\
         After=network-online.target\n\
         Wants=network-online.target\n\
         StartLimitIntervalSec=0\n\
         \n\
         [Service]\n\
         Type=notify\n\
         NotifyAccess=main\n\
         ExecStart={} run -c {}\n\
         WorkingDirectory={}\n\
         EnvironmentFile=-/etc/fortnox-bridge.env\n\
         Restart=on-failure\n\
         RestartSec=10s\n\
         WatchdogSec=120s\n\
         TimeoutStopSec=90s\n",
        quote(exe),
        quote(config_path),
        workdir,
    );
    if let Some(user) = user {
        let _ = writeln!(unit, "User={user}");
    }
    // An inbox (a share perhaps not mounted when the service starts) may be missing: `-` lets
    // the service start all the same (systemd refuses to start a unit whose ReadWritePaths=
    // names a missing path), and the service reports the inbox unreachable. The service's own
    // folders are made by `service install`.
    let inboxes: Vec<&Path> =
        config.inboxes.iter().flat_map(|i| [i.path.as_path(), i.processing.as_path()]).collect();
    let paths: Vec<String> = writable
        .iter()
        .map(|p| {
            if inboxes.contains(&p.as_path()) { format!("\"-{}\"", p.display()) } else { quote(p) }
        })
        .collect();
    let _ = write!(
        unit,
        "# Hardening: the service only writes its own folders and talks HTTPS.\n\
         NoNewPrivileges=yes\n\
         ProtectSystem=strict\n\
         ProtectHome=read-only\n\
         ReadWritePaths={}\n\
         PrivateTmp=yes\n\
         PrivateDevices=yes\n\
         ProtectKernelTunables=yes\n\
         ProtectKernelModules=yes\n\
         ProtectKernelLogs=yes\n\
         ProtectControlGroups=yes\n\
         ProtectClock=yes\n\
         ProtectHostname=yes\n\
         RestrictSUIDSGID=yes\n\
         RestrictRealtime=yes\n\
         RestrictNamespaces=yes\n\
         LockPersonality=yes\n\
         MemoryDenyWriteExecute=yes\n\
         SystemCallArchitectures=native\n\
         RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX\n\
         CapabilityBoundingSet=\n\
         UMask=0077\n\
         \n\
         [Install]\n\
         WantedBy=multi-user.target\n",
        paths.join(" ")
    );
    unit
}

/// Writes the unit into `unit_dir` and, with `enable`, reloads systemd and starts it.
/// Creates the service's own folders that are missing (done/, failed/, processing, and the
/// folders of the state, token store, key, log and sandbox data): under `ProtectSystem=strict`
/// the service cannot create them itself. With `user`, they (made now or before) are handed to
/// that account.
/// Inboxes are not created (see `prepare_folders`). Returns the folders created.
pub fn make_own_folders(config: &Config, user: Option<&str>) -> Result<Vec<PathBuf>, String> {
    let inboxes: Vec<&Path> =
        config.inboxes.iter().flat_map(|i| [i.path.as_path(), i.processing.as_path()]).collect();
    let mut made = Vec::new();
    for dir in config.writable_dirs() {
        if inboxes.contains(&dir.as_path()) && dir != config.folders.processing {
            continue;
        }
        let new = !dir.exists();
        if new {
            std::fs::create_dir_all(&dir).map_err(|e| {
                format!(
                    "{}: cannot create: {e} (hint: run `service install` as root)",
                    dir.display()
                )
            })?;
            made.push(dir.clone());
        }
        // Also done/, failed/ and processing made before (by `init` run as root); never a
        // folder that existed and is not the bridge's own (the parent of a state file in /etc).
        let f = &config.folders;
        let ours = [&f.done, &f.failed, &f.processing].contains(&&dir);
        if let Some(user) = user.filter(|_| new || ours) {
            let out = Command::new("chown")
                .arg(format!("{user}:"))
                .arg(&dir)
                .output()
                .map_err(|e| format!("chown {user}: {}: {e}", dir.display()))?;
            if !out.status.success() {
                let said = String::from_utf8_lossy(&out.stderr).trim().to_owned();
                return Err(format!(
                    "cannot give {} to the account `{user}`: {said} (hint: does the account \
                     exist? `useradd --system {user}` makes one)",
                    dir.display()
                ));
            }
        }
    }
    Ok(made)
}

pub fn install(unit_text: &str, unit_dir: &Path, enable: bool) -> Result<PathBuf, String> {
    std::fs::create_dir_all(unit_dir).map_err(|e| format!("{}: {e}", unit_dir.display()))?;
    let path = unit_dir.join(UNIT);
    std::fs::write(&path, unit_text).map_err(|e| format!("{}: {e}", path.display()))?;
    if enable {
        systemctl(&["daemon-reload"])?;
        systemctl(&["enable", "--now", UNIT])?;
    }
    Ok(path)
}

/// Stops and disables the unit (with `enable`) and removes its file from `unit_dir`.
pub fn uninstall(unit_dir: &Path, enable: bool) -> Result<PathBuf, String> {
    let path = unit_dir.join(UNIT);
    if enable {
        systemctl(&["disable", "--now", UNIT])?;
    }
    if path.exists() {
        std::fs::remove_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    }
    if enable {
        systemctl(&["daemon-reload"])?;
    }
    Ok(path)
}

fn systemctl(args: &[&str]) -> Result<(), String> {
    let status = Command::new("systemctl").args(args).status().map_err(|e| {
        format!("systemctl {}: {e} (hint: is this a systemd system?)", args.join(" "))
    })?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("systemctl {} failed ({status}) (hint: run as root)", args.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_is_notify_with_watchdog_restart_and_hardening() {
        let base = Path::new("/srv/kassa");
        let config =
            Config::from_toml_str("[[inboxes]]\npath = \"/mnt/pos\"\n", base).expect("config");
        let text = unit(
            Path::new("/usr/local/bin/fortnox-bridge"),
            &base.join("fortnox-bridge.toml"),
            &config,
            Some("kassa"),
        );
        for line in [
            "Type=notify",
            "ExecStart=\"/usr/local/bin/fortnox-bridge\" run -c \"/srv/kassa/fortnox-bridge.toml\"",
            "Restart=on-failure",
            "WatchdogSec=120s",
            "User=kassa",
            "WorkingDirectory=/srv/kassa",
            "ProtectSystem=strict",
            "NoNewPrivileges=yes",
            "WantedBy=multi-user.target",
        ] {
            assert!(text.lines().any(|l| l == line), "missing `{line}` in\n{text}");
        }
        assert_writable(
            &text,
            &[
                "-/srv/kassa/inbox",
                "/srv/kassa/done",
                "/srv/kassa/failed",
                "-/mnt/pos",
                "-/mnt/pos/.processing",
            ],
        );
        assert!(!text.contains("\"/mnt/pos\""), "an inbox may be missing at the start: {text}");
    }

    /// `service install` makes the service's own folders (the service cannot under
    /// `ProtectSystem=strict`), never an inbox.
    #[test]
    fn install_makes_the_services_own_folders_but_no_inbox() {
        let dir = tempfile::tempdir().expect("tempdir");
        let config = Config::from_toml_str(
            "[folders]\nstate = \"var/state.db\"\n[log]\nfile = \"log/bridge.log\"\n\
             [[inboxes]]\npath = \"share/pos\"\n",
            dir.path(),
        )
        .expect("config");
        let made = make_own_folders(&config, None).expect("made");
        for own in ["done", "failed", "processing", "var", "log"] {
            assert!(dir.path().join(own).is_dir(), "{own}: {made:?}");
        }
        assert!(!dir.path().join("inbox").exists() && !dir.path().join("share").exists());
        assert!(make_own_folders(&config, None).expect("again").is_empty(), "made once");
    }

    /// Every folder the service writes to is writable under `ProtectSystem=strict`: the token
    /// store (rotated refresh tokens are single-use: a failed save loses the connection), its
    /// key, the log and the sandbox's data, also when the state lives elsewhere.
    #[test]
    fn the_token_store_log_and_sandbox_folders_are_writable() {
        let base = Path::new("/srv/kassa");
        let config = Config::from_toml_str(
            "[folders]\nstate = \"/var/lib/fortnox-bridge/state.db\"\n\
             [fortnox]\ntoken_file = \"/etc/fortnox-bridge/tokens.bin\"\n\
             [log]\nfile = \"/var/log/fortnox-bridge/bridge.log\"\n\
             [sandbox]\ndata = \"sandbox/fortnox.db\"\n",
            base,
        )
        .expect("config");
        let text = unit(Path::new("/usr/bin/fortnox-bridge"), &base.join("c.toml"), &config, None);
        assert_writable(
            &text,
            &[
                "/var/lib/fortnox-bridge",
                "/etc/fortnox-bridge",
                "/var/log/fortnox-bridge",
                "/srv/kassa/sandbox",
            ],
        );
    }

    /// Asserts that the unit's `ReadWritePaths=` names each of `paths`.
    fn assert_writable(unit: &str, paths: &[&str]) {
        let rw = unit.lines().find(|l| l.starts_with("ReadWritePaths=")).expect("rw paths");
        for p in paths {
            assert!(rw.contains(&format!("\"{p}\"")), "{p} missing: {rw}");
        }
    }

    /// The unit as systemd itself reads it (`systemd-analyze verify`, on every machine that
    /// runs the tests): a quoted `WorkingDirectory=` made it refuse the unit ("path is not
    /// absolute"), so the service never started.
    #[test]
    fn systemd_accepts_the_unit() {
        let dir = tempfile::tempdir().expect("tempdir");
        let base = dir.path().join("kassa 50%");
        std::fs::create_dir_all(&base).expect("dir");
        let config = Config::from_toml_str("", &base).expect("config");
        let exe = std::env::current_exe().expect("exe");
        let text = unit(&exe, &base.join("fortnox-bridge.toml"), &config, None);
        let path = dir.path().join("fortnox-bridge.service");
        std::fs::write(&path, text).expect("unit");
        let Ok(out) =
            Command::new("systemd-analyze").args(["verify", "--man=no"]).arg(&path).output()
        else {
            // Not a systemd machine (this is the check where there is one, as on ours and CI).
            eprintln!("systemd-analyze is not installed: the unit is not verified here");
            return;
        };
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success() && !said.contains("fortnox-bridge.service:"), "{said}");
    }

    #[test]
    fn install_without_enabling_writes_the_file_and_uninstall_removes_it() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let path = install("[Unit]\n", tmp.path(), false).expect("install");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "[Unit]\n");
        uninstall(tmp.path(), false).expect("uninstall");
        assert!(!path.exists());
    }
}
