//! Typed configuration from environment variables, with defaults for local development.

use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// A configuration value that could not be used; names the variable.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}={value:?}: {reason}")]
pub struct ConfigError {
    pub variable: String,
    pub value: String,
    pub reason: String,
}

/// Identity of one service: its name and local default port.
#[derive(Debug, Clone, Copy)]
pub struct ServiceInfo {
    /// Short name: `directory`, `case`, `committee`, `dialogue`, `training`.
    pub name: &'static str,
    /// Human title for the OpenAPI document.
    pub title: &'static str,
    /// What the service does, for the OpenAPI document.
    pub description: &'static str,
    /// Default local port (8081..8085).
    pub default_port: u16,
}

/// How tokens are verified.
#[derive(Debug, Clone)]
pub enum AuthKeys {
    /// HS256 with a shared secret: development and tests only, and only when set explicitly.
    DevSecret(String),
    /// RS256/ES256 keys from the identity provider's JWKS endpoint.
    JwksUrl(String),
}

#[derive(Debug, Clone)]
pub struct AuthConfig {
    pub keys: AuthKeys,
    pub issuer: String,
    pub audience: String,
    /// Clock skew tolerated when checking `exp` and `nbf`, in seconds.
    pub leeway_secs: u64,
    /// Keys fetched from the JWKS are fetched again when older than this, so a key the identity
    /// provider withdrew stops being accepted (`QMF_AUTH_JWKS_MAX_AGE_SECS`, default 900).
    pub jwks_max_age: std::time::Duration,
    /// At most one JWKS fetch per this interval, whatever tokens arrive
    /// (`QMF_AUTH_JWKS_RETRY_SECS`, default 60).
    pub jwks_retry_after: std::time::Duration,
}

/// One rate limit: sustained requests per minute and the burst allowed on top; 0 turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_minute: u32,
    pub burst: u32,
}

/// The rate limits of a service (see `limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// Per verified token subject.
    pub per_token: RateLimit,
    /// Per client address, every request to the authenticated API.
    pub per_address: RateLimit,
    /// Per client address, requests whose token was refused.
    pub auth_failures: RateLimit,
    /// Per client address, the anonymous open-data interface.
    pub open_data: RateLimit,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub service: ServiceInfo,
    pub http_addr: SocketAddr,
    pub database_url: String,
    /// A direct connection to the database for what needs a session of its own (migrations,
    /// the claims of background jobs), when `database_url` goes through a pooler in
    /// transaction mode; `None`: `database_url` serves both.
    pub database_session_url: Option<String>,
    pub db_pool_size: usize,
    pub amqp_url: String,
    pub events_exchange: String,
    pub events_max_deliveries: u32,
    pub events_queue_prefix: String,
    pub http_workers: usize,
    pub auth: AuthConfig,
    pub cors_allowed_origins: Vec<String>,
    pub max_json_bytes: usize,
    pub max_upload_bytes: usize,
    pub log_filter: String,
    pub log_format: LogFormat,
    pub otlp_endpoint: Option<String>,
    pub shutdown_timeout: Duration,
    /// Longest pause while a request body is received; also bounds the whole body at six times.
    pub body_timeout: Duration,
    /// How long an `Idempotency-Key` stays claimed by a request that never finished (its
    /// process died): afterwards a retry with the same key may run.
    pub idempotency_lease: Duration,
    pub rate_limits: RateLimits,
    /// Proxies whose forwarding headers (`X-Forwarded-For`, `Forwarded`) are believed.
    /// Proxies (addresses or networks in CIDR notation) whose forwarding headers count.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Scheme and authority clients reach the service under, for links in responses.
    pub public_base_url: Option<String>,
    /// How often the `idempotency.purge` job runs (once across all replicas).
    pub idempotency_purge_interval: Duration,
    /// Fault testing only: see `qmf_events::EventsConfig::exit_before_ack`.
    pub fault_exit_before_ack: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Pretty,
}

impl Config {
    /// Where migrations and job claims connect: [`Config::database_session_url`] when set,
    /// otherwise [`Config::database_url`].
    pub fn session_database_url(&self) -> &str {
        self.database_session_url
            .as_deref()
            .unwrap_or(&self.database_url)
    }

    /// Reads the process environment.
    pub fn from_env(service: ServiceInfo) -> Result<Self, ConfigError> {
        Self::from_lookup(service, |key| std::env::var(key).ok())
    }

