//! Bearer-token authentication: JWT verification and the caller's principal.
//!
//! Production verifies RS256/ES256 tokens against the identity provider's JWKS; development and
//! tests use HS256 with a secret that must be configured explicitly. `exp`, `nbf`, `iss` and
//! `aud` are always checked (with a small configurable clock leeway), and each key accepts
//! exactly one algorithm, so `alg: none` and algorithm confusion (an HS256 token signed with a
//! public RSA key) are refused.
//!
//! A request is authenticated once, by [`middleware`], before any other layer looks at the
//! caller: the outcome is stored in the request's extensions, and the idempotency layer and the
//! handlers' [`Principal`] extractor both read it. A 401 names plainly what is wrong with the
//! token; the verifier's own message goes to the log only.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::{FromRequest, HttpRequest, dev::Payload, http::header, web};
use jsonwebtoken::jwk::{JwkSet, KeyAlgorithm};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tokio::sync::RwLock;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::config::{AuthConfig, AuthKeys};
use crate::error::ApiError;

/// Roles carried in the `roles` claim; the same names in every service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform administration.
    Admin,
    /// Overall coordination (Gesamtkoordination): cross-organisation views, directory upkeep.
    Coordinator,
    /// Staff of the youth office named in `org`.
    YouthOfficeStaff,
    /// Staff of the institution named in `org`.
    InstitutionStaff,
    /// Youth-office staff who lead cases (fallführende Fachkraft).
    Caseworker,
    /// Reads audit logs.
    Auditor,
    /// The management's office: meetings, agendas, minutes.
    CommitteeSecretary,
    /// Training provider staff.
    Trainer,
    /// Machine client of integrating software, scoped by `org`.
    Service,
    /// Reads archived (closed and restricted) help cases of the own youth office.
    Archivist,
}

impl Role {
    pub fn parse(name: &str) -> Option<Role> {
        serde_json::from_value(serde_json::Value::String(name.to_string())).ok()
    }
}

/// `aud` as identity providers send it: one string or a list of strings (RFC 7519 §4.1.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    One(String),
    Many(Vec<String>),
}

/// Claims QMF reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub org: Option<Uuid>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub iss: String,
    pub aud: Audience,
    pub exp: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Subject: the user's or client's id at the identity provider.
    pub subject: String,
    /// The organisation the caller acts for, if any.
    pub organization: Option<Uuid>,
    /// Known roles; unknown role names in the token are ignored.
    pub roles: Vec<Role>,
}

impl Principal {
    pub fn has_role(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }

    pub fn has_any_role(&self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.has_role(*r))
    }

    /// 403 unless the caller holds one of `roles`.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), ApiError> {
        if self.has_any_role(roles) {
            Ok(())
        } else {
            let names: Vec<String> = roles
                .iter()
                .filter_map(|r| serde_json::to_value(r).ok())
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect();
            Err(ApiError::Forbidden(format!(
                "requires one of the roles: {}",
                names.join(", ")
            )))
        }
    }

    /// Whether the caller acts for `organization`.
    pub fn belongs_to(&self, organization: Uuid) -> bool {
        self.organization == Some(organization)
    }
}

/// The identity provider's keys as last fetched.
struct JwksCache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    /// The last fetch that succeeded: keys older than `jwks_max_age` are fetched again, so a key
    /// the provider withdrew stops being accepted.
    fetched_at: Option<Instant>,
    /// The last fetch tried: at most one per `jwks_retry_after`, however many tokens name an
    /// unknown key or find the keys old.
    tried_at: Option<Instant>,
}

impl JwksCache {
    fn older_than(at: Option<Instant>, age: Duration) -> bool {
        at.is_none_or(|at| at.elapsed() >= age)
    }

    /// Whether a token naming `kid` needs a fetch first: its key is unknown or the keys are
    /// old, and no fetch was tried within `retry_after`.
    fn fetch_due(&self, kid: &str, max_age: Duration, retry_after: Duration) -> bool {
        let wanted = !self.keys.contains_key(kid) || Self::older_than(self.fetched_at, max_age);
        wanted && Self::older_than(self.tried_at, retry_after)
    }
}

/// Verifies bearer tokens. One per service, shared by all workers.
pub struct Authenticator {
    config: AuthConfig,
    jwks: RwLock<JwksCache>,
    http: reqwest::Client,
}

impl Authenticator {
    pub fn new(config: AuthConfig) -> Arc<Self> {
        Arc::new(Authenticator {
            config,
            jwks: RwLock::new(JwksCache {
                keys: HashMap::new(),
                fetched_at: None,
                tried_at: None,
            }),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
        })
    }

