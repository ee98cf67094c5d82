"""The MQTT collector: the spool state machine driven by hand (group commit, ack after fsync, rotation,
UTC dates, recovery of a torn file, remote landing), then the real thing against a real Mosquitto:
everything published lands byte for byte, through SIGKILLs, a broker restart, SIGTERM, password + TLS and
a shared subscription."""

from __future__ import annotations

import errno
import json
import logging
import os
import random
import re
import subprocess
import threading
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from types import SimpleNamespace

import fsspec
import pytest

from common.config import ConfigError, load_config
from common.iot_registry import load_registry
from jobs.collect import spool as spool_module
from jobs.collect.collector import BrokerSettings, Collector, CollectorSettings, backoff_delays
from jobs.collect.spool import (
    CommitPolicy,
    LandingPublisher,
    Received,
    Spool,
    cut_torn_tail,
    landing_line,
    payload_of,
)
from simulator.iot import Faults, Publisher, generate
from simulator.mosquitto import Mosquitto
from tests.mqtt_fixtures import landed_payloads, landed_records, wait_until

pytestmark = pytest.mark.iot

T0 = datetime(2026, 6, 21, 10, 15, 30, 250000, tzinfo=timezone.utc).timestamp()


def message(n: int, at: float = T0, payload: bytes | None = None) -> Received:
    return Received(f"sensors/s/x{n}", payload if payload is not None else f'{{"n":{n}}}'.encode(), 1,
                    False, False, at, ack_token=n)  # fmt: skip


class Acks(list):
    def __call__(self, batch):
        self.append(list(batch))


def make_spool(tmp_path: Path, **policy) -> tuple[Spool, Acks, Path]:
    acks = Acks()
    landing = tmp_path / "landing" / "iot"
    spool = Spool(tmp_path / "spool", LandingPublisher(str(landing)), CommitPolicy(**policy), acks)
    return spool, acks, landing


def spool_parts(spool: Spool) -> list[Path]:
    return sorted(spool.spool_dir.glob(spool_module.PART_GLOB))


# --- the spool, by hand ----------------------------------------------------------------------------------


def test_landing_line_keeps_the_payload_bytes_and_base64_for_non_utf8():
    text = Received("sensors/a/b", '{"v":"é"}'.encode(), 1, True, True, T0)
    line = landing_line(text)
    assert json.loads(line) == {"topic": "sensors/a/b", "payload": '{"v":"é"}', "qos": 1, "retain": True,
                                "dup": True, "received_at": "2026-06-21T10:15:30.250Z"}  # fmt: skip
    binary = Received("sensors/a/b", b"\xff\x00{", 1, False, False, T0)
    assert json.loads(landing_line(binary))["payload_encoding"] == "base64"
    assert payload_of(landing_line(binary)) == b"\xff\x00{"
    assert payload_of(landing_line(text)) == '{"v":"é"}'.encode()


def test_batch_is_acknowledged_only_when_full_and_fsynced(tmp_path, monkeypatch):
    spool, _, _ = make_spool(tmp_path, commit_messages=3, commit_ms=10_000, rotate_s=3600)
    events = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    acks_then = Acks()
    spool.ack = lambda batch: (events.append("ack"), acks_then(batch))
    spool.receive(message(1), now=0.0)
    spool.receive(message(2), now=0.1)
    assert acks_then == [] and spool.committed == 0
    events.clear()
    spool.receive(message(3), now=0.2)
    assert acks_then == [[1, 2, 3]]
    assert events == ["fsync", "ack"]
    assert spool_parts(spool)[0].read_bytes().count(b"\n") == 3


def test_batch_is_committed_by_its_timer(tmp_path):
    spool, acks, _ = make_spool(tmp_path, commit_messages=1000, commit_ms=200, rotate_s=3600)
    spool.receive(message(1), now=10.0)
    spool.receive(message(2), now=10.1)
    assert spool.next_deadline(10.1) == pytest.approx(10.2)
    spool.tick(10.19)
    assert acks == []
    assert spool.oldest_unacknowledged_s(10.19) == pytest.approx(0.19)
    spool.tick(10.2)
    assert acks == [[1, 2]]
    assert (spool.received, spool.committed, spool.acknowledged) == (2, 2, 2)


