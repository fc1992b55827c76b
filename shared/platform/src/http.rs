//! The HTTP shell every service shares: middleware, health, metrics, OpenAPI and docs, problem
//! responses for unknown routes and methods. A service only adds its own routes.

use std::sync::{Arc, OnceLock};

use actix_cors::Cors;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::{Next, from_fn};
use actix_web::{App, HttpMessage, HttpRequest, HttpResponse, get, web};
use serde::Serialize;
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa::ToSchema;
use utoipa::openapi::Required;
use utoipa::openapi::extensions::ExtensionsBuilder;
use utoipa::openapi::path::{Operation, ParameterBuilder, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, Schema, SchemaFormat, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{
    ContactBuilder, ContentBuilder, InfoBuilder, LicenseBuilder, OpenApi, OpenApiBuilder, Ref,
    RefOr, ResponseBuilder, ServerBuilder,
};
use utoipa_actix_web::AppExt;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::SwaggerUi;

use crate::auth::Authenticator;
use crate::config::{Config, ServiceInfo};
use crate::db::{self, DbPool};
use crate::error::{ApiError, FieldError, Problem, Violation};
use crate::idempotency::{self, IdempotencyLimit};
use crate::metrics::{self, Metrics};

/// A readiness check beyond the database (e.g. the broker connection).
pub type ReadinessCheck = Arc<dyn Fn() -> bool + Send + Sync>;

/// Everything the shared HTTP shell needs; built once per process, cloned into each worker,
/// where `pool` is replaced by the worker's own pool.
#[derive(Clone)]
pub struct AppContext {
    pub info: ServiceInfo,
    pub pool: DbPool,
    pub authenticator: Arc<Authenticator>,
    pub metrics: Metrics,
    pub broker_ready: ReadinessCheck,
    pub cors_allowed_origins: Vec<String>,
    pub max_json_bytes: usize,
    pub max_upload_bytes: usize,
    pub body_timeout: std::time::Duration,
    pub idempotency_lease: std::time::Duration,
    pub limiters: Arc<crate::limits::Limiters>,
    pub network: crate::net::Network,
    /// The OpenAPI document as served, built by the first worker and shared by all: the
    /// document tree is large, and one copy per worker would be idle memory.
    pub document: Arc<OnceLock<Arc<ServedDocument>>>,
}

/// The service's OpenAPI document, serialized once, and the routes it names.
pub struct ServedDocument {
    json: web::Bytes,
    known_routes: Arc<KnownRoutes>,
}

impl ServedDocument {
    fn new(api: &OpenApi) -> Self {
        // Serializing a document of plain maps and strings cannot fail; should it ever, the
        // service still runs and says so.
        let json = serde_json::to_vec(api).unwrap_or_else(|e| {
            tracing::error!(error = %e, "the OpenAPI document does not serialize");
            b"{}".to_vec()
        });
        ServedDocument {
            json: web::Bytes::from(json),
            known_routes: Arc::new(KnownRoutes::from_document(api)),
        }
    }
}

impl AppContext {
    /// The context for `config`; `broker_ready` reports the service's broker connections.
    pub fn new(
        config: &Config,
        pool: DbPool,
        broker_ready: ReadinessCheck,
    ) -> Result<Self, String> {
        Ok(AppContext {
            info: config.service,
            pool,
            authenticator: Authenticator::new(config.auth.clone()),
            metrics: Metrics::new(config.service.name).map_err(|e| e.to_string())?,
            broker_ready,
            cors_allowed_origins: config.cors_allowed_origins.clone(),
            max_json_bytes: config.max_json_bytes,
            max_upload_bytes: config.max_upload_bytes,
            body_timeout: config.body_timeout,
            idempotency_lease: config.idempotency_lease,
            limiters: crate::limits::Limiters::new(&config.rate_limits),
            network: crate::net::Network {
                trusted_proxies: config.trusted_proxies.clone(),
                public_base_url: config.public_base_url.clone(),
            },
            document: Arc::new(OnceLock::new()),
        })
    }
}

/// A bound, not yet awaited HTTP server.
pub struct HttpService {
    /// The bound address (useful when the configured port was 0).
    pub addr: std::net::SocketAddr,
    /// Await it to serve until SIGINT/SIGTERM or `handle().stop(true)`.
    pub server: actix_server::Server,
}

/// Binds the service's HTTP server with graceful shutdown.
pub fn bind<F>(config: &Config, ctx: AppContext, routes: F) -> std::io::Result<HttpService>
where
    F: Fn(&mut ServiceConfig) + Clone + Send + 'static,
{
    let workers = if config.http_workers > 0 {
        config.http_workers
    } else {
        std::thread::available_parallelism().map_or(1, |n| n.get())
    };
    // Each worker runs its own runtime, and a connection dies with the runtime that opened it.
    // With one pool per worker, a worker that stops during a graceful shutdown takes only its
    // own connections along, never one that another worker's running request is using.
    let worker_pool_size = config.db_pool_size.div_ceil(workers).max(1);
    let database_url = config.database_url.clone();
    let worker_number = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let listener = std::net::TcpListener::bind(config.http_addr)?;
    let addr = listener.local_addr()?;
    // The server is assembled from actix's parts rather than `HttpServer`, to put the
    // connection wrapper between socket and codec (`wire`): the codec's own refusals (431, 400,
    // 408) then carry problem bodies like every other error.
    let builder = actix_server::Server::build()
        .workers(workers)
        .shutdown_timeout(config.shutdown_timeout.as_secs());
    let shutdown = builder.graceful_shutdown_signal();
    let server = builder
        .listen("qmf-http", listener, move || {
            let mut ctx = ctx.clone();
            match db::pool(&database_url, worker_pool_size) {
                Ok(pool) => {
                    let n = worker_number.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    ctx.metrics.watch_pool(format!("http-worker-{n}"), &pool);
                    ctx.pool = pool;
                }
                Err(e) => {
                    tracing::error!(error = %e, "no worker pool; the worker shares the process pool")
                }
            }
            let shutdown = shutdown.clone();
            let factory = actix_service::IntoServiceFactory::into_factory(app(ctx, routes.clone()));
            let factory = actix_service::ServiceFactoryExt::map_err(factory, |e| {
                e.error_response()
            });
            let http = actix_http::HttpService::build()
                .graceful_shutdown_signal(move || {
                    let signal = shutdown.clone();
                    async move { signal.notified().await }
                })
                .client_request_timeout(std::time::Duration::from_secs(5))
                .client_disconnect_timeout(std::time::Duration::from_secs(1))
                .local_addr(addr)
                .finish(actix_service::map_config(factory, move |_| {
                    actix_web::dev::AppConfig::__priv_test_new(false, addr.to_string(), addr)
                }));
            actix_service::ServiceFactoryExt::and_then(
                actix_service::fn_service(|io: actix_web::rt::net::TcpStream| async move {
                    let _ = io.set_nodelay(true);
                    let peer = io.peer_addr().ok();
                    Ok::<_, actix_http::error::DispatchError>((
                        crate::wire::ProblemIo::new(io),
                        actix_http::Protocol::Http1,
                        peer,
                    ))
                }),
                http,
            )
        })?
        .run();
    tracing::info!(%addr, "listening");
    Ok(HttpService { addr, server })
}

/// Per-process upkeep: forgets idle rate-limit entries each minute. (Upkeep of the database,
/// such as expired idempotency keys, runs as a job: see `jobs` and `server::start`.)
pub fn spawn_housekeeping(limiters: Arc<crate::limits::Limiters>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut minute = tokio::time::interval(std::time::Duration::from_secs(60));
        loop {
            minute.tick().await;
            limiters.forget_idle();
        }
    })
}

