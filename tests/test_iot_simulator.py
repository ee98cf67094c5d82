"""The site simulator: deterministic, physically plausible readings in the message contract, each fault
kind doing what it says, the truth file, and the command line publishing to a real broker."""

from __future__ import annotations

import dataclasses
import functools
import json
import subprocess
import sys
from collections import Counter, defaultdict
from datetime import datetime, timezone

import pytest

from common.iot_registry import load_registry
from simulator.iot import MESSAGE_FIELDS, Faults, SiteModel, clear_sky_poa, generate, wind_power_share
from simulator.mosquitto import REPO
from tests.mqtt_fixtures import landed_payloads, wait_until

pytestmark = pytest.mark.iot

REGISTRY = load_registry()
MIDSUMMER = datetime(2026, 6, 21, tzinfo=timezone.utc).timestamp()
MIDWINTER = datetime(2026, 12, 21, tzinfo=timezone.utc).timestamp()
HOUR = 3600.0


def day_of(start: float, faults: Faults | None = None, seed: int = 7, hours: float = 24) -> tuple:
    if faults is None:
        return _clean(start, seed, hours)
    return tuple(generate(REGISTRY, start, start + hours * HOUR, seed, faults))


@functools.lru_cache(maxsize=4)  # a day takes seconds to generate; several tests read the same one
def _clean(start: float, seed: int, hours: float) -> tuple:
    return tuple(generate(REGISTRY, start, start + hours * HOUR, seed))


def readings(messages) -> dict[str, list[dict]]:
    """Contract payloads per sensor, in publish order."""
    by_sensor = defaultdict(list)
    for m in messages:
        if m.topic:
            body = json.loads(m.payload)
            by_sensor[body["sensor_id"]].append(body)
    return by_sensor


def at(rows: list[dict], hour_utc: float) -> dict:
    ts = datetime.fromtimestamp(MIDSUMMER + hour_utc * HOUR, timezone.utc).isoformat(timespec="milliseconds")
    return next(r for r in rows if r["ts"] == ts[:-6] + "Z")


def test_same_seed_same_messages_other_seed_other_values():
    first, again, other = (
        day_of(MIDSUMMER, hours=1),
        day_of(MIDSUMMER, hours=1),
        day_of(MIDSUMMER, seed=8, hours=1),
    )
    assert [m.payload for m in first] == [m.payload for m in again]
    assert [m.payload for m in first] != [m.payload for m in other]


def test_every_reading_follows_the_message_contract_at_its_interval():
    by_sensor = readings(day_of(MIDSUMMER))
    assert set(by_sensor) == {s.sensor_id for s in REGISTRY.sensors}
    for sensor in REGISTRY.sensors:
        rows = by_sensor[sensor.sensor_id]
        assert len(rows) == 86400 / sensor.expected_interval_s
        assert all(list(r) == list(MESSAGE_FIELDS) for r in rows)
        assert [r["seq"] for r in rows] == list(range(1, len(rows) + 1))
        assert all(r["unit"] == sensor.unit and isinstance(r["value"], float | int) for r in rows)
        assert all(sensor.valid_min <= r["value"] <= sensor.valid_max for r in rows)
        assert rows[0]["ts"] == "2026-06-21T00:00:00.000Z"


def test_timestamps_in_every_contract_form():
    messages = list(generate(REGISTRY, MIDSUMMER, MIDSUMMER + 60, 1, ts_format="mixed"))
    stamps = [json.loads(m.payload)["ts"] for m in messages]
    assert any(isinstance(ts, int) for ts in stamps)
    assert any(isinstance(ts, str) and ts.endswith("Z") for ts in stamps)
    assert any(isinstance(ts, str) and ts.endswith("+02:00") for ts in stamps)  # Berlin and Madrid, summer
    for m, ts in zip(messages, stamps, strict=True):
        instant = (
            ts / 1000
            if isinstance(ts, int)
            else datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()
        )
        assert round(instant * 1000) == m.truth["ts_ms"]


