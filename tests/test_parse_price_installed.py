"""Parsing landed /price and /installed_power responses into staging rows."""

from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
from pyspark.errors import PySparkException

from jobs.lib.installed_power import parse_installed_power
from jobs.lib.price import parse_price
from tests.conftest import FIXTURES
from tests.test_parse_public_power import landing

SWITCH = datetime(2025, 9, 30, 22, tzinfo=timezone.utc)
PRICE_PARAMS = '{"bzn":"DE-LU","end":"2025-10-01","start":"2025-09-30"}'


def price_body(unix_seconds: list[int], values: list[float | None]) -> str:
    return json.dumps(
        {"license_info": "CC BY 4.0", "unix_seconds": unix_seconds, "price": values, "unit": "EUR / MWh"}
    )


def price_landing(spark, body: str):
    return landing(spark, body, params=PRICE_PARAMS, endpoint="/price")


def test_price_interval_is_60_minutes_before_the_switch_and_15_from_it(spark):
    switch_ts = int(SWITCH.timestamp())
    unix = [switch_ts - 7200, switch_ts - 3600, switch_ts, switch_ts + 900, switch_ts + 1800]
    body = price_body(unix, [80.5, None, -3.2, 0.0, 95.0])

    rows = parse_price(price_landing(spark, body), "DE-LU", SWITCH).orderBy("ts_utc").collect()

    assert [(r.ts_utc, r.price_eur_mwh, r.interval_minutes, r.unit) for r in rows] == [
        (datetime(2025, 9, 30, 20), 80.5, 60, "EUR / MWh"),
        (datetime(2025, 9, 30, 21), None, 60, "EUR / MWh"),
        (datetime(2025, 9, 30, 22), -3.2, 15, "EUR / MWh"),
        (datetime(2025, 9, 30, 22, 15), 0.0, 15, "EUR / MWh"),
        (datetime(2025, 9, 30, 22, 30), 95.0, 15, "EUR / MWh"),
    ]
    assert {(r.bidding_zone, r.ts_month) for r in rows} == {("DE-LU", date(2025, 9, 1))}


@pytest.mark.parametrize(
    ("offsets", "problem"),
    [
        # quarter-hourly prices before the switch
        ([-7200, -6300], "2025-09-30T20:15Z follows 2025-09-30T20:00Z after 900 s, but a 60-minute price"),
        # hourly prices after it
        ([0, 3600], "2025-09-30T23:00Z follows 2025-09-30T22:00Z after 3600 s, but a 15-minute price"),
    ],
)
def test_price_spacing_that_contradicts_the_switch_is_rejected(spark, offsets, problem):
    switch_ts = int(SWITCH.timestamp())
    body = price_body([switch_ts + o for o in offsets], [1.0] * len(offsets))

    with pytest.raises(PySparkException) as error:
        parse_price(price_landing(spark, body), "DE-LU", SWITCH).collect()

    assert f"Energy-Charts /price {PRICE_PARAMS}: {problem}" in str(error.value)


def installed_landing(spark, body: str, time_step: str = "monthly"):
    params = json.dumps({"country": "de", "installation_decommission": "false", "time_step": time_step})
    return landing(spark, body, params=params, endpoint="/installed_power")


def test_real_installed_power_response_parses_every_month_of_every_series(spark):
    body = (FIXTURES / "energy_charts" / "energy_charts_installed_power.json").read_text()
    payload = json.loads(body)

    rows = parse_installed_power(installed_landing(spark, body), "de").collect()

    assert len(rows) == 7 * 297
    by_key = {(r.production_type, r.period_start): r.installed_gw for r in rows}
    assert by_key[("Wind offshore", date(2009, 7, 1))] is None
    assert by_key[("Solar AC", date(2002, 1, 1))] == payload["production_types"][4]["data"][0]
    assert by_key[("Battery storage (power)", date(2026, 9, 1))] is None
    assert {(r.country, r.time_step, r.last_update) for r in rows} == {
        ("de", "monthly", datetime(2026, 9, 1, 13, 3, 43))
    }
    expected = {
        (s["name"], date(int(t[3:]), int(t[:2]), 1), v)
        for s in payload["production_types"]
        for t, v in zip(payload["time"], s["data"], strict=True)
    }
    assert {(r.production_type, r.period_start, r.installed_gw) for r in rows} == expected


def test_yearly_labels_start_on_the_first_of_january(spark):
    body = json.dumps(
        {
            "time": ["2024", "2025"],
            "production_types": [{"name": "Solar", "data": [80.1, None]}],
            "last_update": 0,
        }
    )

    rows = (
        parse_installed_power(installed_landing(spark, body, "yearly"), "de")
        .orderBy("period_start")
        .collect()
    )

    assert [(r.time_step, r.period_start, r.installed_gw) for r in rows] == [
        ("yearly", date(2024, 1, 1), 80.1),
        ("yearly", date(2025, 1, 1), None),
    ]
