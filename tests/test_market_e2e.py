"""End to end for all nine Energy-Charts jobs against the simulator: one run over a range equals the
same range run in chunks in another order, and a revision run incrementally equals a full rebuild."""

from __future__ import annotations

import math
from datetime import date

import pytest

from common import tables
from common.config import load_config
from jobs.cdc import installed_power as cdc_installed
from jobs.cdc import price as cdc_price
from jobs.cdc import public_power as cdc_power
from jobs.staging import installed_power as staging_installed
from jobs.staging import price as staging_price
from jobs.staging import public_power as staging_power
from jobs.transform import daily_price_wind as gold_price_wind
from jobs.transform import daily_production_trend as gold_trend
from jobs.transform import underperformance_features as gold_features
from schemas import (
    CDC_INSTALLED_POWER,
    CDC_PRICE,
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    UNDERPERFORMANCE_FEATURES,
)

pytestmark = pytest.mark.e2e

COUNTRY = ["--country", "de"]
ZONE = ["--bidding-zone", "DE-LU"]
# (job, scope) in the order `make run` uses.
JOBS = [
    (staging_power, COUNTRY), (staging_price, ZONE), (staging_installed, COUNTRY),
    (cdc_power, COUNTRY), (cdc_price, ZONE), (cdc_installed, COUNTRY),
    (gold_trend, COUNTRY), (gold_price_wind, ZONE), (gold_features, COUNTRY),
]  # fmt: skip
GOLD = (DAILY_PRODUCTION_TREND, DAILY_PRICE_WIND, UNDERPERFORMANCE_FEATURES)
# 20 local days across the price-resolution switch (2025-10-01); the first chunk alone is enough
# for expected_cf to have 7 values on its last days.
RANGE = ("2025-09-22", "2025-10-11")
# Later days first; the installed-power history is whole in every fetch, so the second chunk skips it.
CHUNKS = [("2025-10-01", "2025-10-11", JOBS), ("2025-09-22", "2025-09-30", [j for j in JOBS if j[0] not in
          (staging_installed, cdc_installed)])]  # fmt: skip
GOLD_JOBS = JOBS[6:]


def run_all(start: str, end: str, jobs=JOBS) -> None:
    for job, scope in jobs:
        job.main(["--start", start, "--end", end, *scope])


def gold_state(spark, config) -> dict[str, dict[tuple, tuple]]:
    state = {}
    for spec in GOLD:
        values = [c for c in spec.column_names if c not in ("run_id", "computed_at")]
        rows = tables.read_table(spark, config, spec).select(values).collect()
        state[spec.name] = {tuple(r[k] for k in spec.keys): tuple(r) for r in rows}
    return state


def assert_same_gold(actual: dict, expected: dict) -> None:
    for table, rows in expected.items():
        assert actual[table].keys() == rows.keys(), table
        for key, values in rows.items():
            for got, want in zip(actual[table][key], values, strict=True):
                if isinstance(want, float) and isinstance(got, float):
                    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (table, key, got, want)
                else:
                    assert got == want, (table, key, got, want)


@pytest.fixture
def market(lakehouse, energy_charts_sim, monkeypatch):
    monkeypatch.setenv("ENERGY_CHARTS_BASE_URL", energy_charts_sim.base_url)
    return lakehouse


def test_one_run_equals_chunks_in_any_order_and_revisions_apply_incrementally(
    spark, market, energy_charts_sim, monkeypatch, tmp_path
):
    run_all(*RANGE)
    one_run = gold_state(spark, market)

    # The price table switches from hourly to quarter-hourly prices at 2025-09-30T22:00Z.
    prices = tables.read_table(spark, market, CDC_PRICE).groupBy("interval_minutes").count().collect()
    assert {r.interval_minutes: r["count"] for r in prices} == {60: 9 * 24, 15: 11 * 96}
    assert tables.read_table(spark, market, CDC_INSTALLED_POWER).count() > 0
    price_wind = one_run["daily_price_wind"]
    assert len(price_wind) == 20
    assert all(row[8] is not None for row in price_wind.values())  # wind_total_mwh on every day
    features = one_run["underperformance_features"]
    assert {key[1] for key in features} == {"Solar", "Wind onshore", "Wind offshore"}
    assert len(features) == 3 * 20 * 48
    assert any(row[13] is not None for row in features.values())  # some expected_cf after 7 days

    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "chunked"))
    chunked_config = load_config("test")
    for start, end, jobs in CHUNKS:
        run_all(start, end, jobs)
    assert_same_gold(gold_state(spark, chunked_config), one_run)

    # A revision of one day, fetched again for that day only, moves the same gold rows as a rebuild.
    energy_charts_sim.revision = 1
    run_all("2025-09-28", "2025-09-28", [JOBS[0], JOBS[3], *GOLD_JOBS])
    incremental = gold_state(spark, chunked_config)
    for job, scope in GOLD_JOBS:
        job.main([*scope, "--full-refresh"])
    assert_same_gold(gold_state(spark, chunked_config), incremental)
    revised = incremental["daily_production_trend"][("de", date(2025, 9, 28), "Solar")]
    assert revised != one_run["daily_production_trend"][("de", date(2025, 9, 28), "Solar")]
