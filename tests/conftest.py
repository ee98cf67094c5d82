"""One Spark session for the whole suite (2 cores, 2 shuffle partitions, UI off) and a fresh
lakehouse root per test."""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path

import pytest

# Python-side datetime conversions in PySpark use the process time zone; pin it like the session's.
os.environ["TZ"] = "UTC"
time.tzset()
os.environ["LAKEHOUSE_ENV"] = "test"

from common.config import Config, load_config  # noqa: E402
from common.spark import build_spark  # noqa: E402

pytest_plugins = ["tests.sim_fixtures", "tests.mqtt_fixtures", "tests.analyst_fixtures"]

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def spark(tmp_path_factory):
    # Under pytest-xdist every worker builds its own session. They take turns, so only the first
    # resolves the Delta jars into the Ivy cache (a fresh machine downloads them then) while the others
    # wait and find them there.
    lock_path = tmp_path_factory.getbasetemp().parent / "spark-session.lock"
    with lock_path.open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        session = build_spark("energy-lakehouse-tests", load_config("test"))
    yield session
    session.stop()


@pytest.fixture
def lakehouse(tmp_path, monkeypatch) -> Config:
    """Config of the test environment with its own empty lakehouse root."""
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "lakehouse"))
    return load_config("test")
