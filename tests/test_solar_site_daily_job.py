"""jobs/transform/solar_site_daily.py on Delta tables with inline inputs: the dimensions from a registry
file, exact KPIs after a first run, incremental runs (new minutes and a new price; then an earlier day
arriving late with a revised price) equal to a full rebuild, and a registry change that rebuilds only
the site it names."""

from __future__ import annotations

import copy
import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest
import yaml

from common import tables
from jobs.transform import dim_sensor, dim_site, solar_site_daily
from schemas import CDC_PRICE, SENSOR_READINGS_1MIN, SOLAR_SITE_DAILY

pytestmark = pytest.mark.iot

H = 1 / 60
REGISTRY = {
    "sites": [
        {"site_id": "s-de", "name": "DE", "kind": "solar", "time_zone": "Europe/Berlin", "latitude": 48.1,
         "longitude": 11.6, "dc_capacity_kwp": 100, "ac_capacity_kw": 80, "bidding_zone": "DE-LU"},
        {"site_id": "s-es", "name": "ES", "kind": "solar", "time_zone": "Europe/Madrid", "latitude": 39.5,
         "longitude": -3.5, "dc_capacity_kwp": 200, "ac_capacity_kw": 150},
    ],
    "sensors": [
        {"sensor_id": "de-pac", "site_id": "s-de", "kind": "ac_power", "unit": "kW", "valid_min": -5,
         "valid_max": 90, "expected_interval_s": 60},
        {"sensor_id": "de-poa", "site_id": "s-de", "kind": "irradiance_poa", "unit": "W/m2", "valid_min": 0,
         "valid_max": 1500, "expected_interval_s": 60},
        {"sensor_id": "es-pac", "site_id": "s-es", "kind": "ac_power", "unit": "kW", "valid_min": -5,
         "valid_max": 160, "expected_interval_s": 60},
    ],
}  # fmt: skip
AUDIT = ("run_id", "computed_at")


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=timezone.utc)


def write_readings(spark, config, rows: list[tuple[str, str, datetime, float]]) -> None:
    now = utc(2026, 1, 1)
    records = [
        {"sensor_id": sensor, "site_id": site, "minute_utc": minute, "mean_value": value, "min_value": value,
         "max_value": value, "sample_count": 1, "run_id": "seed", "computed_at": now,
         "date_utc": minute.date()}
        for sensor, site, minute, value in rows
    ]  # fmt: skip
    spec = dataclasses.replace(SENSOR_READINGS_1MIN, change_data_feed=True)
    tables.upsert(spark, config, spec, tables.rows_to_df(spark, spec, records))


def write_prices(spark, config, rows: list[tuple[datetime, float]]) -> None:
    now = utc(2026, 1, 1)
    records = [
        {"bidding_zone": "DE-LU", "ts_utc": ts, "price_eur_mwh": price, "unit": "EUR / MWh",
         "interval_minutes": 60, "fetched_at": now, "first_seen_at": now, "updated_at": now,
         "record_hash": str(price), "ts_month": ts.date().replace(day=1)}
        for ts, price in rows
    ]  # fmt: skip
    tables.upsert(spark, config, CDC_PRICE, tables.rows_to_df(spark, CDC_PRICE, records))


def gold(spark, config) -> dict:
    return {
        (r.site_id, r.date): r.asDict()
        for r in tables.read_table(spark, config, SOLAR_SITE_DAILY).collect()
    }


def without_audit(rows: dict) -> dict:
    return {key: {k: v for k, v in row.items() if k not in AUDIT} for key, row in rows.items()}


