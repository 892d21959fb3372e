//! `HttpNotifier` against tiny local servers: the guard, statuses, redirects, timeouts.

use std::time::Duration;

use licentia_adapters_http::{HttpNotifier, NotifierSettings};
use licentia_ports::{Notifier, OutboundMessage, UrlRefused};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// A server answering every connection with `response` (or nothing, when `None`).
async fn server(response: Option<&'static str>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("address").port();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buffer = [0u8; 4096];
                let _ = socket.read(&mut buffer).await;
                match response {
                    Some(response) => {
                        let _ = socket.write_all(response.as_bytes()).await;
                    }
                    None => tokio::time::sleep(Duration::from_secs(30)).await,
                }
            });
        }
    });
    format!("http://127.0.0.1:{port}/hook")
}

fn notifier(allow_private: bool, timeout: Duration) -> HttpNotifier {
    HttpNotifier::new(NotifierSettings {
        allow_private,
        timeout,
    })
    .expect("client")
}

fn message(url: &str) -> OutboundMessage {
    OutboundMessage {
        url: url.to_owned(),
        headers: vec![("webhook-id", "evt_1".to_owned())],
        body: b"{}".to_vec(),
    }
}

const OK: &str = "HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n";
const SECRET_BODY: &str =
    "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 15\r\n\r\ninternal-secret";
const REDIRECT: &str =
    "HTTP/1.1 302 Found\r\nLocation: http://169.254.169.254/\r\nContent-Length: 0\r\n\r\n";

#[tokio::test]
async fn a_loopback_receiver_is_refused_by_default_and_reached_when_allowed() {
    let url = server(Some(OK)).await;
    let guarded = notifier(false, Duration::from_secs(5));
    assert!(matches!(
        guarded.vet(&url).await,
        Err(UrlRefused::ForbiddenAddress {
            kind: "a loopback",
            ..
        })
    ));
    let report = guarded.send(&message(&url)).await;
    assert_eq!(report.status, None);
    assert!(
        report
            .error
            .as_deref()
            .is_some_and(|e| e.contains("loopback")),
        "{report:?}"
    );

    let open = notifier(true, Duration::from_secs(5));
    assert_eq!(open.vet(&url).await, Ok(()));
    let report = open.send(&message(&url)).await;
    assert_eq!((report.status, report.error), (Some(204), None));
}

#[tokio::test]
async fn a_name_resolving_to_loopback_is_refused_at_vet_and_at_send() {
    let url = server(Some(OK)).await.replace("127.0.0.1", "localhost");
    let guarded = notifier(false, Duration::from_secs(5));
    assert!(matches!(
        guarded.vet(&url).await,
        Err(UrlRefused::ForbiddenAddress { .. })
    ));
    let report = guarded.send(&message(&url)).await;
    assert_eq!(report.status, None);
    assert!(
        report
            .error
            .as_deref()
            .is_some_and(|e| e.starts_with("refused")),
        "{report:?}"
    );
}

#[tokio::test]
async fn metadata_addresses_are_refused_even_when_private_ones_are_allowed() {
    let open = notifier(true, Duration::from_secs(5));
    for url in ["http://169.254.169.254/latest", "http://[fd00:ec2::254]/"] {
        assert!(open.vet(url).await.is_err(), "{url}");
        assert!(open.send(&message(url)).await.error.is_some(), "{url}");
    }
}

#[tokio::test]
async fn redirects_are_not_followed_and_bodies_never_reported() {
    let open = notifier(true, Duration::from_secs(5));
    let report = open.send(&message(&server(Some(REDIRECT)).await)).await;
    assert_eq!(report.status, Some(302));
    assert!(
        report
            .error
            .as_deref()
            .is_some_and(|e| e.contains("redirects"))
    );

    let report = open.send(&message(&server(Some(SECRET_BODY)).await)).await;
    assert_eq!(report.status, Some(500));
    assert_eq!(report.error.as_deref(), Some("HTTP 500"));
}

#[tokio::test]
async fn a_silent_receiver_times_out() {
    let open = notifier(true, Duration::from_millis(300));
    let report = open.send(&message(&server(None).await)).await;
    assert_eq!(report.status, None);
    assert_eq!(report.error.as_deref(), Some("timed out"));
    assert!(report.latency >= Duration::from_millis(300));
}

#[tokio::test]
async fn unresolvable_hosts_are_reported() {
    let guarded = notifier(false, Duration::from_secs(5));
    assert!(matches!(
        guarded.vet("https://no-such-host.invalid/hook").await,
        Err(UrlRefused::Unresolvable { .. })
    ));
}
