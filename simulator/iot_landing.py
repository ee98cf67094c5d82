"""Land simulated sensor readings the production way, for `make demo` and the IoT end-to-end test: a
private Mosquitto on a free loopback port, the collector as its own process (`python -m
jobs.collect.iot_mqtt`), the site simulator publishing at QoS 1; returns when every published message
is in a landing file and the collector has stopped cleanly."""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from common.iot_registry import Registry
from jobs.collect.spool import LANDING_SUBDIR, PART_GLOB
from simulator.iot import Faults, Message, Publisher, generate, run
from simulator.mosquitto import REPO, Mosquitto, require_mosquitto


class WaitTimeout(TimeoutError, AssertionError):
    """A wait that ran out; an AssertionError too, so a test's wait reads as a failed expectation."""


def wait_until(predicate: Callable[[], Any], timeout_s: float = 30.0, what: str = "condition") -> Any:
    """The predicate's first truthy result, polled every 0.1 s; WaitTimeout after timeout_s."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)
    raise WaitTimeout(f"timed out after {timeout_s} s waiting for {what}")


class CollectorProcess:
    """One collector process with its own client id, spool folder and log, landing into `lakehouse_root`."""

    def __init__(self, workdir: Path, broker_url: str, lakehouse_root: str, env_name: str,
                 name: str = "c1", extra_env: Mapping[str, str] | None = None,
                 args: tuple[str, ...] = ("--rotate-s", "1", "--log-every-s", "1")) -> None:  # fmt: skip
        self.name, self.args = name, args
        self.spool = Path(workdir) / f"spool-{name}"
        self.log_path = Path(workdir) / f"collector-{name}.log"
        self.env = {
            **os.environ,
            "LAKEHOUSE_ENV": env_name,
            "LAKEHOUSE_ROOT": str(lakehouse_root),
            "MQTT_URL": broker_url,
            "IOT_SPOOL_DIR": str(self.spool),
            "IOT_CLIENT_ID": f"collector-{name}",
            **(extra_env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> CollectorProcess:
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "jobs.collect.iot_mqtt", *self.args],
                cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT,
            )  # fmt: skip
        return self

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def wait_connected(self, count: int = 1, timeout_s: float = 20.0) -> None:
        def connected() -> bool:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"collector {self.name} exited: {self.log()[-2000:]}")
            return self.log().count("connected to ") >= count

        wait_until(connected, timeout_s, f"collector {self.name} to connect")

    def spool_files(self) -> list[Path]:
        return sorted(self.spool.glob(PART_GLOB))

    def terminate(self, timeout_s: float = 15.0) -> int:
        """SIGTERM: the collector commits, acknowledges, publishes its open file and exits 0."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


@dataclass(frozen=True)
class LandedRun:
    """What one simulated run published (topic-less gap/outage records are in `truth` only) and the
    landing files it added."""

    published: int
    truth: list[dict[str, Any]]
    files: list[Path]

    def lines(self) -> list[bytes]:
        return [line for path in self.files for line in path.read_bytes().splitlines()]


def landing_files(lakehouse_root: str) -> set[Path]:
    return set((Path(lakehouse_root) / LANDING_SUBDIR).glob(PART_GLOB))


def land_simulated(
    registry: Registry,
    start: float,
    end: float,
    *,
    lakehouse_root: str,
    workdir: Path,
    env_name: str,
    seed: int = 0,
    faults: Faults | None = None,
    extra: Iterable[Message] = (),
    timeout_s: float = 120.0,
) -> LandedRun:
    """Publish the simulator's readings of [start, end) (epoch seconds) for `registry`, then the `extra`
    messages (hand-made ones, e.g. a fault the simulator does not make), through a private broker to a
    collector, and wait until every message is landed (QoS 1 may land a copy twice)."""
    require_mosquitto()
    before = landing_files(lakehouse_root)
    truth = io.StringIO()
    with Mosquitto(Path(workdir) / "broker") as broker:
        collector = CollectorProcess(workdir, broker.url(), lakehouse_root, env_name)
        try:
            collector.start().wait_connected()
            publisher = Publisher(broker.url(), os.environ, client_id=f"simulator-{os.getpid()}")
            try:
                messages = itertools.chain(generate(registry, start, end, seed, faults), extra)
                published = run(messages, publisher, truth)
            finally:
                publisher.close()

            def new_lines() -> int:
                files = landing_files(lakehouse_root) - before
                return sum(path.read_bytes().count(b"\n") for path in files)

            wait_until(lambda: new_lines() >= published, timeout_s, f"{published} messages to land")
            if collector.terminate() != 0:
                raise RuntimeError(f"collector did not stop cleanly: {collector.log()[-2000:]}")
        finally:
            collector.kill()
    records = [json.loads(line) for line in truth.getvalue().splitlines()]
    return LandedRun(published, records, sorted(landing_files(lakehouse_root) - before))
