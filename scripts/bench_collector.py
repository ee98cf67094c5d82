"""`make bench-collector`: how fast the MQTT collector lands messages, against a local Mosquitto
(conf/mosquitto/mosquitto.conf), all in one run on this machine. Not part of `make test`.

1. ceiling: a bare paho subscriber (MQTT 5, manual ack, writes nothing) draining a backlog of
   BENCH_MESSAGES queued QoS 1 messages;
2. the collector draining the same backlog with group commit, for a few commit_messages / commit_ms
   settings, and with an fsync per message (on a smaller backlog: BENCH_FSYNC_MESSAGES);
3. live: publisher processes (one, then several) at full speed while the collector runs.

Every run counts what landed (distinct payloads) against what was published: zero loss or it fails.
Prints a table and writes .bench/collector.json.

    make bench-collector BENCH_MESSAGES=200000
"""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from common.config import load_config
from common.iot_registry import load_registry
from jobs.collect.spool import PART_GLOB, payload_of
from simulator.iot import Publisher
from simulator.mosquitto import REPO, Mosquitto, require_mosquitto

OUT = Path(".bench")
MESSAGES = int(os.environ.get("BENCH_MESSAGES", "200000"))
FSYNC_MESSAGES = int(os.environ.get("BENCH_FSYNC_MESSAGES", "5000"))
PUBLISHERS = int(os.environ.get("BENCH_PUBLISHERS", "3"))
GROUP_COMMIT = [(1000, 200), (5000, 500), (200, 50)]  # (commit_messages, commit_ms)
PROGRESS = re.compile(r"received (\d+), committed (\d+), acknowledged (\d+), files published (\d+)")


def payloads(n: int, offset: int = 0) -> list[tuple[str, bytes]]:
    """Distinct readings in the message contract, round-robin over the demo registry's sensors."""
    sensors = load_registry().sensors
    out = []
    for i in range(offset, offset + n):
        sensor = sensors[i % len(sensors)]
        body = {"sensor_id": sensor.sensor_id, "ts": 1782028800000 + 1000 * (i // len(sensors)),
                "value": round((i * 7.31) % sensor.valid_max, 2), "unit": sensor.unit, "seq": i}  # fmt: skip
        out.append((sensor.topic, json.dumps(body, separators=(",", ":")).encode()))
    return out


def publish(url: str, messages: list[tuple[str, bytes]]) -> float:
    """Publish at QoS 1 as fast as the broker acknowledges; returns seconds until the last PUBACK."""
    publisher = Publisher(url, {}, client_id=f"bench-pub-{os.getpid()}-{time.monotonic_ns()}")
    started = time.monotonic()
    for i, (topic, payload) in enumerate(messages):
        publisher.publish(topic, payload)
        if i % 1000 == 999:
            publisher.wait(timeout_s=300, backlog=20000)
    publisher.wait(timeout_s=300)
    elapsed = time.monotonic() - started
    publisher.close()
    return elapsed


def _publish_process(url: str, messages: list[tuple[str, bytes]], queue: multiprocessing.Queue) -> None:
    queue.put(publish(url, messages))


# --- the ceiling ---------------------------------------------------------------------------------------


def bare_client(url_port: int, client_id: str, receive_maximum: int) -> tuple[mqtt.Client, dict]:
    state = {"count": 0, "seqs": set()}
    client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client_id,
                         protocol=mqtt.MQTTv5, manual_ack=True)  # fmt: skip

    def on_message(c, userdata, message):
        c.ack(message.mid, message.qos)
        state["seqs"].add(message.payload)
        state["count"] += 1
        if len(state["seqs"]) >= state.get("target", 1 << 62):
            c.disconnect()

    client.on_message = on_message
    client.on_connect = lambda c, u, f, rc, p: c.subscribe("sensors/#", qos=1)
    properties = Properties(PacketTypes.CONNECT)
    properties.SessionExpiryInterval = 3600
    properties.ReceiveMaximum = receive_maximum
    client.connect("127.0.0.1", url_port, clean_start=False, properties=properties)
    return client, state


def bench_bare(broker: Mosquitto, n: int, receive_maximum: int) -> dict:
    client, _ = bare_client(broker.port, "bench-bare", receive_maximum)
    client.loop(1.0)
    client.loop(1.0)  # CONNACK, SUBACK: the session exists now
    client.disconnect()
    publish_s = publish(broker.url(), payloads(n))
    client, state = bare_client(broker.port, "bench-bare", receive_maximum)
    state["target"] = n
    started = time.monotonic()
    client.loop_forever()
    drain_s = time.monotonic() - started
    assert len(state["seqs"]) == n, f"bare subscriber got {len(state['seqs'])} of {n}"
    return {"run": "bare paho subscriber (ceiling)", "messages": n, "publish_per_s": n / publish_s,
            "drain_per_s": n / drain_s}  # fmt: skip


# --- the collector ---------------------------------------------------------------------------------------