    /// Verifies `token` and returns the principal, or a 401 problem (503 when the identity
    /// provider's keys cannot be fetched).
    pub async fn authenticate(&self, token: &str) -> Result<Principal, ApiError> {
        let header = jsonwebtoken::decode_header(token).map_err(|e| {
            tracing::info!(error = %e, "token refused: malformed header");
            ApiError::Unauthorized("the token is not a well-formed JWT".into())
        })?;
        let (key, algorithm) = match &self.config.keys {
            AuthKeys::DevSecret(secret) => (
                DecodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            ),
            AuthKeys::JwksUrl(url) => {
                let kid = header
                    .kid
                    .clone()
                    .ok_or_else(|| ApiError::Unauthorized("the token names no key (kid)".into()))?;
                self.jwks_key(url, &kid).await?
            }
        };
        if header.alg != algorithm {
            tracing::info!(algorithm = ?header.alg, "token refused: algorithm not accepted");
            return Err(ApiError::Unauthorized(
                "the token is signed with an algorithm this service does not accept".into(),
            ));
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.config.leeway_secs;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation).map_err(|e| {
            tracing::info!(error = %e, "token refused");
            ApiError::Unauthorized(plain_reason(e.kind()).into())
        })?;
        let claims = data.claims;
        Ok(Principal {
            subject: claims.sub,
            organization: claims.org,
            roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
        })
    }

    /// The key `kid` of the identity provider. Keys are fetched on first use, again when they
    /// are older than `jwks_max_age` (a withdrawn key then stops working) and when a token names
    /// an unknown key (a rotated key is picked up), at most once per `jwks_retry_after`. While
    /// the provider cannot be reached the keys fetched before keep working; a token naming a key
    /// not among them is refused (503 on the attempt that found the provider unreachable, 401
    /// after it until the next attempt).
    async fn jwks_key(&self, url: &str, kid: &str) -> Result<(DecodingKey, Algorithm), ApiError> {
        let (max_age, retry_after) = (self.config.jwks_max_age, self.config.jwks_retry_after);
        {
            let cache = self.jwks.read().await;
            if !cache.fetch_due(kid, max_age, retry_after) {
                return known_key(&cache, kid);
            }
        }
        let mut cache = self.jwks.write().await;
        // Another request may have fetched while this one waited for the lock.
        if cache.fetch_due(kid, max_age, retry_after) {
            cache.tried_at = Some(Instant::now());
            match self.fetch_jwks(url).await {
                Ok(keys) => {
                    cache.keys = keys;
                    cache.fetched_at = cache.tried_at;
                }
                Err(e) => {
                    tracing::error!(error = %e, jwks_url = url, "could not fetch JWKS");
                    if !cache.keys.contains_key(kid) {
                        return Err(ApiError::Unavailable(format!("JWKS unavailable: {e}")));
                    }
                }
            }
        }
        known_key(&cache, kid)
    }

    async fn fetch_jwks(
        &self,
        url: &str,
    ) -> Result<HashMap<String, (DecodingKey, Algorithm)>, String> {
        let set: JwkSet = self
            .http
            .get(url)
            .send()
            .await
            .and_then(|r| r.error_for_status())
            .map_err(|e| e.to_string())?
            .json()
            .await
            .map_err(|e| e.to_string())?;
        Ok(keys_from_jwks(&set))
    }
}

/// Usable keys of a JWKS: only RS256 and ES256 keys with a `kid`.
pub fn keys_from_jwks(set: &JwkSet) -> HashMap<String, (DecodingKey, Algorithm)> {
    let mut keys = HashMap::new();
    for jwk in &set.keys {
        let Some(kid) = jwk.common.key_id.clone() else {
            continue;
        };
        let algorithm = match jwk.common.key_algorithm {
            Some(KeyAlgorithm::RS256) => Algorithm::RS256,
            Some(KeyAlgorithm::ES256) => Algorithm::ES256,
            _ => continue,
        };
        if let Ok(key) = DecodingKey::from_jwk(jwk) {
            keys.insert(kid, (key, algorithm));
        }
    }
    keys
}

/// The cached key `kid`, or the refusal of an unknown key.
fn known_key(cache: &JwksCache, kid: &str) -> Result<(DecodingKey, Algorithm), ApiError> {
    cache
        .keys
        .get(kid)
        .map(|(key, algorithm)| (key.clone(), *algorithm))
        .ok_or_else(|| unknown_key(kid))
}

fn unknown_key(kid: &str) -> ApiError {
    tracing::info!(kid, "token refused: unknown signing key");
    ApiError::Unauthorized("the token is signed with a key this service does not know".into())
}