/// Builds the application: the service's routes inside the shared shell.
pub fn app<F>(
    ctx: AppContext,
    routes: F,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
>
where
    F: FnOnce(&mut ServiceConfig),
{
    let (app, api) = App::new()
        .into_utoipa_app()
        .openapi(base_document(&ctx.info))
        .service(health_live)
        .service(health_ready)
        .service(metrics_endpoint)
        .configure(routes)
        .split_for_parts();
    let document = ctx
        .document
        .get_or_init(|| {
            let api = finish_document(api, &ctx.info);
            Arc::new(ServedDocument::new(&api))
        })
        .clone();
    let known_routes = web::Data::from(document.known_routes.clone());

    app.app_data(web::Data::new(ctx.pool.clone()))
        .app_data(web::Data::from(ctx.authenticator.clone()))
        .app_data(web::Data::new(ctx.metrics.clone()))
        .app_data(web::Data::new(Readiness(ctx.broker_ready.clone())))
        .app_data(IdempotencyLimit(ctx.max_upload_bytes))
        .app_data(idempotency::IdempotencyLease(ctx.idempotency_lease))
        .app_data(crate::json::JsonLimit(ctx.max_json_bytes))
        .app_data(
            web::JsonConfig::default()
                .limit(ctx.max_json_bytes)
                .error_handler(crate::error::json_error_handler),
        )
        .app_data(web::PayloadConfig::default().limit(ctx.max_upload_bytes))
        .app_data(web::PathConfig::default().error_handler(crate::error::path_error_handler))
        .app_data(web::QueryConfig::default().error_handler(crate::error::query_error_handler))
        .app_data(known_routes)
        .app_data(web::Data::from(ctx.limiters.clone()))
        .app_data(web::Data::new(ctx.network.clone()))
        .app_data(BodyTimeout(ctx.body_timeout))
        .app_data(web::Data::from(document))
        .route("/openapi.json", web::get().to(openapi_json))
        .service(
            SwaggerUi::new("/docs/{_:.*}").config(utoipa_swagger_ui::Config::from("/openapi.json")),
        )
        .default_service(web::to(fallback))
        .wrap(from_fn(idempotency::middleware))
        .wrap(from_fn(crate::input::middleware))
        .wrap(from_fn(crate::limits::middleware))
        .wrap(from_fn(crate::auth::middleware))
        .wrap(from_fn(body_deadline))
        .wrap(cors(&ctx.cors_allowed_origins))
        .wrap(from_fn(problem_fallback))
        .wrap(from_fn(open_data_cors))
        .wrap(from_fn(metrics::middleware))
        .wrap(from_fn(response_headers))
        .wrap(TracingLogger::<crate::request_span::RequestSpan>::new())
        .wrap(from_fn(head_as_get))
}

/// `GET /openapi.json`: the document serialized when the first worker started.
async fn openapi_json(document: web::Data<ServedDocument>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(document.json.clone())
}

/// HEAD is answered like GET (RFC 9110 9.3.2): the request is routed as GET, and the HTTP layer,
/// which saw the HEAD, sends the headers (Content-Length, ETag, …) without the body.
async fn head_as_get(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    if req.method() == actix_web::http::Method::HEAD {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    next.call(req).await
}

/// The service's OpenAPI document, exactly as `/openapi.json` serves it.
pub fn document<F>(info: &ServiceInfo, routes: F) -> OpenApi
where
    F: FnOnce(&mut ServiceConfig),
{
    let (_, api) = App::new()
        .into_utoipa_app()
        .openapi(base_document(info))
        .service(health_live)
        .service(health_ready)
        .service(metrics_endpoint)
        .configure(routes)
        .split_for_parts();
    finish_document(api, info)
}

fn base_document(info: &ServiceInfo) -> OpenApi {
    let mut api = OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title(info.title)
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(format!("{}\n\n{}", info.description, CONVENTIONS)))
                .contact(Some(
                    ContactBuilder::new()
                        .name(Some("QMF Region Heilbronn-Franken"))
                        .build(),
                ))
                .license(Some(
                    LicenseBuilder::new()
                        .name("EUPL-1.2")
                        .identifier(Some("EUPL-1.2"))
                        .build(),
                ))
                .build(),
        )
        .servers(Some([ServerBuilder::new()
            .url(format!("http://127.0.0.1:{}", info.default_port))
            .description(Some(
                "local development (`cargo xtask up`), reachable from this machine only",
            ))
            .extensions(Some(
                ExtensionsBuilder::new()
                    .add("x-internal", serde_json::Value::Bool(true))
                    .build(),
            ))
            .build()]))
        .build();
    let components = api.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "JWT with claims `sub`, `org` (organisation id) and `roles`, checked as RFC8725 \
                     (JWT best current practices) recommends: each key accepts exactly one \
                     algorithm (RS256 or ES256 from the identity provider's JWKS, HS256 only with \
                     an explicitly configured development secret), `none` is refused, and `exp`, \
                     `iss`, `aud` and `sub` are required and checked. Development tokens: \
                     `cargo xtask token --role admin`.",
                ))
                .build(),
        ),
    );
    components.schemas.insert(
        "Problem".into(),
        <Problem as utoipa::PartialSchema>::schema(),
    );
    components.schemas.insert(
        "FieldError".into(),
        <FieldError as utoipa::PartialSchema>::schema(),
    );
    components.schemas.insert(
        "Violation".into(),
        <Violation as utoipa::PartialSchema>::schema(),
    );
    api.security = Some(vec![SecurityRequirement::new(
        "bearer",
        Vec::<String>::new(),
    )]);
    api
}

