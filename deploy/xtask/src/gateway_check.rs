//! `cargo xtask gateway` (a step of `cargo xtask test`): the five services behind the gateway.
//!
//! Starts every service on its own throwaway database and a free port, and nginx (Debian's
//! package, installed with apt-get when we are root) with the configuration of
//! `deploy/gateway/nginx.conf.template` and the routes generated from the documents the services
//! serve. Then:
//!
//! - every operation of every document is sent once through the gateway and once straight to
//!   the service the routes name (admin token, no body, made-up ids): the status, content type
//!   and problem type must be the same, and the gateway's answer must carry the service's
//!   `X-Request-Id`;
//! - a `traceparent` sent to the gateway reaches the service (its log names the trace id);
//! - OParl's links point at the gateway's address (the `Forwarded` headers reach the committee);
//! - a path no service documents gets the gateway's 404 problem;
//! - the combined documentation page and the five documents load, and in headless Chromium
//!   (Debian's package) the page lists all five APIs and renders the first, with no network.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::Result;
use crate::build::{self, Binaries};
use crate::ctx::{Ctx, SERVICES, Service};
use crate::gateway::{self, Target};
use crate::infra::{self, Infra};
use crate::launch::{self, Isolated};
use crate::process::{self, output_checked};
use crate::token;

const READY_TIMEOUT: Duration = Duration::from_secs(120);
const STOP_GRACE: Duration = Duration::from_secs(15);
/// A made-up id for path parameters: no such resource exists.
const SOME_ID: &str = "00000000-0000-4000-8000-00000000c0de";

/// `cargo xtask gateway`: with the infrastructure (started if needed) and built binaries.
pub fn run(ctx: &Ctx) -> Result<()> {
    process::install_signal_handler()?;
    let mut infra = Infra::up(ctx)?;
    let result = build::build_bins(ctx).and_then(|binaries| run_with(ctx, &binaries));
    infra.stop_started(ctx);
    result
}

/// The check, with running infrastructure and built binaries.
pub fn run_with(ctx: &Ctx, binaries: &Binaries) -> Result<()> {
    let dir = ctx.state.join("gateway-check");
    if dir.exists() {
        fs::remove_dir_all(&dir)?;
    }
    fs::create_dir_all(&dir)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut children = Vec::new();
    let result = (|| {
        let mut ports = BTreeMap::new();
        for service in SERVICES {
            let database = format!("qmf_gw_{}", service.name);
            runtime.block_on(launch::recreate_database(
                &ctx.database_url("postgres"),
                &database,
            ))?;
            let port = launch::free_port()?;
            let isolated = Isolated {
                service,
                database: &database,
                exchange: "qmf.events.gateway-check",
                queue_prefix: "gateway-check.",
                port,
                extra_env: vec![("QMF_TRUSTED_PROXIES", "127.0.0.1")],
            };
            let log = dir.join(format!("{}.log", service.name));
            children.push(launch::spawn(
                ctx,
                &isolated,
                binaries.get(service)?,
                &log,
                format!("{} (gateway check)", service.binary()),
            )?);
            ports.insert(service.name, port);
        }
        for (service, child) in SERVICES.iter().zip(children.iter_mut()) {
            let log = dir.join(format!("{}.log", service.name));
            let base = format!("http://127.0.0.1:{}", ports[service.name]);
            launch::wait_ready(ctx, child, &base, &log, READY_TIMEOUT)?;
        }
        let client = reqwest::blocking::Client::builder()
            .timeout(Duration::from_secs(20))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let mut documents = Vec::new();
        for service in SERVICES {
            let url = format!("http://127.0.0.1:{}/openapi.json", ports[service.name]);
            documents.push((service, client.get(&url).send()?.json::<Value>()?));
        }
        let refs: Vec<(Service, &Value)> = documents.iter().map(|(s, d)| (*s, d)).collect();
        let gateway_port = launch::free_port()?;
        let upstream = |s: Service| format!("127.0.0.1:{}", ports[s.name]);
        let target = Target {
            listen: format!("127.0.0.1:{gateway_port}"),
            state: dir.display().to_string(),
            upstream: &upstream,
        };
        children.push(gateway::start(ctx, &refs, &target, &dir, gateway_port)?);
        let check = Check {
            ctx,
            client,
            gateway: format!("http://127.0.0.1:{gateway_port}"),
            ports,
            token: token::admin_token(ctx)?,
            dir: &dir,
        };
        check.all(&refs)
    })();
    process::stop_groups(&mut children, STOP_GRACE);
    result
}

struct Check<'a> {
    ctx: &'a Ctx,
    client: reqwest::blocking::Client,
    gateway: String,
    ports: BTreeMap<&'static str, u16>,
    token: String,
    dir: &'a Path,
}

