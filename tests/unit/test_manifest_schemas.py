"""deploy/ and docs/asyncapi.yaml against the official schemas (tests/deploy_schemas/README.md):

- Kubernetes resources: kubernetes-validate's schemas for Kubernetes KUBERNETES (strict: an
  unknown field fails);
- Strimzi and Prometheus Operator resources: their CRD schemas, compiled by the npm packages
  @kubernetes-models/strimzi-kafka-operator (Strimzi 1.0.0's CRDs) and
  @kubernetes-models/prometheus-operator, run with node;
- docker-compose.yml: the compose specification's JSON schema (vendored by check-jsonschema);
- docs/asyncapi.yaml: the AsyncAPI 3.0.0 JSON schema (npm @asyncapi/specs);
- docker-compose.yml also through dclint (npm), the compose linter, with its default rules.

Each validator is also shown a broken copy, so a wrong enum fails the build.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from kubernetes_validate import utils as kubernetes_validate

from pipeline.cli.deploy import DEPLOY_DIR, DOCS_DIR

#: Strimzi 1.0 supports Kubernetes 1.30 and newer.
KUBERNETES = "1.33.0"
SCHEMAS = Path(__file__).resolve().parents[1] / "deploy_schemas"
NODE_MODULES = SCHEMAS / "node_modules"
CRD_GROUPS = ("kafka.strimzi.io", "core.strimzi.io", "monitoring.coreos.com")


def kubernetes_resources() -> list[tuple[str, dict[str, Any]]]:
    """Every resource of deploy/kubernetes (the kustomization itself is kustomize's, not a
    Kubernetes resource), named file#index."""
    found = []
    for path in sorted((DEPLOY_DIR / "kubernetes").rglob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        for index, doc in enumerate(d for d in yaml.safe_load_all(path.read_text()) if d):
            found.append((f"{path.relative_to(DEPLOY_DIR)}#{index}", doc))
    return found


def is_custom(resource: dict[str, Any]) -> bool:
    return resource["apiVersion"].split("/")[0] in CRD_GROUPS


def crd_problems(resources_: list[dict[str, Any]]) -> list[list[str]]:
    """Problems per resource, from the CRD schemas (node + the npm packages)."""
    if not (NODE_MODULES / "@kubernetes-models").is_dir() or shutil.which("node") is None:
        pytest.fail(
            f"the CRD schemas are not installed: run `make test` (npm ci in {SCHEMAS}); "
            "node and npm come with this machine"
        )
    done = subprocess.run(
        ["node", str(SCHEMAS / "validate.mjs")],
        input=json.dumps(resources_),
        capture_output=True,
        text=True,
        cwd=SCHEMAS,
        timeout=120,
        check=True,
    )
    return json.loads(done.stdout)


def test_strimzi_and_prometheus_resources_fit_their_crd_schemas():
    custom = [(name, r) for name, r in kubernetes_resources() if is_custom(r)]
    kinds = {r["kind"] for _, r in custom}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "KafkaUser", "PodMonitor"} <= kinds
    found = crd_problems([r for _, r in custom])
    wrong = {name: p for (name, _), p in zip(custom, found, strict=True) if p}
    assert not wrong, wrong


def test_the_crd_schemas_refuse_what_strimzi_refuses():
    users = [r for _, r in kubernetes_resources() if r["kind"] == "KafkaUser"]
    prefixed = copy.deepcopy(users[0])  # kafka-acls.sh's word, not Strimzi's
    grant = next(
        g for g in prefixed["spec"]["authorization"]["acls"] if g["resource"]["type"] == "group"
    )
    grant["resource"]["patternType"] = "prefixed"
    old_api = copy.deepcopy(users[0]) | {"apiVersion": "kafka.strimzi.io/v1beta3"}
    kafka = next(r for _, r in kubernetes_resources() if r["kind"] == "Kafka")
    bad_listener = copy.deepcopy(kafka)
    bad_listener["spec"]["kafka"]["listeners"][0]["type"] = "external"
    problems = crd_problems([prefixed, old_api, bad_listener])
    assert "patternType" in " ".join(problems[0])
    assert "no schema" in " ".join(problems[1])
    assert "listeners/0/type" in " ".join(problems[2])