const CONVENTIONS: &str = "\
**Conventions.** Errors are RFC 9457 problem details (`application/problem+json`) with `type`, \
`title`, `status`, `detail`, and for validation errors a list `errors` of `{pointer, message}`. \
Lists use cursor pagination: `limit` (1-200, default 50) and `cursor` in, `items` and \
`next_cursor` out. Every POST accepts an `Idempotency-Key` header: repeating a request with the \
same key returns the stored response (header `Idempotent-Replayed: true`); the same key with a \
different request is refused with 422. Reads of mutable resources return a strong `ETag`; \
updates require `If-Match` with it (428 when missing, 412 when stale). Times are RFC 3339 UTC, \
dates ISO 8601. Every response carries an `X-Request-Id`.";

fn problem_response(description: &str) -> RefOr<utoipa::openapi::Response> {
    ResponseBuilder::new()
        .description(description)
        .content(
            "application/problem+json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("Problem")))
                .build(),
        )
        .into()
}

fn rate_limited_response() -> RefOr<utoipa::openapi::Response> {
    let mut response = problem_response(
        "A rate limit was reached (per token, per client address, for refused tokens, or for the \
         open-data interface); wait as long as `Retry-After` says.",
    );
    if let RefOr::T(response) = &mut response {
        response.headers.insert(
            "Retry-After".into(),
            utoipa::openapi::HeaderBuilder::new()
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::Integer)
                        .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
                        .minimum(Some(1)),
                ))
                .description(Some("Seconds to wait before the next request."))
                .build()
                .into(),
        );
    }
    response
}

/// The operation tags of every service, with what they group; listed at the top of the
/// document in this order. A tag missing here is listed without a description (and the
/// contract lint flags it).
const TAGS: &[(&str, &str, &str)] = &[
    (
        "directory",
        "organizations",
        "Youth offices, institutions, the state youth office and education providers taking part in QMF.",
    ),
    (
        "directory",
        "people",
        "Staff of the organisations with their functions; the other services keep copies through events.",
    ),
    (
        "directory",
        "agreements",
        "Signed cooperation and quality development agreements on which commitment rests.",
    ),
    (
        "directory",
        "administration",
        "Maintenance for administrators, such as republishing every record as events.",
    ),
    (
        "case",
        "cases",
        "Help cases of a youth office: opening, reading, documents, plans, timeline and due reviews.",
    ),
    (
        "case",
        "process",
        "The steps of the agreed help process: assessment, plan, help, reviews, transfer and closing.",
    ),
    (
        "case",
        "instruments",
        "The shared instruments (forms) with their released versions and JSON Schemas.",
    ),
    (
        "case",
        "audit",
        "Who read or changed which case, for data protection officers.",
    ),
    (
        "case",
        "statistics",
        "Anonymous figures across cases, without personal data.",
    ),
    (
        "committee",
        "bodies",
        "The Forum, the management, the steering group, working groups and their memberships.",
    ),
    (
        "committee",
        "meetings",
        "Meetings of bodies: planning, agenda, invitations, attendance and minutes.",
    ),
    (
        "committee",
        "topics",
        "Topics on their route from draft through the bodies to the Forum's decision.",
    ),
    (
        "committee",
        "decisions",
        "The register of the Forum's decisions.",
    ),
    (
        "committee",
        "management",
        "Terms of the management (Geschäftsführung) and their rotation.",
    ),
    (
        "committee",
        "people",
        "People as the committee service knows them from the directory's events.",
    ),
    (
        "committee",
        "oparl",
        "Read-only open data in the OParl 1.1 format, without authentication.",
    ),
    (
        "dialogue",
        "cycles",
        "Three-year cycles of quality dialogues: opening, rules, closing, the calendar of a range and the coverage report.",
    ),
    (
        "dialogue",
        "hosts",
        "The organisations hosting a dialogue in a cycle and what they record for planning it.",
    ),
    (
        "dialogue",
        "dialogues",
        "Quality dialogues: scheduling by hand against the rules, guests, invitations and answers, cancelling, history.",
    ),
    (
        "dialogue",
        "results",
        "What a dialogue yields: attendance, documentation with findings, ratings, agreed measures.",
    ),
    (
        "dialogue",
        "reports",
        "Quality reports (Qualitätsberichte): template, drafts, submission, reads and the outcome figures that pre-fill them.",
    ),
    (
        "dialogue",
        "absences",
        "When staff cannot attend: recorded by themselves or in bulk by their organisation's software.",
    ),
    (
        "dialogue",
        "calendar",
        "The region's blackout days: public holidays, imported school holidays, Forum meetings.",
    ),
    (
        "dialogue",
        "planning",
        "Planning a whole cycle with the planner: runs on the background-job runner with progress, plans with their explanation, accepting a plan; the cycle in the planner's file formats.",
    ),
    (
        "training",
        "catalogue",
        "The courses of the QMF trainings: topic, duration, prerequisites, completion rule, and for which staff functions they are required.",
    ),
    (
        "training",
        "sessions",
        "Dated sessions of the courses with their seats, registration window, seats kept for youth offices and institutions, and the limit per organisation; participant lists and sign-in sheets; expert days proposed by the Forum and by quality dialogues.",
    ),
    (
        "training",
        "attendance",
        "Attendance per session day (idempotent, corrections kept in a history), make-ups of excused days, completion by the course's rule, and each person's training record.",
    ),
    (
        "training",
        "registrations",
        "Registering for a session: a seat when one is free for the person, else the waiting list, whose next eligible person is offered a freed seat for a limited time; approval by the organisation's leader where a session asks for it; offers and the list's order in the organisers' hands.",
    ),
    (
        "training",
        "certificates",
        "Certificates of attendance issued with each completion (PDF in German), their revocation, and the public verification of a certificate's code.",
    ),
    (
        "training",
        "feeds",
        "Calendar subscriptions of a person's, an organisation's or a trainer's sessions behind a secret, revocable address.",
    ),
    (
        "training",
        "training-needs",
        "Who still needs which training: courses required for a person's staff functions that are missing, expired, or due as a refresher after a new instrument version.",
    ),
    (
        "dialogue",
        "feeds",
        "Calendar subscriptions of a person's or an organisation's dialogues behind a secret, revocable address.",
    ),
    (
        "*",
        "operations",
        "Health, readiness and metrics for operators and orchestrators; no authentication.",
    ),
];