def test_solar_follows_the_sun_temperature_and_capacity():
    solar_a, site = readings(day_of(MIDSUMMER)), REGISTRY.site("solar-a")
    poa, pac = solar_a["solar-a-poa-1"], solar_a["solar-a-pac-1"]
    tmod, tamb = solar_a["solar-a-tmod-1"], solar_a["solar-a-tamb-1"]
    # Munich: solar noon about 11:14 UTC; night around 23:00 UTC.
    assert at(poa, 23)["value"] == 0 and at(pac, 23)["value"] == 0
    assert at(poa, 11.25)["value"] > 500
    assert max(r["value"] for r in poa) > 900
    assert max(r["value"] for r in pac) <= site.ac_capacity_kw
    undersized = dataclasses.replace(site, ac_capacity_kw=2000)  # DC 5000 kWp: clipped at midday
    noon_powers = [
        SiteModel(undersized, 7).value("ac_power", MIDSUMMER + (10 + h / 10) * HOUR) for h in range(20)
    ]
    assert max(noon_powers) == 2000
    assert all(p["value"] == 0 for p, i in zip(pac, poa, strict=True) if i["value"] == 0)
    assert at(tmod, 11)["value"] > at(tamb, 11)["value"] + 10  # modules in the sun run hot
    assert abs(at(tmod, 1)["value"] - at(tamb, 1)["value"]) < 3  # … and cool to ambient at night
    model = SiteModel(site, 7)
    assert model.value("ac_power", MIDSUMMER + 11 * HOUR, in_outage=True) == 0


def test_sun_depends_on_date_and_latitude():
    berlin, madrid = REGISTRY.site("solar-a"), REGISTRY.site("solar-b")
    noon = 11.25 * HOUR
    assert clear_sky_poa(berlin, MIDWINTER + noon) < 0.7 * clear_sky_poa(berlin, MIDSUMMER + noon)
    assert clear_sky_poa(madrid, MIDWINTER + 12 * HOUR) > clear_sky_poa(berlin, MIDWINTER + noon)
    assert clear_sky_poa(berlin, MIDWINTER + 20 * HOUR) == 0


def test_wind_power_curve():
    assert [wind_power_share(v) for v in (0, 2.9, 12, 20, 25, 30)] == [0, 0, 1, 1, 0, 0]
    assert 0 < wind_power_share(7.5) < wind_power_share(9) < 1
    wind = readings(day_of(MIDSUMMER))
    capacity = REGISTRY.site("wind-c").ac_capacity_kw
    model = SiteModel(REGISTRY.site("wind-c"), 7)
    for power in wind["wind-c-pac-1"]:
        t = datetime.fromisoformat(power["ts"].replace("Z", "+00:00")).timestamp()
        expected = wind_power_share(model.value("wind_speed", t))
        assert power["value"] / capacity == pytest.approx(expected, rel=0.05, abs=1e-9)


@pytest.mark.parametrize(
    "kind", ["malformed_json", "non_numeric", "unknown_sensor", "out_of_range", "missing_field"]
)
def test_each_message_fault(kind):
    messages = [m for m in day_of(MIDSUMMER, Faults({kind: 1.0}), hours=0.1) if m.topic]
    assert messages and all(m.truth["fault"] == kind for m in messages)
    for m in messages:
        sensor = REGISTRY.sensor(m.truth["sensor_id"])
        if kind == "malformed_json":
            with pytest.raises(json.JSONDecodeError):
                json.loads(m.payload)
            continue
        body = json.loads(m.payload)
        if kind == "non_numeric":
            assert isinstance(body["value"], str) and float(body["value"]) == m.truth["value"]
        elif kind == "unknown_sensor":
            assert body["sensor_id"] not in {s.sensor_id for s in REGISTRY.sensors}
            assert m.topic == f"sensors/{sensor.site_id}/{body['sensor_id']}"
        elif kind == "out_of_range":
            assert body["value"] > sensor.valid_max
        elif kind == "missing_field":
            assert len(body) == 4 and set(body) < set(MESSAGE_FIELDS)


