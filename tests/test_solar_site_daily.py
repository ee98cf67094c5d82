"""gold/solar_site_daily transform on inline 1-minute means, every column against values computed by
hand here: a clear day with clipping and several sensors of one kind, a cloudy day with an outage,
the DST days, hourly and 15-minute prices (the 2025-10-01 switch), days without prices, the null rules
and the national fleet."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from jobs.lib.solar_site_daily import SolarSettings, fleet_specific_yield, solar_site_daily
from schemas import SOLAR_SITE_DAILY
from tests.test_quality import frame, quarantined, run_check
from tests.test_quality_suites import assert_batch, verdicts

READINGS = "sensor_id string, minute_utc timestamp, site_id string, mean_value double"
SENSORS = "sensor_id string, site_id string, kind string"
SITES = (
    "site_id string, kind string, time_zone string, dc_capacity_kwp double, ac_capacity_kw double, "
    "bidding_zone string, country string"
)
PRICES = "bidding_zone string, ts_utc timestamp, price_eur_mwh double, interval_minutes int"
FLEET = "country string, date date, fleet_specific_yield_kwh_kwp double"
SETTINGS = SolarSettings(min_reference_yield_h=0.01)  # a few minutes of sun are enough here
DC, AC = 100.0, 80.0  # kWp, kW
H = 1 / 60  # Δt of a minute in hours

SENSOR_ROWS = [
    ("pac-1", "s1", "ac_power"), ("pac-2", "s1", "ac_power"),
    ("poa-1", "s1", "irradiance_poa"), ("poa-2", "s1", "irradiance_poa"),
    ("tmod-1", "s1", "module_temperature"), ("tamb-1", "s1", "ambient_temperature"),
    ("pac-x", "nozone", "ac_power"), ("wpac", "wind", "ac_power"),
]  # fmt: skip
SITE_ROWS = [
    ("s1", "solar", "Europe/Berlin", DC, AC, "DE-LU", "de"),
    ("nozone", "solar", "Europe/Madrid", DC, AC, None, None),
    ("wind", "wind", "Europe/Berlin", None, 1000.0, "DE-LU", "de"),
]


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def readings(spark, minutes: dict[datetime, dict[str, float | None]], site: str = "s1"):
    rows = [
        (sensor, minute, site, value)
        for minute, values in minutes.items()
        for sensor, value in values.items()
    ]
    return spark.createDataFrame(rows, READINGS)


def run(spark, readings_df, prices=(), fleet=(), settings=SETTINGS) -> dict:
    result = solar_site_daily(
        readings_df,
        spark.createDataFrame(SENSOR_ROWS, SENSORS),
        spark.createDataFrame(SITE_ROWS, SITES),
        spark.createDataFrame(list(prices), PRICES),
        spark.createDataFrame(list(fleet), FLEET),
        settings,
    )
    return {(r.site_id, r.date): r.asDict() for r in result.collect()}


def test_clear_day_with_clipping_several_sensors_of_a_kind_hourly_prices_and_the_fleet(spark):
    minutes = {
        utc(2025, 6, 15, 10, 0): {
            "pac-1": 30.0,
            "pac-2": 30.0,
            "poa-1": 800.0,
            "poa-2": 1000.0,
            "tmod-1": 45.0,
        },
        # Clipped at the AC capacity (80 kW).
        utc(2025, 6, 15, 10, 1): {
            "pac-1": 40.0,
            "pac-2": 40.0,
            "poa-1": 1100.0,
            "poa-2": 1100.0,
            "tmod-1": 55.0,
        },
        # pac-2 and poa-2 have a row without a mean: the others stand alone; no module temperature.
        utc(2025, 6, 15, 10, 2): {"pac-1": 40.0, "pac-2": None, "poa-1": 600.0, "poa-2": None},
        utc(2025, 6, 15, 10, 3): {"pac-1": 10.0},  # no irradiance: not a daylight minute, not in PR
        utc(2025, 6, 15, 10, 4): {"poa-1": 30.0},  # no power
        utc(2025, 6, 15, 3, 0): {"tamb-1": 12.0},  # only ambient temperature: the day still has a row
    }
    prices = [("DE-LU", utc(2025, 6, 15, 10), 100.0, 60), ("DE-LU", utc(2025, 6, 15, 11), 999.0, 60)]

    row = run(spark, readings(spark, minutes), prices, [("de", date(2025, 6, 15), 5.0)])[
        ("s1", date(2025, 6, 15))
    ]

    energy = (60 + 80 + 40 + 10) * H
    pr_ac, pr_ref = (60 + 80 + 40) * H, (900 + 1100 + 600) / 1000 * H
    prt_ac = (60 + 80) * H
    prt_ref = (0.9 * (1 - 0.0035 * (45 - 25)) + 1.1 * (1 - 0.0035 * (55 - 25))) * H
    market_value = energy / 1000 * 100.0
    expected = {
        "minutes_in_day": 1440.0, "ac_power_minutes": 4.0,
        "ac_energy_kwh": energy,
        "poa_irradiation_kwh_m2": (900 + 1100 + 600 + 30) / 1000 * H,
        "specific_yield_kwh_kwp": energy / DC,
        "reference_yield_h": (900 + 1100 + 600 + 30) / 1000 * H,
        "performance_ratio": pr_ac / (DC * pr_ref),
        "performance_ratio_temp_corrected": prt_ac / (DC * prt_ref),
        "availability": 1.0,
        "peak_ac_power_kw": 80.0,
        "data_completeness": 4 / 1440,
        "market_value_eur": market_value,
        "capture_price_eur_mwh": 100.0,
        "fleet_specific_yield_kwh_kwp": 5.0,
        "relative_to_fleet": energy / DC / 5.0,
    }  # fmt: skip
    assert set(row) == {"site_id", "date", *expected}
    assert {k: row[k] for k in expected} == pytest.approx(expected, rel=1e-12)
    assert row["performance_ratio"] == pytest.approx(0.6923076923, rel=1e-9)


def test_cloudy_day_with_an_outage_has_lower_availability_and_no_pr_below_the_reference_yield(spark):
    minutes = {
        utc(2025, 6, 16, 10, 0): {"pac-1": 15.0, "poa-1": 200.0, "tmod-1": 20.0},
        utc(2025, 6, 16, 10, 1): {"pac-1": 0.0, "poa-1": 200.0, "tmod-1": 20.0},  # outage
        utc(2025, 6, 16, 10, 2): {"pac-1": 0.3, "poa-1": 100.0},  # 0.3 kW ≤ 0.005 × 80 kW: not producing
        utc(2025, 6, 16, 10, 3): {"pac-1": 0.0, "poa-1": 40.0},  # below 50 W/m²: not daylight
    }
    prices = [("DE-LU", utc(2025, 6, 16, 10), -20.0, 60)]

    row = run(spark, readings(spark, minutes), prices)[("s1", date(2025, 6, 16))]

    energy = 15.3 * H
    # Σ G/1000·Δt over the minutes with both means: 540/1000/60 = 0.009 h < 0.01 h.
    assert (row["performance_ratio"], row["performance_ratio_temp_corrected"]) == (None, None)
    assert row["reference_yield_h"] == pytest.approx(0.54 * H, rel=1e-12)
    assert row["availability"] == pytest.approx(1 / 3, rel=1e-12)
    assert row["ac_energy_kwh"] == pytest.approx(energy, rel=1e-12)
    assert row["market_value_eur"] == pytest.approx(energy / 1000 * -20.0, rel=1e-12)
    assert row["capture_price_eur_mwh"] == pytest.approx(-20.0, rel=1e-12)
    assert (row["fleet_specific_yield_kwh_kwp"], row["relative_to_fleet"]) == (None, None)


def test_pr_uses_the_configured_minimum_reference_yield(spark):
    # 7 minutes at 900 W/m²: 0.105 h ≥ the default 0.1 h; 6 minutes: 0.09 h < 0.1 h.
    seven = {utc(2025, 6, 17, 10, m): {"pac-1": 45.0, "poa-1": 900.0} for m in range(7)}
    six = {utc(2025, 6, 18, 10, m): {"pac-1": 45.0, "poa-1": 900.0} for m in range(6)}

    result = run(spark, readings(spark, {**seven, **six}), settings=SolarSettings())

    assert result[("s1", date(2025, 6, 17))]["performance_ratio"] == pytest.approx(45 / (DC * 0.9), rel=1e-12)
    assert result[("s1", date(2025, 6, 18))]["performance_ratio"] is None
    assert result[("s1", date(2025, 6, 18))]["availability"] == 1.0


@pytest.mark.parametrize(
    ("first_minute", "day", "minutes_in_day"),
    [
        (utc(2025, 3, 29, 23, 0), date(2025, 3, 30), 1380.0),  # local 00:00 of the spring-forward day
        (utc(2025, 10, 26, 0, 30), date(2025, 10, 26), 1500.0),  # 02:30 CEST, the first pass of 02:xx
        (utc(2025, 10, 26, 1, 30), date(2025, 10, 26), 1500.0),  # 02:30 CET, the second pass
        (utc(2025, 10, 26, 22, 59), date(2025, 10, 26), 1500.0),  # 23:59 CET, the day's last minute
    ],
)
def test_dst_days_have_1380_and_1500_minutes(spark, first_minute, day, minutes_in_day):
    minutes = {first_minute: {"pac-1": 6.0}, first_minute - timedelta(minutes=1): {"pac-1": None}}

    row = run(spark, readings(spark, minutes))[("s1", day)]

    assert (row["minutes_in_day"], row["ac_power_minutes"], row["data_completeness"]) == (
        minutes_in_day,
        1.0,
        pytest.approx(1 / minutes_in_day, rel=1e-12),
    )
    # No irradiance: no daylight minute, no PR, no reference yield.
    assert (row["availability"], row["performance_ratio"], row["reference_yield_h"]) == (None, None, None)


def test_hourly_prices_before_the_switch_and_quarter_hours_after(spark):
    minutes = {
        utc(2025, 9, 30, 10, 10): {"pac-1": 60.0},  # hourly price 10:00-11:00
        utc(2025, 10, 1, 10, 10): {"pac-1": 60.0},  # quarter 10:00-10:15
        utc(2025, 10, 1, 10, 20): {"pac-1": 60.0},  # quarter 10:15-10:30
    }
    prices = [
        ("DE-LU", utc(2025, 9, 30, 10), 50.0, 60),
        ("DE-LU", utc(2025, 10, 1, 10, 0), 20.0, 15),
        ("DE-LU", utc(2025, 10, 1, 10, 15), 80.0, 15),
        ("DE-LU", utc(2025, 10, 1, 10, 30), 999.0, 15),
    ]

    result = run(spark, readings(spark, minutes), prices)

    hourly, quarterly = result[("s1", date(2025, 9, 30))], result[("s1", date(2025, 10, 1))]
    assert hourly["market_value_eur"] == pytest.approx(60 * H / 1000 * 50.0, rel=1e-12)
    assert hourly["capture_price_eur_mwh"] == pytest.approx(50.0, rel=1e-12)
    assert quarterly["market_value_eur"] == pytest.approx(60 * H / 1000 * (20.0 + 80.0), rel=1e-12)
    assert quarterly["capture_price_eur_mwh"] == pytest.approx(50.0, rel=1e-12)


def test_market_value_is_null_without_a_zone_or_a_price_for_a_producing_minute(spark):
    no_prices_day = {utc(2025, 6, 20, 10, 0): {"pac-1": 10.0}}
    null_price_day = {
        utc(2025, 6, 21, 10, 0): {"pac-1": 10.0},  # price 10:00 is null
        utc(2025, 6, 21, 11, 0): {"pac-1": 10.0},
    }
    # Only a minute without power lacks a price: the value stands.
    idle_unpriced_day = {utc(2025, 6, 22, 10, 0): {"pac-1": 10.0}, utc(2025, 6, 22, 3, 0): {"pac-1": 0.0}}
    prices = [
        ("DE-LU", utc(2025, 6, 21, 10), None, 60),
        ("DE-LU", utc(2025, 6, 21, 11), 30.0, 60),
        ("DE-LU", utc(2025, 6, 22, 10), 30.0, 60),
        ("FR", utc(2025, 6, 20, 10), 30.0, 60),  # another zone's price is not the site's
    ]
    readings_df = readings(spark, {**no_prices_day, **null_price_day, **idle_unpriced_day}).union(
        readings(spark, {utc(2025, 6, 22, 10, 0): {"pac-x": 10.0}}, site="nozone")
    )

    result = run(spark, readings_df, prices)

    for day in (date(2025, 6, 20), date(2025, 6, 21)):
        assert (result[("s1", day)]["market_value_eur"], result[("s1", day)]["capture_price_eur_mwh"]) == (
            None,
            None,
        )
    assert result[("s1", date(2025, 6, 22))]["market_value_eur"] == pytest.approx(
        10 * H / 1000 * 30.0, rel=1e-12
    )
    no_zone = result[("nozone", date(2025, 6, 22))]
    assert (no_zone["market_value_eur"], no_zone["ac_energy_kwh"]) == (None, pytest.approx(10 * H, rel=1e-12))
    assert {site for site, _ in result} == {"s1", "nozone"}  # the wind site has no row


def test_fleet_specific_yield_uses_the_trend_energy_and_the_capacity_series_rules(spark):
    power = spark.createDataFrame(
        [("de", "solar", utc(2025, 6, 15, 10) + timedelta(minutes=15 * i), 1000.0) for i in range(4)]
        + [("de", "Wind onshore", utc(2025, 6, 15, 10), 5.0)],
        "country string, production_type string, ts_utc timestamp, value_mw double",
    )
    installed = spark.createDataFrame(
        [
            ("de", "Solar", "monthly", date(2025, 5, 1), 40.0),
            ("de", "Solar", "monthly", date(2025, 6, 1), 50.0),
            ("de", "Solar", "monthly", date(2025, 7, 1), None),
            ("de", "Solar", "yearly", date(2025, 1, 1), 99.0),
        ],
        "country string, production_type string, time_step string, period_start date, installed_gw double",
    )

    fleet = fleet_specific_yield(
        power,
        installed,
        time_zone="Europe/Berlin",
        production_type="Solar",
        aliases={"solar": "Solar"},
        excluded_names=["Load"],
        excluded_patterns=[],
        default_interval_h=0.25,
        capacity_series={"Solar": ["Solar AC", "Solar"], "Wind onshore": ["Wind onshore"]},
    )

    # 4 quarter-hours × 1000 MW × 0.25 h = 1000 MWh over 50 GW = 50 000 MW.
    assert [tuple(r) for r in fleet.collect()] == [("de", date(2025, 6, 15), pytest.approx(0.02, rel=1e-12))]


def test_suite_quarantines_negative_energies_and_warns_on_pr_and_availability(spark, lakehouse):
    def day(d, energy=10.0, irradiation=5.0, pr=0.8, availability=0.99, completeness=0.5):
        # site, date, minutes, ac minutes, energy, irradiation, Y_f, Y_r, PR, PR_T, availability, peak,
        # completeness
        return ("s1", d, 1440.0, 720.0, energy, irradiation, 0.1, 5.0, pr, pr, availability, 5.0,
                completeness)

    rows = [
        day(date(2025, 6, 1)),
        day(date(2025, 6, 2), pr=1.3, availability=1.2, completeness=1.0),  # warnings only: flows on
        day(date(2025, 6, 3), energy=-0.5),
        day(date(2025, 6, 4), irradiation=-0.1, energy=-2.0),
    ]

    outcome = run_check(frame(spark, SOLAR_SITE_DAILY, rows), SOLAR_SITE_DAILY, lakehouse)

    outcome.raise_on_errors()
    assert quarantined(outcome, "date") == {
        ((date(2025, 6, 3),), "ac_energy_not_negative"),
        ((date(2025, 6, 4),), "ac_energy_not_negative; poa_irradiation_not_negative"),
    }
    assert verdicts(outcome) == {
        "key_unique": (True, 4, 0),
        "ac_energy_not_negative": (False, 4, 2),
        "poa_irradiation_not_negative": (False, 4, 1),
        "performance_ratio_within_0_1_2": (False, 4, 1),
        "performance_ratio_temp_corrected_within_0_1_2": (False, 4, 1),
        "availability_within_0_1": (False, 4, 1),
    }
    assert_batch(outcome, rows=4, quarantined_rows=2, completeness=0.75, passed=True)
