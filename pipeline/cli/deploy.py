"""``ketenstroom deploy``: Kafka ACLs, Strimzi users and topics, the partners' AsyncAPI contract,
generated from the partner registry, the covenants and the schemas."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from pipeline.cli.output import console
from pipeline.ops.acls import all_acls
from pipeline.ops.manifests import acls_json, kafka_acls_script, strimzi_topics, strimzi_users
from pipeline.registry import Registry, load_registry
from pipeline.settings import Settings, load_settings

deploy_app = typer.Typer(
    help="Deployment files from the partner registry (ACLs, Strimzi resources, AsyncAPI).",
    no_args_is_help=True,
)

#: Where `deploy write` puts the generated files, relative to the repository.
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"
DOCS_DIR = DEPLOY_DIR.parent / "docs"
#: What the generated Strimzi topics get (3 brokers; 6 partitions as the benchmarks use).
GENERATED_PARTITIONS, GENERATED_REPLICAS = 6, 3


class AclFormat(StrEnum):
    KAFKA_ACLS = "kafka-acls"
    STRIMZI = "strimzi"
    JSON = "json"


Cluster = Annotated[str, typer.Option(help="Strimzi Kafka cluster name.")]
Namespace = Annotated[str, typer.Option(help="Kubernetes namespace.")]


def render_acls(
    registry: Registry, settings: Settings, form: AclFormat, cluster: str, namespace: str
) -> str:
    """Every ACL of the deployment in one of the formats."""
    acls = all_acls(registry, settings.router_group_id)
    if form is AclFormat.STRIMZI:
        return strimzi_users(acls, cluster, namespace)
    if form is AclFormat.JSON:
        return acls_json(acls) + "\n"
    return kafka_acls_script(acls)


@deploy_app.command("acls")
def acls_command(
    form: Annotated[
        AclFormat, typer.Option("--formaat", help="Output format.")
    ] = AclFormat.KAFKA_ACLS,
    apply: Annotated[
        bool,
        typer.Option(
            "--apply", help="Create them on the cluster in one request (as a super user)."
        ),
    ] = False,
    cluster: Cluster = "ketenstroom",
    namespace: Namespace = "ketenstroom",
) -> None:
    """Every ACL: each partner writes only signalen.<id> and reads only inbox.<id>; only the
    router reads all inbound topics. Printed as a kafka-acls.sh script, Strimzi KafkaUsers or
    JSON, or created with --apply."""
    settings = load_settings()
    registry = load_registry(settings.convenanten_dir)
    if apply:
        from pipeline.broker.admin import apply_acls

        bootstrap = settings.require_bootstrap()
        console.print(f"creating ACLs on {bootstrap} ...", highlight=False)
        count = apply_acls(settings, bootstrap, all_acls(registry, settings.router_group_id))
        console.print(f"{count} ACLs in place", highlight=False)
        return
    print(render_acls(registry, settings, form, cluster, namespace), end="")


@deploy_app.command("topics")
def topics_command(
    partitions: Annotated[
        int, typer.Option(min=1, help="Partitions of data topics.")
    ] = GENERATED_PARTITIONS,
    replicas: Annotated[
        int, typer.Option(min=1, help="Replicas of every topic.")
    ] = GENERATED_REPLICAS,
    cluster: Cluster = "ketenstroom",
    namespace: Namespace = "ketenstroom",
) -> None:
    """Strimzi KafkaTopic resources for every topic, with the retention the covenants need."""
    print(render_topics(load_settings(), cluster, namespace, partitions, replicas), end="")


def render_topics(
    settings: Settings, cluster: str, namespace: str, partitions: int, replicas: int
) -> str:
    """The KafkaTopic resources of this deployment."""
    from pipeline.broker.admin import deployment_retention

    registry = load_registry(settings.convenanten_dir)
    retention = deployment_retention(settings, registry)
    return strimzi_topics(retention, cluster, namespace, partitions, replicas)


@deploy_app.command("asyncapi")
def asyncapi_command() -> None:
    """The partners' contract as an AsyncAPI 3 document (YAML): channels, messages, schemas."""
    from pipeline.ops.asyncapi import asyncapi_yaml

    print(asyncapi_yaml(load_settings()), end="")


def generated_files(settings: Settings) -> dict[Path, str]:
    """The generated files under deploy/ and docs/ and their content, as `deploy write` writes
    them (paths relative to the repository)."""
    from pipeline.ops.asyncapi import asyncapi_yaml

    registry = load_registry(settings.convenanten_dir)
    return {
        Path("deploy/compose/acls.sh"): render_acls(
            registry, settings, AclFormat.KAFKA_ACLS, "ketenstroom", "ketenstroom"
        ),
        Path("deploy/kubernetes/generated/kafka-users.yaml"): render_acls(
            registry, settings, AclFormat.STRIMZI, "ketenstroom", "ketenstroom"
        ),
        Path("deploy/kubernetes/generated/kafka-topics.yaml"): render_topics(
            settings, "ketenstroom", "ketenstroom", GENERATED_PARTITIONS, GENERATED_REPLICAS
        ),
        Path("docs/asyncapi.yaml"): asyncapi_yaml(settings),
    }


@deploy_app.command("write")
def write_command(
    directory: Annotated[
        Path, typer.Option(help="The repository (deploy/ and docs/ under it).")
    ] = DEPLOY_DIR.parent,
) -> None:
    """Regenerate deploy/compose/acls.sh, deploy/kubernetes/generated/ and docs/asyncapi.yaml
    after a change of the registry, the covenants or the schemas."""
    settings = load_settings()
    for relative, text in generated_files(settings).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        changed = not path.exists() or path.read_text(encoding="utf-8") != text
        path.write_text(text, encoding="utf-8")
        if relative.suffix == ".sh":
            path.chmod(0o755)
        console.print(f"{'wrote' if changed else 'unchanged'} {path}", highlight=False)