def test_duplicates_late_readings_gaps_and_outages():
    duplicated = [m for m in day_of(MIDSUMMER, Faults({"duplicate": 0.05}), hours=1) if m.topic]
    copies = Counter(m.payload for m in duplicated)
    assert set(Counter(copies.values())) == {1, 2}
    assert all(m.truth["fault"] == "duplicate" for m in duplicated if copies[m.payload] == 2)

    late = day_of(MIDSUMMER, Faults({"late": 0.01}, late_s=1800), hours=3)
    held = [m for m in late if m.truth.get("fault") == "late"]
    assert held and all(m.publish_at - m.truth["ts_ms"] / 1000 == 1800 for m in held)
    positions = {id(m): i for i, m in enumerate(late)}
    for m in held:  # published among readings half an hour younger (or at the end of the range)
        if m.publish_at >= MIDSUMMER + 3 * HOUR:
            assert m is late[-1] or late[positions[id(m)] + 1].truth.get("fault") == "late"
            continue
        neighbour = late[positions[id(m)] - 1]
        assert neighbour.publish_at >= m.publish_at - 10

    gapped = day_of(MIDSUMMER, Faults({"gap": 0.002}, gap_minutes=20), hours=6)
    gaps = [m.truth for m in gapped if m.truth.get("fault") == "gap"]
    assert gaps
    for gap in gaps:
        inside = [m for m in gapped if m.topic and m.truth["sensor_id"] == gap["sensor_id"]
                  and gap["start_ms"] <= m.truth["ts_ms"] < gap["end_ms"]]  # fmt: skip
        assert inside == [] and gap["end_ms"] - gap["start_ms"] == 20 * 60_000

    daylight = MIDSUMMER + 8 * HOUR
    outaged = day_of(daylight, Faults({"outage": 0.01}, outage_minutes=15), hours=4)
    outages = [m.truth for m in outaged if m.truth.get("fault") == "outage"]
    assert outages
    for outage in outages:
        site = REGISTRY.site(outage["site_id"])
        during = [json.loads(m.payload) for m in outaged if m.topic
                  and m.truth["sensor_id"] in {s.sensor_id for s in REGISTRY.sensors_of(site.site_id)}
                  and outage["start_ms"] <= m.truth["ts_ms"] < outage["end_ms"]]  # fmt: skip
        power = [r["value"] for r in during if r["sensor_id"].endswith("-pac-1")]
        irradiance = [r["value"] for r in during if r["sensor_id"].endswith("-poa-1")]
        assert power and set(power) == {0}
        assert max(irradiance) > 300


def test_unknown_fault_kind_is_refused():
    with pytest.raises(ValueError, match="unknown fault kinds \\['hail'\\]"):
        Faults({"hail": 0.1})


def test_command_line_publishes_what_its_truth_file_says(tmp_path, broker, collectors):
    collector = collectors(broker.url())
    collector.wait_connected()
    truth = tmp_path / "truth.jsonl"
    command = [sys.executable, "-m", "simulator.iot", "--url", broker.url(), "--start", "2026-06-21T10:00Z",
               "--end", "2026-06-21T10:30Z", "--seed", "3", "--fault", "malformed_json=0.05",
               "--fault", "unknown_sensor=0.05", "--fault", "gap=0.001", "--truth", str(truth)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=True)
    records = [json.loads(line) for line in truth.read_text().splitlines()]
    published = Counter(r["payload"].encode() for r in records if r.get("topic"))
    assert f"published {sum(published.values())} messages" in done.stderr
    assert sum(published.values()) > 800
    wait_until(lambda: landed_payloads(tmp_path) == published, 30, "the simulator's messages to land")
