//! Development tokens for tests (HS256 with a test secret).

use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use serde_json::json;
use uuid::Uuid;

/// Secret the services under test are configured with.
pub const DEV_SECRET: &str = "qmf-test-secret-0123456789abcdef0123456789";
pub const ISSUER: &str = "qmf-dev";
pub const AUDIENCE: &str = "qmf";

/// A valid token for `roles`, acting for `org`.
pub fn token(roles: &[&str], org: Option<Uuid>) -> String {
    token_for("test-user", roles, org)
}

/// A valid token with an explicit subject (idempotency keys are scoped per subject).
pub fn token_for(subject: &str, roles: &[&str], org: Option<Uuid>) -> String {
    let now = chrono::Utc::now().timestamp();
    sign(json!({
        "sub": subject, "roles": roles, "org": org,
        "iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600
    }))
}

/// Signs arbitrary claims with the test secret (for expired, foreign-issuer … tokens).
pub fn sign(claims: serde_json::Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(DEV_SECRET.as_bytes()),
    )
    .unwrap_or_default()
}