/// What a 401 says about a refused token: plain words, no parser output.
fn plain_reason(kind: &jsonwebtoken::errors::ErrorKind) -> &'static str {
    use jsonwebtoken::errors::ErrorKind as K;
    match kind {
        K::ExpiredSignature => "the token has expired",
        K::ImmatureSignature => "the token is not valid yet (nbf lies in the future)",
        K::InvalidIssuer => "the token was issued by an issuer this service does not trust",
        K::InvalidAudience => "the token is meant for another audience",
        K::InvalidSignature => "the token's signature is invalid",
        K::InvalidAlgorithm | K::InvalidAlgorithmName => {
            "the token is signed with an algorithm this service does not accept"
        }
        K::MissingRequiredClaim(_) | K::InvalidClaimFormat(_) | K::Json(_) => {
            "the token lacks a required claim (sub, iss, aud, exp) or a claim has the wrong type"
        }
        _ => "the token is not a well-formed JWT",
    }
}

/// Longest `Authorization` header that is verified; longer ones are refused unread.
pub const MAX_AUTHORIZATION_BYTES: usize = 8 * 1024;

/// The outcome of authenticating one request, stored in its extensions by [`middleware`].
#[derive(Debug, Clone)]
pub enum Authentication {
    /// No `Authorization` header.
    Missing,
    /// A header that did not yield a valid token; the error to answer with.
    Refused(ApiError),
    /// A verified token.
    Verified(Principal),
}

impl Authentication {
    /// The verified principal, if any.
    pub fn principal(&self) -> Option<&Principal> {
        match self {
            Authentication::Verified(principal) => Some(principal),
            _ => None,
        }
    }
}

/// The bearer token of an `Authorization` value; the scheme is case-insensitive (RFC 9110 §11.1).
pub fn bearer_token(value: &str) -> Option<&str> {
    let value = value.trim();
    let (scheme, token) = value.split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return None;
    }
    let token = token.trim();
    (!token.is_empty()).then_some(token)
}

/// Authenticates the request once and stores the [`Authentication`] for every later layer.
pub async fn authenticate_request(req: &actix_web::dev::ServiceRequest) -> Authentication {
    use actix_web::HttpMessage;
    let authentication = match req.headers().get(header::AUTHORIZATION) {
        None => Authentication::Missing,
        Some(value) if value.len() > MAX_AUTHORIZATION_BYTES => {
            Authentication::Refused(ApiError::HeaderTooLarge(format!(
                "the Authorization header exceeds {MAX_AUTHORIZATION_BYTES} bytes"
            )))
        }
        Some(value) => match value.to_str().ok().and_then(bearer_token) {
            None => Authentication::Refused(ApiError::Unauthorized(
                "the Authorization header must be `Bearer <token>`".into(),
            )),
            Some(token) => match req.app_data::<web::Data<Authenticator>>() {
                None => Authentication::Refused(ApiError::Internal(
                    "no authenticator configured".into(),
                )),
                Some(authenticator) => match authenticator.authenticate(token).await {
                    Ok(principal) => Authentication::Verified(principal),
                    Err(error) => Authentication::Refused(error),
                },
            },
        },
    };
    req.extensions_mut().insert(authentication.clone());
    authentication
}

/// Middleware (`actix_web::middleware::from_fn`): authenticates every request once.
pub async fn middleware(
    req: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    authenticate_request(&req).await;
    next.call(req).await
}

