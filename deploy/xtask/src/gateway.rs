//! The gateway: one origin for the five services (nginx).
//!
//! Which service answers a path comes from the OpenAPI documents: `deploy/gateway/routes.conf`
//! maps every documented path (its template, `{id}` matching one path segment) to the service
//! that documents it. `cargo xtask openapi` writes it with the documents, and the drift check
//! fails when it is out of date, so a new endpoint is routed without anyone editing the
//! gateway. Two services documenting one path is an error, unless one of them marks all its
//! operations there deprecated (it is then reachable only on its own address).
//!
//! `deploy/gateway/nginx.conf.template` is the server configuration around it; its
//! `${QMF_<SERVICE>_UPSTREAM}` placeholders name each service's address (`127.0.0.1:8081` for
//! `cargo xtask up`, `directory:8081` in compose, `qmf-directory:8081` in Kubernetes).

use std::collections::BTreeMap;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::Result;
use crate::ctx::{Ctx, SERVICES, Service};
use crate::infra;
use crate::process::{self, GroupChild, tail};

/// Where the routes file lives, relative to the repository root.
pub const ROUTES_FILE: &str = "deploy/gateway/routes.conf";
/// The server configuration around the routes.
pub const TEMPLATE_FILE: &str = "deploy/gateway/nginx.conf.template";
/// The rendered configuration the Kubernetes base mounts.
pub const KUBERNETES_FILE: &str = "deploy/kubernetes/base/gateway/nginx.conf";
/// The rendered configuration docker compose mounts.
pub const COMPOSE_FILE: &str = "deploy/gateway/nginx.compose.conf";
/// The gateway's port (`cargo xtask up`, compose, Kubernetes).
pub const PORT: u16 = 8080;

/// The gateway of `cargo xtask up`.
pub fn base_url() -> String {
    format!("http://127.0.0.1:{PORT}")
}

/// Where the gateway runs: its listen address, a writable directory for its pid and
/// temporary files, and each service's address.
pub struct Target<'a> {
    pub listen: String,
    pub state: String,
    pub upstream: &'a dyn Fn(Service) -> String,
}

impl Target<'_> {
    /// In Kubernetes: Services `qmf-<service>`, state in the pod's `/tmp`.
    pub fn kubernetes() -> Target<'static> {
        Target {
            listen: PORT.to_string(),
            state: "/tmp".into(),
            upstream: &|s| format!("qmf-{}:{}", s.name, s.port),
        }
    }

    /// In docker compose: services by their compose names.
    pub fn compose() -> Target<'static> {
        Target {
            listen: PORT.to_string(),
            state: "/tmp".into(),
            upstream: &|s| format!("{}:{}", s.name, s.port),
        }
    }
}

/// Starts nginx (Debian's package, installed with apt-get when we are root) in the foreground
/// with the template rendered for `target` and the routes of `documents`; its configuration,
/// pid and temporary files go to `dir`, its logs to `dir/nginx.log` and `dir/nginx.err`.
/// Returns once it listens on `port`.
pub fn start(
    ctx: &Ctx,
    documents: &[(Service, &Value)],
    target: &Target,
    dir: &Path,
    port: u16,
) -> Result<GroupChild> {
    let nginx = infra::ensure_program("nginx", "nginx")?;
    fs::create_dir_all(dir)?;
    let routes = routes_conf(documents)?;
    let template = fs::read_to_string(ctx.root.join(TEMPLATE_FILE))?;
    let conf = dir.join("nginx.conf");
    fs::write(&conf, render(&template, &routes, target)?)?;
    let errors = dir.join("nginx.err");
    let mut cmd = Command::new(&nginx);
    cmd.arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(&conf)
        .args(["-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(File::create(dir.join("nginx.log"))?)
        .stderr(File::create(&errors)?)
        .process_group(0);
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start {}: {e}", nginx.display()))?;
    let mut child = GroupChild::new("nginx (gateway)", child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while !process::port_open(port) {
        if let Some(status) = child.poll() {
            return Err(format!(
                "nginx exited ({status}) at start; {}:\n{}",
                ctx.display_path(&errors),
                tail(&errors, 20)
            )
            .into());
        }
        if Instant::now() >= deadline {
            process::stop_groups(std::slice::from_mut(&mut child), Duration::from_secs(5));
            return Err(format!(
                "nginx did not listen on {port} within 20 s; {}:\n{}",
                ctx.display_path(&errors),
                tail(&errors, 20)
            )
            .into());
        }
        thread::sleep(Duration::from_millis(100));
    }
    Ok(child)
}

/// The template with the routes and the target's addresses filled in.
pub fn render(template: &str, routes_conf: &str, target: &Target) -> Result<String> {
    let routes: String = routes_conf
        .lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("    {line}\n")
            }
        })
        .collect();
    let mut text = template
        .replace("${QMF_GATEWAY_ROUTES}", &routes)
        .replace("${QMF_GATEWAY_LISTEN}", &target.listen)
        .replace("${QMF_GATEWAY_STATE}", &target.state);
    for service in SERVICES {
        text = text.replace(
            &format!("${{QMF_{}_UPSTREAM}}", service.name.to_uppercase()),
            &(target.upstream)(service),
        );
    }
    if let Some(at) = text.find("${QMF_") {
        let name: String = text[at..].chars().take_while(|c| *c != '}').collect();
        return Err(format!("{TEMPLATE_FILE}: unknown placeholder {name}}}").into());
    }
    Ok(text)
}

