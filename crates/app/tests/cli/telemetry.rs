//! The binary's telemetry: configured by the standard `OTEL_*` variables alone, and
//! flushed at shutdown (spans and metrics buffered for minutes are exported when the
//! server is stopped), and a bad `OTEL_*` value stopping the server with one line.

use std::process::{Command, Stdio};
use std::time::Duration;

use licentia_test_support::{OtlpReceiver, TestDatabase};
use secrecy::ExposeSecret;

use super::{TEST_MASTER_KEY, licentia, stderr};

/// A port free right now (the server binds it a moment later).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

#[tokio::test]
async fn sigterm_exports_what_the_server_still_buffers() {
    let db = TestDatabase::new().await;
    let receiver = OtlpReceiver::start().await;
    let port = free_port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_licentia"))
        .arg("serve")
        .env_clear()
        .current_dir(std::env::temp_dir())
        .env("DATABASE_URL", db.url().expose_secret())
        .env("LICENTIA_MASTER_KEY", TEST_MASTER_KEY)
        .env("LICENTIA_LOG", "warn")
        .env("LICENTIA_BIND", format!("127.0.0.1:{port}"))
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &receiver.endpoint)
        .env("OTEL_SERVICE_NAME", "licentia-shutdown-test")
        // Nothing would be sent for ten minutes but for the shutdown.
        .env("OTEL_BSP_SCHEDULE_DELAY", "600000")
        .env("OTEL_METRIC_EXPORT_INTERVAL", "600000")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start licentia serve");

    let client = reqwest::Client::new();
    let health = format!("http://127.0.0.1:{port}/v1/health");
    let mut up = false;
    for _ in 0..200 {
        if let Ok(reply) = client.get(&health).send().await {
            up = reply.status() == 200;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(up, "the server answers");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(receiver.bodies().is_empty(), "nothing is exported early");

    let pid = server.id().to_string();
    let signal = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .expect("kill");
    assert!(signal.success());
    let output = tokio::task::spawn_blocking(move || {
        let status = server.wait().expect("the server exits");
        let mut err = String::new();
        if let Some(mut pipe) = server.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut err).expect("stderr");
        }
        (status, err)
    })
    .await
    .expect("wait task");
    assert!(output.0.success(), "exit {:?}: {}", output.0, output.1);

    let span = receiver
        .wait_for_span("the health check", |s| s.name == "GET /v1/health")
        .await;
    assert_eq!(span.attribute("http.response.status_code"), Some("200"));
    receiver
        .wait_for_point("http.server.request.duration", |p| {
            p.attributes.get("http.route").map(String::as_str) == Some("/v1/health")
        })
        .await;
    let named = receiver.bodies().iter().all(|body| {
        body.windows(b"licentia-shutdown-test".len())
            .any(|w| w == b"licentia-shutdown-test")
    });
    assert!(named, "every export names the service");
}

#[tokio::test]
async fn a_bad_otel_value_stops_serve_with_one_line() {
    let db = TestDatabase::new().await;
    let output = licentia(
        Some(&db),
        &["serve"],
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"),
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"),
        ],
        None,
    )
    .await;
    assert_eq!(output.status.code(), Some(2), "stderr: {}", stderr(&output));
    let err = stderr(&output);
    assert_eq!(err.trim().lines().count(), 1, "one clear line: {err:?}");
    assert!(err.contains("OTEL_EXPORTER_OTLP_PROTOCOL"), "{err}");
}