/// The authentication of a request, as [`middleware`] stored it.
pub fn authentication(req: &HttpRequest) -> Authentication {
    use actix_web::HttpMessage;
    req.extensions()
        .get::<Authentication>()
        .cloned()
        .unwrap_or(Authentication::Missing)
}

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = std::future::Ready<Result<Principal, ApiError>>;

    /// The principal the authentication layer verified. A token without any role this platform
    /// knows is refused (403) on every endpoint: it may not even read.
    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        std::future::ready(match authentication(req) {
            Authentication::Verified(principal) if principal.roles.is_empty() => Err(
                ApiError::Forbidden("the token carries no role this platform knows".into()),
            ),
            Authentication::Verified(principal) => Ok(principal),
            Authentication::Refused(error) => Err(error),
            Authentication::Missing => Err(ApiError::Unauthorized(
                "send Authorization: Bearer <token>".into(),
            )),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;
    use jsonwebtoken::{EncodingKey, Header, encode};

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn dev() -> Arc<Authenticator> {
        Authenticator::new(AuthConfig {
            keys: AuthKeys::DevSecret(SECRET.into()),
            issuer: "qmf-dev".into(),
            audience: "qmf".into(),
            leeway_secs: 30,
            jwks_max_age: Duration::from_secs(900),
            jwks_retry_after: Duration::from_secs(60),
        })
    }

    fn claims(iss: &str, aud: &str, exp_offset: i64) -> Claims {
        Claims {
            sub: "u1".into(),
            org: Some(Uuid::nil()),
            roles: vec!["admin".into(), "no_such_role".into()],
            iss: iss.into(),
            aud: Audience::One(aud.into()),
            exp: (chrono::Utc::now().timestamp() + exp_offset) as u64,
            nbf: None,
            iat: None,
        }
    }

    fn sign(c: &Claims, secret: &str) -> String {
        encode(
            &Header::new(Algorithm::HS256),
            c,
            &EncodingKey::from_secret(secret.as_bytes()),
        )
        .unwrap()
    }

    #[tokio::test]
    async fn valid_token_gives_principal_with_known_roles() {
        let p = dev()
            .authenticate(&sign(&claims("qmf-dev", "qmf", 600), SECRET))
            .await
            .unwrap();
        assert_eq!(p.subject, "u1");
        assert_eq!(p.roles, vec![Role::Admin]);
        assert_eq!(p.organization, Some(Uuid::nil()));
    }

    #[tokio::test]
    async fn expired_wrong_issuer_wrong_audience_and_wrong_secret_are_refused() {
        let a = dev();
        assert!(
            a.authenticate(&sign(&claims("qmf-dev", "qmf", -600), SECRET))
                .await
                .is_err()
        );
        assert!(
            a.authenticate(&sign(&claims("evil", "qmf", 600), SECRET))
                .await
                .is_err()
        );
        assert!(
            a.authenticate(&sign(&claims("qmf-dev", "other", 600), SECRET))
                .await
                .is_err()
        );
        let other = "ffffffffffffffffffffffffffffffff";
        assert!(
            a.authenticate(&sign(&claims("qmf-dev", "qmf", 600), other))
                .await
                .is_err()
        );
    }

    #[tokio::test]
    async fn alg_none_and_other_algorithms_are_refused() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
        let body = engine.encode(serde_json::to_vec(&claims("qmf-dev", "qmf", 600)).unwrap());
        let unsigned = format!("{header}.{body}.");
        assert!(dev().authenticate(&unsigned).await.is_err());

        let hs384 = encode(
            &Header::new(Algorithm::HS384),
            &claims("qmf-dev", "qmf", 600),
            &EncodingKey::from_secret(SECRET.as_bytes()),
        )
        .unwrap();
        assert!(dev().authenticate(&hs384).await.is_err());
    }

    #[tokio::test]
    async fn not_before_is_checked_with_the_leeway() {
        let now = chrono::Utc::now().timestamp() as u64;
        let mut future = claims("qmf-dev", "qmf", 7200);
        future.nbf = Some(now + 3600);
        let refused = dev().authenticate(&sign(&future, SECRET)).await;
        assert!(
            matches!(&refused, Err(ApiError::Unauthorized(m)) if m.contains("not valid yet")),
            "{refused:?}"
        );
        let mut skewed = claims("qmf-dev", "qmf", 600);
        skewed.nbf = Some(now + 10);
        assert!(dev().authenticate(&sign(&skewed, SECRET)).await.is_ok());
    }

    #[tokio::test]
    async fn audience_may_be_a_list() {
        let mut listed = claims("qmf-dev", "qmf", 600);
        listed.aud = Audience::Many(vec!["account".into(), "qmf".into()]);
        assert!(dev().authenticate(&sign(&listed, SECRET)).await.is_ok());
        listed.aud = Audience::Many(vec!["account".into()]);
        assert!(dev().authenticate(&sign(&listed, SECRET)).await.is_err());
    }

    #[tokio::test]
    async fn refusals_say_plainly_what_is_wrong_without_parser_text() {
        use base64::Engine;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let header = engine.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let body = engine.encode(r#"{"sub":"u1","iss":"qmf-dev","aud":"qmf"}"#);
        let unsigned = format!("{header}.{body}");
        let signature = {
            use jsonwebtoken::crypto::sign as raw_sign;
            raw_sign(
                unsigned.as_bytes(),
                &EncodingKey::from_secret(SECRET.as_bytes()),
                Algorithm::HS256,
            )
            .unwrap()
        };
        let without_exp = format!("{unsigned}.{signature}");
        for token in [without_exp.as_str(), "garbage", "a.b.c"] {
            let Err(ApiError::Unauthorized(message)) = dev().authenticate(token).await else {
                panic!("accepted {token}");
            };
            for leak in ["JSON", "line", "column", "HS384", "RS256"] {
                assert!(!message.contains(leak), "{message}");
            }
        }
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        assert_eq!(bearer_token("Bearer abc"), Some("abc"));
        assert_eq!(bearer_token("bearer abc"), Some("abc"));
        assert_eq!(bearer_token("BEARER  abc "), Some("abc"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer "), None);
        assert_eq!(bearer_token("Bearerabc"), None);
    }
}
