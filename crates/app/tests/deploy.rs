//! The Kubernetes manifests in `deploy/kubernetes/`, checked without `kubectl`: every
//! YAML document parses, and the fields a safe multi-replica deployment needs are there.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_yaml_ng::Value;

fn manifests_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/kubernetes")
}

/// Every document of every `.yaml` file, with the file it came from.
fn documents() -> Vec<(String, Value)> {
    let mut files: Vec<PathBuf> = fs::read_dir(manifests_dir())
        .expect("deploy/kubernetes/")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no manifests found");
    let mut docs = Vec::new();
    for file in files {
        let name = file.display().to_string();
        let text = fs::read_to_string(&file).expect("readable manifest");
        for doc in serde_yaml_ng::Deserializer::from_str(&text) {
            let value = Value::deserialize(doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            if !value.is_null() {
                docs.push((name.clone(), value));
            }
        }
    }
    docs
}

/// The value at a dotted path (`spec.template.spec`); numeric parts index sequences.
fn at<'a>(value: &'a Value, path: &str) -> &'a Value {
    path.split('.').fold(value, |v, key| {
        let next = match key.parse::<usize>() {
            Ok(i) => v.get(i),
            Err(_) => v.get(key),
        };
        next.unwrap_or_else(|| panic!("missing `{path}` (at `{key}`) in {v:?}"))
    })
}

fn text<'a>(value: &'a Value, path: &str) -> &'a str {
    at(value, path)
        .as_str()
        .unwrap_or_else(|| panic!("`{path}` is not a string"))
}

fn number(value: &Value, path: &str) -> i64 {
    at(value, path)
        .as_i64()
        .unwrap_or_else(|| panic!("`{path}` is not a number"))
}

/// The one document of `kind` (named `name` when given).
fn only<'a>(docs: &'a [(String, Value)], kind: &str) -> &'a Value {
    let found: Vec<&Value> = docs
        .iter()
        .filter(|(_, d)| d.get("kind").and_then(Value::as_str) == Some(kind))
        .map(|(_, d)| d)
        .collect();
    assert_eq!(found.len(), 1, "exactly one {kind}");
    found[0]
}

fn labels(value: &Value) -> BTreeMap<String, String> {
    value
        .as_mapping()
        .expect("a label map")
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().expect("label name").to_owned(),
                v.as_str().expect("label value").to_owned(),
            )
        })
        .collect()
}

/// Whether every `selector` label is among `pod` labels.
fn selects(selector: &BTreeMap<String, String>, pod: &BTreeMap<String, String>) -> bool {
    !selector.is_empty() && selector.iter().all(|(k, v)| pod.get(k) == Some(v))
}

/// The pod's security context and each container's: non-root, no privilege escalation,
/// read-only root, every capability dropped, requests set; env from the Secret.
fn check_pod(kind: &str, pod: &Value) {
    assert_eq!(
        at(pod, "securityContext.runAsNonRoot").as_bool(),
        Some(true),
        "{kind}: runAsNonRoot"
    );
    let containers = at(pod, "containers").as_sequence().expect("containers");
    assert!(!containers.is_empty(), "{kind}: a container");
    for c in containers {
        let image = text(c, "image");
        assert!(image.starts_with("licentia"), "{kind}: the licentia image");
        let sc = at(c, "securityContext");
        assert_eq!(
            at(sc, "allowPrivilegeEscalation").as_bool(),
            Some(false),
            "{kind}"
        );
        assert_eq!(
            at(sc, "readOnlyRootFilesystem").as_bool(),
            Some(true),
            "{kind}"
        );
        let dropped = at(sc, "capabilities.drop")
            .as_sequence()
            .expect("drop list");
        assert!(
            dropped.iter().any(|d| d.as_str() == Some("ALL")),
            "{kind}: drop ALL"
        );
        for resource in ["cpu", "memory"] {
            at(c, &format!("resources.requests.{resource}"));
        }
        at(c, "resources.limits.memory");
        for variable in ["DATABASE_URL", "LICENTIA_MASTER_KEY"] {
            let entry = env(c, variable).unwrap_or_else(|| panic!("{kind}: {variable} is set"));
            assert_eq!(
                text(entry, "valueFrom.secretKeyRef.name"),
                "licentia",
                "{kind}: {variable} from the Secret"
            );
            assert_eq!(text(entry, "valueFrom.secretKeyRef.key"), variable);
            assert!(
                entry.get("value").is_none(),
                "{kind}: no literal {variable}"
            );
        }
    }
}

fn env<'a>(container: &'a Value, name: &str) -> Option<&'a Value> {
    container
        .get("env")?
        .as_sequence()?
        .iter()
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
}

fn env_value<'a>(container: &'a Value, name: &str) -> &'a str {
    let entry = env(container, name).unwrap_or_else(|| panic!("{name} is set"));
    text(entry, "value")
}

#[test]
fn every_required_kind_is_there_once() {
    let docs = documents();
    for kind in [
        "Deployment",
        "Job",
        "Secret",
        "Service",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    ] {
        let found = only(&docs, kind);
        assert!(!text(found, "apiVersion").is_empty());
        assert!(!text(found, "metadata.name").is_empty());
        assert!(
            found
                .get("metadata")
                .and_then(|m| m.get("namespace"))
                .is_none(),
            "{kind}: namespace-agnostic"
        );
    }
}

