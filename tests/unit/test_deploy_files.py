"""deploy/ cannot run here (no Docker, no Kubernetes): check what can be checked without them.
Every file parses; every setting named exists and validates; dashboards and alerts ask only for
metrics a worker exports; the compose cluster is three KRaft nodes with ACLs enforced."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from pipeline.cli.deploy import DEPLOY_DIR
from pipeline.ops.acls import ROLE_NAMES
from pipeline.ops.metrics import RouterMetrics
from pipeline.settings import Settings

YAML_FILES = sorted(DEPLOY_DIR.rglob("*.yml")) + sorted(DEPLOY_DIR.rglob("*.yaml"))


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY_DIR)))
def test_every_yaml_file_parses(path: Path):
    assert [d for d in yaml.safe_load_all(path.read_text()) if d]


def compose() -> dict:
    return yaml.safe_load((DEPLOY_DIR / "docker-compose.yml").read_text())


def ketenstroom_env(env: dict) -> dict[str, str]:
    return {k: str(v) for k, v in env.items() if k.startswith("KETENSTROOM_")}


def settings_from(env: dict[str, str]) -> Settings:
    values = {k.removeprefix("KETENSTROOM_").lower(): v for k, v in env.items()}
    unknown = set(values) - set(Settings.model_fields)
    assert not unknown, f"no such setting: {unknown}"
    values = {k: _interpolated(v) for k, v in values.items()}
    return Settings(**values)


def _interpolated(value: str) -> str:
    """A compose value as compose fills it in: ${VAR:-default} gives the default, a required
    ${VAR:?...} a placeholder."""
    default = re.fullmatch(r"\$\{[A-Z_]+:-([^}]*)\}", value)
    if default:
        return default.group(1)
    return "placeholder" if "${" in value else value


def test_compose_services_use_real_settings():
    services = compose()["services"]
    for name in ("topics", "router"):
        settings = settings_from(ketenstroom_env(services[name]["environment"]))
        assert settings.broker == "external" and settings.security_protocol == "SASL_PLAINTEXT"
        assert settings.replication_factor == 3
    router = settings_from(ketenstroom_env(services["router"]["environment"]))
    assert (router.sasl_username, router.metrics_port, router.metrics_host) == (
        "ketenstroom-router",
        9464,
        "0.0.0.0",
    )
    image = settings_from({**image_env(), "KETENSTROOM_BOOTSTRAP_SERVERS": "kafka:9092"})
    assert image.broker == "external" and image.metrics_port == 9464


def image_env() -> dict[str, str]:
    """The settings the image sets itself (ENV in deploy/Dockerfile)."""
    dockerfile = (DEPLOY_DIR / "Dockerfile").read_text()
    return dict(re.findall(r"(KETENSTROOM_[A-Z_]+)=(\S+)", dockerfile))


def test_compose_is_three_kraft_brokers_with_acls():
    services = compose()["services"]
    brokers = {n: s for n, s in services.items() if re.fullmatch(r"kafka-\d", n)}
    assert len(brokers) == 3
    env = [s["environment"] for s in brokers.values()]
    assert sorted(e["KAFKA_NODE_ID"] for e in env) == [1, 2, 3]
    for e in env:
        assert e["KAFKA_PROCESS_ROLES"] == "broker,controller"
        assert e["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
        assert "StandardAuthorizer" in e["KAFKA_AUTHORIZER_CLASS_NAME"]
        assert e["KAFKA_CONTROLLER_QUORUM_VOTERS"].count("@") == 3
        # the anonymous (super user) listeners bind to the broker-only network
        assert "INTERNAL://kafka-" in e["KAFKA_LISTENERS"] and ".intern:" in e["KAFKA_LISTENERS"]
    assert compose()["networks"]["intern"]["internal"] is True
    assert services["router"]["networks"] == ["ketenstroom"]
    setup = (DEPLOY_DIR / "compose" / "setup-kafka.sh").read_text()
    for role in ROLE_NAMES:
        assert f"scram {role} " in setup
    assert services["acls"]["command"] == ["deploy", "acls", "--apply"]
    assert "acls" in services["topics"]["depends_on"]


def listeners(value: str) -> dict[str, tuple[str, int]]:
    """NAME://host:port,... as {NAME: (host, port)}."""
    out = {}
    for item in value.split(","):
        name, _, address = item.partition("://")
        host, _, port = address.rpartition(":")
        out[name] = (host, int(port))
    return out


