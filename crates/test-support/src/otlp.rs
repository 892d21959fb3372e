//! `OtlpReceiver`: a tiny OTLP/HTTP collector. It accepts `POST /v1/traces` and
//! `POST /v1/metrics` in protobuf, as a real collector would, decodes the spans and
//! metric points, and keeps every request body as received (to search for what must
//! never be exported).

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::{App, HttpResponse, HttpServer, web};
use licentia::config::TelemetrySettings;
use opentelemetry_proto::tonic::collector::metrics::v1::ExportMetricsServiceRequest;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::{AnyValue, KeyValue, any_value};
use opentelemetry_proto::tonic::metrics::v1::{metric, number_data_point};
use prost::Message;

/// One exported span.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub name: String,
    /// The OTLP span kind (2: server, 3: client).
    pub kind: i32,
    pub trace_id: Vec<u8>,
    pub span_id: Vec<u8>,
    /// Empty for a root span.
    pub parent_span_id: Vec<u8>,
    /// Attributes, their values as text.
    pub attributes: BTreeMap<String, String>,
    /// The OTLP status code (0: unset, 1: ok, 2: error).
    pub status_code: i32,
}

impl ReceivedSpan {
    /// An attribute's value as text.
    pub fn attribute(&self, key: &str) -> Option<&str> {
        self.attributes.get(key).map(String::as_str)
    }
}

/// One exported metric data point (sums and gauges: the value; histograms: the count).
#[derive(Debug, Clone)]
pub struct ReceivedPoint {
    pub metric: String,
    pub unit: String,
    pub attributes: BTreeMap<String, String>,
    pub value: f64,
}

#[derive(Debug, Default)]
struct Collected {
    spans: Vec<ReceivedSpan>,
    points: Vec<ReceivedPoint>,
    bodies: Vec<Vec<u8>>,
}

/// A running receiver.
#[derive(Debug, Clone)]
pub struct OtlpReceiver {
    /// `http://127.0.0.1:<port>`: append `/v1/traces` or `/v1/metrics`.
    pub endpoint: String,
    collected: Arc<Mutex<Collected>>,
}

fn text(value: Option<&AnyValue>) -> String {
    match value.and_then(|v| v.value.as_ref()) {
        Some(any_value::Value::StringValue(s)) => s.clone(),
        Some(any_value::Value::BoolValue(b)) => b.to_string(),
        Some(any_value::Value::IntValue(i)) => i.to_string(),
        Some(any_value::Value::DoubleValue(d)) => d.to_string(),
        Some(other) => format!("{other:?}"),
        None => String::new(),
    }
}

fn attributes(list: &[KeyValue]) -> BTreeMap<String, String> {
    list.iter()
        .map(|kv| (kv.key.clone(), text(kv.value.as_ref())))
        .collect()
}

async fn traces(body: web::Bytes, collected: web::Data<Arc<Mutex<Collected>>>) -> HttpResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body.as_ref()) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut collected = collected.lock().expect("receiver lock");
    collected.bodies.push(body.to_vec());
    for resource in request.resource_spans {
        for scope in resource.scope_spans {
            for span in scope.spans {
                collected.spans.push(ReceivedSpan {
                    attributes: attributes(&span.attributes),
                    status_code: span.status.as_ref().map_or(0, |s| s.code),
                    name: span.name,
                    kind: span.kind,
                    trace_id: span.trace_id,
                    span_id: span.span_id,
                    parent_span_id: span.parent_span_id,
                });
            }
        }
    }
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .finish()
}

