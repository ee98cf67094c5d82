"""The Energy-Charts simulator: real response shapes and time semantics (local days, DST, the price
resolution switch), the publication edge, revisions, faults, control endpoints and determinism."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timedelta
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import requests

from simulator import energy_charts as sim_module
from simulator.energy_charts import PRICE_SWITCH_TS, EnergyChartsSimulator
from tests.sim_fixtures import SIM_NOW

REAL = Path(__file__).parent / "fixtures" / "energy_charts"
BERLIN = ZoneInfo("Europe/Berlin")
LATE = {"Load", "Residual load", "Renewable share of load", "Renewable share of generation"}
LIGNITE = "Fossil brown coal / lignite"


def get(sim: EnergyChartsSimulator, path: str, **params: str) -> requests.Response:
    return requests.get(sim.base_url + path, params=params, timeout=10)


def public_power(sim: EnergyChartsSimulator, country: str, start: str, end: str) -> dict:
    response = get(sim, "/public_power", country=country, start=start, end=end)
    assert response.status_code == 200, response.text
    return response.json()


def series(payload: dict) -> dict[str, list]:
    return {s["name"]: s["data"] for s in payload["production_types"]}


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).timestamp())


def real_names(name: str) -> list[str]:
    return [s["name"] for s in json.loads((REAL / name).read_text())["production_types"]]


# --- public power -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("day", "points"), [("2026-03-29", 92), ("2026-03-30", 96), ("2026-10-25", 100)])
def test_local_day_lengths_follow_dst(energy_charts_sim, day, points):
    payload = public_power(energy_charts_sim, "de", day, day)

    stamps = payload["unix_seconds"]
    assert len(stamps) == points
    assert {b - a for a, b in pairwise(stamps)} == {900}
    assert stamps[0] == int(datetime.fromisoformat(day).replace(tzinfo=BERLIN).timestamp())
    assert all(len(s["data"]) == points for s in payload["production_types"])


def test_dates_are_inclusive_local_days_of_the_country(energy_charts_sim):
    de = public_power(energy_charts_sim, "de", "2026-08-15", "2026-08-16")["unix_seconds"]
    assert (de[0], de[-1], len(de)) == (ts("2026-08-14T22:00+00:00"), ts("2026-08-16T21:45+00:00"), 192)

    lisbon = public_power(energy_charts_sim, "pt", "2026-08-15", "2026-08-15")["unix_seconds"]
    assert (lisbon[0], lisbon[-1]) == (ts("2026-08-14T23:00+00:00"), ts("2026-08-15T22:45+00:00"))
    unknown = public_power(energy_charts_sim, "xx", "2026-08-15", "2026-08-15")["unix_seconds"]
    assert unknown == de[:96]  # Europe/Berlin by default


def test_country_codes_are_case_insensitive(energy_charts_sim):
    lower = get(energy_charts_sim, "/public_power", country="de", start="2026-08-15", end="2026-08-15")
    upper = get(energy_charts_sim, "/public_power", country="DE", start="2026-08-15", end="2026-08-15")
    assert lower.content == upper.content


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-08-15T00:00Z", "2026-08-15T01:00Z"),
        ("2026-08-15T00:00", "2026-08-15T01:00"),  # no offset: UTC, as the real API reads it
        ("2026-08-15T02:00+02:00", "2026-08-15T03:00+02:00"),
    ],
)
def test_datetimes_are_instants_with_both_ends_included(energy_charts_sim, start, end):
    payload = public_power(energy_charts_sim, "de", start, end)
    real = json.loads((REAL / "public_power_de_2026-08-15_1h.json").read_text())
    assert payload["unix_seconds"] == real["unix_seconds"]


def test_series_are_those_of_the_real_responses(energy_charts_sim):
    de_names = real_names("public_power_de_2026-08-15_1h.json")
    assert len(de_names) == 21
    assert list(series(public_power(energy_charts_sim, "de", "2026-08-15", "2026-08-15"))) == de_names
    assert list(series(public_power(energy_charts_sim, "fr", "2026-08-15", "2026-08-15"))) == real_names(
        "public_power_fr_2026-08-15_1h.json"
    )
    assert list(series(public_power(energy_charts_sim, "at", "2026-08-15", "2026-08-15"))) == de_names
    payload = public_power(energy_charts_sim, "de", "2026-08-15", "2026-08-15")
    assert list(payload) == ["unix_seconds", "production_types", "deprecated"]
    assert payload["deprecated"] is False


@pytest.mark.parametrize(("start", "end"), [("2026-01-12", "2026-01-18"), ("2026-06-15", "2026-06-21")])
def test_values_are_plausible(energy_charts_sim, start, end):
    payload = public_power(energy_charts_sim, "de", start, end)
    data = series(payload)
    hours = [datetime.fromtimestamp(t, BERLIN).hour for t in payload["unix_seconds"]]

    for values in data.values():
        assert all(isinstance(v, float) and round(v, 1) == v for v in values)
    assert all(v == 0.0 for v, h in zip(data["Solar"], hours, strict=True) if h < 4 or h >= 22)
    assert max(data["Solar"]) > 5000.0
    assert min(data["Wind onshore"]) >= 0.0 and min(data["Wind offshore"]) >= 0.0
    assert min(data["Load"]) >= 40000.0 and max(data["Load"]) <= 70000.0
    assert all(0.0 <= v <= 100.0 for key in LATE - {"Load", "Residual load"} for v in data[key])
    assert max(data["Hydro pumped storage consumption"]) < 0.0
    assert max(abs(v) for v in data["Cross border electricity trading"]) < 6000.0
    residual = zip(data["Load"], data["Wind onshore"], data["Wind offshore"], data["Solar"], strict=True)
    assert data["Residual load"] == [round(lo - on - off - s, 1) for lo, on, off, s in residual]


def test_publication_edge_ends_the_arrays_with_late_series_null(energy_charts_sim):
    payload = public_power(energy_charts_sim, "de", "2026-11-24", "2026-11-24")

    stamps = payload["unix_seconds"]
    assert (stamps[0], stamps[-1]) == (ts("2026-11-23T23:00+00:00"), int(SIM_NOW.timestamp()))
    assert len(stamps) == 13 * 4 + 1
    for name, values in series(payload).items():
        nulls = [i for i, v in enumerate(values) if v is None]
        assert nulls == (list(range(len(stamps) - 4, len(stamps))) if name in LATE else []), name


def test_publication_edge_off_the_quarter_hour(energy_charts_sim):
    energy_charts_sim.now = SIM_NOW + timedelta(minutes=7)
    payload = public_power(energy_charts_sim, "de", "2026-11-24", "2026-11-24")
    assert payload["unix_seconds"][-1] == int(SIM_NOW.timestamp())
    assert [v is None for v in series(payload)["Load"][-5:]] == [False, True, True, True, True]


def test_window_after_the_edge_is_404_and_missing_parameters_422(energy_charts_sim):
    after = get(energy_charts_sim, "/public_power", country="de", start="2026-11-25", end="2026-11-26")
    assert (after.status_code, after.json()) == (404, {"detail": "Not Found"})

    missing = get(energy_charts_sim, "/public_power", country="de", start="2026-11-20")
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"] == ["query", "end"]
    assert get(energy_charts_sim, "/price", bzn="DE-LU").status_code == 422
    assert get(energy_charts_sim, "/installed_power").status_code == 422
    bad = get(energy_charts_sim, "/public_power", country="de", start="2026-02-30", end="2026-03-01")
    assert bad.status_code == 422
    assert get(energy_charts_sim, "/nope").status_code == 404


def test_revision_changes_exactly_lignite_solar_and_residual_load(energy_charts_sim):
    before = series(public_power(energy_charts_sim, "de", "2026-10-22", "2026-10-22"))
    energy_charts_sim.revision = 2
    after = series(public_power(energy_charts_sim, "de", "2026-10-22", "2026-10-22"))

    assert {name for name in before if before[name] != after[name]} == {LIGNITE, "Solar", "Residual load"}
    assert after[LIGNITE] == [round(v + 1900.0, 1) for v in before[LIGNITE]]
    assert after["Solar"] == [round(v * 1.02, 1) for v in before["Solar"]]
    residual = zip(after["Load"], after["Wind onshore"], after["Wind offshore"], after["Solar"], strict=True)
    assert after["Residual load"] == [round(lo - on - off - s, 1) for lo, on, off, s in residual]


def test_same_request_same_bytes_and_days_do_not_depend_on_the_window(energy_charts_sim):
    first = get(energy_charts_sim, "/public_power", country="de", start="2026-10-20", end="2026-10-26")
    sim_module._base_day.cache_clear()
    sim_module._day.cache_clear()
    again = get(energy_charts_sim, "/public_power", country="de", start="2026-10-20", end="2026-10-26")
    assert first.content == again.content

    week = first.json()
    day = public_power(energy_charts_sim, "de", "2026-10-22", "2026-10-22")
    offset = week["unix_seconds"].index(day["unix_seconds"][0])
    for name, values in series(day).items():
        assert series(week)[name][offset : offset + 96] == values


# --- price ------------------------------------------------------------------------------------------


def test_price_is_hourly_before_the_switch_and_quarter_hourly_after(energy_charts_sim):
    response = get(energy_charts_sim, "/price", bzn="DE-LU", start="2025-09-29", end="2025-10-02")
    payload = response.json()

    stamps = payload["unix_seconds"]
    assert (stamps[0], stamps[-1]) == (ts("2025-09-28T22:00+00:00"), ts("2025-10-02T21:45+00:00"))
    steps = [(a, b - a) for a, b in pairwise(stamps)]
    assert {step for a, step in steps if a < PRICE_SWITCH_TS} == {3600}
    assert {step for a, step in steps if a >= PRICE_SWITCH_TS} == {900}
    assert len(stamps) == 2 * 24 + 2 * 96
    assert PRICE_SWITCH_TS in stamps
    assert list(payload) == ["license_info", "unix_seconds", "price", "unit", "deprecated"]
    assert (payload["unit"], payload["deprecated"]) == ("EUR / MWh", False)
    assert payload["license_info"].startswith("CC BY 4.0")
    assert len(payload["price"]) == len(stamps)


def test_prices_have_a_daily_shape_and_go_negative_on_sunny_days(energy_charts_sim):
    payload = get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-05-01", end="2026-05-31").json()
    prices = payload["price"]

    assert all(isinstance(p, float) and round(p, 2) == p for p in prices)
    assert -200.0 < min(prices) < 0.0 and 100.0 < max(prices) < 500.0
    negative_days = {
        datetime.fromtimestamp(t, BERLIN).date()
        for t, p in zip(payload["unix_seconds"], prices, strict=True)
        if p < 0
    }
    assert len(negative_days) >= 3


def test_price_publication_edge_is_the_day_ahead_auction(energy_charts_sim):
    # 12:00Z is 13:00 in Berlin: tomorrow's prices are out.
    tomorrow = get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-11-25", end="2026-11-26")
    assert len(tomorrow.json()["unix_seconds"]) == 96
    assert (
        get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-11-26", end="2026-11-26").status_code == 404
    )

    energy_charts_sim.now = SIM_NOW - timedelta(minutes=1)  # 12:59 local: not yet
    assert (
        get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-11-25", end="2026-11-25").status_code == 404
    )
    today = get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-11-24", end="2026-11-24").json()
    assert today["unix_seconds"][-1] == ts("2026-11-24T22:45+00:00")


# --- installed power --------------------------------------------------------------------------------


def test_installed_power_monthly_history(energy_charts_sim):
    response = get(energy_charts_sim, "/installed_power", country="de", time_step="monthly",
                   installation_decommission="false")  # fmt: skip
    payload = response.json()

    labels = payload["time"]
    assert (labels[0], labels[-1], len(labels)) == ("01.2002", "11.2026", 24 * 12 + 11)
    assert all(len(label) == 7 and label[2] == "." for label in labels)
    assert list(series(payload)) == real_names("energy_charts_installed_power.json")
    offshore = series(payload)["Wind offshore"]
    first_offshore = labels.index("08.2009")
    assert offshore[:first_offshore] == [None] * first_offshore and None not in offshore[first_offshore:]
    for name, values in series(payload).items():
        published = values[:-1] if name.startswith("Battery") else values
        assert None not in published[first_offshore:], name
        present = [v for v in published if v is not None]
        assert present == sorted(present), f"{name} does not grow"
        assert all(round(v, 3) == v for v in present)
    assert series(payload)["Battery storage (power)"][-1] is None
    assert payload["last_update"] == ts("2026-11-01T13:03:43+00:00")
    assert payload["deprecated"] is False


def test_installed_power_yearly_and_revision(energy_charts_sim):
    yearly = get(energy_charts_sim, "/installed_power", country="de", time_step="yearly").json()
    assert yearly["time"] == [str(year) for year in range(2002, 2027)]
    assert series(yearly)["Wind offshore"][:8] == [None] * 7 + [series(yearly)["Wind offshore"][7]]
    assert series(yearly)["Wind offshore"][7] is not None  # 2009 (December)

    before = get(energy_charts_sim, "/installed_power", country="de", time_step="monthly").json()
    energy_charts_sim.revision = 1
    after = get(energy_charts_sim, "/installed_power", country="de", time_step="monthly").json()
    changed = {n for n in series(before) if series(before)[n] != series(after)[n]}
    assert changed == {"Solar AC"}
    solar_before, solar_after = series(before)["Solar AC"], series(after)["Solar AC"]
    assert solar_after[:-3] == solar_before[:-3]
    assert solar_after[-3:] == [round(v + 0.1, 3) for v in solar_before[-3:]]
    assert get(energy_charts_sim, "/installed_power", country="de", time_step="daily").status_code == 422


# --- faults and control -----------------------------------------------------------------------------

DAY = {"country": "de", "start": "2026-10-26", "end": "2026-10-26"}


def test_fault_429_has_retry_after_then_the_next_request_is_normal(energy_charts_sim):
    energy_charts_sim.inject("/public_power", "429", retry_after=7)
    limited = get(energy_charts_sim, "/public_power", **DAY)
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "7")
    assert get(energy_charts_sim, "/public_power", **DAY).status_code == 200


def test_fault_500_counts_down_per_endpoint(energy_charts_sim):
    energy_charts_sim.inject("/public_power", "500", times=2)
    assert (
        get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-10-26", end="2026-10-26").status_code == 200
    )
    statuses = [get(energy_charts_sim, "/public_power", **DAY).status_code for _ in range(3)]
    assert statuses == [500, 500, 200]


def test_fault_timeout_answers_normally_but_late(energy_charts_sim):
    normal = get(energy_charts_sim, "/public_power", **DAY)
    energy_charts_sim.inject("/public_power", "timeout", delay_s=0.3)
    started = time.monotonic()
    late = get(energy_charts_sim, "/public_power", **DAY)
    assert time.monotonic() - started >= 0.3
    assert (late.status_code, late.content) == (200, normal.content)


def test_fault_truncated_json(energy_charts_sim):
    full = get(energy_charts_sim, "/public_power", **DAY).content
    energy_charts_sim.inject("/public_power", "truncated_json")
    cut = get(energy_charts_sim, "/public_power", **DAY)
    assert cut.status_code == 200
    assert cut.content == full[: len(full) // 2]
    assert int(cut.headers["Content-Length"]) == len(cut.content)
    with pytest.raises(ValueError):
        json.loads(cut.content)


def test_fault_unequal_arrays_and_bad_value(energy_charts_sim):
    energy_charts_sim.inject("/public_power", "unequal_arrays")
    energy_charts_sim.inject("/public_power", "bad_value")
    short = public_power(energy_charts_sim, **DAY)
    lengths = {name: len(values) for name, values in series(short).items()}
    assert lengths.pop("Solar") == 95 and set(lengths.values()) == {96}

    bad = public_power(energy_charts_sim, **DAY)
    found = [(name, i) for name, values in series(bad).items() for i, v in enumerate(values) if v == "n/a"]
    assert found == [("Solar", 48)]

    energy_charts_sim.inject("/price", "unequal_arrays")
    price = get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-10-26", end="2026-10-26").json()
    assert (len(price["unix_seconds"]), len(price["price"])) == (96, 95)


def test_fault_out_of_range_and_duplicate_key(energy_charts_sim):
    clean = series(public_power(energy_charts_sim, **DAY))
    energy_charts_sim.inject("/public_power", "out_of_range")
    energy_charts_sim.inject("/public_power", "duplicate_key")
    energy_charts_sim.inject("/price", "out_of_range")
    energy_charts_sim.inject("/price", "duplicate_key")

    wild = series(public_power(energy_charts_sim, **DAY))
    assert wild["Solar"][48] == sim_module.OUT_OF_RANGE
    assert wild["Solar"][:48] + wild["Solar"][49:] == clean["Solar"][:48] + clean["Solar"][49:]
    twice = public_power(energy_charts_sim, **DAY)["production_types"]
    assert [s["data"] for s in twice if s["name"] == "Solar"] == [clean["Solar"], clean["Solar"]]

    price = {"bzn": "DE-LU", "start": "2026-10-26", "end": "2026-10-26"}
    assert get(energy_charts_sim, "/price", **price).json()["price"][48] == sim_module.OUT_OF_RANGE
    repeated = get(energy_charts_sim, "/price", **price).json()
    assert repeated["unix_seconds"][-1] == repeated["unix_seconds"][-2]
    assert len(repeated["unix_seconds"]) == len(repeated["price"]) == 97


def test_unknown_fault_or_endpoint_is_refused(energy_charts_sim):
    with pytest.raises(ValueError, match="unknown fault kind"):
        energy_charts_sim.inject("/public_power", "teapot")
    with pytest.raises(ValueError, match="unknown endpoint"):
        energy_charts_sim.inject("/prices", "500")


def test_control_endpoints_and_request_log(energy_charts_sim):
    base = energy_charts_sim.base_url
    assert requests.get(f"{base}/_sim/health", timeout=5).status_code == 200
    fault = {"endpoint": "/price", "kind": "429", "times": 1, "retry_after": 3}
    assert requests.post(f"{base}/_sim/faults", json=fault, timeout=5).json() == {"queued": 1}
    assert (
        requests.post(f"{base}/_sim/faults", json={"endpoint": "/x", "kind": "500"}, timeout=5).status_code
        == 422
    )
    assert requests.post(f"{base}/_sim/revision", json={"revision": 3}, timeout=5).status_code == 200
    assert energy_charts_sim.revision == 3

    limited = get(energy_charts_sim, "/price", bzn="DE-LU", start="2026-10-26", end="2026-10-26")
    assert (limited.status_code, limited.headers["Retry-After"]) == (429, "3")
    assert energy_charts_sim.requests == [
        ("/price", {"bzn": "DE-LU", "start": "2026-10-26", "end": "2026-10-26"})
    ]


def test_command_line_prints_its_url_and_serves(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "simulator", "--port", "0", "--now", "2026-11-24T12:00Z"],
        cwd=Path(__file__).parent.parent,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        base_url = process.stdout.readline().strip()
        assert base_url.startswith("http://127.0.0.1:")
        response = requests.get(f"{base_url}/price", params={"bzn": "DE-LU", "start": "2026-11-26",
                                                             "end": "2026-11-26"}, timeout=10)  # fmt: skip
        assert response.status_code == 404  # beyond the --now edge
    finally:
        process.terminate()
        process.wait(timeout=10)