/// The tags the operations use, with their descriptions, in the order of [`TAGS`].
fn document_tags(api: &OpenApi, service: &str) -> Vec<utoipa::openapi::Tag> {
    let mut used: Vec<String> = api
        .paths
        .paths
        .values()
        .flat_map(|item| {
            [&item.get, &item.post, &item.put, &item.patch, &item.delete]
                .into_iter()
                .flatten()
                .flat_map(|op| op.tags.iter().flatten().cloned())
        })
        .collect();
    used.sort();
    used.dedup();
    let position = |tag: &str| {
        TAGS.iter()
            .position(|(s, t, _)| (*s == service || *s == "*") && *t == tag)
    };
    used.sort_by_key(|tag| position(tag).unwrap_or(usize::MAX));
    used.into_iter()
        .map(|tag| {
            let description = position(&tag).map(|i| TAGS[i].2);
            TagBuilder::new().name(tag).description(description).build()
        })
        .collect()
}

/// Adds the responses every operation can give, so each handler documents only its own, and
/// the list of tags.
/// Drops component schemas that nothing in the document refers to. utoipa registers the item
/// type of a generic page (`Page<T>`) as a component of its own although the page's schema
/// carries it inline, so a type that appears only in lists would stand in the document unused.
fn prune_unused_schemas(api: &mut OpenApi) {
    const PREFIX: &str = "\"#/components/schemas/";
    fn refs(json: &str, found: &mut Vec<String>) {
        for (at, _) in json.match_indices(PREFIX) {
            let rest = &json[at + PREFIX.len()..];
            if let Some(end) = rest.find('"') {
                found.push(rest[..end].to_string());
            }
        }
    }
    let Some(schemas) = api.components.as_ref().map(|c| c.schemas.clone()) else {
        return;
    };
    // Everything but the schemas themselves: paths, responses, parameters, request bodies.
    let mut outside = api.clone();
    if let Some(components) = outside.components.as_mut() {
        components.schemas.clear();
    }
    let Ok(text) = serde_json::to_string(&outside) else {
        return;
    };
    let mut pending = Vec::new();
    refs(&text, &mut pending);
    let mut reachable = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if let Some(schema) = schemas.get(&name)
            && reachable.insert(name)
        {
            let Ok(text) = serde_json::to_string(schema) else {
                return;
            };
            refs(&text, &mut pending);
        }
    }
    if let Some(components) = api.components.as_mut() {
        components
            .schemas
            .retain(|name, _| reachable.contains(name));
    }
}

/// Declares OpenAPI links from each `POST` that creates a resource (201 with an `id`) to the
/// operations on the new resource's own path (`{collection}/{id}`, a UUID path parameter), so
/// clients and stateful testers can follow a creation to what can be done with the result.
/// Path parameters of the collection are passed on from the request.
fn add_creation_links(api: &mut OpenApi) {
    let Ok(doc) = serde_json::to_value(&*api) else {
        return;
    };
    let schemas = doc["components"]["schemas"].clone();
    let resolve = |schema: &serde_json::Value| -> serde_json::Value {
        match schema["$ref"].as_str() {
            Some(reference) => reference
                .strip_prefix("#/components/schemas/")
                .map(|name| schemas[name].clone())
                .unwrap_or_default(),
            None => schema.clone(),
        }
    };
    let params_of = |path: &str| -> Vec<String> {
        path.split('/')
            .filter_map(|segment| segment.strip_prefix('{')?.strip_suffix('}'))
            .map(str::to_string)
            .collect()
    };
    let Some(paths) = doc["paths"].as_object() else {
        return;
    };
    let mut found: Vec<(String, serde_json::Map<String, serde_json::Value>)> = Vec::new();
    for (collection, item) in paths {
        let created = &item["post"]["responses"]["201"]["content"]["application/json"]["schema"];
        if resolve(created)["properties"]["id"].is_null() {
            continue;
        }
        let mut links = serde_json::Map::new();
        for (path, target) in paths {
            let Some(name) = path
                .strip_prefix(collection.as_str())
                .and_then(|rest| rest.strip_prefix("/{"))
                .and_then(|rest| rest.strip_suffix('}'))
                .filter(|name| !name.contains(['/', '{', '}']))
            else {
                continue;
            };
            for method in ["get", "put", "patch", "delete"] {
                let operation = &target[method];
                let Some(operation_id) = operation["operationId"].as_str() else {
                    continue;
                };
                let by_uuid = operation["parameters"]
                    .as_array()
                    .is_some_and(|parameters| {
                        parameters.iter().any(|p| {
                            p["in"] == "path"
                                && p["name"] == name
                                && p["schema"]["format"] == "uuid"
                        })
                    });
                if !by_uuid {
                    continue;
                }
                let mut parameters = serde_json::Map::new();
                for parent in params_of(collection) {
                    parameters.insert(
                        parent.clone(),
                        serde_json::Value::String(format!("$request.path.{parent}")),
                    );
                }
                parameters.insert(name.to_string(), "$response.body#/id".into());
                // A change of what was just created names the version it replaces.
                let if_match = operation["parameters"]
                    .as_array()
                    .is_some_and(|parameters| {
                        parameters
                            .iter()
                            .any(|p| p["in"] == "header" && p["name"] == "If-Match")
                    });
                if if_match {
                    parameters.insert("header.If-Match".into(), "$response.header.ETag".into());
                }
                links.insert(
                    operation_id.to_string(),
                    serde_json::json!({
                        "operationId": operation_id,
                        "parameters": parameters,
                        "description": format!("`{}` on the created resource.", method.to_uppercase()),
                    }),
                );
            }
        }
        if !links.is_empty() {
            found.push((collection.clone(), links));
        }
    }
    for (collection, links) in found {
        let Some(RefOr::T(created)) = api
            .paths
            .paths
            .get_mut(&collection)
            .and_then(|item| item.post.as_mut())
            .and_then(|post| post.responses.responses.get_mut("201"))
        else {
            continue;
        };
        for (name, link) in links {
            let mut builder = utoipa::openapi::link::LinkBuilder::new()
                .operation_id(link["operationId"].as_str().unwrap_or_default())
                .description(link["description"].as_str().unwrap_or_default());
            for (parameter, value) in link["parameters"].as_object().into_iter().flatten() {
                builder = builder.parameter(parameter, value.clone());
            }
            created.links.insert(name, RefOr::T(builder.build()));
        }
    }
}