    /// Reads configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(
        service: ServiceInfo,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |key: &str| lookup(key).filter(|v| !v.trim().is_empty());
        let http_addr = parse_or(
            &get,
            "QMF_HTTP_ADDR",
            SocketAddr::from(([127, 0, 0, 1], service.default_port)),
        )?;
        let database_url = get("QMF_DATABASE_URL")
            .unwrap_or_else(|| format!("postgres://postgres@127.0.0.1:55432/qmf_{}", service.name));
        require_prefix(
            "QMF_DATABASE_URL",
            &database_url,
            &["postgres://", "postgresql://"],
        )?;
        let database_session_url = get("QMF_DATABASE_SESSION_URL");
        if let Some(url) = &database_session_url {
            require_prefix(
                "QMF_DATABASE_SESSION_URL",
                url,
                &["postgres://", "postgresql://"],
            )?;
        }
        let amqp_url = get("QMF_AMQP_URL")
            .unwrap_or_else(|| "amqp://guest:guest@127.0.0.1:5673/%2f".to_string());
        require_prefix("QMF_AMQP_URL", &amqp_url, &["amqp://", "amqps://"])?;

        let keys = match (get("QMF_AUTH_DEV_SECRET"), get("QMF_AUTH_JWKS_URL")) {
            (Some(_), Some(url)) => {
                return Err(ConfigError {
                    variable: "QMF_AUTH_DEV_SECRET".into(),
                    value: "<hidden>".into(),
                    reason: format!(
                        "set either a development secret or QMF_AUTH_JWKS_URL ({url}), not both"
                    ),
                });
            }
            (Some(secret), None) => {
                if secret.len() < 32 {
                    return Err(ConfigError {
                        variable: "QMF_AUTH_DEV_SECRET".into(),
                        value: "<hidden>".into(),
                        reason: "must be at least 32 characters".into(),
                    });
                }
                AuthKeys::DevSecret(secret)
            }
            (None, Some(url)) => {
                require_prefix("QMF_AUTH_JWKS_URL", &url, &["https://", "http://"])?;
                AuthKeys::JwksUrl(url)
            }
            (None, None) => {
                return Err(ConfigError {
                    variable: "QMF_AUTH_JWKS_URL".into(),
                    value: String::new(),
                    reason: "no token verification configured: set QMF_AUTH_JWKS_URL \
                             (production) or QMF_AUTH_DEV_SECRET (development)"
                        .into(),
                });
            }
        };

        let log_format = match get("QMF_LOG_FORMAT").as_deref() {
            None | Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(other) => {
                return Err(ConfigError {
                    variable: "QMF_LOG_FORMAT".into(),
                    value: other.into(),
                    reason: "expected json or pretty".into(),
                });
            }
        };