impl Check<'_> {
    fn all(&self, documents: &[(Service, &Value)]) -> Result<()> {
        let mut problems = Vec::new();
        let routes = gateway::routes(documents)?;
        let mut sent = 0;
        let mut traces: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        let mut shadowed = Vec::new();
        for (service, document) in documents {
            let Some(paths) = document["paths"].as_object() else {
                continue;
            };
            for (template, item) in paths {
                if template.starts_with("/health") || template == "/metrics" {
                    continue;
                }
                let Some(route) = routes.iter().find(|r| &r.template == template) else {
                    problems.push(format!("{template} has no route"));
                    continue;
                };
                for (method, operation) in item.as_object().into_iter().flatten() {
                    let Ok(method) = method.to_uppercase().parse::<reqwest::Method>() else {
                        continue;
                    };
                    if !matches!(method.as_str(), "GET" | "POST" | "PUT" | "PATCH" | "DELETE") {
                        continue;
                    }
                    if route.service != service.name {
                        shadowed.push(format!(
                            "{method} {template} of {} goes to {} (deprecated there)",
                            service.name, route.service
                        ));
                    }
                    let path = concrete(template, operation);
                    let trace = format!("{:032x}", uuid::Uuid::new_v4().as_u128());
                    let direct = self.send(
                        &method,
                        &format!("http://127.0.0.1:{}{path}", self.ports[route.service]),
                        None,
                    );
                    let through =
                        self.send(&method, &format!("{}{path}", self.gateway), Some(&trace));
                    sent += 1;
                    match (direct, through) {
                        (Ok(direct), Ok(through)) => {
                            if direct != through.answer {
                                problems.push(format!(
                                    "{method} {path}: straight to {} {direct}, through the gateway {}",
                                    route.service, through.answer
                                ));
                            }
                            if !through.request_id {
                                problems.push(format!(
                                    "{method} {path}: no X-Request-Id through the gateway"
                                ));
                            }
                            traces.entry(route.service).or_default().push(trace);
                        }
                        (Err(e), _) | (_, Err(e)) => {
                            problems.push(format!("{method} {path}: {e}"));
                        }
                    }
                }
            }
        }
        // Every service logs the requests it refused with their trace id; a traceparent sent to
        // the gateway must arrive there.
        for (service, ids) in &traces {
            let log = fs::read_to_string(self.dir.join(format!("{service}.log")))?;
            let found = ids.iter().filter(|id| log.contains(id.as_str())).count();
            if found == 0 {
                problems.push(format!(
                    "none of the {} trace ids sent to the gateway for {service} is in its log",
                    ids.len()
                ));
            }
        }
        problems.extend(self.oparl_links());
        problems.extend(self.not_found());
        problems.extend(self.docs(documents));

        println!();
        println!(
            "gateway: nginx with the generated routes on {}; {sent} operations sent through it \
             and straight to their service, answers compared",
            self.gateway
        );
        for line in &shadowed {
            println!("  {line}");
        }
        crate::check::verdict(
            &problems,
            &format!(
                "behind the gateway (logs in {})",
                self.ctx.display_path(self.dir)
            ),
        )
    }

    fn send(&self, method: &reqwest::Method, url: &str, trace: Option<&str>) -> Result<Sent> {
        let mut request = self
            .client
            .request(method.clone(), url)
            .bearer_auth(&self.token);
        if let Some(trace) = trace {
            request = request.header("traceparent", format!("00-{trace}-00f067aa0ba902b7-01"));
        }
        let response = request.send()?;
        let status = response.status().as_u16();
        let request_id = response.headers().contains_key("x-request-id");
        let content_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .split(';')
            .next()
            .unwrap_or_default()
            .to_string();
        let problem = if content_type == "application/problem+json" {
            response
                .json::<Value>()
                .ok()
                .and_then(|body| body["type"].as_str().map(str::to_string))
        } else {
            None
        };
        Ok(Sent {
            answer: Answer {
                status,
                content_type,
                problem,
            },
            request_id,
        })
    }

    /// OParl's object ids are URLs; behind the gateway they must name the gateway.
    fn oparl_links(&self) -> Vec<String> {
        let url = format!("{}/oparl/v1/system", self.gateway);
        match self.client.get(&url).send().and_then(|r| r.json::<Value>()) {
            Ok(system) => {
                let id = system["id"].as_str().unwrap_or_default();
                if id.starts_with(&format!("{}/oparl/v1", self.gateway)) {
                    Vec::new()
                } else {
                    vec![format!(
                        "OParl's system id behind the gateway is {id:?}, not under {}",
                        self.gateway
                    )]
                }
            }
            Err(e) => vec![format!("GET {url}: {e}")],
        }
    }

    fn not_found(&self) -> Vec<String> {
        let url = format!("{}/v1/no-such-resource", self.gateway);
        match self.client.get(&url).send() {
            Ok(r)
                if r.status() == 404
                    && r.headers().get("content-type").is_some_and(|v| {
                        v.to_str()
                            .is_ok_and(|v| v.starts_with("application/problem+json"))
                    }) =>
            {
                Vec::new()
            }
            Ok(r) => vec![format!(
                "GET {url}: {} {:?}, not the gateway's 404 problem",
                r.status(),
                r.headers().get("content-type")
            )],
            Err(e) => vec![format!("GET {url}: {e}")],
        }
    }

    /// The combined documentation: the page and its documents over HTTP, then the page in
    /// headless Chromium.
    fn docs(&self, documents: &[(Service, &Value)]) -> Vec<String> {
        let mut problems = Vec::new();
        let page = format!("{}/docs/", self.gateway);
        match self.client.get(&page).send() {
            Ok(r) if r.status() == 200 => {}
            Ok(r) => problems.push(format!("GET {page}: {}", r.status())),
            Err(e) => problems.push(format!("GET {page}: {e}")),
        }
        for (service, document) in documents {
            let url = format!("{}/openapi/{}.json", self.gateway, service.name);
            match self.client.get(&url).send().and_then(|r| r.json::<Value>()) {
                Ok(served) if served["info"]["title"] == document["info"]["title"] => {}
                Ok(_) => problems.push(format!("GET {url}: not the {} document", service.name)),
                Err(e) => problems.push(format!("GET {url}: {e}")),
            }
        }
        match self.browser_dom(&page) {
            Ok(dom) => {
                for (service, _) in documents {
                    if !dom.contains(&format!(">{}</option>", service.name)) {
                        problems.push(format!(
                            "in Chromium the docs page does not offer the {} API",
                            service.name
                        ));
                    }
                }
                let first = documents
                    .first()
                    .and_then(|(_, d)| d["info"]["title"].as_str())
                    .unwrap_or_default();
                if first.is_empty() || !dom.contains(first) {
                    problems.push(format!(
                        "in Chromium the docs page did not render the first API ({first:?}); \
                         DOM in {}",
                        self.ctx.display_path(&self.dir.join("docs-dom.html"))
                    ));
                }
                if dom.contains("Failed to load API definition") {
                    problems.push("in Chromium the docs page failed to load a document".into());
                }
            }
            Err(e) => problems.push(format!("headless Chromium: {e}")),
        }
        problems
    }

    /// The page's DOM after its scripts ran, from headless Chromium without network access
    /// beyond this machine.
    fn browser_dom(&self, url: &str) -> Result<String> {
        let chromium = infra::ensure_program("chromium", "chromium")?;
        let profile = self.dir.join("chromium-profile");
        fs::create_dir_all(&profile)?;
        let mut cmd = Command::new(chromium);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--virtual-time-budget=20000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(url)
        .stdin(Stdio::null());
        let dom = output_checked(&mut cmd)?;
        fs::write(self.dir.join("docs-dom.html"), &dom)?;
        Ok(dom)
    }
}

