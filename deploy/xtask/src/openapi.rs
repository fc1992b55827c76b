//! The committed API documents in `openapi/` and the check that they match the code.

use std::fs;
use std::path::PathBuf;

use serde_json::Value;

use crate::Result;
use crate::build::{self, Binaries};
use crate::contracts;
use crate::ctx::{Ctx, DIRECTORY, SERVICES, Service};
use crate::gateway;
use crate::process::{describe, output_checked};

/// A document as the code produces it, normalised: parsed and pretty-printed by serde_json
/// (object keys sorted), with a trailing newline.
pub struct Document {
    pub path: PathBuf,
    pub content: String,
}

/// `cargo xtask openapi`.
pub fn write_all(ctx: &Ctx) -> Result<()> {
    let binaries = build::build_bins(ctx)?;
    let documents = generate(ctx, &binaries)?;
    fs::create_dir_all(ctx.root.join("openapi"))?;
    fs::create_dir_all(ctx.root.join("deploy/kubernetes/base/gateway"))?;
    write_documents(ctx, &documents)?;
    // The TypeScript types are generated from the JSON documents just written.
    let tools = contracts::tools(ctx)?;
    write_documents(ctx, &contracts::typescript(ctx, &tools)?)
}

fn write_documents(ctx: &Ctx, documents: &[Document]) -> Result<()> {
    for document in documents {
        let path = ctx.root.join(&document.path);
        let unchanged = fs::read(&path).is_ok_and(|old| old == document.content.as_bytes());
        if !unchanged {
            fs::write(&path, &document.content)?;
        }
        println!(
            "{} {}",
            if unchanged { "unchanged" } else { "wrote    " },
            document.path.display()
        );
    }
    Ok(())
}

pub fn generate(ctx: &Ctx, binaries: &Binaries) -> Result<Vec<Document>> {
    let mut documents = Vec::new();
    for service in SERVICES {
        documents.push(document(
            ctx,
            binaries,
            service,
            "openapi",
            &format!("{}.json", service.name),
        )?);
    }
    let parsed: Vec<(Service, Value)> = SERVICES
        .iter()
        .zip(&documents)
        .map(|(service, document)| Ok((*service, serde_json::from_str(&document.content)?)))
        .collect::<Result<_>>()?;
    let services: Vec<(Service, &Value)> = parsed.iter().map(|(s, d)| (*s, d)).collect();
    let routes = gateway::routes_conf(&services)?;
    let template = fs::read_to_string(ctx.root.join(gateway::TEMPLATE_FILE))?;
    for (path, target) in [
        (gateway::KUBERNETES_FILE, gateway::Target::kubernetes()),
        (gateway::COMPOSE_FILE, gateway::Target::compose()),
    ] {
        documents.push(Document {
            path: PathBuf::from(path),
            content: gateway::render(&template, &routes, &target)?,
        });
    }
    documents.push(Document {
        path: PathBuf::from(gateway::ROUTES_FILE),
        content: routes,
    });
    documents.push(document(
        ctx,
        binaries,
        DIRECTORY,
        "asyncapi",
        "asyncapi.json",
    )?);
    Ok(documents)
}

fn document(
    ctx: &Ctx,
    binaries: &Binaries,
    service: Service,
    subcommand: &str,
    file: &str,
) -> Result<Document> {
    let mut cmd = build::service_command(ctx, binaries, service)?;
    cmd.arg(subcommand).env("QMF_LOG", "warn");
    let raw = output_checked(&mut cmd)?;
    let value: Value = serde_json::from_str(&raw)
        .map_err(|e| format!("`{}` did not print JSON: {e}", describe(&cmd)))?;
    let mut content = serde_json::to_string_pretty(&value)?;
    content.push('\n');
    Ok(Document {
        path: PathBuf::from("openapi").join(file),
        content,
    })
}

/// Compare with the committed files; the error lists every file that differs.
pub fn check_drift(ctx: &Ctx, binaries: &Binaries) -> Result<()> {
    let mut drifted = Vec::new();
    for document in generate(ctx, binaries)? {
        let path = ctx.root.join(&document.path);
        match fs::read_to_string(&path) {
            Ok(committed) if committed == document.content => {}
            Ok(committed) => {
                let line = committed
                    .lines()
                    .zip(document.content.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or_else(|| {
                        committed
                            .lines()
                            .count()
                            .min(document.content.lines().count())
                    })
                    + 1;
                drifted.push(format!(
                    "{} differs from the code (first difference in line {line})",
                    document.path.display()
                ));
            }
            Err(_) => drifted.push(format!("{} is missing", document.path.display())),
        }
    }
    if drifted.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "API documents (and the gateway's routes) out of date:\n  {}\nRun `cargo xtask openapi` and commit the result.",
            drifted.join("\n  ")
        )
        .into())
    }
}
