"""Pytest fixtures and helpers around a real Mosquitto and the collector process (tests/conftest.py loads
them as a plugin): a broker per test on a free loopback port, collectors started as
`python -m jobs.collect.iot_mqtt` with their own spool, and readers of what landed."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jobs.collect.spool import PART_GLOB, payload_of
from simulator.mosquitto import REPO, Mosquitto, require_mosquitto


def wait_until(predicate: Callable[[], Any], timeout_s: float = 30.0, what: str = "condition") -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout_s} s waiting for {what}")


class Collector:
    """One collector process with its own client id and spool, writing into a shared lakehouse root."""

    def __init__(self, root: Path, broker_url: str, name: str = "c1", extra_env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ("--rotate-s", "1", "--log-every-s", "1")) -> None:  # fmt: skip
        self.root, self.name, self.args = root, name, args
        self.spool = root / f"spool-{name}"
        self.log_path = root / f"collector-{name}.log"
        self.env = {
            **os.environ,
            "LAKEHOUSE_ENV": "test",
            "LAKEHOUSE_ROOT": str(root / "lakehouse"),
            "MQTT_URL": broker_url,
            "IOT_SPOOL_DIR": str(self.spool),
            "IOT_CLIENT_ID": f"collector-{name}",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Collector:
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jobs.collect.iot_mqtt", *self.args],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return self

    def wait_connected(self, count: int = 1, timeout_s: float = 20.0) -> None:
        wait_until(lambda: self.log().count("connected to ") >= count, timeout_s, f"{self.name} to connect")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def terminate(self, timeout_s: float = 15.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def spool_files(self) -> list[Path]:
        return sorted(self.spool.glob(PART_GLOB))


def landed_records(root: Path) -> list[dict[str, Any]]:
    """Every line of every landing file (each must be a whole JSON line: no file is partial)."""
    records = []
    for path in sorted((root / "lakehouse" / "landing" / "iot").glob(PART_GLOB)):
        data = path.read_bytes()
        assert data.endswith(b"\n"), f"{path} does not end with a whole line"
        records += [json.loads(line) for line in data.splitlines()]
    return records


def landed_payloads(root: Path) -> Counter[bytes]:
    return Counter(payload_of(json.dumps(record)) for record in landed_records(root))


@pytest.fixture(scope="session")
def mosquitto_installed() -> None:
    require_mosquitto()


@pytest.fixture
def broker(tmp_path, mosquitto_installed) -> Iterator[Mosquitto]:
    """A Mosquitto (conf/mosquitto/mosquitto.conf) on a free port with persistence in tmp_path."""
    with Mosquitto(tmp_path / "broker") as mosquitto:
        yield mosquitto


@pytest.fixture
def collectors(tmp_path) -> Iterator[Callable[..., Collector]]:
    """Start collectors (`collectors(url, name=…)`); any still running are killed after the test."""
    started: list[Collector] = []

    def start(broker_url: str, **kwargs: Any) -> Collector:
        collector = Collector(tmp_path, broker_url, **kwargs).start()
        started.append(collector)
        return collector

    yield start
    for collector in started:
        collector.kill()
