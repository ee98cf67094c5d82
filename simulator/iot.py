"""A stand-in for generation sites: publishes sensor readings for a registry over MQTT in the message
contract (README "Message contract"), over a simulated time range (a day in seconds) or in real time.
Values are deterministic for a seed and physically plausible (the sun for the site's latitude and the
date, clouds, module temperature, AC power clipped at the inverter, a wind power curve); switchable
faults, each with a rate; optionally the truth it published (every message and every fault) as JSON
lines, for tests.

    python -m simulator.iot --start 2026-06-21T00:00Z --end 2026-06-22T00:00Z [--rate 500]
        [--fault malformed_json=0.01 ...] [--truth truth.jsonl] [--seed 7]
    python -m simulator.iot --realtime --duration 600

Broker and credentials as the collector's: MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD, MQTT_CA_FILE."""

from __future__ import annotations

import argparse
import functools
import heapq
import json
import math
import os
import random
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from common.iot_registry import Registry, Sensor, Site, load_registry
from simulator.__main__ import parse_now
from simulator.energy_charts import _phase

DAY_S = 86400.0
# Faults that change (or add) one message, then those that change what is published over a while.
MESSAGE_FAULTS = (
    "malformed_json", "non_numeric", "unknown_sensor", "out_of_range", "missing_field", "duplicate", "late",
)  # fmt: skip
FAULT_KINDS = (*MESSAGE_FAULTS, "gap", "outage")
MESSAGE_FIELDS = ("sensor_id", "ts", "value", "unit", "seq")
TS_FORMATS = ("iso", "offset", "epoch_ms", "mixed")


@dataclass(frozen=True)
class Faults:
    """Rate of each fault kind (per reading, 0..1) and how long late readings, gaps and outages last."""

    rates: Mapping[str, float] = field(default_factory=dict)
    late_s: float = 3600.0
    gap_minutes: float = 10.0
    outage_minutes: float = 30.0

    def __post_init__(self) -> None:
        unknown = sorted(set(self.rates) - set(FAULT_KINDS))
        if unknown:
            raise ValueError(f"unknown fault kinds {unknown}; expected some of {list(FAULT_KINDS)}")

    def rate(self, kind: str) -> float:
        return float(self.rates.get(kind, 0.0))


@dataclass(frozen=True)
class Message:
    """One MQTT message to publish at simulated time `publish_at`, with its truth record."""

    topic: str
    payload: bytes
    publish_at: float
    truth: dict[str, Any]


# --- the physics ----------------------------------------------------------------------------------------


def _wave(t: float, period_s: float, phase: float) -> float:
    return math.sin(2 * math.pi * t / period_s + phase)


@functools.lru_cache(maxsize=64)
def _day_of_year(utc_day: int) -> int:
    return datetime.fromtimestamp(utc_day * DAY_S, timezone.utc).timetuple().tm_yday


