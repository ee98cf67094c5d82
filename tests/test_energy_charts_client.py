"""The Energy-Charts client against the simulator (windows, retries, Retry-After, timeouts, malformed
bodies, 404, pacing) and its response checks on every saved real response and broken copies of them."""

from __future__ import annotations

import copy
import json
import re
import time
from datetime import date, datetime, timezone
from itertools import pairwise
from pathlib import Path

import pytest

from common.config import Config
from common.energy_charts import (
    CHECKS,
    ApiResponse,
    EnergyChartsClient,
    EnergyChartsHTTPError,
    MalformedResponseError,
    check_installed_power,
    check_price,
    check_public_power,
    split_windows,
)
from schemas.energy_charts import required_payload_keys

REAL = Path(__file__).parent / "fixtures" / "energy_charts"
DAY = date(2026, 10, 26)
WHERE = "Energy-Charts /public_power (country=de, end=2026-10-26, start=2026-10-26)"


@pytest.fixture
def client(energy_charts_sim):
    with EnergyChartsClient(
        energy_charts_sim.base_url, timeout_s=2.0, max_retries=2, backoff_factor=0.01, pace_s=0
    ) as c:
        yield c


def real(name: str) -> dict:
    return json.loads((REAL / name).read_text())


# --- windows and requests ---------------------------------------------------------------------------


def test_split_windows():
    assert split_windows(date(2026, 10, 20), date(2026, 10, 28), 7) == [
        (date(2026, 10, 20), date(2026, 10, 26)),
        (date(2026, 10, 27), date(2026, 10, 28)),
    ]
    assert split_windows(DAY, DAY, 7) == [(DAY, DAY)]
    assert split_windows(date(2026, 1, 1), date(2026, 1, 3), 1) == [
        (date(2026, 1, d), date(2026, 1, d)) for d in (1, 2, 3)
    ]
    with pytest.raises(ValueError, match="end 2026-10-25 is before start 2026-10-26"):
        split_windows(DAY, date(2026, 10, 25), 7)
    with pytest.raises(ValueError, match="at least 1 day"):
        split_windows(DAY, DAY, 0)


def test_public_power_requests_each_window_once(client, energy_charts_sim):
    before = datetime.now(timezone.utc)
    responses = client.public_power("de", date(2026, 10, 20), date(2026, 10, 28))

    assert energy_charts_sim.requests == [
        ("/public_power", {"country": "de", "start": "2026-10-20", "end": "2026-10-26"}),
        ("/public_power", {"country": "de", "start": "2026-10-27", "end": "2026-10-28"}),
    ]
    first = responses[0]
    assert (first.endpoint, first.http_status) == ("/public_power", 200)
    assert first.params == {"country": "de", "start": "2026-10-20", "end": "2026-10-26"}
    assert first.request_params_json == '{"country":"de","end":"2026-10-26","start":"2026-10-20"}'
    assert json.loads(first.body) == first.payload
    assert len(first.payload["unix_seconds"]) == 7 * 96 + 4  # 2026-10-25 has 25 hours
    assert before <= first.fetched_at <= datetime.now(timezone.utc)
    assert first.fetched_at.tzinfo is not None


def test_price_and_installed_power_parameters(client, energy_charts_sim):
    prices = client.price("DE-LU", date(2026, 9, 1), date(2026, 11, 3))
    installed = client.installed_power("de")

    assert [params for _, params in energy_charts_sim.requests] == [
        {"bzn": "DE-LU", "start": "2026-09-01", "end": "2026-10-01"},
        {"bzn": "DE-LU", "start": "2026-10-02", "end": "2026-11-01"},
        {"bzn": "DE-LU", "start": "2026-11-02", "end": "2026-11-03"},
        {"country": "de", "time_step": "monthly", "installation_decommission": "false"},
    ]
    assert [r.endpoint for r in prices] == ["/price"] * 3
    assert prices[0].payload["unit"] == "EUR / MWh"
    assert installed.payload["time"][-1] == "11.2026"


