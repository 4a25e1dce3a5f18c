//! `init [DIR]`: writes a commented configuration and creates the folders.

use std::path::Path;

use anyhow::{Context, Result, bail};

use fortnox_bridge::config::{self, Config};

pub fn init(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))?;
    let file = dir.join(config::FILE_NAME);
    if file.exists() {
        bail!(
            "{}: already exists; not overwritten (hint: edit it, or remove it to start over)",
            file.display()
        );
    }
    std::fs::write(&file, config::TEMPLATE)
        .with_context(|| format!("{}: cannot write", file.display()))?;
    let config = Config::load(&file)?;
    let f = &config.folders;
    for folder in [&f.inbox, &f.done, &f.failed, &f.processing] {
        std::fs::create_dir_all(folder)
            .with_context(|| format!("{}: cannot create", folder.display()))?;
    }
    println!("wrote {}", file.display());
    println!("inbox:  {}", f.inbox.display());
    println!("done:   {}", f.done.display());
    println!("failed: {}", f.failed.display());
    println!("next: `fortnox-bridge run -c {}`", file.display());
    Ok(())
}