def test_compose_brokers_are_reachable_from_the_host_and_from_the_network():
    """Each client listener advertises a name its clients resolve: the service name on the
    compose network, localhost with the published port on the host."""
    services = compose()["services"]
    brokers = {n: s for n, s in services.items() if re.fullmatch(r"kafka-\d", n)}
    bootstrap = ketenstroom_env(services["router"]["environment"])["KETENSTROOM_BOOTSTRAP_SERVERS"]
    host_ports = set()
    for name, service in brokers.items():
        env = service["environment"]
        bound = listeners(env["KAFKA_LISTENERS"])
        advertised = listeners(env["KAFKA_ADVERTISED_LISTENERS"])
        protocols = dict(
            p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(",")
        )
        assert set(bound) == set(protocols) and set(advertised) == set(bound) - {"CONTROLLER"}
        # containers: the service name (a DNS name on the ketenstroom network) and its port
        assert advertised["DOCKER"] == (name, bound["DOCKER"][1])
        assert f"{name}:{bound['DOCKER'][1]}" in bootstrap.split(",")
        assert "ketenstroom" in service["networks"]
        # the host: localhost and a port published on the same number
        host, port = advertised["HOST"]
        assert host == "localhost" and bound["HOST"][1] == port
        assert f"127.0.0.1:{port}:{port}" in service["ports"]
        host_ports.add(port)
        for listener in ("DOCKER", "HOST"):
            assert protocols[listener] == "SASL_PLAINTEXT"
            assert f"KAFKA_LISTENER_NAME_{listener}_SCRAM___SHA___512_SASL_JAAS_CONFIG" in env
        # nothing anonymous is published
        assert all(str(p).split(":")[-1] == str(port) for p in service["ports"])
    assert len(host_ports) == len(brokers)
    header = (DEPLOY_DIR / "docker-compose.yml").read_text().split("\nname:")[0]
    for port in host_ports:
        assert f"localhost:{port}" in header


def exported_metric_names() -> set[str]:
    metrics = RouterMetrics(sources=["p"], recipients=["q"])
    metrics.watch_lag(lambda: {("t", 0): 1})
    metrics.latency.observe(0.1)
    metrics.batch_seconds.observe(0.1)
    metrics.set_covenant("v")
    text = metrics.exposition().decode()
    return {
        line.split("{")[0].split(" ")[0] for line in text.splitlines() if not line.startswith("#")
    }


def referenced_metrics(expression: str) -> set[str]:
    return set(re.findall(r"\b(?:ketenstroom|process|python)_[a-z_]+", expression))


def test_dashboard_and_alerts_ask_only_for_exported_metrics():
    exported = exported_metric_names()
    dashboard = json.loads((DEPLOY_DIR / "grafana" / "dashboards" / "ketenstroom.json").read_text())
    expressions = [t["expr"] for p in dashboard["panels"] for t in p["targets"]]
    alerts = yaml.safe_load((DEPLOY_DIR / "prometheus" / "alerts.yml").read_text())
    expressions += [r["expr"] for g in alerts["groups"] for r in g["rules"]]
    used = set().union(*(referenced_metrics(e) for e in expressions))
    assert used and used <= exported, used - exported
    # every metric family of ketenstroom's own is on the dashboard, and the worker's memory
    assert {"process_resident_memory_bytes", "process_cpu_seconds_total"} <= used
    families = {
        re.sub(r"_(total|bucket|sum|count|created)$", "", n)
        for n in exported
        if n.startswith("ketenstroom_")
    }
    on_dashboard = {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in used}
    assert families <= on_dashboard, families - on_dashboard