def test_chunked_runs_in_any_order_equal_a_full_rebuild_and_a_registry_change_rebuilds_its_site(
    spark, lakehouse, tmp_path, monkeypatch
):
    registry = tmp_path / "sensors.yaml"
    registry.write_text(yaml.safe_dump(REGISTRY))
    monkeypatch.setenv("IOT_REGISTRY", str(registry))
    day1, day2 = date(2025, 6, 15), date(2025, 6, 16)
    # Berlin 00:30 on 15 June is 22:30 UTC on the 14th: the site's local day, not the UTC one.
    write_readings(spark, lakehouse, [
        ("de-pac", "s-de", utc(2025, 6, 14, 22, 30), 0.0),
        ("de-pac", "s-de", utc(2025, 6, 15, 10, 0), 60.0),
        ("de-poa", "s-de", utc(2025, 6, 15, 10, 0), 800.0),
        ("es-pac", "s-es", utc(2025, 6, 15, 10, 0), 120.0),
    ])  # fmt: skip
    write_prices(spark, lakehouse, [(utc(2025, 6, 15, 10), 100.0)])
    dim_site.main([])
    dim_sensor.main([])
    solar_site_daily.main([])

    first = gold(spark, lakehouse)
    assert set(first) == {("s-de", day1), ("s-es", day1)}
    de = first[("s-de", day1)]
    assert (de["ac_energy_kwh"], de["ac_power_minutes"], de["market_value_eur"]) == (
        pytest.approx(60 * H, rel=1e-12),
        2.0,
        pytest.approx(60 * H / 1000 * 100.0, rel=1e-12),
    )
    assert first[("s-es", day1)]["specific_yield_kwh_kwp"] == pytest.approx(120 * H / 200, rel=1e-12)
    assert first[("s-es", day1)]["market_value_eur"] is None  # no bidding zone

    # New minutes on day 2 without a price yet, then its price: an incremental run picks up both.
    write_readings(spark, lakehouse, [("de-pac", "s-de", utc(2025, 6, 16, 11, 0) + timedelta(minutes=m), 30.0)
                                      for m in range(3)])  # fmt: skip
    write_prices(spark, lakehouse, [(utc(2025, 6, 16, 11), 40.0)])
    solar_site_daily.main([])
    incremental = gold(spark, lakehouse)
    assert incremental[("s-de", day2)]["market_value_eur"] == pytest.approx(90 * H / 1000 * 40.0, rel=1e-12)
    # Day 1 of both sites was not recomputed.
    assert incremental[("s-de", day1)]["run_id"] == first[("s-de", day1)]["run_id"]
    assert incremental[("s-es", day1)]["run_id"] == first[("s-es", day1)]["run_id"]

    # A chunk out of order: an earlier day arrives after the later ones, with a revised price of day 1.
    day0 = date(2025, 6, 14)
    write_readings(spark, lakehouse, [
        ("de-pac", "s-de", utc(2025, 6, 14, 9, 0), 40.0),
        ("de-poa", "s-de", utc(2025, 6, 14, 9, 0), 600.0),
    ])  # fmt: skip
    write_prices(spark, lakehouse, [(utc(2025, 6, 14, 9), 70.0), (utc(2025, 6, 15, 10), 120.0)])
    solar_site_daily.main([])
    chunked = gold(spark, lakehouse)
    assert set(chunked) == {("s-de", day0), ("s-de", day1), ("s-de", day2), ("s-es", day1)}
    assert chunked[("s-de", day0)]["market_value_eur"] == pytest.approx(40 * H / 1000 * 70.0, rel=1e-12)
    assert chunked[("s-de", day1)]["market_value_eur"] == pytest.approx(60 * H / 1000 * 120.0, rel=1e-12)
    assert chunked[("s-de", day2)]["run_id"] == incremental[("s-de", day2)]["run_id"]

    # Chunks in that order (day 1, day 2, then day 0 and a revision) give what one full build gives.
    solar_site_daily.main(["--full-refresh"])
    assert without_audit(gold(spark, lakehouse)) == without_audit(chunked)

    # The German site's DC capacity changes: every day of it is rebuilt, the Spanish site is left alone.
    changed = copy.deepcopy(REGISTRY)
    changed["sites"][0]["dc_capacity_kwp"] = 120
    registry.write_text(yaml.safe_dump(changed))
    rebuilt_before = gold(spark, lakehouse)
    dim_site.main([])
    solar_site_daily.main([])
    after = gold(spark, lakehouse)
    assert after[("s-de", day1)]["specific_yield_kwh_kwp"] == pytest.approx(60 * H / 120, rel=1e-12)
    assert after[("s-de", day2)]["specific_yield_kwh_kwp"] == pytest.approx(90 * H / 120, rel=1e-12)
    assert after[("s-es", day1)]["run_id"] == rebuilt_before[("s-es", day1)]["run_id"]