/// What a request got, as far as the gateway must keep it.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    status: u16,
    content_type: String,
    problem: Option<String>,
}

impl std::fmt::Display for Answer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status, self.content_type)?;
        if let Some(problem) = &self.problem {
            write!(f, " ({problem})")?;
        }
        Ok(())
    }
}

struct Sent {
    answer: Answer,
    request_id: bool,
}

impl PartialEq<Answer> for Sent {
    fn eq(&self, other: &Answer) -> bool {
        &self.answer == other
    }
}

impl std::fmt::Display for Sent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.answer.fmt(f)
    }
}

/// The template with every path parameter filled: a made-up UUID where the parameter is one,
/// a word otherwise.
fn concrete(template: &str, operation: &Value) -> String {
    let uuid_params: Vec<&str> = operation["parameters"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|p| p["in"] == "path" && p["schema"]["format"] == "uuid")
        .filter_map(|p| p["name"].as_str())
        .collect();
    template
        .split('/')
        .map(
            |segment| match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                Some(name) if uuid_params.contains(&name) => SOME_ID.to_string(),
                Some(_) => "gateway-check".to_string(),
                None => segment.to_string(),
            },
        )
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameters_get_made_up_values() {
        let operation = serde_json::json!({"parameters": [
            {"name": "id", "in": "path", "schema": {"type": "string", "format": "uuid"}},
            {"name": "code", "in": "path", "schema": {"type": "string"}}
        ]});
        assert_eq!(
            concrete("/v1/certificates/{id}/verify/{code}", &operation),
            format!("/v1/certificates/{SOME_ID}/verify/gateway-check")
        );
    }
}