def test_404_is_no_data_not_an_error(client):
    [response] = client.public_power("de", date(2026, 11, 25), date(2026, 11, 26))
    assert (response.http_status, response.payload) == (404, None)
    assert json.loads(response.body) == {"detail": "Not Found"}


def test_other_4xx_is_an_error(client):
    with pytest.raises(EnergyChartsHTTPError, match=r"Energy-Charts /public_power \(country=de\): HTTP 422"):
        client.get("/public_power", {"country": "de"})


# --- retries ------------------------------------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(client, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "429", retry_after=1)
    started = time.monotonic()
    [response] = client.public_power("de", DAY, DAY)

    assert time.monotonic() - started >= 1.0  # the backoff alone would be 0.01 s
    assert response.http_status == 200 and len(response.payload["unix_seconds"]) == 96
    assert len(energy_charts_sim.requests) == 2


def test_500_is_retried_then_succeeds(client, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "500", times=2)
    [response] = client.public_power("de", DAY, DAY)
    assert response.http_status == 200
    assert len(energy_charts_sim.requests) == 3


def test_500_every_time_is_an_error_naming_the_request(client, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "500", times=3)
    with pytest.raises(EnergyChartsHTTPError) as raised:
        client.public_power("de", DAY, DAY)
    assert str(raised.value).startswith(f"{WHERE}: HTTP 500 after retries")
    assert len(energy_charts_sim.requests) == 3


def test_read_timeout_is_retried(energy_charts_sim):
    energy_charts_sim.inject("/public_power", "timeout", delay_s=1.0)
    with EnergyChartsClient(
        energy_charts_sim.base_url, timeout_s=0.2, backoff_factor=0.01, pace_s=0
    ) as client:
        [response] = client.public_power("de", DAY, DAY)
    assert response.http_status == 200
    assert len(energy_charts_sim.requests) == 2


def test_timeouts_every_time_are_an_error(energy_charts_sim):
    energy_charts_sim.inject("/public_power", "timeout", times=2, delay_s=1.0)
    with (
        EnergyChartsClient(
            energy_charts_sim.base_url, timeout_s=0.2, max_retries=1, backoff_factor=0.01, pace_s=0
        ) as client,
        pytest.raises(
            EnergyChartsHTTPError, match=r"\(country=de, end=2026-10-26, start=2026-10-26\): request"
        ),
    ):
        client.public_power("de", DAY, DAY)


# --- malformed bodies -----------------------------------------------------------------------------


def test_truncated_json_is_malformed(client, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "truncated_json")
    with pytest.raises(MalformedResponseError, match=f"^{re.escape(WHERE)}: invalid JSON"):
        client.public_power("de", DAY, DAY)
    assert len(energy_charts_sim.requests) == 1  # a broken body is not retried


def test_unequal_arrays_are_malformed(client, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "unequal_arrays")
    with pytest.raises(MalformedResponseError) as raised:
        client.public_power("de", DAY, DAY)
    assert str(raised.value) == f"{WHERE}: series 'Solar' has 95 values for 96 timestamps"


def test_non_numeric_value_is_malformed(client, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "bad_value")
    with pytest.raises(MalformedResponseError) as raised:
        client.public_power("de", DAY, DAY)
    assert str(raised.value) == (
        f"{WHERE}: series 'Solar' has a value that is not a number or null at index 48: 'n/a'"
    )


def test_malformed_price_names_the_zone(client, energy_charts_sim):
    energy_charts_sim.inject("/price", "unequal_arrays")
    with pytest.raises(MalformedResponseError) as raised:
        client.price("DE-LU", DAY, DAY)
    where = "Energy-Charts /price (bzn=DE-LU, end=2026-10-26, start=2026-10-26)"
    assert str(raised.value) == f"{where}: price has 95 values for 96 timestamps"


# --- pacing -------------------------------------------------------------------------------------------