#[test]
fn the_deployment_runs_several_safe_replicas_with_probes() {
    let docs = documents();
    let deployment = only(&docs, "Deployment");
    assert!(
        number(deployment, "spec.replicas") >= 2,
        "at least 2 replicas"
    );
    let pod_labels = labels(at(deployment, "spec.template.metadata.labels"));
    let selector = labels(at(deployment, "spec.selector.matchLabels"));
    assert!(
        selects(&selector, &pod_labels),
        "the selector matches the pods"
    );
    let pod = at(deployment, "spec.template.spec");
    check_pod("Deployment", pod);
    let grace = number(pod, "terminationGracePeriodSeconds");
    assert!(
        grace > 30,
        "longer than the server's 30 s shutdown: {grace}"
    );

    let container = at(pod, "containers.0");
    assert_eq!(text(container, "args.0"), "serve");
    let port = at(container, "ports")
        .as_sequence()
        .expect("ports")
        .iter()
        .find(|p| number(p, "containerPort") == 8080)
        .expect("port 8080, as in deploy/Dockerfile");
    let port_name = text(port, "name");
    for (probe, path) in [
        ("readinessProbe", "/v1/health/ready"),
        ("livenessProbe", "/v1/health"),
    ] {
        let probe = at(container, probe);
        assert_eq!(text(probe, "httpGet.path"), path);
        let probe_port = at(probe, "httpGet.port");
        assert!(
            probe_port.as_str() == Some(port_name) || probe_port.as_i64() == Some(8080),
            "{path} on the server's port"
        );
    }
    assert_eq!(env_value(container, "LICENTIA_BIND"), "0.0.0.0:8080");
    assert_eq!(env_value(container, "LICENTIA_AUTO_MIGRATE"), "false");
    assert_eq!(env_value(container, "LICENTIA_RATE_LIMITS"), "postgres");
    env(container, "LICENTIA_TRUSTED_PROXIES").expect("LICENTIA_TRUSTED_PROXIES documented");
    // Set only while the master key changes: read from the Secret when it has it.
    let previous = env(container, "LICENTIA_PREVIOUS_MASTER_KEY")
        .expect("LICENTIA_PREVIOUS_MASTER_KEY from the Secret");
    assert_eq!(text(previous, "valueFrom.secretKeyRef.name"), "licentia");
    assert_eq!(
        text(previous, "valueFrom.secretKeyRef.key"),
        "LICENTIA_PREVIOUS_MASTER_KEY"
    );
    assert_eq!(
        at(previous, "valueFrom.secretKeyRef.optional").as_bool(),
        Some(true),
        "pods start without it"
    );
}

#[test]
fn the_job_migrates_and_is_not_behind_the_service() {
    let docs = documents();
    let job = only(&docs, "Job");
    let pod = at(job, "spec.template.spec");
    check_pod("Job", pod);
    assert_eq!(text(pod, "restartPolicy"), "Never");
    assert_eq!(text(pod, "containers.0.args.0"), "migrate");
    let job_labels = labels(at(job, "spec.template.metadata.labels"));
    let service = only(&docs, "Service");
    let selector = labels(at(service, "spec.selector"));
    assert!(
        !selects(&selector, &job_labels),
        "the Service never routes to the Job"
    );
}

#[test]
fn service_hpa_and_pdb_point_at_the_deployment() {
    let docs = documents();
    let deployment = only(&docs, "Deployment");
    let name = text(deployment, "metadata.name");
    let pod_labels = labels(at(deployment, "spec.template.metadata.labels"));

    let service = only(&docs, "Service");
    assert!(selects(&labels(at(service, "spec.selector")), &pod_labels));
    assert_eq!(text(service, "spec.ports.0.targetPort"), "http");

    let hpa = only(&docs, "HorizontalPodAutoscaler");
    assert_eq!(text(hpa, "apiVersion"), "autoscaling/v2");
    assert_eq!(text(hpa, "spec.scaleTargetRef.kind"), "Deployment");
    assert_eq!(text(hpa, "spec.scaleTargetRef.name"), name);
    assert!(number(hpa, "spec.minReplicas") >= 2);
    assert!(number(hpa, "spec.maxReplicas") >= number(hpa, "spec.minReplicas"));
    assert_eq!(text(hpa, "spec.metrics.0.resource.name"), "cpu");

    let pdb = only(&docs, "PodDisruptionBudget");
    assert_eq!(number(pdb, "spec.minAvailable"), 1);
    assert!(selects(
        &labels(at(pdb, "spec.selector.matchLabels")),
        &pod_labels
    ));
}

#[test]
fn the_secret_holds_only_placeholders_and_is_not_applied_by_kustomize() {
    let docs = documents();
    let secret = only(&docs, "Secret");
    assert_eq!(text(secret, "metadata.name"), "licentia");
    assert!(
        secret.get("data").is_none(),
        "no base64 data, only stringData"
    );
    let values = at(secret, "stringData").as_mapping().expect("stringData");
    for key in ["DATABASE_URL", "LICENTIA_MASTER_KEY"] {
        let value = values
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("{key} in the Secret"));
        assert!(value.starts_with("REPLACE_ME"), "{key} is a placeholder");
    }
    assert_eq!(values.len(), 2, "nothing else in the Secret");

    let kustomization = only(&docs, "Kustomization");
    let resources: Vec<&str> = at(kustomization, "resources")
        .as_sequence()
        .expect("resources")
        .iter()
        .map(|r| r.as_str().expect("a file"))
        .collect();
    for file in &resources {
        assert!(manifests_dir().join(file).is_file(), "{file} exists");
    }
    for file in ["deployment.yaml", "service.yaml", "hpa.yaml", "pdb.yaml"] {
        assert!(resources.contains(&file), "{file} is applied");
    }
    assert!(
        !resources.contains(&"secret.example.yaml"),
        "never the template"
    );
}
