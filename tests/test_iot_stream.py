"""`make stream` (python -m jobs.stream, as the Makefile runs it) against a real Mosquitto and a real
Delta lakehouse on a temp root: readings published while it runs reach gold/sensor_readings_1min within
60 s of their publication (a behaviour bound with a generous margin, not a benchmark), and SIGTERM
ends it cleanly (current round finished, collector stopped gracefully, exit 0)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

from app.data import Lakehouse
from common.config import Config, load_config
from jobs import stream as stream_module
from jobs.registry import RunArgs
from jobs.stream import stream_job_every_s, stream_jobs
from schemas import SENSOR_READINGS_1MIN
from simulator.iot import Publisher
from simulator.mosquitto import REPO
from tests.mqtt_fixtures import wait_until

pytestmark = pytest.mark.iot

SENSOR, SITE = "solar-a-tmod-1", "solar-a"  # conf/iot/sensors.yaml: degC, -40 … 95
FRESHNESS_BOUND_S = 60.0


def reading(ts: datetime, value: float, seq: int) -> bytes:
    stamp = ts.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"
    return json.dumps({"sensor_id": SENSOR, "ts": stamp, "value": value, "unit": "degC", "seq": seq}).encode()


def test_published_readings_reach_gold_within_60_s_and_sigterm_stops_cleanly(tmp_path, broker):
    root = tmp_path / "lakehouse"
    env = {
        **os.environ,
        "LAKEHOUSE_ENV": "test",
        "LAKEHOUSE_ROOT": str(root),
        "MQTT_URL": broker.url(),
        "IOT_SPOOL_DIR": str(tmp_path / "spool"),
        "IOT_CLIENT_ID": "stream-test-collector",
    }
    log_path = tmp_path / "stream.log"
    with log_path.open("wb") as log:
        stream = subprocess.Popen(
            [sys.executable, "-m", "jobs.stream"], cwd=REPO, env=env, stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        # Warm: the collector connected and a first round done (Spark started, tables created).
        wait_until(lambda: "round 1 " in log_path.read_text() or stream.poll() is not None, 900, "round 1")
        assert stream.poll() is None, log_path.read_text()[-3000:]
        assert "connected to " in log_path.read_text()

        published_at = time.time()
        now = datetime.fromtimestamp(published_at, timezone.utc).replace(microsecond=0)
        minute = now.replace(second=0)
        values = [20.0, 21.0, 23.0]
        publisher = Publisher(broker.url(), {}, client_id="stream-test-publisher")
        try:
            for seq, value in enumerate(values):
                publisher.publish(
                    f"sensors/{SITE}/{SENSOR}", reading(minute + timedelta(seconds=seq), value, seq)
                )
            publisher.wait(timeout_s=30)
        finally:
            publisher.close()

        lakehouse = Lakehouse(str(root))  # delta-rs: no second JVM beside the stream's

        def in_gold():
            if lakehouse.version(SENSOR_READINGS_1MIN.full_name) is None:
                return None
            df = lakehouse.read(SENSOR_READINGS_1MIN.full_name, filters=[("sensor_id", "=", SENSOR)])
            rows = df[pd.to_datetime(df["minute_utc"], utc=True) == pd.Timestamp(minute)]
            matched = len(rows) == 1 and int(rows.iloc[0]["sample_count"]) == len(values)
            return rows.iloc[0].to_dict() if matched else None

        try:
            row = wait_until(in_gold, 3 * FRESHNESS_BOUND_S, "the readings in gold/sensor_readings_1min")
        except AssertionError as error:
            raise AssertionError(f"{error}\n{log_path.read_text()[-3000:]}") from None
        freshness_s = time.time() - published_at
        assert freshness_s <= FRESHNESS_BOUND_S, f"publish -> gold took {freshness_s:.1f} s"
        assert (row["mean_value"], row["min_value"], row["max_value"]) == (
            pytest.approx(64.0 / 3),
            20.0,
            23.0,
        )
        print(f"publish -> gold/sensor_readings_1min: {freshness_s:.1f} s")

        stream.send_signal(signal.SIGTERM)
        assert stream.wait(180) == 0, log_path.read_text()[-3000:]
        text = log_path.read_text()
        assert "stopping (SIGTERM): finishing the current round" in text
        assert "collector exited with code 0" in text
    finally:
        if stream.poll() is None:
            stream.kill()
            stream.wait()


def test_stream_jobs_come_from_config_in_registry_order_and_unknown_names_are_refused():
    config = load_config("test")
    assert stream_jobs(config) == (
        "staging.iot_telemetry", "cdc.iot_telemetry", "transform.sensor_readings_1min",
        "transform.sensor_quality_hourly",
    )  # fmt: skip
    shuffled = Config(
        "test", {"iot": {"stream_jobs": ["transform.sensor_readings_1min", "cdc.iot_telemetry"]}}
    )
    assert stream_jobs(shuffled) == ("cdc.iot_telemetry", "transform.sensor_readings_1min")
    with pytest.raises(
        ValueError, match=r"iot.stream_jobs: \['cdc.price'\] are not jobs of the iot_telemetry"
    ):
        stream_jobs(Config("test", {"iot": {"stream_jobs": ["cdc.iot_telemetry", "cdc.price"]}}))


def test_least_seconds_between_runs_come_from_config_and_name_only_jobs_of_a_round():
    config = load_config("test")
    assert stream_job_every_s(config, stream_jobs(config)) == {"transform.sensor_quality_hourly": 300.0}
    jobs = ("cdc.iot_telemetry", "transform.sensor_readings_1min")
    assert stream_job_every_s(Config("test", {}), jobs) == {}
    with pytest.raises(ValueError, match=r"\['transform.sensor_quality_hourly'\] are not jobs of a round"):
        stream_job_every_s(
            Config("test", {"iot": {"stream_job_every_s": {"transform.sensor_quality_hourly": 60}}}), jobs
        )
    with pytest.raises(ValueError, match=r"\['cdc.iot_telemetry'\] need 0 or more seconds"):
        stream_job_every_s(Config("test", {"iot": {"stream_job_every_s": {"cdc.iot_telemetry": -1}}}), jobs)


def test_a_job_with_least_seconds_runs_in_a_round_only_that_long_after_its_last_successful_run(monkeypatch):
    fast, hourly = "cdc.iot_telemetry", "transform.sensor_quality_hourly"
    stream = stream_module.Stream(
        RunArgs(pipeline="iot_telemetry", env="test"), (fast, hourly), 0.0, 3, {hourly: 300}
    )
    assert stream.due(1000.0) == (fast, hourly)  # never run yet
    stream.last_started = {fast: 1000.0, hourly: 1000.0}
    assert stream.due(1299.9) == (fast,)
    assert stream.due(1300.0) == (fast, hourly)

    rounds: list = []
    outcomes = iter(["fail", "ok", "ok", "ok"])

    def fake_run_pipeline(name, args, only=None):
        rounds.append(tuple(only))
        if len(rounds) == 4:
            stream.stop()
        if next(outcomes) == "fail":
            raise RuntimeError("round failed")
        return {job: 0.0 for job in only}

    monkeypatch.setattr(stream_module, "run_pipeline", fake_run_pipeline)
    stream.last_started = {}
    assert stream.run() == 0
    # A failed round records nothing, so the next one runs every job again; then 300 s have not passed.
    assert rounds == [(fast, hourly), (fast, hourly), (fast,), (fast,)]


COLLECTOR_STUB = (
    "import signal, sys, time; "
    "signal.signal(signal.SIGTERM, lambda *a: sys.exit({code})); "
    "print('ready', flush=True); time.sleep({sleep})"
)


def stub_stream(monkeypatch, rounds: list, fail: bool = False, collector_code: int = 0, sleep: float = 60):
    """A Stream whose rounds are recorded (no Spark) and whose collector is a stub process."""

    def fake_run_pipeline(name, args, only=None):
        rounds.append((name, tuple(only)))
        if fail:
            raise RuntimeError("round failed")
        if len(rounds) == 2:
            os.kill(os.getpid(), signal.SIGTERM)  # arrives mid-round: the round still finishes
        return {job: 0.0 for job in only}

    monkeypatch.setattr(stream_module, "run_pipeline", fake_run_pipeline)
    stream = stream_module.Stream(
        RunArgs(pipeline="iot_telemetry", env="test"), ("cdc.iot_telemetry",), 0.01, 3
    )
    command = [sys.executable, "-c", COLLECTOR_STUB.format(code=collector_code, sleep=sleep)]
    stream.collector = subprocess.Popen(command, stdout=subprocess.PIPE)
    assert stream.collector.stdout.readline() == b"ready\n"  # its SIGTERM handler is in place
    previous = signal.signal(signal.SIGTERM, stream.stop)
    return stream, previous


def test_sigterm_finishes_the_current_round_and_stops_the_collector_gracefully(monkeypatch):
    rounds: list = []
    stream, previous = stub_stream(monkeypatch, rounds)
    try:
        assert stream.run() == 0
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert rounds == [("iot_telemetry", ("cdc.iot_telemetry",))] * 2  # no round after the signal
    assert stream.collector.returncode == 0


def test_failed_rounds_in_a_row_or_a_dead_collector_end_the_stream_with_exit_code_1(monkeypatch):
    rounds: list = []
    stream, previous = stub_stream(monkeypatch, rounds, fail=True)
    try:
        assert stream.run() == 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(rounds) == 3 and stream.collector.returncode == 0  # stopped, not left behind

    rounds = []
    stream, previous = stub_stream(monkeypatch, rounds, sleep=0)  # the collector exits at once
    stream.collector.wait()
    try:
        assert stream.run() == 1
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert len(rounds) == 1