/// Paths every service serves for itself; the gateway does not route them by path.
fn own_path(path: &str) -> bool {
    path.starts_with("/health") || path == "/metrics"
}

/// One documented path template and the service answering it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    pub template: String,
    pub service: &'static str,
}

impl Route {
    /// Path segments, `None` for a parameter.
    fn segments(&self) -> Vec<Option<&str>> {
        self.template
            .trim_start_matches('/')
            .split('/')
            .map(|s| (!s.starts_with('{')).then_some(s))
            .collect()
    }

    /// The nginx regular expression of the template (anchored; a parameter is one segment).
    pub fn regex(&self) -> String {
        let mut regex = String::from("^");
        for segment in self.segments() {
            regex.push('/');
            match segment {
                Some(literal) => {
                    for c in literal.chars() {
                        if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                            regex.push(c);
                        } else {
                            regex.push('\\');
                            regex.push(c);
                        }
                    }
                }
                None => regex.push_str("[^/]+"),
            }
        }
        regex.push('$');
        regex
    }

    /// Whether some concrete path matches both templates.
    fn overlaps(&self, other: &Route) -> bool {
        let (a, b) = (self.segments(), other.segments());
        a.len() == b.len()
            && a.iter()
                .zip(&b)
                .all(|(x, y)| x.is_none() || y.is_none() || x == y)
    }

    /// More literal segments first, so that `/v1/people/import` is tried before
    /// `/v1/people/{id}` (nginx tries the regular expressions of a map in order).
    fn order_key(&self) -> (usize, usize, String) {
        let segments = self.segments();
        let params = segments.iter().filter(|s| s.is_none()).count();
        (params, usize::MAX - segments.len(), self.template.clone())
    }
}

/// The routes of the documents: every path of every service, ordered for nginx. Fails when two
/// services answer one concrete path (unless one marks its operations there deprecated).
pub fn routes(documents: &[(Service, &Value)]) -> Result<Vec<Route>> {
    let mut by_template: BTreeMap<String, Vec<(&'static str, bool)>> = BTreeMap::new();
    for (service, document) in documents {
        let Some(paths) = document["paths"].as_object() else {
            return Err(format!("the OpenAPI document of {} has no paths", service.name).into());
        };
        for (template, item) in paths {
            if own_path(template) {
                continue;
            }
            let operations: Vec<&Value> = item
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(method, _)| {
                    matches!(method.as_str(), "get" | "put" | "post" | "delete" | "patch")
                })
                .map(|(_, operation)| operation)
                .collect();
            let deprecated = !operations.is_empty()
                && operations
                    .iter()
                    .all(|operation| operation["deprecated"] == Value::Bool(true));
            by_template
                .entry(template.clone())
                .or_default()
                .push((service.name, deprecated));
        }
    }
    let mut routes = Vec::new();
    for (template, owners) in by_template {
        let current: Vec<&'static str> = owners
            .iter()
            .filter(|(_, deprecated)| !deprecated)
            .map(|(service, _)| *service)
            .collect();
        match current.as_slice() {
            [service] => routes.push(Route { template, service }),
            [] => routes.push(Route {
                template,
                service: owners[0].0,
            }),
            several => {
                return Err(format!(
                    "{template} is documented by {}: a path must belong to one service \
                     behind the gateway (mark the operations of all but one deprecated)",
                    several.join(" and ")
                )
                .into());
            }
        }
    }
    for (i, a) in routes.iter().enumerate() {
        for b in &routes[i + 1..] {
            if a.service != b.service && a.overlaps(b) {
                return Err(format!(
                    "{} ({}) and {} ({}) match the same paths: the gateway cannot tell the \
                     services apart",
                    a.template, a.service, b.template, b.service
                )
                .into());
            }
        }
    }
    routes.sort_by_key(Route::order_key);
    Ok(routes)
}