def test_file_is_published_by_age_and_by_size_atomically_named_by_utc_date(tmp_path):
    spool, acks, landing = make_spool(tmp_path, commit_messages=1000, commit_ms=200, rotate_s=5,
                                      rotate_bytes=10_000)  # fmt: skip
    spool.receive(message(1), now=0.0)
    spool.tick(4.9)
    assert not list(landing.rglob("*.jsonl"))
    spool.tick(5.0)
    [published] = landing.rglob("*.jsonl")
    assert acks == [[1]]
    assert re.fullmatch(r"received_date=2026-06-21/part-20260621T101530250000Z-[0-9a-f]{32}\.jsonl",
                        str(published.relative_to(landing)))  # fmt: skip
    assert spool_parts(spool) == []
    big = b"x" * 6000
    spool.receive(message(2, payload=big), now=6.0)
    spool.receive(message(3, payload=big), now=6.1)  # over rotate_bytes: published at once
    assert len(list(landing.rglob("*.jsonl"))) == 2
    assert spool.files_published == 2


def test_a_file_never_spans_two_utc_dates(tmp_path):
    spool, acks, landing = make_spool(tmp_path, commit_messages=1000, commit_ms=10_000, rotate_s=3600)
    midnight = datetime(2026, 6, 22, tzinfo=timezone.utc).timestamp()
    spool.receive(message(1, at=midnight - 0.1), now=0.0)
    spool.receive(message(2, at=midnight + 0.1), now=0.1)
    assert acks == [[1]]  # the first file was committed and published before the second date began
    spool.rotate()
    days = {p.parent.name: [json.loads(line)["received_at"] for line in p.read_bytes().splitlines()]
            for p in landing.rglob("*.jsonl")}  # fmt: skip
    assert days == {"received_date=2026-06-21": ["2026-06-21T23:59:59.900Z"],
                    "received_date=2026-06-22": ["2026-06-22T00:00:00.100Z"]}  # fmt: skip


def test_recovery_cuts_a_torn_line_publishes_the_rest_and_drops_empty_files(tmp_path):
    spool, _, landing = make_spool(tmp_path)
    folder = spool.spool_dir / "received_date=2026-06-21"
    folder.mkdir(parents=True)
    torn = folder / "part-20260621T101530250000Z-aa.jsonl"
    torn.write_bytes(landing_line(message(1)) + landing_line(message(2)) + b'{"topic":"sensors/s/x3","pay')
    empty = folder / "part-20260621T101531000000Z-bb.jsonl"
    empty.write_bytes(b'{"topic":')
    assert len(spool.recover()) == 1
    [published] = landing.rglob("*.jsonl")
    assert published.name == torn.name
    assert [payload_of(line) for line in published.read_bytes().splitlines()] == [b'{"n":1}', b'{"n":2}']
    assert spool_parts(spool) == []