fn finish_document(mut api: OpenApi, info: &ServiceInfo) -> OpenApi {
    api.tags = Some(document_tags(&api, info.name));
    for (path, item) in api.paths.paths.iter_mut() {
        let public = path.starts_with("/health") || path == "/metrics";
        let anonymous = public || path.starts_with(OPEN_DATA_PREFIX);
        let operations: [(&str, &mut Option<Operation>); 5] = [
            ("get", &mut item.get),
            ("post", &mut item.post),
            ("put", &mut item.put),
            ("patch", &mut item.patch),
            ("delete", &mut item.delete),
        ];
        for (method, operation) in operations {
            let Some(operation) = operation else { continue };
            if method == "post" {
                operation
                    .parameters
                    .get_or_insert_with(Vec::new)
                    .push(RefOr::T(
                    ParameterBuilder::new()
                        .name("Idempotency-Key")
                        .parameter_in(ParameterIn::Header)
                        .required(Required::False)
                        .description(Some(
                            "Unique key per intended write: 1 to 255 printable ASCII characters, \
                             e.g. a UUID. Repeating the request with the same key returns \
                             the stored response instead of writing twice; the same key with a \
                             different request is refused (422).",
                        ))
                        .schema(Some(
                            ObjectBuilder::new()
                                .schema_type(Type::String)
                                .min_length(Some(1))
                                .max_length(Some(255))
                                .pattern(Some(crate::idempotency::KEY_PATTERN)),
                        ))
                        .example(Some(serde_json::json!(
                            "5f0c9a3e-2b7d-4c1e-9a55-7c1d2e3f4a5b"
                        )))
                        .build(),
                ));
            }
            let responses = &mut operation.responses.responses;
            if !public {
                responses
                    .entry("429".to_string())
                    .or_insert_with(rate_limited_response);
            }
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_string())
                    .or_insert_with(|| problem_response(description));
            };
            if !anonymous {
                add(
                    "401",
                    "Missing, malformed, expired or not yet valid bearer token; `detail` says which.",
                );
                add(
                    "403",
                    "The token carries no role this platform knows, or the caller may not do this.",
                );
            }
            if !public {
                add(
                    "400",
                    "The body is not well-formed JSON, or the query string has a malformed or unknown parameter.",
                );
            }

            if operation.request_body.is_some() {
                add(
                    "408",
                    "The request body was not received in time (a pause longer than the body timeout).",
                );
                add("413", "The body exceeds the size limit.");
                add("415", "The body has an unsupported content type.");
                add(
                    "422",
                    "The body is valid JSON but violates the schema or a validation rule; `errors` lists each field.",
                );
            }
            if method == "post" {
                add(
                    "409",
                    "A request with the same Idempotency-Key is still being processed.",
                );
                add(
                    "422",
                    "The Idempotency-Key was already used with a different request.",
                );
            }
            let in_path = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Path));
            if in_path {
                add(
                    "404",
                    "No resource at this path: an id is malformed or a path parameter breaks the \
                     text rules.",
                );
            }
            let queried = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == ParameterIn::Query));
            if queried {
                add(
                    "422",
                    "A query parameter breaks the text rules (control or bidirectional override \
                     characters, a date outside 1900-2200) or is out of range; `errors` points at it.",
                );
            }
            let paged = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.name == "cursor"));
            if paged {
                add(
                    "422",
                    "`limit` is out of range, `cursor` does not come from this list, or a filter value is invalid.",
                );
            }
            let takes_if_match = operation
                .parameters
                .iter()
                .flatten()
                .any(|p| matches!(p, RefOr::T(p) if p.name == "If-Match"));
            if takes_if_match {
                add(
                    "412",
                    "`If-Match` does not match the current version: read the resource again.",
                );
                add("428", "`If-Match` is missing.");
            }
            add(
                "500",
                "Unexpected error; the body is generic, the cause is logged under the request id.",
            );
            add(
                "503",
                "A dependency (database, broker, identity provider) is unavailable.",
            );
        }
    }
    prune_unused_schemas(&mut api);
    state_text_rule(&mut api);
    add_creation_links(&mut api);
    api
}

/// A regular expression of the rule [`crate::text::clean`] applies to every string of a request
/// body: no control characters but tab and line breaks, no bidirectional embedding, override
/// or isolate characters.
pub const TEXT_PATTERN: &str =
    r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]*$";

