//! Who is calling and under which address the service is reached, without trusting headers a
//! client can forge: `X-Forwarded-For`, `Forwarded` and `X-Forwarded-Host` count only when the
//! connection comes from a configured trusted proxy (`QMF_TRUSTED_PROXIES`), and links to the
//! service use the configured public base URL (`QMF_PUBLIC_BASE_URL`) when there is one.

use std::net::{IpAddr, Ipv4Addr};

use actix_web::HttpRequest;
use actix_web::dev::ServiceRequest;
use actix_web::web;

/// The network settings every worker reads (app data).
#[derive(Debug, Clone, Default)]
pub struct Network {
    /// Proxies whose forwarding headers are believed.
    pub trusted_proxies: Vec<IpAddr>,
    /// The address clients use, e.g. `https://qmf.example.org`; no trailing slash.
    pub public_base_url: Option<String>,
}

/// The client's IP address.
pub struct ClientAddress;

impl ClientAddress {
    /// The address of the client of `req`: the peer, or, when the peer is a trusted proxy,
    /// the nearest untrusted address in `X-Forwarded-For`.
    pub fn of(req: &ServiceRequest) -> IpAddr {
        client_ip(req.request())
    }
}

fn network(req: &HttpRequest) -> Option<&Network> {
    req.app_data::<web::Data<Network>>().map(|n| n.get_ref())
}

fn peer_is_trusted(req: &HttpRequest, peer: IpAddr) -> bool {
    network(req).is_some_and(|n| n.trusted_proxies.contains(&peer))
}

/// See [`ClientAddress::of`].
pub fn client_ip(req: &HttpRequest) -> IpAddr {
    let peer = req
        .peer_addr()
        .map(|a| a.ip())
        .unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED));
    if !peer_is_trusted(req, peer) {
        return peer;
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .into_iter()
        .rev()
        .find(|ip| !peer_is_trusted(req, *ip))
        .unwrap_or(peer)
}

/// The base URL links in responses start with (scheme and authority, no trailing slash): the
/// configured public base URL; else, behind a trusted proxy, what it forwards; else the
/// request's own `Host`.
pub fn public_base_url(req: &HttpRequest) -> String {
    if let Some(url) = network(req).and_then(|n| n.public_base_url.clone()) {
        return url;
    }
    let peer = req.peer_addr().map(|a| a.ip());
    if peer.is_some_and(|peer| peer_is_trusted(req, peer)) {
        let info = req.connection_info();
        return format!("{}://{}", info.scheme(), info.host());
    }
    let host = req
        .headers()
        .get(actix_web::http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .filter(|h| valid_authority(h))
        .map(str::to_string)
        .unwrap_or_else(|| req.app_config().host().to_string());
    format!(
        "{}://{}",
        if req.app_config().secure() {
            "https"
        } else {
            "http"
        },
        host
    )
}

/// A host header we are willing to echo in links: host name or address and an optional port.
fn valid_authority(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 255
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
}