class FakeTime:
    """A monotonic clock that moves only when slept on or told to."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []
        self.starts: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_requests_start_at_least_pace_apart(energy_charts_sim):
    fake = FakeTime()

    def arrived() -> datetime:
        fake.starts.append(fake.now)  # nothing moves the fake clock between a request's start and here
        fake.now += 0.4  # each request takes 0.4 s
        return datetime.now(timezone.utc)

    with EnergyChartsClient(
        energy_charts_sim.base_url, pace_s=1.0, clock=fake.clock, sleep=fake.sleep, now=arrived
    ) as client:
        client.public_power("de", date(2026, 10, 1), date(2026, 10, 3), window_days=1)

    assert fake.sleeps == pytest.approx([0.6, 0.6])
    assert [b - a for a, b in pairwise(fake.starts)] == pytest.approx([1.0, 1.0])


def test_pace_zero_never_sleeps(energy_charts_sim):
    fake = FakeTime()
    with EnergyChartsClient(
        energy_charts_sim.base_url, pace_s=0, clock=fake.clock, sleep=fake.sleep
    ) as client:
        client.public_power("de", date(2026, 10, 1), date(2026, 10, 3), window_days=1)
    assert fake.sleeps == []


def test_from_config_reads_the_energy_charts_settings():
    settings = {"energy_charts": {"base_url": "http://x:1/", "pace_s": "0", "max_retries": 2, "timeout_s": 5}}
    client = EnergyChartsClient.from_config(Config(env="test", settings=settings))
    assert (client.base_url, client.pace_s, client.timeout_s) == ("http://x:1", 0.0, 5.0)
    client.close()


# --- response checks on the real responses --------------------------------------------------------


REAL_FILES = sorted(p.name for p in REAL.glob("*.json"))


def test_every_saved_response_is_covered():
    assert len(REAL_FILES) == 5, REAL_FILES


@pytest.mark.parametrize("name", REAL_FILES)
def test_checks_accept_every_real_response(name):
    payload = real(name)
    if "installed_power" in name:
        check_installed_power(payload)
    else:
        check_public_power(payload)


def broken_copy(payload: dict, edit) -> dict:
    broken = copy.deepcopy(payload)
    edit(broken)
    return broken


def _series(payload: dict, name: str) -> list:
    return next(s for s in payload["production_types"] if s["name"] == name)["data"]


PUBLIC_POWER_BREAKAGES = [
    ("public_power_de_2026-08-15_1h.json", lambda p: _series(p, "Solar").pop(),
     "series 'Solar' has 4 values for 5 timestamps"),
    ("public_power_de_2026-08-19_truncated.json", lambda p: _series(p, "Load").append(None),
     "series 'Load' has 38 values for 37 timestamps"),
    ("public_power_de_2026-08-19_revised.json", lambda p: _series(p, "Wind onshore").__setitem__(7, "n/a"),
     "series 'Wind onshore' has a value that is not a number or null at index 7: 'n/a'"),
    ("public_power_fr_2026-08-15_1h.json", lambda p: _series(p, "Nuclear").__setitem__(0, True),
     "series 'Nuclear' has a value that is not a number or null at index 0: True"),
    ("public_power_fr_2026-08-15_1h.json", lambda p: _series(p, "Nuclear").__setitem__(1, float("nan")),
     "series 'Nuclear' has a value that is not a number or null at index 1: nan"),
    ("public_power_de_2026-08-15_1h.json", lambda p: p["unix_seconds"].__setitem__(1, 1786752900.0),
     "unix_seconds has a value that is not an integer at index 1: 1786752900.0"),
    ("public_power_de_2026-08-15_1h.json", lambda p: p["unix_seconds"].__setitem__(2, 1786752900),
     "unix_seconds not strictly increasing at index 2: 1786752900 after 1786752900"),
    ("public_power_de_2026-08-15_1h.json", lambda p: p.pop("production_types"),
     "missing key(s) 'production_types'"),
    ("public_power_de_2026-08-15_1h.json", lambda p: p["production_types"][3].pop("name"),
     "production_types[3] has no string 'name'"),
    ("public_power_de_2026-08-15_1h.json", lambda p: p["production_types"][3].pop("data"),
     "series 'Biomass' has no 'data'"),
    ("public_power_de_2026-08-15_1h.json", lambda p: p["production_types"][3].__setitem__("data", "3398.9"),
     "series 'Biomass' is not a list: '3398.9'"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "edit", "message"), PUBLIC_POWER_BREAKAGES)
def test_check_public_power_rejects_broken_copies(name, edit, message):
    broken = broken_copy(real(name), edit)
    with pytest.raises(ValueError) as raised:
        check_public_power(broken)
    assert str(raised.value) == message


def test_check_public_power_rejects_a_non_object():
    with pytest.raises(ValueError, match=r"^expected a JSON object, got list$"):
        check_public_power([real("public_power_de_2026-08-15_1h.json")])


INSTALLED = "energy_charts_installed_power.json"


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["time"].__setitem__(296, "2026-09"),
         "time label '2026-09' at index 296: labels must all be MM.YYYY or all YYYY"),
        (lambda p: p["time"].__setitem__(0, "2002"),
         "time label '02.2002' at index 1: labels must all be MM.YYYY or all YYYY"),
        (lambda p: p["time"].__setitem__(5, "13.2002"),
         "time label '13.2002' at index 5: labels must all be MM.YYYY or all YYYY"),
        (lambda p: _series(p, "Solar AC").pop(0), "series 'Solar AC' has 296 values for 297 time labels"),
        (lambda p: _series(p, "Battery storage (power)").__setitem__(296, "-"),
         "series 'Battery storage (power)' has a value that is not a number or null at index 296: '-'"),
        (lambda p: p.pop("time"), "missing key(s) 'time'"),
    ],
)  # fmt: skip
def test_check_installed_power_rejects_broken_copies(edit, message):
    broken = broken_copy(real(INSTALLED), edit)
    with pytest.raises(ValueError) as raised:
        check_installed_power(broken)
    assert str(raised.value) == message


def test_check_installed_power_accepts_yearly_labels():
    payload = real(INSTALLED)
    payload["time"] = [str(1730 + i) for i in range(len(payload["time"]))]
    check_installed_power(payload)


# The documented real /price shape (no saved price response exists in tests/fixtures).
PRICE = {
    "license_info": "CC BY 4.0 (creativecommons.org/licenses/by/4.0) from Bundesnetzagentur | SMARD.de",
    "unix_seconds": [1767135600, 1767136500, 1767137400],
    "price": [94.8, -0.01, None],
    "unit": "EUR / MWh",
    "deprecated": False,
}


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda p: p["price"].pop(), "price has 2 values for 3 timestamps"),
        (
            lambda p: p["price"].__setitem__(1, "n/a"),
            "price has a value that is not a number or null at index 1: 'n/a'",
        ),
        (lambda p: p.__setitem__("unit", 5), "unit is not a string: 5"),
        (lambda p: p.pop("unit"), "missing key(s) 'unit'"),
    ],
)
def test_check_price(edit, message):
    check_price(PRICE)
    broken = broken_copy(PRICE, edit)
    with pytest.raises(ValueError) as raised:
        check_price(broken)
    assert str(raised.value) == message


def test_api_response_params_json_is_sorted_and_compact():
    response = ApiResponse("/price", {"start": "b", "bzn": "a"}, 200, datetime.now(timezone.utc), "{}", {})
    assert response.request_params_json == '{"bzn":"a","start":"b"}'


def test_the_keys_checked_are_those_the_parsers_read_with():
    # One declaration (schemas/energy_charts.py): the client requires its non-nullable keys.
    assert {endpoint: required_payload_keys(endpoint) for endpoint in CHECKS} == {
        "/public_power": ("unix_seconds", "production_types"),
        "/price": ("unix_seconds", "price", "unit"),
        "/installed_power": ("time", "production_types"),
    }
    with pytest.raises(ValueError, match=r"^missing key\(s\) 'unit'$"):
        check_price({"unix_seconds": [1], "price": [1.0]})