def test_cut_torn_tail_over_a_long_last_line(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_bytes(b"a\n" + b"x" * 200_000)
    assert cut_torn_tail(path) == 2
    assert path.read_bytes() == b"a\n"


def test_spool_and_landing_on_different_devices_copy_then_rename(tmp_path, monkeypatch):
    spool, _, landing = make_spool(tmp_path, rotate_s=0)
    real_replace = os.replace

    def cross_device(source, target):
        if Path(source).is_relative_to(spool.spool_dir):
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", cross_device)
    spool.receive(message(1), now=0.0)
    spool.tick(0.0)
    files = [p.name for p in landing.rglob("*") if p.is_file()]
    assert len(files) == 1 and files[0].startswith("part-")  # the hidden .tmp copy was renamed
    assert spool_parts(spool) == []


def test_remote_landing_uploads_then_removes_the_spool_copy(tmp_path):
    root = f"memory://lake-{random.randrange(10**9)}/landing/iot"
    spool = Spool(tmp_path / "spool", LandingPublisher(root), CommitPolicy(rotate_s=0), Acks())
    spool.receive(message(7), now=0.0)
    spool.tick(0.0)
    fs = fsspec.filesystem("memory")
    [path] = fs.glob(f"{root}/received_date=2026-06-21/part-*.jsonl")
    assert payload_of(fs.cat(path)) == b'{"n":7}'
    assert spool_parts(spool) == []


# --- settings --------------------------------------------------------------------------------------------


def test_settings_from_config_and_environment(monkeypatch):
    monkeypatch.setenv("MQTT_URL", "mqtts://broker.example:8884")
    monkeypatch.setenv("IOT_SHARE_GROUP", "lake")
    monkeypatch.setenv("IOT_CLIENT_ID", "collector-7")
    env = {"MQTT_USERNAME": "lake", "MQTT_PASSWORD": "s3cret-pw", "MQTT_CA_FILE": "/etc/ca.crt"}
    settings = CollectorSettings.from_config(load_config("test"), env, {"commit_ms": 50, "rotate_s": None})
    assert (settings.broker.url, settings.broker.username, settings.broker.ca_file) == (
        "mqtts://broker.example:8884", "lake", "/etc/ca.crt")  # fmt: skip
    assert settings.topic == "$share/lake/sensors/#"
    assert settings.client_id == "collector-7"
    assert settings.policy == CommitPolicy(
        commit_messages=1000, commit_ms=50, rotate_bytes=64 << 20, rotate_s=5
    )
    assert "s3cret-pw" not in repr(settings)


@pytest.mark.parametrize(
    ("url", "overrides", "message"),
    [
        ("http://x:1", {}, "expected mqtt://host:port or mqtts://host:port"),
        ("mqtt://u:p@x:1", {}, "must not hold credentials"),
        ("mqtt://x:1", {"commit_messages": 20_000}, "commit_messages (20000) <= receive_maximum (10000)"),
    ],
)
def test_settings_refuse_what_cannot_work(monkeypatch, url, overrides, message):
    monkeypatch.setenv("MQTT_URL", url)
    with pytest.raises(ConfigError, match=re.escape(message)):
        CollectorSettings.from_config(load_config("test"), {}, overrides)


def test_backoff_doubles_to_its_cap_with_jitter():
    delays = backoff_delays(0.5, 4.0, random.Random(1))
    bases = [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]
    observed = [delays() for _ in bases]
    assert all(0.5 * b <= d <= 1.5 * b for d, b in zip(observed, bases, strict=True))
    assert len(set(observed)) == len(observed)


def test_broker_settings_default_ports():
    assert BrokerSettings.from_environ("mqtt://h", {}).port == 1883
    assert BrokerSettings.from_environ("mqtts://h", {}).port == 8883


# --- against a real Mosquitto ------------------------------------------------------------------------------

HOUR = 3600.0
SIM_START = datetime(2026, 6, 21, 8, tzinfo=timezone.utc).timestamp()


def simulated(hours: float, faults: Faults | None = None, seed: int = 1) -> list[tuple[str, bytes]]:
    """(topic, payload) of the demo registry's readings over `hours` of simulated time (~1 800 an hour)."""
    messages = generate(load_registry(), SIM_START, SIM_START + hours * HOUR, seed, faults)
    return [(m.topic, m.payload) for m in messages if m.topic]


def publish(url: str, messages: list[tuple[str, bytes]], rate: float | None = None, env=None) -> None:
    """Publish at QoS 1 (at about `rate` messages/s) and return once the broker acknowledged every one."""
    publisher = Publisher(url, env or {}, client_id=f"test-publisher-{random.randrange(10**9)}")
    started = time.monotonic()
    try:
        for i, (topic, payload) in enumerate(messages):
            if rate:
                time.sleep(max(0.0, started + i / rate - time.monotonic()))
            publisher.publish(topic, payload)
        publisher.wait(timeout_s=60)
    finally:
        publisher.close()


def in_background(target, *args) -> threading.Thread:
    thread = threading.Thread(target=target, args=args, daemon=True)
    thread.start()
    return thread


def all_landed(root: Path, expected: Counter) -> bool:
    landed = landed_payloads(root)
    return all(landed[payload] >= count for payload, count in expected.items())


def test_simulator_readings_land_byte_for_byte_malformed_and_unknown_included(tmp_path, broker, collectors):
    collector = collectors(broker.url())
    collector.wait_connected()
    kinds = ("malformed_json", "unknown_sensor", "non_numeric", "missing_field", "out_of_range", "duplicate")
    faults = Faults(dict.fromkeys(kinds, 0.02))
    messages = simulated(1.0, faults)
    publish(broker.url(), messages)
    expected = Counter(payload for _, payload in messages)
    wait_until(lambda: sum(landed_payloads(tmp_path).values()) >= len(messages), 30, "every message landed")
    wait_until(lambda: not collector.spool_files(), 10, "the spool to empty")
    assert landed_payloads(tmp_path) == expected  # byte for byte, each exactly once (nothing crashed)
    records = landed_records(tmp_path)
    assert {r["topic"] for r in records} == {topic for topic, _ in messages}
    assert any(r["topic"].endswith("-unregistered") for r in records)
    malformed = [r for r in records if not r["payload"].endswith("}")]
    assert malformed, "malformed JSON is landed as received"
    assert all(r["qos"] == 1 and r["retain"] is False and r["dup"] is False for r in records)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", r["received_at"]) for r in records)
    for path in (tmp_path / "lakehouse" / "landing" / "iot").glob("received_date=*/part-*.jsonl"):
        dates = {json.loads(line)["received_at"][:10] for line in path.read_bytes().splitlines()}
        assert dates == {path.parent.name.removeprefix("received_date=")}


def test_mosquitto_pub_messages_land_byte_for_byte(tmp_path, broker, collectors):
    collector = collectors(broker.url())
    collector.wait_connected()
    lines = [json.dumps({"sensor_id": "wind-c-ws-1", "ts": 1782028800000 + 10_000 * i, "value": i / 10,
                         "unit": "m/s", "seq": i}) for i in range(1500)]  # fmt: skip
    base = ["mosquitto_pub", "-h", broker.host, "-p", str(broker.port), "-q", "1"]
    subprocess.run([*base, "-t", "sensors/wind-c/wind-c-ws-1", "-l"], input="\n".join(lines) + "\n",
                   text=True, check=True, timeout=60)  # fmt: skip
    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\xff\xfe not utf-8 \x00")
    subprocess.run([*base, "-t", "sensors/x/y", "-f", str(binary)], check=True, timeout=30)
    subprocess.run(
        [*base, "-t", "sensors/x/y", "-m", '{"sensor_id": "nobody", "ts": '], check=True, timeout=30
    )
    expected = Counter(
        [line.encode() for line in lines] + [binary.read_bytes(), b'{"sensor_id": "nobody", "ts": ']
    )
    wait_until(lambda: landed_payloads(tmp_path) == expected, 30, "mosquitto_pub messages to land")
    assert sum(r.get("payload_encoding") == "base64" for r in landed_records(tmp_path)) == 1


def test_sigkill_three_times_mid_stream_loses_nothing_and_duplicates_only_unacknowledged(
    tmp_path, broker, collectors
):
    messages = simulated(3.0)  # ~5 400 distinct readings
    collector = collectors(broker.url())
    collector.wait_connected()
    publisher = in_background(publish, broker.url(), messages, 600.0)  # ~9 s: the kills land mid-stream
    rng = random.Random()
    mid_stream = []
    for restart in range(3):
        time.sleep(rng.uniform(0.2, 0.6))
        mid_stream.append(publisher.is_alive())
        collector.kill()
        collector.start()
        collector.wait_connected(count=restart + 2)
    publisher.join(60)
    assert mid_stream == [True, True, True]
    expected = Counter(payload for _, payload in messages)
    assert len(expected) == len(messages)
    wait_until(lambda: all_landed(tmp_path, expected), 60, "every published message to land")
    records = landed_records(tmp_path)  # every line whole: a torn line would not parse
    first_deliveries = Counter(payload_of(json.dumps(r)) for r in records if not r["dup"])
    copies = Counter(payload_of(json.dumps(r)) for r in records)
    # A copy is the broker's redelivery (DUP set) of a message the collector had not acknowledged.
    assert max(first_deliveries.values()) == 1
    assert set(copies) == set(expected)
    assert collector.log().count("connected to ") == 4


def test_broker_restart_mid_stream_loses_nothing(tmp_path, broker, collectors):
    collector = collectors(broker.url())
    collector.wait_connected()
    before, after = simulated(2.0, seed=2)[:3000], simulated(1.0, seed=3)[:1000]
    publish(broker.url(), before)  # every one PUBACKed: the broker has them, in memory and on disk at exit
    broker.restart()
    publish(broker.url(), after)
    expected = Counter(payload for _, payload in before + after)
    wait_until(lambda: all_landed(tmp_path, expected), 60, "every message to land after the broker restart")
    assert "connection to" in collector.log() and collector.log().count("connected to ") >= 2


def test_sigterm_commits_acknowledges_publishes_and_exits_0(tmp_path, broker, collectors):
    args = ("--rotate-s", "600", "--commit-ms", "600000", "--log-every-s", "0.5")
    collector = collectors(broker.url(), args=args)
    collector.wait_connected()
    messages = simulated(0.3, seed=4)[:500]
    publish(broker.url(), messages)
    wait_until(
        lambda: "received 500," in collector.log(), 20, "the collector to hold 500 un-committed messages"
    )
    started = time.monotonic()
    assert collector.terminate() == 0
    assert time.monotonic() - started < 5
    assert collector.spool_files() == []
    expected = Counter(payload for _, payload in messages)
    assert landed_payloads(tmp_path) == expected
    # They were acknowledged before the disconnect: a restart gets none of them again.
    collector.start()
    collector.wait_connected(count=2)
    time.sleep(1.5)
    assert collector.terminate() == 0
    assert landed_payloads(tmp_path) == expected


def make_certificates(folder: Path) -> dict[str, str]:
    """A throw-away CA and a server certificate for 127.0.0.1 (never committed)."""
    folder.mkdir(parents=True)

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True, timeout=60)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt",
            "-days", "2", "-subj", "/CN=lakehouse test CA")  # fmt: skip
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server.key", "-out", "server.csr",
            "-subj", "/CN=127.0.0.1")  # fmt: skip
    (folder / "san.ext").write_text("subjectAltName=IP:127.0.0.1\n")
    openssl("x509", "-req", "-in", "server.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
            "-out", "server.crt", "-days", "2", "-extfile", "san.ext")  # fmt: skip
    return {name: str(folder / f"{stem}") for name, stem in
            (("cafile", "ca.crt"), ("certfile", "server.crt"), ("keyfile", "server.key"))}  # fmt: skip


