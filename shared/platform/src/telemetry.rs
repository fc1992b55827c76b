//! Logs as JSON lines through `tracing`, and OpenTelemetry traces exported over OTLP/gRPC when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Without an endpoint spans still get W3C trace ids, so
//! `traceparent` is propagated from HTTP requests into events.

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, Registry};

use crate::config::{Config, LogFormat};

/// Flushes pending spans when dropped at shutdown.
pub struct TelemetryGuard {
    provider: SdkTracerProvider,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Err(e) = self.provider.shutdown() {
            eprintln!("telemetry shutdown: {e}");
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("telemetry setup failed: {0}")]
pub struct TelemetryError(String);

pub fn init(config: &Config) -> Result<TelemetryGuard, TelemetryError> {
    let provider = tracer_provider(config)?;
    let filter = filter(&config.log_filter)?;
    let fmt = match config.log_format {
        LogFormat::Json => json_lines(std::io::stdout),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().boxed(),
    };
    install(filter, fmt, provider)
}

/// The production JSON log lines written to `writer` instead of standard output, under the
/// filter `log_filter`, with spans carrying W3C trace ids as in production (no exporter). The
/// test harness captures the logs of a test run with it; an error when a subscriber is already
/// installed in this process.
pub fn init_json_to<W>(log_filter: &str, writer: W) -> Result<TelemetryGuard, TelemetryError>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let provider = SdkTracerProvider::builder().build();
    install(filter(log_filter)?, json_lines(writer), provider)
}

fn tracer_provider(config: &Config) -> Result<SdkTracerProvider, TelemetryError> {
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(format!("qmf-{}", config.service.name))
        .build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = &config.otlp_endpoint {
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint.clone())
            .build()
            .map_err(|e| TelemetryError(format!("OTEL_EXPORTER_OTLP_ENDPOINT={endpoint}: {e}")))?;
        builder = builder.with_batch_exporter(exporter);
    }
    Ok(builder.build())
}

fn filter(log_filter: &str) -> Result<EnvFilter, TelemetryError> {
    EnvFilter::try_new(log_filter).map_err(|e| TelemetryError(format!("QMF_LOG={log_filter}: {e}")))
}

/// One JSON object per line: the event's fields flattened, plus the current span (the HTTP
/// request span carries `request_id` and `trace_id`).
fn json_lines<S, W>(writer: W) -> Box<dyn Layer<S> + Send + Sync>
where
    S: tracing::Subscriber + for<'a> tracing_subscriber::registry::LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    tracing_subscriber::fmt::layer()
        .json()
        .flatten_event(true)
        .with_current_span(true)
        .with_span_list(false)
        .with_writer(writer)
        .boxed()
}

fn install(
    filter: EnvFilter,
    fmt: Box<dyn Layer<Registry> + Send + Sync>,
    provider: SdkTracerProvider,
) -> Result<TelemetryGuard, TelemetryError> {
    let tracer = provider.tracer("qmf");
    tracing_subscriber::registry()
        .with(fmt)
        .with(filter)
        .with(tracing_opentelemetry::layer().with_tracer(tracer))
        .try_init()
        .map_err(|e| TelemetryError(e.to_string()))?;
    opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
    opentelemetry::global::set_tracer_provider(provider.clone());
    Ok(TelemetryGuard { provider })
}