        let rate_limit =
            |name: &str, per_minute: u32, burst: u32| -> Result<RateLimit, ConfigError> {
                Ok(RateLimit {
                    per_minute: bounded(
                        &get,
                        &format!("QMF_RATE_LIMIT_{name}"),
                        per_minute,
                        0..=10_000_000,
                    )?,
                    burst: bounded(
                        &get,
                        &format!("QMF_RATE_LIMIT_{name}_BURST"),
                        burst,
                        1..=10_000_000,
                    )?,
                })
            };
        let rate_limits = RateLimits {
            per_token: rate_limit("PER_TOKEN", 1200, 200)?,
            per_address: rate_limit("PER_ADDRESS", 3000, 500)?,
            auth_failures: rate_limit("AUTH_FAILURES", 30, 30)?,
            open_data: rate_limit("OPEN_DATA", 600, 100)?,
        };
        let trusted_proxies = match get("QMF_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(raw) => raw
                .split(',')
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(|p| {
                    p.parse::<ipnet::IpNet>()
                        .or_else(|_| p.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .map_err(|_| ConfigError {
                            variable: "QMF_TRUSTED_PROXIES".into(),
                            value: raw.clone(),
                            reason: format!(
                                "{p:?} is neither an IP address nor a network such as 10.0.0.0/8"
                            ),
                        })
                })
                .collect::<Result<_, _>>()?,
        };
        let public_base_url = match get("QMF_PUBLIC_BASE_URL") {
            None => None,
            Some(url) => {
                require_prefix("QMF_PUBLIC_BASE_URL", &url, &["https://", "http://"])?;
                Some(url.trim_end_matches('/').to_string())
            }
        };

        Ok(Config {
            service,
            http_addr,
            database_url,
            database_session_url,
            db_pool_size: parse_or(&get, "QMF_DB_POOL_SIZE", 10usize)?,
            amqp_url,
            events_exchange: get("QMF_EVENTS_EXCHANGE").unwrap_or_else(|| "qmf.events".into()),
            events_max_deliveries: parse_or(&get, "QMF_EVENTS_MAX_DELIVERIES", 5u32)?,
            events_queue_prefix: get("QMF_EVENTS_QUEUE_PREFIX").unwrap_or_default(),
            http_workers: parse_or(&get, "QMF_HTTP_WORKERS", 0usize)?,
            auth: AuthConfig {
                keys,
                issuer: get("QMF_AUTH_ISSUER").unwrap_or_else(|| "qmf-dev".into()),
                audience: get("QMF_AUTH_AUDIENCE").unwrap_or_else(|| "qmf".into()),
                leeway_secs: bounded(&get, "QMF_AUTH_LEEWAY_SECS", 30, 0..=300)?,
                jwks_max_age: std::time::Duration::from_secs(bounded(
                    &get,
                    "QMF_AUTH_JWKS_MAX_AGE_SECS",
                    900,
                    60..=86_400,
                )?),
                jwks_retry_after: std::time::Duration::from_secs(bounded(
                    &get,
                    "QMF_AUTH_JWKS_RETRY_SECS",
                    60,
                    1..=3_600,
                )?),
            },
            cors_allowed_origins: get("QMF_CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|o| o.trim().to_string())
                        .filter(|o| !o.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            max_json_bytes: parse_or(&get, "QMF_MAX_JSON_BYTES", 256 * 1024usize)?,
            max_upload_bytes: parse_or(&get, "QMF_MAX_UPLOAD_BYTES", 5 * 1024 * 1024usize)?,
            log_filter: get("QMF_LOG").unwrap_or_else(|| "info".into()),
            log_format,
            otlp_endpoint: get("OTEL_EXPORTER_OTLP_ENDPOINT"),
            shutdown_timeout: Duration::from_secs(parse_or(
                &get,
                "QMF_SHUTDOWN_TIMEOUT_SECS",
                20u64,
            )?),
            body_timeout: Duration::from_secs(bounded(
                &get,
                "QMF_HTTP_BODY_TIMEOUT_SECS",
                10u64,
                1..=600,
            )?),
            idempotency_lease: Duration::from_secs(bounded(
                &get,
                "QMF_IDEMPOTENCY_LEASE_SECS",
                60u64,
                1..=3600,
            )?),
            rate_limits,
            trusted_proxies,
            public_base_url,
            idempotency_purge_interval: Duration::from_secs(bounded(
                &get,
                "QMF_IDEMPOTENCY_PURGE_INTERVAL_SECS",
                3600u64,
                1..=604_800,
            )?),
            fault_exit_before_ack: match get("QMF_FAULT_EXIT_BEFORE_ACK") {
                None => None,
                Some(_) => Some(bounded(
                    &get,
                    "QMF_FAULT_EXIT_BEFORE_ACK",
                    1u64,
                    1..=u64::MAX,
                )?),
            },
        })
    }
}

/// A number within `range`, or the default when the variable is unset; for the services'
/// own settings too (e.g. `QMF_ENGAGEMENT_*` of the directory).
pub fn bounded<T>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
    range: std::ops::RangeInclusive<T>,
) -> Result<T, ConfigError>
where
    T: FromStr + PartialOrd + std::fmt::Display + Copy,
    T::Err: std::fmt::Display,
{
    let value = parse_or(get, key, default)?;
    if range.contains(&value) {
        Ok(value)
    } else {
        Err(ConfigError {
            variable: key.into(),
            value: value.to_string(),
            reason: format!("must lie between {} and {}", range.start(), range.end()),
        })
    }
}

fn parse_or<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match get(key) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|e: T::Err| ConfigError {
            variable: key.into(),
            value: raw.clone(),
            reason: e.to_string(),
        }),
    }
}