def test_password_and_tls_connect_and_a_wrong_password_is_a_clear_error(
    tmp_path, mosquitto_installed, collectors
):
    certificates = make_certificates(tmp_path / "certs")
    passwords = tmp_path / "passwords"
    subprocess.run(["mosquitto_passwd", "-c", "-b", str(passwords), "lake", "right-password"], check=True)
    settings = {**certificates, "password_file": str(passwords)}
    with Mosquitto(tmp_path / "broker", config="mosquitto-auth.conf", settings=settings) as broker:
        url = broker.url("mqtts")
        good = {
            "MQTT_USERNAME": "lake",
            "MQTT_PASSWORD": "right-password",
            "MQTT_CA_FILE": certificates["cafile"],
        }
        collector = collectors(url, extra_env=good)
        collector.wait_connected()
        publish(url, [("sensors/solar-a/solar-a-poa-1", b'{"over":"tls"}')], env=good)
        wait_until(
            lambda: landed_payloads(tmp_path) == Counter([b'{"over":"tls"}']), 20, "the message to land"
        )

        wrong = collectors(url, name="wrong", extra_env={**good, "MQTT_PASSWORD": "wrong-password"})
        assert wrong.process.wait(20) == 1
        output = wrong.log()
        assert "refused the connection" in output and "MQTT_USERNAME / MQTT_PASSWORD" in output
        assert "Traceback" not in output and "wrong-password" not in output
        assert collector.terminate() == 0