def test_kubernetes_resources_fit_the_kubernetes_schemas():
    native = [(name, r) for name, r in kubernetes_resources() if not is_custom(r)]
    assert {"Namespace", "Deployment", "Service"} <= {r["kind"] for _, r in native}
    for name, resource in native:
        try:
            kubernetes_validate.validate(resource, KUBERNETES, strict=True)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{name}: {exc.message} at {'/'.join(map(str, exc.path))}")


def test_the_kubernetes_schemas_refuse_an_unknown_field_and_a_wrong_type():
    deployment = next(r for _, r in kubernetes_resources() if r["kind"] == "Deployment")
    typo = copy.deepcopy(deployment)
    typo["spec"]["template"]["spec"]["containers"][0]["livenesProbe"] = {}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(typo, KUBERNETES, strict=True)
    wrong = copy.deepcopy(deployment)
    wrong["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(wrong, KUBERNETES, strict=True)


def compose_schema() -> dict[str, Any]:
    # read as a file of the distribution: importing check_jsonschema pulls in its CLI
    path = metadata.distribution("check-jsonschema").locate_file(
        "check_jsonschema/builtin_schemas/vendor/compose-spec.json"
    )
    return json.loads(Path(str(path)).read_text(encoding="utf-8"))


def problems(schema: dict[str, Any], document: Any) -> list[str]:
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_compose_file_fits_the_compose_specification():
    document = yaml.safe_load((DEPLOY_DIR / "docker-compose.yml").read_text())
    assert problems(compose_schema(), document) == []


def test_the_compose_schema_refuses_a_wrong_value():
    document = yaml.safe_load((DEPLOY_DIR / "docker-compose.yml").read_text())
    document["services"]["router"]["restart"] = {"policy": "always"}
    document["services"]["router"]["depends_on"]["topics"]["condition"] = "service_done"
    found = problems(compose_schema(), document)
    assert len(found) >= 2, found


def dclint(path: Path) -> subprocess.CompletedProcess[str]:
    """dclint (npm, pinned in tests/deploy_schemas) over one compose file, every rule at its
    default level; exit status 0 only without errors, and the output lists every warning."""
    binary = NODE_MODULES / ".bin" / "dclint"
    if not binary.exists():
        pytest.fail(f"dclint is not installed: run `make test` (npm ci in {SCHEMAS})")
    return subprocess.run(
        [str(binary), str(path)], capture_output=True, text=True, cwd=SCHEMAS, timeout=120
    )


def test_the_compose_file_lints_clean(tmp_path):
    """Issue 31: `ketenstroom:dev` had no concrete tag and one service both built and named
    the image without a pull policy. Now dclint finds nothing, not even a warning."""
    compose = DEPLOY_DIR / "docker-compose.yml"
    done = dclint(compose)
    assert done.returncode == 0 and "problem" not in done.stdout, done.stdout + done.stderr
    document = yaml.safe_load(compose.read_text())
    version = metadata.version("ketenstroom")
    images = {n: s["image"] for n, s in document["services"].items() if "ketenstroom" in s["image"]}
    assert set(images.values()) == {f"ketenstroom:{version}"}, images
    router = document["services"]["router"]
    grace = int(router["stop_grace_period"].removesuffix("s"))
    assert grace > float(router["environment"]["KETENSTROOM_SHUTDOWN_TIMEOUT_S"])
    # the linter does see what was wrong before
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(compose.read_text().replace(f"ketenstroom:{version}", "ketenstroom:dev"))
    found = dclint(broken)
    assert found.returncode != 0 and "service-image-require-explicit-tag" in found.stdout


def asyncapi_schema() -> dict[str, Any]:
    path = NODE_MODULES / "@asyncapi" / "specs" / "schemas" / "3.0.0-without-$id.json"
    if not path.exists():
        pytest.fail(f"the AsyncAPI schema is not installed: run `make test` (npm ci in {SCHEMAS})")
    return json.loads(path.read_text(encoding="utf-8"))


def test_the_asyncapi_document_fits_asyncapi_3():
    document = yaml.safe_load((DOCS_DIR / "asyncapi.yaml").read_text())
    assert document["asyncapi"] == "3.0.0"
    assert problems(asyncapi_schema(), document) == []
    broken = copy.deepcopy(document)
    broken["operations"]["publishSignal"]["action"] = "publish"  # AsyncAPI 2's word
    assert problems(asyncapi_schema(), broken)
