"""``ketenstroom deploy``: Kafka ACLs, Strimzi users and topics, generated from the partner registry."""

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
    help="Deployment files from the partner registry (ACLs, Strimzi resources).",
    no_args_is_help=True,
)

#: Where `deploy write` puts the generated files, relative to the repository.
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"


class AclFormat(StrEnum):
    KAFKA_ACLS = "kafka-acls"
    STRIMZI = "strimzi"
    JSON = "json"


Cluster = Annotated[str, typer.Option(help="Strimzi Kafka cluster name.")]
Namespace = Annotated[str, typer.Option(help="Kubernetes namespace.")]


def render_acls(
    registry: Registry, settings: Settings, form: AclFormat, cluster: str, namespace: str
) -> str:
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
    cluster: Cluster = "ketenstroom",
    namespace: Namespace = "ketenstroom",
) -> None:
    """Every ACL: each partner writes only signalen.<id> and reads only inbox.<id>; only the
    router reads all inbound topics. Printed as a kafka-acls.sh script, Strimzi KafkaUsers or JSON."""
    settings = load_settings()
    registry = load_registry(settings.convenanten_dir)
    print(render_acls(registry, settings, form, cluster, namespace), end="")


@deploy_app.command("topics")
def topics_command(
    partitions: Annotated[int, typer.Option(min=1, help="Partitions of data topics.")] = 6,
    replicas: Annotated[int, typer.Option(min=1, help="Replicas of every topic.")] = 3,
    cluster: Cluster = "ketenstroom",
    namespace: Namespace = "ketenstroom",
) -> None:
    """Strimzi KafkaTopic resources for every topic the registry asks for."""
    registry = load_registry(load_settings().convenanten_dir)
    print(strimzi_topics(registry, cluster, namespace, partitions, replicas), end="")


def generated_files(registry: Registry, settings: Settings) -> dict[Path, str]:
    """The generated files under deploy/ and their content, as `deploy write` writes them."""
    return {
        Path("compose/acls.sh"): render_acls(
            registry, settings, AclFormat.KAFKA_ACLS, "ketenstroom", "ketenstroom"
        ),
        Path("kubernetes/generated/kafka-users.yaml"): render_acls(
            registry, settings, AclFormat.STRIMZI, "ketenstroom", "ketenstroom"
        ),
        Path("kubernetes/generated/kafka-topics.yaml"): strimzi_topics(
            registry, "ketenstroom", "ketenstroom", 6, 3
        ),
    }


@deploy_app.command("write")
def write_command(
    directory: Annotated[Path, typer.Option(help="The deploy directory.")] = DEPLOY_DIR,
) -> None:
    """Regenerate deploy/compose/acls.sh and deploy/kubernetes/generated/ after a registry change."""
    settings = load_settings()
    registry = load_registry(settings.convenanten_dir)
    for relative, text in generated_files(registry, settings).items():
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        changed = not path.exists() or path.read_text(encoding="utf-8") != text
        path.write_text(text, encoding="utf-8")
        if relative.suffix == ".sh":
            path.chmod(0o755)
        console.print(f"{'wrote' if changed else 'unchanged'} {path}", highlight=False)
