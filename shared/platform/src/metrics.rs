//! Prometheus metrics served at `/metrics`: request counts and latencies per route pattern, and
//! what the database tells at each scrape: the outbox backlog and the age of its oldest unsent
//! event, and per background job its runs of the last 24 hours by outcome and its last success.
//! The database figures are the same on every replica (they describe the service, not the
//! process), so alert on them with `max`, not `sum`. The connection pools of the process are
//! per replica: one for the relay, consumer and jobs (`pool="process"`), one per HTTP worker
//! (`pool="http-worker-<n>"`); sum them per pod for the connections a replica holds.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::{HttpResponse, web};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Double, Text};
use diesel_async::RunQueryDsl;
use prometheus::{
    Encoder, Gauge, GaugeVec, HistogramOpts, HistogramVec, IntCounterVec, IntGauge, IntGaugeVec,
    Opts, Registry, TextEncoder,
};

use crate::db::DbPool;

/// How long a scrape waits for the database figures; without them the scrape still answers,
/// with `qmf_database_up 0` and the figures of the last successful scrape.
const DATABASE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(2);

/// One registry per service instance (tests run several services in one process).
#[derive(Clone)]
pub struct Metrics {
    registry: Registry,
    requests: IntCounterVec,
    latency: HistogramVec,
    database_up: IntGauge,
    outbox_pending: IntGauge,
    outbox_oldest: Gauge,
    job_runs: IntGaugeVec,
    job_last_success: GaugeVec,
    pools: Arc<Mutex<Vec<(String, DbPool)>>>,
    pool_connections: IntGaugeVec,
    pool_max: IntGaugeVec,
    pool_waiting: IntGaugeVec,
}

impl Metrics {
    pub fn new(service: &str) -> Result<Self, prometheus::Error> {
        let registry = Registry::new_custom(
            Some("qmf".into()),
            Some([("service".to_string(), service.to_string())].into()),
        )?;
        let requests = IntCounterVec::new(
            Opts::new(
                "http_requests_total",
                "HTTP requests by method, route and status",
            ),
            &["method", "route", "status"],
        )?;
        let latency = HistogramVec::new(
            HistogramOpts::new("http_request_duration_seconds", "HTTP request latency").buckets(
                vec![
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ],
            ),
            &["method", "route"],
        )?;
        let database_up = IntGauge::new(
            "database_up",
            "1 when the last scrape could read the database figures, else 0",
        )?;
        let outbox_pending = IntGauge::new(
            "outbox_pending_events",
            "Events committed but not yet confirmed by the broker",
        )?;
        let outbox_oldest = Gauge::new(
            "outbox_oldest_pending_seconds",
            "Age of the oldest event not yet confirmed by the broker (0 when none is waiting)",
        )?;
        let job_runs = IntGaugeVec::new(
            Opts::new(
                "job_runs_24h",
                "Runs of each background job started in the last 24 hours, by outcome",
            ),
            &["job", "outcome"],
        )?;
        let job_last_success = GaugeVec::new(
            Opts::new(
                "job_last_success_timestamp_seconds",
                "When each background job last finished successfully (Unix time; 0: never)",
            ),
            &["job"],
        )?;
        let pool_connections = IntGaugeVec::new(
            Opts::new(
                "db_pool_connections",
                "Open database connections of each pool of this process, in use or idle",
            ),
            &["pool", "state"],
        )?;
        let pool_max = IntGaugeVec::new(
            Opts::new(
                "db_pool_max_connections",
                "The most connections each pool of this process may open",
            ),
            &["pool"],
        )?;
        let pool_waiting = IntGaugeVec::new(
            Opts::new(
                "db_pool_waiting",
                "Tasks of this process waiting for a connection from each pool",
            ),
            &["pool"],
        )?;
        registry.register(Box::new(requests.clone()))?;
        registry.register(Box::new(pool_connections.clone()))?;
        registry.register(Box::new(pool_max.clone()))?;
        registry.register(Box::new(pool_waiting.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(database_up.clone()))?;
        registry.register(Box::new(outbox_pending.clone()))?;
        registry.register(Box::new(outbox_oldest.clone()))?;
        registry.register(Box::new(job_runs.clone()))?;
        registry.register(Box::new(job_last_success.clone()))?;
        Ok(Metrics {
            registry,
            requests,
            latency,
            database_up,
            outbox_pending,
            outbox_oldest,
            job_runs,
            job_last_success,
            pools: Arc::default(),
            pool_connections,
            pool_max,
            pool_waiting,
        })
    }

    /// Reports `pool` under `name` from the next scrape on.
    pub fn watch_pool(&self, name: impl Into<String>, pool: &DbPool) {
        self.pools
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push((name.into(), pool.clone()));
    }

    /// Reads the state of the watched pools into the gauges.
    pub fn refresh_pools(&self) {
        let pools = self.pools.lock().unwrap_or_else(PoisonError::into_inner);
        for (name, pool) in pools.iter() {
            let status = pool.status();
            let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
            let idle = status.available.min(status.size);
            self.pool_connections
                .with_label_values(&[name.as_str(), "in_use"])
                .set(gauge(status.size - idle));
            self.pool_connections
                .with_label_values(&[name.as_str(), "idle"])
                .set(gauge(idle));
            self.pool_max
                .with_label_values(&[name.as_str()])
                .set(gauge(status.max_size));
            self.pool_waiting
                .with_label_values(&[name.as_str()])
                .set(gauge(status.waiting));
        }
    }

    /// Reads the database figures into the gauges; on failure only `database_up` changes.
    pub async fn refresh_from_database(&self, pool: &DbPool) {
        match tokio::time::timeout(DATABASE_TIMEOUT, database_figures(pool)).await {
            Ok(Ok((outbox, jobs))) => {
                self.database_up.set(1);
                self.outbox_pending.set(outbox.pending);
                self.outbox_oldest.set(outbox.oldest_seconds);
                for job in jobs {
                    for (outcome, count) in [
                        ("ok", job.ok),
                        ("failed", job.failed),
                        ("cancelled", job.cancelled),
                    ] {
                        self.job_runs
                            .with_label_values(&[job.job.as_str(), outcome])
                            .set(count);
                    }
                    self.job_last_success
                        .with_label_values(&[job.job.as_str()])
                        .set(job.last_success);
                }
            }
            Ok(Err(error)) => {
                tracing::warn!(%error, "metrics: cannot read the database figures");
                self.database_up.set(0);
            }
            Err(_) => {
                tracing::warn!("metrics: the database figures took too long");
                self.database_up.set(0);
            }
        }
    }

    /// Lets a service register its own metrics (e.g. outbox backlog).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn render(&self) -> String {
        let mut buffer = Vec::new();
        let encoder = TextEncoder::new();
        if let Err(e) = encoder.encode(&self.registry.gather(), &mut buffer) {
            tracing::error!(error = %e, "could not encode metrics");
        }
        String::from_utf8(buffer).unwrap_or_default()
    }
}

pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    // Labels come from a closed set, so no request can add series: unknown methods count as
    // `other`, paths no route matches as `unmatched`.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "other",
    }
    .to_string();
    let route = req.match_pattern().unwrap_or_else(|| "unmatched".into());
    let response = next.call(req).await?;
    if let Some(metrics) = metrics {
        let status = response.status().as_u16().to_string();
        metrics
            .requests
            .with_label_values(&[method.as_str(), route.as_str(), status.as_str()])
            .inc();
        metrics
            .latency
            .with_label_values(&[method.as_str(), route.as_str()])
            .observe(started.elapsed().as_secs_f64());
    }
    Ok(response)
}

#[derive(QueryableByName)]
struct OutboxFigures {
    #[diesel(sql_type = BigInt)]
    pending: i64,
    #[diesel(sql_type = Double)]
    oldest_seconds: f64,
}

#[derive(QueryableByName)]
struct JobFigures {
    #[diesel(sql_type = Text)]
    job: String,
    #[diesel(sql_type = BigInt)]
    ok: i64,
    #[diesel(sql_type = BigInt)]
    failed: i64,
    #[diesel(sql_type = BigInt)]
    cancelled: i64,
    #[diesel(sql_type = Double)]
    last_success: f64,
}

async fn database_figures(
    pool: &DbPool,
) -> Result<(OutboxFigures, Vec<JobFigures>), Box<dyn std::error::Error + Send + Sync>> {
    let mut conn = pool.get().await?;
    let outbox: OutboxFigures = diesel::sql_query(
        "SELECT count(*) AS pending, \
                COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS oldest_seconds \
         FROM outbox WHERE published_at IS NULL",
    )
    .get_result(&mut conn)
    .await?;
    let jobs: Vec<JobFigures> = diesel::sql_query(
        "SELECT j.name AS job, \
                count(*) FILTER (WHERE r.outcome = 'ok') AS ok, \
                count(*) FILTER (WHERE r.outcome = 'failed') AS failed, \
                count(*) FILTER (WHERE r.outcome = 'cancelled') AS cancelled, \
                COALESCE((SELECT EXTRACT(EPOCH FROM max(s.finished_at)) FROM job_runs s \
                          WHERE s.job_name = j.name AND s.outcome = 'ok'), 0)::float8 \
                  AS last_success \
         FROM jobs j \
         LEFT JOIN job_runs r ON r.job_name = j.name AND r.started_at > now() - interval '24 hours' \
         GROUP BY j.name ORDER BY j.name",
    )
    .load(&mut conn)
    .await?;
    Ok((outbox, jobs))
}

pub async fn serve(metrics: web::Data<Metrics>, pool: Option<web::Data<DbPool>>) -> HttpResponse {
    if let Some(pool) = pool {
        metrics.refresh_from_database(&pool).await;
    }
    metrics.refresh_pools();
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4")
        .body(metrics.render())
}
