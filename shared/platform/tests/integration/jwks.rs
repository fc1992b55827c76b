//! Production token verification against a JWKS endpoint (RS256 and ES256), including the
//! attacks the verifier must refuse.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use qmf_platform::auth::{Authenticator, Claims};
use qmf_platform::config::{AuthConfig, AuthKeys};
use qmf_platform::{ApiError, Role};

const RSA_KEY: &[u8] = include_bytes!("../fixtures/rsa-test-key.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("../fixtures/rsa-test-pub.pem");
const EC_KEY: &[u8] = include_bytes!("../fixtures/ec-test-key.pem");
const JWKS: &str = include_str!("../fixtures/jwks.json");

async fn jwks_server() -> String {
    let server = HttpServer::new(|| {
        App::new().route(
            "/jwks",
            web::get().to(|| async {
                HttpResponse::Ok()
                    .content_type("application/json")
                    .body(JWKS)
            }),
        )
    })
    .workers(1)
    .bind("127.0.0.1:0")
    .unwrap();
    let url = format!("http://{}/jwks", server.addrs()[0]);
    tokio::spawn(server.run());
    url
}

fn claims() -> Claims {
    Claims {
        sub: "idp-user-1".into(),
        org: None,
        roles: vec!["coordinator".into()],
        iss: "https://idp.example".into(),
        aud: qmf_platform::auth::Audience::One("qmf".into()),
        nbf: None,
        exp: (chrono::Utc::now().timestamp() + 600) as u64,
        iat: None,
    }
}

fn header(alg: Algorithm, kid: Option<&str>) -> Header {
    let mut header = Header::new(alg);
    header.kid = kid.map(str::to_string);
    header
}

async fn authenticator() -> std::sync::Arc<Authenticator> {
    Authenticator::new(AuthConfig {
        keys: AuthKeys::JwksUrl(jwks_server().await),
        issuer: "https://idp.example".into(),
        audience: "qmf".into(),
        leeway_secs: 30,
    })
}

#[tokio::test]
async fn rs256_and_es256_tokens_from_the_jwks_are_accepted() {
    let auth = authenticator().await;
    let rs = encode(
        &header(Algorithm::RS256, Some("rsa-1")),
        &claims(),
        &EncodingKey::from_rsa_pem(RSA_KEY).unwrap(),
    )
    .unwrap();
    let principal = auth.authenticate(&rs).await.unwrap();
    assert_eq!(principal.subject, "idp-user-1");
    assert_eq!(principal.roles, vec![Role::Coordinator]);

    let es = encode(
        &header(Algorithm::ES256, Some("ec-1")),
        &claims(),
        &EncodingKey::from_ec_pem(EC_KEY).unwrap(),
    )
    .unwrap();
    assert!(auth.authenticate(&es).await.is_ok());
}

#[tokio::test]
async fn algorithm_confusion_and_unknown_keys_are_refused() {
    let auth = authenticator().await;
    // HS256 "signed" with the public RSA key, claiming the RSA key id: the classic confusion attack.
    let confused = encode(
        &header(Algorithm::HS256, Some("rsa-1")),
        &claims(),
        &EncodingKey::from_secret(RSA_PUBLIC),
    )
    .unwrap();
    assert!(matches!(
        auth.authenticate(&confused).await,
        Err(ApiError::Unauthorized(_))
    ));
    // An ES256 token presented under the RSA key's id.
    let swapped = encode(
        &header(Algorithm::ES256, Some("rsa-1")),
        &claims(),
        &EncodingKey::from_ec_pem(EC_KEY).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        auth.authenticate(&swapped).await,
        Err(ApiError::Unauthorized(_))
    ));
    let unknown = encode(
        &header(Algorithm::RS256, Some("other")),
        &claims(),
        &EncodingKey::from_rsa_pem(RSA_KEY).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        auth.authenticate(&unknown).await,
        Err(ApiError::Unauthorized(_))
    ));
    let no_kid = encode(
        &header(Algorithm::RS256, None),
        &claims(),
        &EncodingKey::from_rsa_pem(RSA_KEY).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        auth.authenticate(&no_kid).await,
        Err(ApiError::Unauthorized(_))
    ));
    let mut foreign = claims();
    foreign.iss = "https://evil.example".into();
    let foreign = encode(
        &header(Algorithm::RS256, Some("rsa-1")),
        &foreign,
        &EncodingKey::from_rsa_pem(RSA_KEY).unwrap(),
    )
    .unwrap();
    assert!(matches!(
        auth.authenticate(&foreign).await,
        Err(ApiError::Unauthorized(_))
    ));
}