/// States the text rule ([`TEXT_PATTERN`]) on every free-text string a request body can carry
/// (strings without a format, enum or pattern of their own, in request bodies and the component
/// schemas they refer to), so clients and generators know it before a 422 tells them.
fn state_text_rule(api: &mut OpenApi) {
    fn mark(schema: &mut serde_json::Value, refs: &mut Vec<String>) {
        match schema {
            serde_json::Value::Object(map) => {
                if let Some(reference) = map.get("$ref").and_then(|r| r.as_str()) {
                    if let Some(name) = reference.strip_prefix("#/components/schemas/") {
                        refs.push(name.to_string());
                    }
                    return;
                }
                let is_string = match map.get("type") {
                    Some(serde_json::Value::String(t)) => t == "string",
                    Some(serde_json::Value::Array(types)) => types.iter().any(|t| t == "string"),
                    _ => false,
                };
                let own_rule = ["format", "enum", "const", "pattern"]
                    .iter()
                    .any(|k| map.contains_key(*k));
                if is_string && !own_rule {
                    map.insert("pattern".into(), TEXT_PATTERN.into());
                }
                for (key, value) in map.iter_mut() {
                    // Examples are data, not schemas.
                    if key != "example" && key != "examples" && key != "default" {
                        mark(value, refs);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|v| mark(v, refs)),
            _ => {}
        }
    }
    // Each schema goes through JSON and back on its own (utoipa reads its own schemas back, not
    // always a whole document).
    fn marked(schema: &RefOr<Schema>, refs: &mut Vec<String>) -> Option<RefOr<Schema>> {
        let mut value = serde_json::to_value(schema).ok()?;
        mark(&mut value, refs);
        serde_json::from_value(value).ok()
    }
    let mut pending = Vec::new();
    for item in api.paths.paths.values_mut() {
        for operation in [&mut item.post, &mut item.put, &mut item.patch]
            .into_iter()
            .flatten()
        {
            let Some(RefOr::T(body)) = operation.request_body.as_mut() else {
                continue;
            };
            for content in body.content.values_mut() {
                if let RefOr::T(content) = content
                    && let Some(schema) = content.schema.as_mut()
                    && let Some(new) = marked(schema, &mut pending)
                {
                    *schema = new;
                }
            }
        }
    }
    let Some(components) = api.components.as_mut() else {
        return;
    };
    let mut done = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !done.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = components.schemas.get_mut(&name)
            && let Some(new) = marked(schema, &mut pending)
        {
            *schema = new;
        }
    }
}

/// Path templates and methods of the documented API, used to answer 405 instead of 404 when
/// the path exists but the method does not.
struct KnownRoutes(Vec<(Vec<String>, Vec<&'static str>)>);

impl KnownRoutes {
    fn from_document(api: &OpenApi) -> Self {
        let mut routes: Vec<(Vec<String>, Vec<&'static str>)> = api
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", item.get.is_some()),
                    ("POST", item.post.is_some()),
                    ("PUT", item.put.is_some()),
                    ("PATCH", item.patch.is_some()),
                    ("DELETE", item.delete.is_some()),
                ]
                .into_iter()
                .filter(|(_, present)| *present)
                .flat_map(|(m, _)| {
                    if m == "GET" {
                        vec!["GET", "HEAD"]
                    } else {
                        vec![m]
                    }
                })
                .collect();
                (segments(path), methods)
            })
            .collect();
        routes.push((segments("/openapi.json"), vec!["GET", "HEAD"]));
        KnownRoutes(routes)
    }

    fn allowed(&self, path: &str) -> Vec<String> {
        let wanted = segments(path);
        let mut allowed: Vec<String> = self
            .0
            .iter()
            .filter(|(template, _)| {
                template.len() == wanted.len()
                    && template.iter().zip(&wanted).all(|(t, w)| {
                        (t.starts_with('{') && t.ends_with('}') && !w.is_empty()) || t == w
                    })
            })
            .flat_map(|(_, methods)| methods.iter().map(|m| m.to_string()))
            .collect();
        allowed.sort();
        allowed.dedup();
        allowed
    }
}

/// The segments of a path; a trailing slash makes an empty last segment, so `/things/1/` is
/// not `/things/1` (it answers 404, like every path no route matches).
fn segments(path: &str) -> Vec<String> {
    path.split('/').map(str::to_string).collect()
}

async fn fallback(
    req: HttpRequest,
    known: web::Data<KnownRoutes>,
) -> Result<HttpResponse, ApiError> {
    let allow = known.allowed(req.path());
    if allow.is_empty() {
        Err(ApiError::NotFound(format!("no resource at {}", req.path())))
    } else {
        Err(ApiError::MethodNotAllowed { allow })
    }
}

/// Headers on every response: the request id, and the security headers. Responses of the API
/// may hold personal data and must never sit in a cache (`Cache-Control: no-store` unless a
/// handler chose otherwise); `nosniff` keeps browsers from guessing content types.
async fn response_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().copied();
    let id = id.and_then(|id| HeaderValue::from_str(&id.to_string()).ok());
    fn add(headers: &mut header::HeaderMap, id: Option<HeaderValue>) {
        if let Some(id) = id {
            headers.insert(header::HeaderName::from_static("x-request-id"), id);
        }
        if !headers.contains_key(header::CACHE_CONTROL) {
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        }
        headers.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        headers.remove(header::SERVER);
    }
    match next.call(req).await {
        Ok(mut response) => {
            add(response.headers_mut(), id);
            Ok(response)
        }
        Err(mut error) => {
            error.add_response_mapper(move |mut response| {
                add(response.headers_mut(), id.clone());
                response
            });
            Err(error)
        }
    }
}

/// How long a request body may pause (app data); the whole body gets six times as long.
#[derive(Clone, Copy)]
struct BodyTimeout(std::time::Duration);

/// Marks a request whose body did not arrive in time, so its error becomes a 408.
#[derive(Clone, Default)]
struct BodyTimedOut(std::rc::Rc<std::cell::Cell<bool>>);

/// Bounds the time a client may take to send its body: a stalled or dripping upload ends with
/// 408 instead of holding a worker's connection.
async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    use actix_web::http::Method;
    use futures_util::StreamExt;
    let idle = req.app_data::<BodyTimeout>().map(|t| t.0);
    if let Some(idle) = idle
        && !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
    {
        let timed_out = BodyTimedOut::default();
        req.extensions_mut().insert(timed_out.clone());
        let deadline = tokio::time::Instant::now() + idle * 6;
        let payload = req.take_payload();
        let stream = futures_util::stream::unfold(Some(payload), move |payload| {
            let timed_out = timed_out.clone();
            async move {
                let mut payload = payload?;
                let wait =
                    idle.min(deadline.saturating_duration_since(tokio::time::Instant::now()));
                match tokio::time::timeout(wait, payload.next()).await {
                    Ok(Some(item)) => Some((item, Some(payload))),
                    Ok(None) => None,
                    Err(_) => {
                        timed_out.0.set(true);
                        let error = std::io::Error::new(
                            std::io::ErrorKind::TimedOut,
                            "the request body was not received in time",
                        );
                        Some((Err(actix_web::error::PayloadError::Io(error)), None))
                    }
                }
            }
        });
        req.set_payload(actix_web::dev::Payload::Stream {
            payload: Box::pin(stream),
        });
    }
    next.call(req).await
}