/// `deploy/gateway/routes.conf`: an nginx `map` from the request path to the service.
pub fn routes_conf(documents: &[(Service, &Value)]) -> Result<String> {
    let routes = routes(documents)?;
    let width = routes.iter().map(|r| r.regex().len()).max().unwrap_or(0) + 1;
    let mut text = String::from(
        "# Generated by `cargo xtask openapi` from the services' OpenAPI documents; do not edit.\n\
         # The service answering each documented path (first match wins: literal paths first).\n\
         map $uri $qmf_service {\n    default \"\";\n",
    );
    for route in &routes {
        let pattern = format!("~{}", route.regex());
        text.push_str(&format!(
            "    {pattern:<width$} {};\n",
            route.service,
            width = width + 1
        ));
    }
    text.push_str("}\n");
    Ok(text)
}

#[cfg(test)]
mod render_tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn every_placeholder_is_filled_and_an_unknown_one_refused() {
        let template = "listen ${QMF_GATEWAY_LISTEN};\n${QMF_GATEWAY_ROUTES}server ${QMF_CASE_UPSTREAM};\npid ${QMF_GATEWAY_STATE}/x;\n";
        let text = render(template, "map a b {\n}\n", &Target::kubernetes()).unwrap();
        assert_eq!(
            text,
            "listen 8080;\n    map a b {\n    }\nserver qmf-case:8082;\npid /tmp/x;\n"
        );
        assert!(render("${QMF_NOPE}", "", &Target::compose()).is_err());
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ctx::SERVICES;
    use serde_json::json;

    fn doc(paths: &[(&str, bool)]) -> Value {
        let mut map = serde_json::Map::new();
        for (path, deprecated) in paths {
            map.insert(
                (*path).to_string(),
                json!({"get": {"deprecated": deprecated}}),
            );
        }
        json!({ "paths": map })
    }

    #[test]
    fn every_path_goes_to_its_service_literal_paths_first() {
        let directory = doc(&[
            ("/v1/people", false),
            ("/v1/people/{id}", false),
            ("/v1/people/import", false),
            ("/health/live", false),
        ]);
        let training = doc(&[("/v1/people/{id}/training-record", false)]);
        let routes = routes(&[(SERVICES[0], &directory), (SERVICES[4], &training)]).unwrap();
        let listed: Vec<(&str, &str)> = routes
            .iter()
            .map(|r| (r.template.as_str(), r.service))
            .collect();
        assert_eq!(
            listed,
            [
                ("/v1/people/import", "directory"),
                ("/v1/people", "directory"),
                ("/v1/people/{id}/training-record", "training"),
                ("/v1/people/{id}", "directory"),
            ]
        );
        assert_eq!(routes[3].regex(), "^/v1/people/[^/]+$");
    }

    #[test]
    fn a_path_of_two_services_is_refused_unless_one_is_deprecated() {
        let directory = doc(&[("/v1/people/{id}", false)]);
        let committee = doc(&[("/v1/people/{id}", false)]);
        assert!(routes(&[(SERVICES[0], &directory), (SERVICES[2], &committee)]).is_err());
        let committee = doc(&[("/v1/people/{id}", true)]);
        let routes = routes(&[(SERVICES[0], &directory), (SERVICES[2], &committee)]).unwrap();
        assert_eq!(routes[0].service, "directory");
        // Different templates matching the same paths are refused too.
        let dialogue = doc(&[("/v1/people/{person}", false)]);
        let case = doc(&[("/v1/people/x", false)]);
        let _ = super::routes(&[(SERVICES[3], &dialogue)]).unwrap();
        assert!(super::routes(&[(SERVICES[3], &dialogue), (SERVICES[1], &case)]).is_err());
    }

    #[test]
    fn the_committed_documents_route_every_path() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let documents: Vec<(Service, Value)> = SERVICES
            .iter()
            .map(|s| {
                let text =
                    std::fs::read_to_string(root.join(format!("openapi/{}.json", s.name))).unwrap();
                (*s, serde_json::from_str(&text).unwrap())
            })
            .collect();
        let refs: Vec<(Service, &Value)> = documents.iter().map(|(s, d)| (*s, d)).collect();
        let conf = routes_conf(&refs).unwrap();
        assert!(conf.contains("~^/oparl/v1/system$"), "{conf}");
        assert!(conf.contains("~^/v1/cases$"));
    }
}
