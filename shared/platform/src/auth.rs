//! Bearer-token authentication: JWT verification and the caller's principal.
//!
//! Production verifies RS256/ES256 tokens against the identity provider's JWKS; development and
//! tests use HS256 with a secret that must be configured explicitly. `exp`, `iss` and `aud` are
//! always checked, and each key accepts exactly one algorithm, so `alg: none` and algorithm
//! confusion (an HS256 token signed with a public RSA key) are refused.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
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

/// Claims QMF reads from a token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: String,
    #[serde(default)]
    pub org: Option<Uuid>,
    #[serde(default)]
    pub roles: Vec<String>,
    pub iss: String,
    pub aud: String,
    pub exp: u64,
    #[serde(default)]
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

struct JwksCache {
    keys: HashMap<String, (DecodingKey, Algorithm)>,
    fetched_at: Option<Instant>,
}

/// Verifies bearer tokens. One per service, shared by all workers.
pub struct Authenticator {
    config: AuthConfig,
    jwks: RwLock<JwksCache>,
    http: reqwest::Client,
}

/// How often an unknown `kid` may trigger a JWKS refetch.
const JWKS_REFRESH_INTERVAL: Duration = Duration::from_secs(60);

impl Authenticator {
    pub fn new(config: AuthConfig) -> Arc<Self> {
        Arc::new(Authenticator {
            config,
            jwks: RwLock::new(JwksCache {
                keys: HashMap::new(),
                fetched_at: None,
            }),
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
                .unwrap_or_else(|_| reqwest::Client::new()),
        })
    }

    /// Verifies `token` and returns the principal, or a 401 problem.
    pub async fn authenticate(&self, token: &str) -> Result<Principal, ApiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|e| ApiError::Unauthorized(format!("malformed token: {e}")))?;
        let (key, algorithm) = match &self.config.keys {
            AuthKeys::DevSecret(secret) => (
                DecodingKey::from_secret(secret.as_bytes()),
                Algorithm::HS256,
            ),
            AuthKeys::JwksUrl(url) => {
                let kid = header
                    .kid
                    .clone()
                    .ok_or_else(|| ApiError::Unauthorized("token has no key id (kid)".into()))?;
                self.jwks_key(url, &kid).await?
            }
        };
        if header.alg != algorithm {
            return Err(ApiError::Unauthorized(format!(
                "token algorithm {:?} is not accepted for this key",
                header.alg
            )));
        }
        let mut validation = Validation::new(algorithm);
        validation.set_issuer(&[&self.config.issuer]);
        validation.set_audience(&[&self.config.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data = jsonwebtoken::decode::<Claims>(token, &key, &validation)
            .map_err(|e| ApiError::Unauthorized(format!("invalid token: {e}")))?;
        let claims = data.claims;
        Ok(Principal {
            subject: claims.sub,
            organization: claims.org,
            roles: claims.roles.iter().filter_map(|r| Role::parse(r)).collect(),
        })
    }

    async fn jwks_key(&self, url: &str, kid: &str) -> Result<(DecodingKey, Algorithm), ApiError> {
        {
            let cache = self.jwks.read().await;
            if let Some((key, alg)) = cache.keys.get(kid) {
                return Ok((key.clone(), *alg));
            }
            if cache
                .fetched_at
                .is_some_and(|at| at.elapsed() < JWKS_REFRESH_INTERVAL)
            {
                return Err(ApiError::Unauthorized(format!("unknown signing key {kid}")));
            }
        }
        let mut cache = self.jwks.write().await;
        if cache
            .fetched_at
            .is_none_or(|at| at.elapsed() >= JWKS_REFRESH_INTERVAL)
        {
            cache.fetched_at = Some(Instant::now());
            match self.fetch_jwks(url).await {
                Ok(keys) => cache.keys = keys,
                Err(e) => {
                    tracing::error!(error = %e, jwks_url = url, "could not fetch JWKS");
                    return Err(ApiError::Unavailable(format!("JWKS unavailable: {e}")));
                }
            }
        }
        cache
            .keys
            .get(kid)
            .map(|(k, a)| (k.clone(), *a))
            .ok_or_else(|| ApiError::Unauthorized(format!("unknown signing key {kid}")))
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

impl FromRequest for Principal {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Principal, ApiError>>>>;

    fn from_request(req: &HttpRequest, _payload: &mut Payload) -> Self::Future {
        let authenticator = req.app_data::<web::Data<Authenticator>>().cloned();
        let token = req
            .headers()
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
            .map(str::to_string);
        Box::pin(async move {
            let authenticator = authenticator
                .ok_or_else(|| ApiError::Internal("no authenticator configured".into()))?;
            let value = token.ok_or_else(|| {
                ApiError::Unauthorized("send Authorization: Bearer <token>".into())
            })?;
            let token = value
                .strip_prefix("Bearer ")
                .or_else(|| value.strip_prefix("bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    ApiError::Unauthorized(
                        "the Authorization header must use the Bearer scheme".into(),
                    )
                })?;
            authenticator.authenticate(token).await
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
        })
    }

    fn claims(iss: &str, aud: &str, exp_offset: i64) -> Claims {
        Claims {
            sub: "u1".into(),
            org: Some(Uuid::nil()),
            roles: vec!["admin".into(), "no_such_role".into()],
            iss: iss.into(),
            aud: aud.into(),
            exp: (chrono::Utc::now().timestamp() + exp_offset) as u64,
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
}