def sun_elevation_sin(site: Site, t: float) -> float:
    """sin of the sun's elevation at the site (solar time from longitude; no equation of time)."""
    day = _day_of_year(int(t // DAY_S))
    declination = math.radians(23.44) * math.sin(2 * math.pi * (day - 81) / 365.25)
    solar_hours = (t % DAY_S) / 3600 + site.longitude / 15
    hour_angle = 2 * math.pi * (solar_hours - 12) / 24
    lat = math.radians(site.latitude)
    return math.sin(lat) * math.sin(declination) + math.cos(lat) * math.cos(declination) * math.cos(
        hour_angle
    )


def clear_sky_poa(site: Site, t: float) -> float:
    """W/m² on a south-facing tilted plane under a clear sky (Haurwitz GHI × a tilt gain)."""
    s = sun_elevation_sin(site, t)
    return 0.0 if s <= 0.01 else 1.15 * 1098 * s * math.exp(-0.057 / s)


def cloud_factor(seed: int, site: Site, t: float) -> float:
    """Share of clear-sky irradiance that gets through: slow weather, passing clouds (0.15 … 1)."""
    weather = 0.72 + 0.2 * _wave(t, 2.7 * DAY_S, _phase(seed, site.site_id, "weather"))
    passing = 0.12 * _wave(t, 2900, _phase(seed, site.site_id, "clouds")) + 0.06 * _wave(
        t, 610, _phase(seed, site.site_id, "puffs")
    )
    return min(1.0, max(0.15, weather + passing))


def ambient_temperature(seed: int, site: Site, t: float) -> float:
    day = _day_of_year(int(t // DAY_S))
    mean = 22 - 0.5 * (site.latitude - 35) + 9 * math.cos(2 * math.pi * (day - 200) / 365.25)
    solar_hours = (t % DAY_S) / 3600 + site.longitude / 15
    daily = 5 * math.sin(2 * math.pi * (solar_hours - 9) / 24)  # warmest mid-afternoon
    return mean + daily + 1.5 * _wave(t, 3.1 * DAY_S, _phase(seed, site.site_id, "temperature"))


def wind_speed(seed: int, site: Site, t: float) -> float:
    v = 7.5 + 3.5 * _wave(t, 2.3 * DAY_S, _phase(seed, site.site_id, "front"))
    v += 2.0 * _wave(t, 7 * 3600, _phase(seed, site.site_id, "gust")) + 1.0 * _wave(
        t, 2580, _phase(seed, "g2")
    )
    return max(0.0, v)


def wind_power_share(v: float, cut_in: float = 3.0, rated: float = 12.0, cut_out: float = 25.0) -> float:
    """Power curve: nothing below cut-in, cubic up to rated speed, full power to cut-out, then stop."""
    if v < cut_in or v >= cut_out:
        return 0.0
    if v >= rated:
        return 1.0
    return (v**3 - cut_in**3) / (rated**3 - cut_in**3)


class SiteModel:
    """Values of every sensor kind of one site at an instant (before noise and faults)."""

    def __init__(self, site: Site, seed: int) -> None:
        self.site, self.seed = site, seed

    def poa(self, t: float) -> float:
        return clear_sky_poa(self.site, t) * cloud_factor(self.seed, self.site, t)

    def value(self, kind: str, t: float, in_outage: bool = False) -> float:
        site = self.site
        if kind == "irradiance_poa":
            return self.poa(t)
        if kind == "ambient_temperature":
            return ambient_temperature(self.seed, site, t)
        if kind == "module_temperature":  # ~NOCT 45 °C: 25 K above ambient at 800 W/m²
            return ambient_temperature(self.seed, site, t) + 0.031 * self.poa(t)
        if kind == "wind_speed":
            return wind_speed(self.seed, site, t)
        if kind == "ac_power":
            if in_outage:
                return 0.0
            if site.kind == "wind":
                return site.ac_capacity_kw * wind_power_share(wind_speed(self.seed, site, t))
            poa = self.poa(t)
            if poa <= 0:
                return 0.0
            t_module = ambient_temperature(self.seed, site, t) + 0.031 * poa
            dc = (site.dc_capacity_kwp or site.ac_capacity_kw) * poa / 1000 * (1 - 0.004 * (t_module - 25))
            return min(site.ac_capacity_kw, 0.95 * dc)
        raise ValueError(f"no model for sensor kind {kind!r}")


# --- the message stream ---------------------------------------------------------------------------------


def format_ts(t: float, style: str, tz: str) -> str | int:
    """`ts` of the contract: ISO with Z, ISO with the site's offset, or epoch milliseconds."""
    if style == "epoch_ms":
        return round(t * 1000)
    instant = datetime.fromtimestamp(t, timezone.utc)
    if style == "offset":
        return instant.astimezone(ZoneInfo(tz)).isoformat(timespec="milliseconds")
    return instant.isoformat(timespec="milliseconds")[:-6] + "Z"


def _instants(sensor: Sensor, index: int, start: float, end: float) -> Iterator[tuple[float, int]]:
    """(instant, sensor index) of each reading of a sensor, on multiples of its interval."""
    step = float(sensor.expected_interval_s)
    n = math.ceil(start / step)
    while n * step < end:
        yield n * step, index
        n += 1


def generate(
    registry: Registry,
    start: float,
    end: float,
    seed: int = 0,
    faults: Faults | None = None,
    ts_format: str = "iso",
) -> Iterator[Message]:
    """Every message for readings in [start, end) (epoch seconds), in publish order, deterministic for
    `seed`. Truth records of gaps and outages are messages without a topic (nothing is published)."""
    faults = faults or Faults()
    if ts_format not in TS_FORMATS:
        raise ValueError(f"ts_format {ts_format!r}: expected one of {TS_FORMATS}")
    rng = random.Random(seed)
    models = {site.site_id: SiteModel(site, seed) for site in registry.sites}
    seqs = dict.fromkeys((s.sensor_id for s in registry.sensors), 0)
    gap_until: dict[str, float] = {}
    outage_until: dict[str, float] = {}
    late: list[tuple[float, int, Message]] = []  # held back until their publish time
    order = 0
    streams = [_instants(sensor, index, start, end) for index, sensor in enumerate(registry.sensors)]
    site_of = {site.site_id: site for site in registry.sites}
    for t, index in heapq.merge(*streams):
        while late and late[0][0] <= t:
            yield heapq.heappop(late)[2]
        sensor = registry.sensors[index]
        site = site_of[sensor.site_id]
        model = models[site.site_id]
        if t < gap_until.get(sensor.sensor_id, -math.inf):
            continue
        if rng.random() < faults.rate("gap"):
            gap_until[sensor.sensor_id] = t + faults.gap_minutes * 60
            yield _span("gap", sensor.sensor_id, t, gap_until[sensor.sensor_id])
            continue
        if (
            sensor.kind == "ac_power"
            and site.kind == "solar"
            and t >= outage_until.get(site.site_id, -math.inf)
            and model.poa(t) > 300
            and rng.random() < faults.rate("outage")
        ):
            outage_until[site.site_id] = t + faults.outage_minutes * 60
            yield _span("outage", site.site_id, t, outage_until[site.site_id])
        in_outage = sensor.kind == "ac_power" and t < outage_until.get(site.site_id, -math.inf)
        value = model.value(sensor.kind, t, in_outage)
        if sensor.kind in ("ac_power", "irradiance_poa"):  # exactly 0 at night and in outages, never below
            value = min(
                max(0.0, value * rng.gauss(1, 0.01)),
                site.ac_capacity_kw if sensor.kind == "ac_power" else math.inf,
            )
        else:
            value += rng.gauss(0, 0.005 * (sensor.valid_max - sensor.valid_min))
        value = round(min(max(value, sensor.valid_min), sensor.valid_max), 2)
        seqs[sensor.sensor_id] += 1
        style = (
            ("iso", "offset", "epoch_ms")[seqs[sensor.sensor_id] % 3] if ts_format == "mixed" else ts_format
        )
        reading = {
            "sensor_id": sensor.sensor_id, "ts": format_ts(t, style, site.time_zone), "value": value,
            "unit": sensor.unit, "seq": seqs[sensor.sensor_id],
        }  # fmt: skip
        kind = next((k for k in MESSAGE_FAULTS if rng.random() < faults.rate(k)), None)
        message = _message(sensor, reading, t, kind, rng)
        if kind == "late":
            order += 1
            heapq.heappush(late, (t + faults.late_s, order, _delayed(message, t + faults.late_s)))
            continue
        yield message
        if kind == "duplicate":
            yield _message(sensor, reading, t, "duplicate", rng)
    while late:
        yield heapq.heappop(late)[2]


def _message(
    sensor: Sensor, reading: dict[str, Any], t: float, kind: str | None, rng: random.Random
) -> Message:
    body, topic = dict(reading), sensor.topic
    if kind == "non_numeric":
        body["value"] = str(body["value"])  # a numeric string is not a number
    elif kind == "out_of_range":
        body["value"] = round(sensor.valid_max + 10 * (sensor.valid_max - sensor.valid_min), 2)
    elif kind == "unknown_sensor":
        body["sensor_id"] = f"{sensor.sensor_id}-unregistered"
        topic = f"{topic.rsplit('/', 1)[0]}/{body['sensor_id']}"
    elif kind == "missing_field":
        body.pop(MESSAGE_FIELDS[rng.randrange(len(MESSAGE_FIELDS))])
    text = json.dumps(body, separators=(",", ":"))
    if kind == "malformed_json":
        text = text[: len(text) // 2]  # cut off mid-object
    truth = {
        "topic": topic, "payload": text, "sensor_id": sensor.sensor_id, "ts_ms": round(t * 1000),
        "value": reading["value"], "seq": reading["seq"], "fault": kind,
    }  # fmt: skip
    return Message(topic, text.encode("utf-8"), t, truth)


def _delayed(message: Message, publish_at: float) -> Message:
    return Message(
        message.topic,
        message.payload,
        publish_at,
        {**message.truth, "published_ts_ms": round(publish_at * 1000)},
    )


def _span(kind: str, subject: str, start: float, end: float) -> Message:
    key = "sensor_id" if kind == "gap" else "site_id"
    truth = {"fault": kind, key: subject, "start_ms": round(start * 1000), "end_ms": round(end * 1000)}
    return Message("", b"", start, truth)


# --- publishing -----------------------------------------------------------------------------------------


class Publisher:
    """A QoS 1 paho publisher that counts PUBACKs, so a run ends only when the broker has every message."""

    def __init__(
        self, url: str, environ: Mapping[str, str], client_id: str = "", inflight: int = 1000
    ) -> None:
        import paho.mqtt.client as mqtt

        from jobs.collect.collector import BrokerSettings

        broker = BrokerSettings.from_environ(url, environ)
        self.client = mqtt.Client(callback_api_version=mqtt.CallbackAPIVersion.VERSION2, client_id=client_id)
        if broker.username:
            self.client.username_pw_set(broker.username, broker.password)
        if broker.scheme == "mqtts":
            self.client.tls_set(ca_certs=broker.ca_file)
        self.client.max_inflight_messages_set(inflight)
        self.client.max_queued_messages_set(0)
        self.published = 0
        self.acknowledged = 0
        self._done = threading.Condition()
        self.client.on_publish = self._on_publish
        self.client.connect(broker.host, broker.port)
        self.client.loop_start()

    def _on_publish(self, client: Any, userdata: Any, mid: int, reason_code: Any, properties: Any) -> None:
        with self._done:
            self.acknowledged += 1
            self._done.notify_all()

    def publish(self, topic: str, payload: bytes, qos: int = 1) -> None:
        self.client.publish(topic, payload, qos=qos)
        self.published += 1

    def wait(self, timeout_s: float = 120.0, backlog: int = 0) -> None:
        """Until at most `backlog` messages are un-acknowledged; TimeoutError after timeout_s."""
        with self._done:
            if not self._done.wait_for(lambda: self.published - self.acknowledged <= backlog, timeout_s):
                raise TimeoutError(f"{self.published - self.acknowledged} messages without PUBACK")

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def run(
    messages: Iterator[Message],
    publisher: Publisher | None,
    truth: TextIO | None = None,
    rate: float | None = None,
    realtime: bool = False,
) -> int:
    """Publish (and record) every message; `rate` messages/s, or in step with the wall clock, or as fast
    as the broker takes them. Returns how many messages were published."""
    started = time.monotonic()
    count = 0
    for message in messages:
        if truth is not None:
            truth.write(json.dumps(message.truth, separators=(",", ":")) + "\n")
        if not message.topic:
            continue
        if realtime:
            time.sleep(max(0.0, message.publish_at - time.time()))
        elif rate:
            time.sleep(max(0.0, started + count / rate - time.monotonic()))
        if publisher is not None:
            publisher.publish(message.topic, message.payload)
            if count % 1000 == 999:
                publisher.wait(backlog=5000)  # bounded memory when the broker is slower than we are
        count += 1
    if publisher is not None:
        publisher.wait()
    return count


def parse_fault(text: str) -> tuple[str, float]:
    kind, _, rate = text.partition("=")
    if kind not in FAULT_KINDS or not rate:
        raise argparse.ArgumentTypeError(
            f"--fault {text!r}: expected KIND=RATE, KIND one of {list(FAULT_KINDS)}"
        )
    return kind, float(rate)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m simulator.iot", description=__doc__.splitlines()[0])
    parser.add_argument("--url", default=os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883"))
    parser.add_argument("--registry", help="registry file (default: $IOT_REGISTRY, config iot.registry)")
    parser.add_argument("--start", type=parse_now, help="first instant of simulated time (UTC if no offset)")
    parser.add_argument("--end", type=parse_now, help="end of simulated time (exclusive)")
    parser.add_argument("--realtime", action="store_true", help="publish each reading at its time, from now")
    parser.add_argument("--duration", type=float, default=3600.0, help="seconds of real time (--realtime)")
    parser.add_argument(
        "--rate", type=float, help="messages per second (default: as fast as the broker takes)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--ts-format", choices=TS_FORMATS, default="iso")
    parser.add_argument(
        "--fault", type=parse_fault, action="append", default=[], help="KIND=RATE, repeatable"
    )
    parser.add_argument("--late-s", type=float, default=3600.0)
    parser.add_argument("--gap-minutes", type=float, default=10.0)
    parser.add_argument("--outage-minutes", type=float, default=30.0)
    parser.add_argument(
        "--truth", type=Path, help="write every published message and fault here (JSON lines)"
    )
    parser.add_argument("--dry-run", action="store_true", help="do not connect; only write --truth")
    args = parser.parse_args(argv)
    if args.realtime:
        start = time.time()
        end = start + args.duration
    elif args.start and args.end:
        start, end = args.start.timestamp(), args.end.timestamp()
    else:
        parser.error("give --start and --end (simulated time) or --realtime")
    faults = Faults(dict(args.fault), args.late_s, args.gap_minutes, args.outage_minutes)
    registry = load_registry(path=args.registry)
    messages = generate(registry, start, end, args.seed, faults, args.ts_format)
    publisher = (
        None if args.dry_run else Publisher(args.url, os.environ, client_id=f"simulator-{os.getpid()}")
    )
    truth = args.truth.open("w", encoding="utf-8") if args.truth else None
    try:
        count = run(messages, publisher, truth, args.rate, args.realtime)
    finally:
        if truth is not None:
            truth.close()
        if publisher is not None:
            publisher.close()
    print(f"published {count} messages", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