def test_the_dashboard_imports_into_any_grafana():
    """Issue 31: every query named the datasource uid ``prometheus`` (only this compose set-up
    has one by that uid) and the schema version was 39. Now every panel and query asks the
    dashboard's datasource variable, the import dialog asks for a Prometheus (``__inputs``), and
    the schema version is Grafana 12.1's (the version compose runs; newer ones migrate it)."""
    dashboard = json.loads((DEPLOY_DIR / "grafana" / "dashboards" / "ketenstroom.json").read_text())
    assert dashboard["schemaVersion"] == 41
    (variable,) = [v for v in dashboard["templating"]["list"] if v["type"] == "datasource"]
    assert variable["query"] == "prometheus"
    wanted = {"type": "prometheus", "uid": "${" + variable["name"] + "}"}
    for panel in dashboard["panels"]:
        assert panel["datasource"] == wanted, panel["title"]
        assert all(t["datasource"] == wanted for t in panel["targets"]), panel["title"]
    (source,) = dashboard["__inputs"]
    assert (source["type"], source["pluginId"]) == ("datasource", "prometheus")
    required = {(r["type"], r["id"]) for r in dashboard["__requires"]}
    assert {("panel", p["type"]) for p in dashboard["panels"]} <= required
    grafana = compose()["services"]["grafana"]["image"].split(":")[1]
    assert {"type": "grafana", "id": "grafana", "name": "Grafana", "version": grafana} in (
        dashboard["__requires"]
    )


def test_kubernetes_manifests_fit_together():
    kube = DEPLOY_DIR / "kubernetes"
    kustomization = yaml.safe_load((kube / "kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (kube / resource).exists(), resource
    (deployment, *_) = yaml.safe_load_all((kube / "router.yaml").read_text())
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e.get("value", "from-secret") for e in container["env"]}
    settings = settings_from({**image_env(), **env})
    assert settings.security_protocol == "SASL_SSL" and settings.ssl_cafile is not None
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["startupProbe"]["httpGet"]["path"] == "/health/started"
    pod = deployment["spec"]["template"]["spec"]
    # the grace period covers the worker's own bounded stop
    assert pod["terminationGracePeriodSeconds"] > settings.shutdown_timeout_s
    assert settings.log_format == "json"


def test_the_router_pod_can_read_its_keys_and_write_its_state():
    """Issue 31: the pod ran as uid 10001 without fsGroup while the keys Secret was mounted
    0400 (owned by root: unreadable for the worker), and its state directory was on no volume."""
    kube = DEPLOY_DIR / "kubernetes"
    (deployment, *_) = yaml.safe_load_all((kube / "router.yaml").read_text())
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    env = {e["name"]: e.get("value", "from-secret") for e in container["env"]}
    settings = settings_from({**image_env(), **env})
    security = pod["securityContext"]
    assert security["runAsNonRoot"] and security["runAsUser"] != 0
    volumes = {v["name"]: v for v in pod["volumes"]}
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}

    def volume_of(path: Path) -> dict:
        mount = max((p for p in mounts if path.is_relative_to(p)), key=len)
        return volumes[mounts[mount]["name"]] | {"readOnly": mounts[mount].get("readOnly")}

    keys = volume_of(settings.keyring)
    assert keys["secret"]["secretName"] == "ketenstroom-keys"
    # Secret files are root's; with fsGroup they are the pod's group's: mode must let it read
    assert security["fsGroup"] == security["runAsGroup"]
    assert keys["secret"]["defaultMode"] & 0o040 and not keys["secret"]["defaultMode"] & 0o007
    state = volume_of(settings.state_dir)
    assert "emptyDir" in state and not state["readOnly"]
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert not volume_of(Path("/tmp"))["readOnly"]  # Faust's data directory
    users = yaml.safe_load_all((kube / "generated" / "kafka-users.yaml").read_text())
    assert settings.sasl_username in {u["metadata"]["name"] for u in users if u}