/// Turns error responses that did not come from our handlers (actix's own plain-text errors,
/// e.g. for an oversized upload) into problem details, so clients see one error format.
async fn problem_fallback(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    let response = match next.call(req).await {
        Ok(response) => response.map_into_boxed_body(),
        // Only a middleware raises errors here (the CORS refusal); answer it as a problem.
        Err(error) => {
            let status = error.as_response_error().status_code();
            let reply = if status == actix_web::http::StatusCode::BAD_REQUEST {
                actix_web::ResponseError::error_response(&ApiError::BadRequest(
                    "cross-origin request refused: the origin, method or a header is not allowed"
                        .into(),
                ))
            } else {
                problem_for_status(status)
            };
            return Err(
                actix_web::error::InternalError::from_response(error.to_string(), reply).into(),
            );
        }
    };
    let status = response.status();
    let is_problem = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    // The readiness report is the documented body of its 503.
    let readiness = response.request().path() == "/health/ready";
    if !(status.is_client_error() || status.is_server_error()) || is_problem || readiness {
        return Ok(response);
    }
    let timed_out = response
        .request()
        .extensions()
        .get::<BodyTimedOut>()
        .is_some_and(|t| t.0.get());
    let reply = if timed_out {
        actix_web::ResponseError::error_response(&ApiError::RequestTimeout(
            "the request body was not received in time".into(),
        ))
    } else {
        problem_for_status(status)
    };
    let (request, _) = response.into_parts();
    Ok(ServiceResponse::new(request, reply))
}

/// The problem answering an error status that no handler described.
fn problem_for_status(status: actix_web::http::StatusCode) -> HttpResponse {
    let error = match status.as_u16() {
        408 => ApiError::RequestTimeout("the request was not received in time".into()),
        431 => ApiError::HeaderTooLarge("a request header is too large".into()),
        400 => ApiError::BadRequest("the request could not be read".into()),
        404 => ApiError::NotFound("no such resource".into()),
        413 => ApiError::PayloadTooLarge("the request body is too large".into()),
        415 => ApiError::UnsupportedMediaType("unsupported content type".into()),
        503 => ApiError::Unavailable("the service is unavailable".into()),
        code if code >= 500 => ApiError::Internal(format!("unmapped error response {code}")),
        code => {
            // Keep the status; describe it generically.
            let problem = Problem {
                problem_type: "about:blank".into(),
                title: status.canonical_reason().unwrap_or("Error").into(),
                status: code,
                detail: None,
                errors: vec![],
                rule: None,
                violations: vec![],
            };
            return HttpResponse::build(status)
                .content_type("application/problem+json")
                .json(problem);
        }
    };
    actix_web::ResponseError::error_response(&error)
}

/// Path prefix of the open-data interface (OParl): anonymous, read-only, meant to be read by
/// any web page. Its responses carry `Access-Control-Allow-Origin: *` whatever
/// `QMF_CORS_ALLOWED_ORIGINS` says, as the OParl specification demands.
pub const OPEN_DATA_PREFIX: &str = "/oparl/";

/// Answers CORS for the open-data paths before the restrictive CORS layer sees the request:
/// preflights get a wildcard answer for GET, other requests pass on without their `Origin`
/// (so the configured origins do not apply) and get `Access-Control-Allow-Origin: *`.
async fn open_data_cors(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if !req.path().starts_with(OPEN_DATA_PREFIX) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    let wildcard = HeaderValue::from_static("*");
    if req.method() == actix_web::http::Method::OPTIONS
        && req
            .headers()
            .contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
    {
        let mut reply = HttpResponse::NoContent();
        reply
            .insert_header((header::ACCESS_CONTROL_ALLOW_ORIGIN, wildcard))
            .insert_header((
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, OPTIONS"),
            ))
            .insert_header((
                header::ACCESS_CONTROL_MAX_AGE,
                HeaderValue::from_static("86400"),
            ));
        if let Some(requested) = req.headers().get(header::ACCESS_CONTROL_REQUEST_HEADERS) {
            reply.insert_header((header::ACCESS_CONTROL_ALLOW_HEADERS, requested.clone()));
        }
        return Ok(req.into_response(reply.finish()));
    }
    req.headers_mut().remove(header::ORIGIN);
    match next.call(req).await {
        Ok(response) => {
            let mut response = response.map_into_boxed_body();
            response
                .headers_mut()
                .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, wildcard);
            Ok(response)
        }
        Err(mut error) => {
            error.add_response_mapper(move |mut response| {
                response
                    .headers_mut()
                    .insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, wildcard.clone());
                response
            });
            Err(error)
        }
    }
}

fn cors(origins: &[String]) -> Cors {
    let mut cors = Cors::default()
        .allowed_methods(["GET", "POST", "PUT", "PATCH", "DELETE"])
        .allowed_headers([
            header::AUTHORIZATION,
            header::CONTENT_TYPE,
            header::IF_MATCH,
            header::HeaderName::from_static("idempotency-key"),
        ])
        .expose_headers([
            header::ETAG,
            header::LOCATION,
            header::HeaderName::from_static("x-request-id"),
        ])
        .max_age(3600);
    for origin in origins {
        cors = cors.allowed_origin(origin);
    }
    cors
}

struct Readiness(ReadinessCheck);

/// Result of the readiness probe.
#[derive(Serialize, ToSchema)]
#[schema(example = json!({"status": "ready", "database": "up", "broker": "up"}))]
pub struct ReadinessReport {
    /// `ready` or `not_ready`.
    pub status: &'static str,
    /// `up` or `down`.
    pub database: &'static str,
    /// `up` or `down`.
    pub broker: &'static str,
}

/// Liveness: the process is running and serving HTTP.
///
/// Answers as long as the HTTP workers run, without touching the database or the broker, so an
/// orchestrator restarts the process only when it hangs.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "The process is alive.", body = serde_json::Value, example = json!({"status": "live"})))
)]
#[get("/health/live")]
async fn health_live() -> HttpResponse {
    HttpResponse::Ok().json(serde_json::json!({"status": "live"}))
}