def test_an_unreachable_broker_or_a_bad_registry_is_a_one_line_error(tmp_path, collectors):
    unreachable = collectors("mqtt://127.0.0.1:1", name="u")
    assert unreachable.process.wait(20) == 1
    assert "cannot connect to MQTT broker mqtt://127.0.0.1:1" in unreachable.log()
    assert "Traceback" not in unreachable.log()
    bad = tmp_path / "sensors.yaml"
    bad.write_text("sites: []\nsensors:\n  - {sensor_id: s1, site_id: ghost, kind: wind_speed, unit: m/s,\n"
                   "     valid_min: 0, valid_max: 60, expected_interval_s: 10}\n")  # fmt: skip
    refused = collectors("mqtt://127.0.0.1:1", name="r", extra_env={"IOT_REGISTRY": str(bad)})
    assert refused.process.wait(20) == 1
    assert f"{bad}: sensors[0] (sensor_id 's1'): field 'site_id': unknown site 'ghost'" in refused.log()


def test_two_collectors_share_a_subscription_and_survive_a_sigkill(tmp_path, broker, collectors):
    shared = {"IOT_SHARE_GROUP": "lake"}
    first = collectors(broker.url(), name="c1", extra_env=shared)
    second = collectors(broker.url(), name="c2", extra_env=shared)
    first.wait_connected()
    second.wait_connected()
    messages = simulated(2.0, seed=5)[:3000]
    publisher = in_background(publish, broker.url(), messages, 1500.0)
    time.sleep(0.8)
    assert publisher.is_alive(), "the kill comes mid-stream"
    first.kill()
    time.sleep(0.3)
    first.start()
    publisher.join(60)
    expected = Counter(payload for _, payload in messages)
    wait_until(lambda: all_landed(tmp_path, expected), 60, "every message to land")
    assert "subscribed to $share/lake/sensors/#" in second.log()
    received = [int(m) for m in re.findall(r"received (\d+),", second.log())]
    assert received and max(received) > 0, "both collectors took a share"
    assert first.terminate() == 0 and second.terminate() == 0


