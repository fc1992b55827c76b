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
    /// Proxies whose forwarding headers are believed: addresses, or networks (a Kubernetes
    /// pod network, where the gateway's addresses change).
    pub trusted_proxies: Vec<ipnet::IpNet>,
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
    network(req).is_some_and(|n| n.trusted_proxies.iter().any(|net| net.contains(&peer)))
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

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use actix_web::test::TestRequest;

    fn request(peer: &str, forwarded_for: &str, trusted: &[&str]) -> HttpRequest {
        let network = Network {
            trusted_proxies: trusted.iter().map(|t| t.parse().unwrap()).collect(),
            public_base_url: None,
        };
        TestRequest::default()
            .peer_addr(format!("{peer}:40000").parse().unwrap())
            .insert_header(("x-forwarded-for", forwarded_for))
            .app_data(web::Data::new(network))
            .to_http_request()
    }

    #[test]
    fn a_trusted_network_forwards_the_nearest_untrusted_address() {
        // The gateway in a pod network, behind the ingress controller in the same network.
        let req = request("10.244.1.7", "203.0.113.5, 10.244.3.2", &["10.244.0.0/16"]);
        assert_eq!(client_ip(&req).to_string(), "203.0.113.5");
        // A single trusted address works as before.
        let req = request("127.0.0.1", "198.51.100.9", &["127.0.0.1/32"]);
        assert_eq!(client_ip(&req).to_string(), "198.51.100.9");
        // Outside the trusted network the header is ignored.
        let req = request("192.0.2.1", "198.51.100.9", &["10.244.0.0/16"]);
        assert_eq!(client_ip(&req).to_string(), "192.0.2.1");
    }
}
