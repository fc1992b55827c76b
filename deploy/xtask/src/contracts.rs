//! The contract lint: the committed documents in `openapi/` checked by the tools API consumers
//! use (Spectral with the OWASP rules, Redocly, the AsyncAPI parser, openapi-typescript and
//! TypeScript). The tools are pinned in `contract-lint/package-lock.json` and installed once
//! into `<state>/node` (`.qmf/node`), again only when the lock file changes.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::Result;
use crate::ctx::{Ctx, SERVICES};
use crate::openapi::Document;
use crate::process::{describe, find_program, output_checked, run_checked};

const CONFIG_DIR: &str = "contract-lint";

/// The installed tools.
pub struct Tools {
    node_modules: PathBuf,
}

impl Tools {
    fn bin(&self, name: &str) -> Command {
        Command::new(self.node_modules.join(".bin").join(name))
    }
}

/// Installs the pinned tools with `npm ci` unless the installed lock file is the committed one.
pub fn tools(ctx: &Ctx) -> Result<Tools> {
    let dir = ctx.state.join("node");
    let config = ctx.root.join(CONFIG_DIR);
    let lock = fs::read(config.join("package-lock.json"))?;
    let node_modules = dir.join("node_modules");
    let installed = fs::read(dir.join("package-lock.json")).is_ok_and(|old| old == lock)
        && node_modules.join(".package-lock.json").is_file();
    if !installed {
        let npm = find_program("npm", &[]).ok_or(
            "npm is missing: the contract lint needs Node.js 20 or later with npm \
             (Debian: `apt-get install nodejs npm`)",
        )?;
        fs::create_dir_all(&dir)?;
        fs::copy(config.join("package.json"), dir.join("package.json"))?;
        fs::write(dir.join("package-lock.json"), &lock)?;
        println!(
            "xtask: npm ci (contract lint tools into {})",
            ctx.display_path(&dir)
        );
        run_checked(
            Command::new(npm)
                .args([
                    "ci",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    "--loglevel=error",
                ])
                .current_dir(&dir),
        )
        .inspect_err(|_| {
            // A half-finished install must not count as installed next time.
            let _ = fs::remove_file(dir.join("package-lock.json"));
        })?;
    }
    Ok(Tools { node_modules })
}

/// The TypeScript types of every service's OpenAPI document (`openapi/<service>.d.ts`),
/// generated from the committed JSON documents.
pub fn typescript(ctx: &Ctx, tools: &Tools) -> Result<Vec<Document>> {
    let mut documents = Vec::new();
    for service in SERVICES {
        let json = Path::new("openapi").join(format!("{}.json", service.name));
        let mut cmd = tools.bin("openapi-typescript");
        cmd.arg(&json).current_dir(&ctx.root);
        let content = output_checked(&mut cmd)?;
        documents.push(Document {
            path: Path::new("openapi").join(format!("{}.d.ts", service.name)),
            content,
        });
    }
    Ok(documents)
}

/// Every check; the error names each one that failed.
pub fn lint(ctx: &Ctx) -> Result<()> {
    let tools = tools(ctx)?;
    let config = ctx.root.join(CONFIG_DIR);
    let jsons: Vec<String> = SERVICES
        .iter()
        .map(|s| format!("openapi/{}.json", s.name))
        .collect();
    let mut failed = Vec::new();
    let root = ctx.root.clone();
    let check = |failed: &mut Vec<String>, name: &str, cmd: &mut Command| {
        cmd.current_dir(&root);
        println!("xtask: {name}: {}", describe(cmd));
        if let Err(e) = run_checked(cmd) {
            failed.push(format!("{name}: {e}"));
        }
    };

    // Spectral resolves the rulesets a ruleset extends from the ruleset's own directory: run
    // a copy beside the installed packages.
    let ruleset = tools.node_modules.with_file_name(".spectral.yaml");
    fs::copy(config.join(".spectral.yaml"), &ruleset)?;
    let mut spectral = tools.bin("spectral");
    spectral
        .args(["lint", "--fail-severity=error", "--display-only-failures"])
        .arg("--ruleset")
        .arg(&ruleset)
        .args(&jsons);
    check(&mut failed, "Spectral (spectral:oas, OWASP)", &mut spectral);

    let mut redocly = tools.bin("redocly");
    redocly
        .args(["lint", "--format=stylish"])
        .arg("--config")
        .arg(config.join("redocly.yaml"))
        .args(&jsons)
        .env("REDOCLY_TELEMETRY", "off")
        .env("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    check(&mut failed, "Redocly (recommended)", &mut redocly);

    let node = find_program("node", &[]).ok_or("node is missing")?;
    let mut asyncapi = Command::new(node);
    asyncapi
        .arg(config.join("validate-asyncapi.cjs"))
        .arg("openapi/asyncapi.json")
        .env("NODE_PATH", &tools.node_modules);
    check(&mut failed, "AsyncAPI parser", &mut asyncapi);

    match typescript(ctx, &tools) {
        Ok(documents) => {
            for document in documents {
                let committed = fs::read_to_string(ctx.root.join(&document.path)).ok();
                if committed.as_deref() != Some(document.content.as_str()) {
                    failed.push(format!(
                        "openapi-typescript: {} differs from the types generated from the JSON \
                         document; run `cargo xtask openapi` and commit the result",
                        document.path.display()
                    ));
                }
            }
        }
        Err(e) => failed.push(format!("openapi-typescript: {e}")),
    }

    let mut tsc = tools.bin("tsc");
    tsc.arg("--project").arg(config.join("tsconfig.json"));
    check(&mut failed, "tsc --strict --noEmit (typed calls)", &mut tsc);

    if failed.is_empty() {
        Ok(())
    } else {
        Err(failed.join("\n").into())
    }
}