def test_far_more_than_mosquittos_default_queue_while_the_collector_is_down_all_land(
    tmp_path, broker, collectors
):
    collector = collectors(broker.url())
    collector.wait_connected()  # the broker now holds its persistent session
    assert collector.terminate() == 0
    messages = simulated(3.0, seed=6)[:5000]  # Mosquitto's default max_queued_messages would keep 1 000
    publish(broker.url(), messages)
    collector.start()
    expected = Counter(payload for _, payload in messages)
    wait_until(lambda: landed_payloads(tmp_path) == expected, 60, "all 5 000 queued messages to land")


class FakeClient:
    """Stands in for paho in the reconnect loop: refuses `refusals` times, then accepts."""

    def __init__(self, collector, refusals: int) -> None:
        self.collector, self.refusals = collector, refusals
        self.acks, self.subscribed = [], []

    def reconnect(self):
        if self.refusals:
            self.refusals -= 1
            raise ConnectionRefusedError(111, "Connection refused")

    def loop(self, timeout):
        accepted = SimpleNamespace(is_failure=False)
        self.collector._on_connect(self, None, SimpleNamespace(session_present=True), accepted, None)
        return 0

    def subscribe(self, topic, qos):
        self.subscribed.append((topic, qos))

    def ack(self, mid, qos):
        self.acks.append(mid)


def test_a_lost_connection_makes_the_batch_durable_unacknowledged_and_reconnects_with_backoff(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("MQTT_URL", "mqtt://127.0.0.1:1")
    settings = CollectorSettings.from_config(load_config("test"), {})
    clock = {"now": 0.0}
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        clock["now"] += seconds

    spool, _, _ = make_spool(tmp_path, commit_messages=1000, commit_ms=10_000, rotate_s=3600)
    collector = Collector(settings, spool, logging.getLogger("test"), monotonic=lambda: clock["now"],
                          sleep=sleep, rng=random.Random(3))  # fmt: skip
    collector.client = fake = FakeClient(collector, refusals=2)
    spool.receive(message(1), now=0.0)
    collector._reconnect("connection lost")
    assert spool.committed == 1 and spool.acknowledged == 0 and fake.acks == []  # the broker sends it again
    assert fake.subscribed == [("sensors/#", 1)] and collector.connected
    waited = sum(sleeps)
    # three back-offs (0.5, 1, 2 s nominal, each ±50 %) before the third attempt got through
    assert 0.5 * 3.5 <= waited <= 1.5 * 3.5


def test_sigterm_during_backoff_stops_at_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MQTT_URL", "mqtt://127.0.0.1:1")
    settings = CollectorSettings.from_config(load_config("test"), {})
    spool, _, _ = make_spool(tmp_path)
    clock = {"now": 0.0}
    collector = None

    def sleep(seconds):
        clock["now"] += seconds
        collector.request_stop()  # SIGTERM arrives during the first pause

    collector = Collector(
        settings, spool, logging.getLogger("test"), monotonic=lambda: clock["now"], sleep=sleep
    )
    collector.client = FakeClient(collector, refusals=100)
    collector._reconnect("connection lost")
    assert clock["now"] <= 0.2