fn require_prefix(key: &str, value: &str, prefixes: &[&str]) -> Result<(), ConfigError> {
    if prefixes.iter().any(|p| value.starts_with(p)) {
        Ok(())
    } else {
        Err(ConfigError {
            variable: key.into(),
            value: value.into(),
            reason: format!("must start with {}", prefixes.join(" or ")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    const INFO: ServiceInfo = ServiceInfo {
        name: "directory",
        title: "t",
        description: "d",
        default_port: 8081,
    };

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(INFO, |k| map.get(k).cloned())
    }

    const SECRET: (&str, &str) = ("QMF_AUTH_DEV_SECRET", "0123456789abcdef0123456789abcdef");

    #[test]
    fn defaults_are_local() {
        let c = config(&[SECRET]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.http_addr.to_string(), "127.0.0.1:8081");
        assert_eq!(
            c.database_url,
            "postgres://postgres@127.0.0.1:55432/qmf_directory"
        );
        assert_eq!(c.session_database_url(), c.database_url);
        assert!(c.cors_allowed_origins.is_empty());
        assert_eq!(c.events_max_deliveries, 5);
        assert_eq!(c.idempotency_purge_interval, Duration::from_secs(3600));
        assert_eq!(c.fault_exit_before_ack, None);
    }

    #[test]
    fn invalid_values_name_the_variable() {
        let err = config(&[SECRET, ("QMF_HTTP_ADDR", "not-an-address")]).err();
        assert_eq!(err.map(|e| e.variable), Some("QMF_HTTP_ADDR".to_string()));
        let err = config(&[SECRET, ("QMF_DB_POOL_SIZE", "ten")]).err();
        assert_eq!(
            err.map(|e| e.variable),
            Some("QMF_DB_POOL_SIZE".to_string())
        );
        let err = config(&[SECRET, ("QMF_DATABASE_URL", "mysql://x")]).err();
        assert_eq!(
            err.map(|e| e.variable),
            Some("QMF_DATABASE_URL".to_string())
        );
        let err = config(&[SECRET, ("QMF_DATABASE_SESSION_URL", "pgbouncer:6432")]).err();
        assert_eq!(
            err.map(|e| e.variable),
            Some("QMF_DATABASE_SESSION_URL".to_string())
        );
        let err = config(&[SECRET, ("QMF_IDEMPOTENCY_PURGE_INTERVAL_SECS", "0")]).err();
        assert_eq!(
            err.map(|e| e.variable),
            Some("QMF_IDEMPOTENCY_PURGE_INTERVAL_SECS".to_string())
        );
    }

    #[test]
    fn token_verification_must_be_configured_explicitly() {
        assert!(config(&[]).is_err());
        assert!(config(&[("QMF_AUTH_DEV_SECRET", "short")]).is_err());
        assert!(config(&[SECRET, ("QMF_AUTH_JWKS_URL", "https://idp.example/jwks")]).is_err());
        let c = config(&[("QMF_AUTH_JWKS_URL", "https://idp.example/jwks")])
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(c.auth.keys, AuthKeys::JwksUrl(_)));
        assert_eq!(c.auth.jwks_max_age, Duration::from_secs(900));
        assert_eq!(c.auth.jwks_retry_after, Duration::from_secs(60));
    }

    #[test]
    fn jwks_timing_is_bounded() {
        let jwks = ("QMF_AUTH_JWKS_URL", "https://idp.example/jwks");
        let c = config(&[
            jwks,
            ("QMF_AUTH_JWKS_MAX_AGE_SECS", "300"),
            ("QMF_AUTH_JWKS_RETRY_SECS", "10"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.auth.jwks_max_age, Duration::from_secs(300));
        assert_eq!(c.auth.jwks_retry_after, Duration::from_secs(10));
        for (variable, value) in [
            ("QMF_AUTH_JWKS_MAX_AGE_SECS", "0"),
            ("QMF_AUTH_JWKS_MAX_AGE_SECS", "100000"),
            ("QMF_AUTH_JWKS_RETRY_SECS", "0"),
        ] {
            let err = config(&[jwks, (variable, value)]).err();
            assert_eq!(err.map(|e| e.variable), Some(variable.to_string()));
        }
    }

    #[test]
    fn trusted_proxies_are_addresses_or_networks() {
        let c = config(&[
            SECRET,
            ("QMF_TRUSTED_PROXIES", "127.0.0.1, 10.244.0.0/16,::1"),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        let listed: Vec<String> = c.trusted_proxies.iter().map(|n| n.to_string()).collect();
        assert_eq!(listed, ["127.0.0.1/32", "10.244.0.0/16", "::1/128"]);
        let err = config(&[SECRET, ("QMF_TRUSTED_PROXIES", "10.0.0.0/33")]).err();
        assert_eq!(
            err.map(|e| e.variable),
            Some("QMF_TRUSTED_PROXIES".to_string())
        );
    }

    #[test]
    fn cors_origins_are_a_comma_list() {
        let c = config(&[
            SECRET,
            (
                "QMF_CORS_ALLOWED_ORIGINS",
                "https://a.example, https://b.example",
            ),
        ])
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            c.cors_allowed_origins,
            vec!["https://a.example", "https://b.example"]
        );
    }
}