/// Readiness: the database and the message broker are reachable.
///
/// Pings the database and reports the broker connections; 503 tells a load balancer to send
/// no traffic until both are back.
#[utoipa::path(
    tag = "operations",
    security(()),
    responses(
        (status = 200, description = "Ready to serve traffic.", body = ReadinessReport),
        (status = 503, description = "The database or the broker is unreachable.", body = ReadinessReport),
    )
)]
#[get("/health/ready")]
async fn health_ready(pool: web::Data<DbPool>, readiness: web::Data<Readiness>) -> HttpResponse {
    let database = db::ping(&pool).await;
    let broker = (readiness.0)();
    let report = ReadinessReport {
        status: if database && broker {
            "ready"
        } else {
            "not_ready"
        },
        database: if database { "up" } else { "down" },
        broker: if broker { "up" } else { "down" },
    };
    if database && broker {
        HttpResponse::Ok().json(report)
    } else {
        HttpResponse::ServiceUnavailable().json(report)
    }
}

/// Prometheus metrics in text exposition format.
///
/// Request counts by method, route and status, request durations by method and route; from the
/// database at each scrape: `qmf_database_up`, the outbox backlog (`qmf_outbox_pending_events`,
/// `qmf_outbox_oldest_pending_seconds`) and per background job its runs of the last 24 hours by
/// outcome (`qmf_job_runs_24h`) and its last success (`qmf_job_last_success_timestamp_seconds`).
#[utoipa::path(
    tag = "operations",
    security(()),
    responses((status = 200, description = "Metrics in Prometheus text format.", content_type = "text/plain", body = String))
)]
#[get("/metrics")]
async fn metrics_endpoint(
    metrics: web::Data<Metrics>,
    pool: Option<web::Data<DbPool>>,
) -> HttpResponse {
    metrics::serve(metrics, pool).await
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use utoipa::openapi::{ComponentsBuilder, OpenApiBuilder, Ref};

    #[test]
    fn the_text_rule_is_stated_on_free_text_of_request_bodies_only() {
        let mut api: OpenApi = serde_json::from_value(serde_json::json!({
            "openapi": "3.1.0",
            "info": {"title": "t", "version": "1"},
            "paths": {"/things": {"post": {
                "requestBody": {"content": {"application/json": {"schema": {"$ref": "#/components/schemas/Draft"}}}},
                "responses": {"201": {"description": "created", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/View"}}}}}
            }}},
            "components": {"schemas": {
                "Draft": {"type": "object", "properties": {
                    "name": {"type": "string", "maxLength": 10},
                    "note": {"type": ["string", "null"]},
                    "day": {"type": "string", "format": "date"},
                    "kind": {"type": "string", "enum": ["a", "b"]},
                    "tags": {"type": "array", "items": {"type": "string"}},
                    "address": {"$ref": "#/components/schemas/Address"}
                }, "example": {"name": "x"}},
                "Address": {"type": "object", "properties": {"city": {"type": "string"}}},
                "View": {"type": "object", "properties": {"label": {"type": "string"}}}
            }}
        }))
        .unwrap();
        state_text_rule(&mut api);
        let doc = serde_json::to_value(&api).unwrap();
        let schemas = &doc["components"]["schemas"];
        let pattern = |schema: &serde_json::Value| schema["pattern"].as_str().map(str::to_string);
        let draft = &schemas["Draft"]["properties"];
        assert_eq!(pattern(&draft["name"]).as_deref(), Some(TEXT_PATTERN));
        assert_eq!(pattern(&draft["note"]).as_deref(), Some(TEXT_PATTERN));
        assert_eq!(
            pattern(&draft["tags"]["items"]).as_deref(),
            Some(TEXT_PATTERN)
        );
        assert_eq!(pattern(&draft["day"]), None);
        assert_eq!(pattern(&draft["kind"]), None);
        assert_eq!(pattern(&schemas["Draft"]["example"]), None);
        assert_eq!(
            pattern(&schemas["Address"]["properties"]["city"]).as_deref(),
            Some(TEXT_PATTERN)
        );
        assert_eq!(pattern(&schemas["View"]["properties"]["label"]), None);
    }

    #[test]
    fn the_text_pattern_accepts_what_the_text_rule_accepts() {
        let regex = regex::Regex::new(TEXT_PATTERN).unwrap();
        for text in [
            "Jugendamt Heilbronn",
            "Zeile 1\nZeile 2\tTab\r\n",
            "",
            "\u{0645}\u{0631}\u{062d}\u{0628}\u{0627}",
            "a\u{0}b",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
            "evil\u{202e}txt",
            "iso\u{2066}late",
        ] {
            let by_rule = !matches!(
                crate::text::clean(text),
                Err(crate::text::TextError::ControlCharacter | crate::text::TextError::BidiControl)
            );
            assert_eq!(regex.is_match(text), by_rule, "{text:?}");
        }
    }

    #[test]
    fn schemas_nothing_refers_to_are_dropped_and_the_rest_kept() {
        let object = || RefOr::T(utoipa::openapi::schema::Schema::Object(Default::default()));
        let mut nested = utoipa::openapi::schema::Object::new();
        nested
            .properties
            .insert("inner".into(), RefOr::Ref(Ref::from_schema_name("Inner")));
        let response = utoipa::openapi::ResponseBuilder::new()
            .description("ok")
            .content(
                "application/json",
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Outer")))
                    .build(),
            )
            .build();
        let operation = utoipa::openapi::path::OperationBuilder::new()
            .response("200", response)
            .build();
        let mut api = OpenApiBuilder::new()
            .paths(utoipa::openapi::PathsBuilder::new().path(
                "/things",
                utoipa::openapi::PathItem::new(utoipa::openapi::HttpMethod::Get, operation),
            ))
            .components(Some(
                ComponentsBuilder::new()
                    .schema(
                        "Outer",
                        RefOr::T(utoipa::openapi::schema::Schema::Object(nested)),
                    )
                    .schema("Inner", object())
                    .schema("Unused", object())
                    .build(),
            ))
            .build();
        prune_unused_schemas(&mut api);
        let names: Vec<&String> = api.components.as_ref().unwrap().schemas.keys().collect();
        assert_eq!(names, ["Inner", "Outer"]);
    }
}
