//! `service install | uninstall | run`: the system service (systemd on Linux, the Service
//! Control Manager on Windows).

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use fortnox_bridge::config::Config;

/// The configuration's absolute path: a service never depends on the working directory.
pub fn absolute_config(path: Option<&Path>) -> Result<(PathBuf, Config)> {
    let path = path.unwrap_or_else(|| Path::new(fortnox_bridge::config::FILE_NAME));
    let path = std::path::absolute(path).with_context(|| path.display().to_string())?;
    let config = Config::load(&path)?;
    Ok((path, config))
}

#[cfg(not(windows))]
pub fn install(
    config: Option<&Path>,
    unit_dir: &Path,
    enable: bool,
    user: Option<&str>,
) -> Result<()> {
    use fortnox_bridge::service::systemd;
    let (path, config) = absolute_config(config)?;
    let exe = std::env::current_exe().context("cannot find this program")?;
    for dir in systemd::make_own_folders(&config, user).map_err(anyhow::Error::msg)? {
        println!("created {}", dir.display());
    }
    let unit = systemd::unit(&exe, &path, &config, user);
    let written = systemd::install(&unit, unit_dir, enable).map_err(anyhow::Error::msg)?;
    println!("wrote {}", written.display());
    if enable {
        println!("enabled and started; follow it with `journalctl -u {} -f`", systemd::UNIT);
    } else {
        println!(
            "not enabled (--no-enable): `systemctl daemon-reload && systemctl enable --now {}`",
            systemd::UNIT
        );
    }
    Ok(())
}

#[cfg(not(windows))]
pub fn uninstall(unit_dir: &Path, enable: bool) -> Result<()> {
    let removed = fortnox_bridge::service::systemd::uninstall(unit_dir, enable)
        .map_err(anyhow::Error::msg)?;
    println!("removed {}", removed.display());
    Ok(())
}

#[cfg(not(windows))]
pub fn run(_config: Result<Config>) -> Result<u8> {
    anyhow::bail!(
        "`service run` is the Windows service entry point; on Linux systemd runs `fortnox-bridge run -c CONFIG`"
    )
}

#[cfg(windows)]
pub fn install(
    config: Option<&Path>,
    _unit_dir: &Path,
    _enable: bool,
    _user: Option<&str>,
) -> Result<()> {
    let (path, config) = absolute_config(config)?;
    fortnox_bridge::service::windows::install(&path, &config).map_err(anyhow::Error::msg)?;
    println!(
        "installed and started the Windows service `{}`",
        fortnox_bridge::service::windows::NAME
    );
    Ok(())
}

#[cfg(windows)]
pub fn uninstall(_unit_dir: &Path, _enable: bool) -> Result<()> {
    fortnox_bridge::service::windows::uninstall().map_err(anyhow::Error::msg)?;
    println!("removed the Windows service `{}`", fortnox_bridge::service::windows::NAME);
    Ok(())
}

/// The Windows service entry point, with the configuration `main` loaded for it.
#[cfg(windows)]
pub fn run(config: Result<Config>) -> Result<u8> {
    fortnox_bridge::service::windows::run_dispatcher(config?).map_err(anyhow::Error::msg)?;
    Ok(0)
}