async fn metrics(body: web::Bytes, collected: web::Data<Arc<Mutex<Collected>>>) -> HttpResponse {
    let Ok(request) = ExportMetricsServiceRequest::decode(body.as_ref()) else {
        return HttpResponse::BadRequest().finish();
    };
    let mut collected = collected.lock().expect("receiver lock");
    collected.bodies.push(body.to_vec());
    for resource in request.resource_metrics {
        for scope in resource.scope_metrics {
            for metric in scope.metrics {
                let point = |attributes: BTreeMap<String, String>, value: f64| ReceivedPoint {
                    metric: metric.name.clone(),
                    unit: metric.unit.clone(),
                    attributes,
                    value,
                };
                let number = |value: Option<number_data_point::Value>| match value {
                    Some(number_data_point::Value::AsInt(i)) => i as f64,
                    Some(number_data_point::Value::AsDouble(d)) => d,
                    None => f64::NAN,
                };
                let points: Vec<ReceivedPoint> = match &metric.data {
                    Some(metric::Data::Sum(sum)) => sum
                        .data_points
                        .iter()
                        .map(|p| point(attributes(&p.attributes), number(p.value)))
                        .collect(),
                    Some(metric::Data::Gauge(gauge)) => gauge
                        .data_points
                        .iter()
                        .map(|p| point(attributes(&p.attributes), number(p.value)))
                        .collect(),
                    Some(metric::Data::Histogram(histogram)) => histogram
                        .data_points
                        .iter()
                        .map(|p| point(attributes(&p.attributes), p.count as f64))
                        .collect(),
                    _ => vec![],
                };
                collected.points.extend(points);
            }
        }
    }
    HttpResponse::Ok()
        .content_type("application/x-protobuf")
        .finish()
}

impl OtlpReceiver {
    /// Starts a receiver on a free port.
    pub async fn start() -> Self {
        let collected = Arc::new(Mutex::new(Collected::default()));
        let data = web::Data::new(collected.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .app_data(web::PayloadConfig::new(64 * 1024 * 1024))
                .route("/v1/traces", web::post().to(traces))
                .route("/v1/metrics", web::post().to(metrics))
        })
        .workers(1)
        .bind("127.0.0.1:0")
        .expect("bind the OTLP receiver");
        let port = server.addrs()[0].port();
        tokio::spawn(server.run());
        Self {
            endpoint: format!("http://127.0.0.1:{port}"),
            collected,
        }
    }

    /// Points a server's traces and metrics here, exported every ~100 ms.
    pub fn receive_from(&self, telemetry: &mut TelemetrySettings) {
        telemetry.traces_endpoint = Some(format!("{}/v1/traces", self.endpoint));
        telemetry.metrics_endpoint = Some(format!("{}/v1/metrics", self.endpoint));
        telemetry.span_export_delay = Some(Duration::from_millis(100));
        telemetry.metric_export_interval = Some(Duration::from_millis(100));
        telemetry.backlog_interval = Duration::from_millis(100);
    }

    /// Every span received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.collected.lock().expect("receiver lock").spans.clone()
    }

    /// Every metric point received so far (cumulative: later points include earlier).
    pub fn points(&self) -> Vec<ReceivedPoint> {
        self.collected.lock().expect("receiver lock").points.clone()
    }

    /// Every request body received so far, as sent.
    pub fn bodies(&self) -> Vec<Vec<u8>> {
        self.collected.lock().expect("receiver lock").bodies.clone()
    }

    /// Waits (up to 15 s) for a span satisfying `wanted`, and returns it.
    ///
    /// # Panics
    /// When none arrives.
    pub async fn wait_for_span(
        &self,
        what: &str,
        wanted: impl Fn(&ReceivedSpan) -> bool,
    ) -> ReceivedSpan {
        for _ in 0..300 {
            if let Some(span) = self.spans().into_iter().find(|s| wanted(s)) {
                return span;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let names: Vec<String> = self.spans().into_iter().map(|s| s.name).collect();
        panic!("the receiver never saw {what}; it saw spans {names:?}");
    }

    /// Waits (up to 15 s) for a point of `metric` satisfying `wanted`, and returns it.
    ///
    /// # Panics
    /// When none arrives.
    pub async fn wait_for_point(
        &self,
        metric: &str,
        wanted: impl Fn(&ReceivedPoint) -> bool,
    ) -> ReceivedPoint {
        for _ in 0..300 {
            if let Some(point) = self
                .points()
                .into_iter()
                .find(|p| p.metric == metric && wanted(p))
            {
                return point;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let seen: Vec<String> = self
            .points()
            .into_iter()
            .filter(|p| p.metric == metric)
            .map(|p| format!("{:?}={}", p.attributes, p.value))
            .collect();
        panic!("the receiver never saw the wanted {metric} point; it saw {seen:?}");
    }
}
