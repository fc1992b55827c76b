//! Production token verification against a JWKS endpoint (RS256 and ES256): the attacks the
//! verifier must refuse, and how it keeps the identity provider's keys (fetched once, picked up
//! when rotated, dropped when withdrawn, kept while the provider is unreachable).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpResponse, HttpServer, web};
use jsonwebtoken::{Algorithm, EncodingKey, Header, encode};
use qmf_platform::auth::{Authenticator, Claims};
use qmf_platform::config::{AuthConfig, AuthKeys};
use qmf_platform::{ApiError, Role};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

async fn authenticator() -> Arc<Authenticator> {
    authenticator_at(jwks_server().await, LONG, LONG)
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

/// An identity provider's JWKS endpoint the test controls: which of the fixture's keys it
/// serves, whether it answers, and how often it was asked.
#[derive(Clone)]
struct Provider(Arc<Mutex<ProviderState>>);

struct ProviderState {
    kids: Vec<&'static str>,
    up: bool,
    hits: usize,
}

impl Provider {
    async fn start(kids: &[&'static str]) -> (Provider, String) {
        let provider = Provider(Arc::new(Mutex::new(ProviderState {
            kids: kids.to_vec(),
            up: true,
            hits: 0,
        })));
        let data = web::Data::new(provider.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/jwks", web::get().to(serve_jwks))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .unwrap();
        let url = format!("http://{}/jwks", server.addrs()[0]);
        tokio::spawn(server.run());
        (provider, url)
    }

    /// Publishes exactly these keys from now on (a rotation or a withdrawal).
    fn serve(&self, kids: &[&'static str]) {
        let mut state = self.0.lock().unwrap();
        state.kids = kids.to_vec();
        state.up = true;
    }

    /// Answers every request with 503 from now on.
    fn go_down(&self) {
        self.0.lock().unwrap().up = false;
    }

    fn hits(&self) -> usize {
        self.0.lock().unwrap().hits
    }
}

async fn serve_jwks(provider: web::Data<Provider>) -> HttpResponse {
    let mut state = provider.0.lock().unwrap();
    state.hits += 1;
    if !state.up {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let mut set: serde_json::Value = serde_json::from_str(JWKS).unwrap();
    let kids = state.kids.clone();
    set["keys"]
        .as_array_mut()
        .unwrap()
        .retain(|key| kids.iter().any(|kid| key["kid"] == *kid));
    HttpResponse::Ok().json(set)
}

fn authenticator_at(url: String, max_age: Duration, retry_after: Duration) -> Arc<Authenticator> {
    Authenticator::new(AuthConfig {
        keys: AuthKeys::JwksUrl(url),
        issuer: "https://idp.example".into(),
        audience: "qmf".into(),
        leeway_secs: 30,
        jwks_max_age: max_age,
        jwks_retry_after: retry_after,
    })
}

fn rsa_token() -> String {
    encode(
        &header(Algorithm::RS256, Some("rsa-1")),
        &claims(),
        &EncodingKey::from_rsa_pem(RSA_KEY).unwrap(),
    )
    .unwrap()
}

fn ec_token() -> String {
    encode(
        &header(Algorithm::ES256, Some("ec-1")),
        &claims(),
        &EncodingKey::from_ec_pem(EC_KEY).unwrap(),
    )
    .unwrap()
}

fn refused(result: Result<qmf_platform::Principal, ApiError>) -> bool {
    matches!(result, Err(ApiError::Unauthorized(_)))
}

const LONG: Duration = Duration::from_secs(900);
/// Short enough for a test, long enough that a busy machine finishes the checks meant to fall
/// inside it.
const SHORT: Duration = Duration::from_secs(2);
const PAST_SHORT: Duration = Duration::from_millis(2300);

#[tokio::test]
async fn keys_are_fetched_once_and_kept_for_every_token() {
    let (provider, url) = Provider::start(&["rsa-1", "ec-1"]).await;
    let auth = authenticator_at(url, LONG, LONG);
    for _ in 0..20 {
        assert!(auth.authenticate(&rsa_token()).await.is_ok());
    }
    assert!(auth.authenticate(&ec_token()).await.is_ok());
    assert_eq!(provider.hits(), 1);
}

#[tokio::test]
async fn a_rotated_key_is_picked_up_and_unknown_keys_do_not_flood_the_provider() {
    let (provider, url) = Provider::start(&["rsa-1"]).await;
    let auth = authenticator_at(url, LONG, SHORT);
    assert!(auth.authenticate(&rsa_token()).await.is_ok());
    // The provider rotates: a new key is published and tokens signed with it arrive.
    provider.serve(&["rsa-1", "ec-1"]);
    // Right after the last fetch, tokens naming the unknown key are refused without asking again.
    for _ in 0..5 {
        assert!(refused(auth.authenticate(&ec_token()).await));
    }
    assert_eq!(provider.hits(), 1);
    tokio::time::sleep(PAST_SHORT).await;
    assert!(auth.authenticate(&ec_token()).await.is_ok());
    assert!(auth.authenticate(&rsa_token()).await.is_ok());
    assert_eq!(provider.hits(), 2);
}

#[tokio::test]
async fn a_withdrawn_key_stops_working_once_the_keys_are_old() {
    let (provider, url) = Provider::start(&["rsa-1", "ec-1"]).await;
    let auth = authenticator_at(url, SHORT, Duration::from_secs(1));
    assert!(auth.authenticate(&rsa_token()).await.is_ok());
    provider.serve(&["ec-1"]);
    tokio::time::sleep(PAST_SHORT).await;
    assert!(refused(auth.authenticate(&rsa_token()).await));
    assert!(auth.authenticate(&ec_token()).await.is_ok());
    assert_eq!(provider.hits(), 2);
}

#[tokio::test]
async fn while_the_provider_is_unreachable_known_keys_work_and_unknown_ones_are_refused() {
    let (provider, url) = Provider::start(&["rsa-1"]).await;
    let auth = authenticator_at(url, SHORT, SHORT);
    assert!(auth.authenticate(&rsa_token()).await.is_ok());
    provider.go_down();
    tokio::time::sleep(PAST_SHORT).await;
    // The keys are old: a fetch is tried, fails, and the key fetched before still verifies.
    assert!(auth.authenticate(&rsa_token()).await.is_ok());
    assert_eq!(provider.hits(), 2);
    // A key never fetched cannot be checked: refused, and the provider is not asked again
    // before the retry interval.
    assert!(auth.authenticate(&ec_token()).await.is_err());
    assert!(refused(auth.authenticate(&ec_token()).await));
    assert_eq!(provider.hits(), 2);
    tokio::time::sleep(PAST_SHORT).await;
    assert!(matches!(
        auth.authenticate(&ec_token()).await,
        Err(ApiError::Unavailable(_))
    ));
    assert_eq!(provider.hits(), 3);
    // Back, with the new key.
    provider.serve(&["rsa-1", "ec-1"]);
    tokio::time::sleep(PAST_SHORT).await;
    assert!(auth.authenticate(&ec_token()).await.is_ok());
    assert_eq!(provider.hits(), 4);
}

#[tokio::test]
async fn hs256_tokens_are_refused_when_keys_come_from_a_jwks() {
    let (_provider, url) = Provider::start(&["rsa-1", "ec-1"]).await;
    let auth = authenticator_at(url, LONG, LONG);
    let secret = EncodingKey::from_secret(b"0123456789abcdef0123456789abcdef");
    for kid in [None, Some("rsa-1"), Some("ec-1"), Some("hs-1")] {
        let token = encode(&header(Algorithm::HS256, kid), &claims(), &secret).unwrap();
        assert!(
            refused(auth.authenticate(&token).await),
            "HS256 with kid {kid:?} was not refused"
        );
    }
}
