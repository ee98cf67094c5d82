"""Pytest fixtures and helpers around a real Mosquitto and the collector process (tests/conftest.py loads
them as a plugin): a broker per test on a free loopback port, collectors started as
`python -m jobs.collect.iot_mqtt` with their own spool, and readers of what landed."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from jobs.collect.spool import PART_GLOB, payload_of
from simulator.iot_landing import CollectorProcess, wait_until
from simulator.mosquitto import Mosquitto, require_mosquitto

__all__ = ["Collector", "landed_payloads", "landed_records", "wait_until"]


class Collector(CollectorProcess):
    """A collector of the test environment, writing into `root`/lakehouse, its spool and log in `root`."""

    def __init__(self, root: Path, broker_url: str, name: str = "c1", extra_env: dict[str, str] | None = None,
                 args: tuple[str, ...] = ("--rotate-s", "1", "--log-every-s", "1")) -> None:  # fmt: skip
        super().__init__(root, broker_url, str(root / "lakehouse"), "test", name, extra_env, args)
        self.root = root


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