class CollectorRun:
    def __init__(self, workdir: Path, broker: Mosquitto, name: str, args: list[str]) -> None:
        self.workdir = workdir / name
        self.log_path = self.workdir / "collector.log"
        self.workdir.mkdir(parents=True)
        self.env = {**os.environ, "LAKEHOUSE_ROOT": str(self.workdir / "lakehouse"), "MQTT_URL": broker.url(),
                    "IOT_SPOOL_DIR": str(self.workdir / "spool"),
                    "IOT_CLIENT_ID": f"bench-{name}"}  # fmt: skip
        self.args = [*args, "--log-every-s", "0.1"]
        self.process: subprocess.Popen | None = None

    def start(self) -> float:
        """Start; returns the monotonic time at which it was connected."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "jobs.collect.iot_mqtt", *self.args],
                                            cwd=REPO, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)  # fmt: skip
        connected = self.log().count("connected to ") + 1
        return self.wait(lambda: self.log().count("connected to ") >= connected, 60)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def progress(self) -> tuple[int, int, int, int]:
        found = PROGRESS.findall(self.log())
        return tuple(int(x) for x in found[-1]) if found else (0, 0, 0, 0)

    def wait(self, predicate, timeout_s: float) -> float:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if predicate():
                return time.monotonic()
            if self.process.poll() is not None:
                raise RuntimeError(f"collector exited: {self.log()[-2000:]}")
            time.sleep(0.02)
        raise TimeoutError(f"collector: {self.log()[-2000:]}")

    def stop(self) -> None:
        self.process.send_signal(signal.SIGTERM)
        if self.process.wait(60) != 0:
            raise RuntimeError(f"collector exit {self.process.returncode}: {self.log()[-2000:]}")

    def landed(self) -> tuple[int, int]:
        """(lines, distinct payloads) in its landing files."""
        lines, distinct = 0, set()
        for path in (self.workdir / "lakehouse" / "landing" / "iot").glob(PART_GLOB):
            for line in path.read_bytes().splitlines():
                lines += 1
                distinct.add(payload_of(line))
        return lines, len(distinct)


def bench_collector_drain(
    broker: Mosquitto, workdir: Path, n: int, commit_messages: int, commit_ms: float
) -> dict:
    name = f"drain-{commit_messages}-{commit_ms:g}"
    run = CollectorRun(workdir, broker, name, ["--commit-messages", str(commit_messages), "--commit-ms",
                                                str(commit_ms)])  # fmt: skip
    run.start()
    run.stop()  # its session now queues what is published
    publish_s = publish(broker.url(), payloads(n))
    connected = run.start()
    done = run.wait(lambda: run.progress()[2] >= n, 3600)
    run.stop()
    lines, distinct = run.landed()
    assert distinct == n, f"{name}: {distinct} distinct of {n} landed"
    label = (
        "fsync per message"
        if commit_messages == 1
        else f"group commit {commit_messages} msgs / {commit_ms:g} ms"
    )
    return {"run": f"collector drain, {label}", "messages": n, "publish_per_s": n / publish_s,
            "drain_per_s": n / (done - connected), "landed_lines": lines}  # fmt: skip


def bench_live(broker: Mosquitto, workdir: Path, n: int, publishers: int) -> dict:
    run = CollectorRun(workdir, broker, f"live-{publishers}", [])
    run.start()
    queue: multiprocessing.Queue = multiprocessing.Queue()
    share = n // publishers
    # Made before the clock starts; forked children inherit them without pickling.
    shares = [payloads(share, i * share) for i in range(publishers)]
    processes = [multiprocessing.get_context("fork").Process(target=_publish_process,
                                                             args=(broker.url(), shares[i], queue))
                 for i in range(publishers)]  # fmt: skip
    started = time.monotonic()
    for process in processes:
        process.start()
    for process in processes:
        process.join()
    published_at = time.monotonic()
    total = share * publishers
    done = run.wait(lambda: run.progress()[2] >= total, 600)
    run.stop()
    _, distinct = run.landed()
    assert distinct == total, f"live: {distinct} distinct of {total} landed"
    return {"run": f"live, {publishers} publisher process{'es' if publishers > 1 else ''}", "messages": total,
            "publish_per_s": total / (published_at - started), "drain_per_s": total / (done - started),
            "lag_after_last_puback_s": done - published_at}  # fmt: skip


def main() -> None:
    require_mosquitto()
    settings = load_config().get("iot.collector") or {}
    receive_maximum = int(settings.get("receive_maximum", 10000))
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-collector-") as tmp:
        workdir = Path(tmp)
        with Mosquitto(workdir / "broker") as broker:
            results.append(bench_bare(broker, MESSAGES, receive_maximum))
            for commit_messages, commit_ms in GROUP_COMMIT:
                results.append(bench_collector_drain(broker, workdir, MESSAGES, commit_messages, commit_ms))
            results.append(bench_collector_drain(broker, workdir, FSYNC_MESSAGES, 1, 0))
            for publishers in (1, PUBLISHERS):
                results.append(bench_live(broker, workdir, MESSAGES // 2, publishers))
        shutil.rmtree(workdir, ignore_errors=True)
    ceiling = results[0]["drain_per_s"]
    print(f"{'run':<58} {'messages':>9} {'published/s':>12} {'acked/s':>9} {'vs bare':>8}")
    for r in results:
        print(f"{r['run']:<58} {r['messages']:>9} {r['publish_per_s']:>12.0f} {r['drain_per_s']:>9.0f} "
              f"{r['drain_per_s'] / ceiling:>8.0%}" + (f"  lag {r['lag_after_last_puback_s']:.2f} s"
                                                      if "lag_after_last_puback_s" in r else ""))  # fmt: skip
    OUT.mkdir(exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version(), "load": os.getloadavg()}
    (OUT / "collector.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()
