"""End to end for all nine Energy-Charts jobs against the simulator: one run over a range equals the
same range run in chunks in another order, and a revision run incrementally equals a full rebuild."""

from __future__ import annotations

import math
from datetime import date, timezone
from zoneinfo import ZoneInfo

import pytest

from common import tables
from common.config import load_config
from jobs.registry import pipeline
from schemas import (
    CDC_INSTALLED_POWER,
    CDC_PRICE,
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    UNDERPERFORMANCE_FEATURES,
)

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")

# The market jobs in the order `make run` uses (the registry's), data_quality_daily left out.
JOBS = [job for job in pipeline("energy_charts") if job.name != "transform.data_quality_daily"]
GOLD = (DAILY_PRODUCTION_TREND, DAILY_PRICE_WIND, UNDERPERFORMANCE_FEATURES)
GOLD_JOBS = [job for job in JOBS if job.full_refresh]
INSTALLED_JOBS = ("staging.installed_power", "cdc.installed_power")
# 10 local days across the price-resolution switch (2025-10-01): expected_cf has its 7 earlier values
# on the last 3, so chunks run later days first must recompute them when the earlier days arrive.
RANGE = ("2025-09-26", "2025-10-05")
# Later days first; the installed-power history is whole in every fetch, so the second chunk skips it.
CHUNKS = [("2025-10-01", "2025-10-05", JOBS),
          ("2025-09-26", "2025-09-30", [j for j in JOBS if j.name not in INSTALLED_JOBS])]  # fmt: skip


def run_all(start: str, end: str, jobs=JOBS, full_refresh: bool = False) -> None:
    for job in jobs:
        argv = job.argv(country="de", bidding_zone="DE-LU", start=start, end=end, full_refresh=full_refresh)
        job.main(argv)


def gold_state(spark, config) -> dict[str, dict[tuple, dict]]:
    """Every gold row by key, its values (audit columns left out) by column name."""
    state = {}
    for spec in GOLD:
        values = [c for c in spec.column_names if c not in ("run_id", "computed_at")]
        rows = tables.read_table(spark, config, spec).select(values).collect()
        state[spec.name] = {tuple(r[k] for k in spec.keys): r.asDict() for r in rows}
    return state


def assert_same_gold(actual: dict, expected: dict) -> None:
    for table, rows in expected.items():
        assert actual[table].keys() == rows.keys(), table
        for key, values in rows.items():
            assert actual[table][key].keys() == values.keys(), (table, key)
            for column, want in values.items():
                got = actual[table][key][column]
                if isinstance(want, float) and isinstance(got, float):
                    assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12), (table, key, column)
                else:
                    assert got == want, (table, key, column, got, want)


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
    assert {r.interval_minutes: r["count"] for r in prices} == {60: 5 * 24, 15: 5 * 96}
    # The whole history, monthly and yearly: 7 series × (299 months 01.2002 … 11.2026 + 25 years).
    assert tables.read_table(spark, market, CDC_INSTALLED_POWER).count() == 7 * (299 + 25)
    price_wind, trend = one_run["daily_price_wind"], one_run["daily_production_trend"]
    assert len(price_wind) == 10
    # The wind energies of daily_price_wind are the rows of daily_production_trend, day by day.
    for (zone, day), row in price_wind.items():
        onshore, offshore = (
            trend[("de", day, name)]["energy_mwh"] for name in ("Wind onshore", "Wind offshore")
        )
        assert (zone, row["wind_onshore_mwh"], row["wind_offshore_mwh"]) == ("DE-LU", onshore, offshore), day
        assert row["wind_total_mwh"] == pytest.approx(onshore + offshore, rel=1e-12), day
    features = one_run["underperformance_features"]
    assert {key[1] for key in features} == {"Solar", "Wind onshore", "Wind offshore"}
    assert len(features) == 3 * 10 * 48
    # expected_cf needs 7 earlier days of the same slot: the last 3 of the 10 days have them.
    local_days = {
        (key[1], key[2].replace(tzinfo=timezone.utc).astimezone(BERLIN).date())
        for key, row in features.items()
        if row["expected_cf"] is not None
    }
    assert len(local_days) == 3 * 3 and min(day for _, day in local_days) == date(2025, 10, 3)
    assert sum(row["expected_cf"] is not None for row in features.values()) == 3 * 3 * 48

    monkeypatch.setenv("LAKEHOUSE_ROOT", str(tmp_path / "chunked"))
    chunked_config = load_config("test")
    for start, end, jobs in CHUNKS:
        run_all(start, end, jobs)
    assert_same_gold(gold_state(spark, chunked_config), one_run)

    # A revision of one day, fetched again for that day only, moves the same gold rows as a rebuild.
    energy_charts_sim.revision = 1
    run_all("2025-09-28", "2025-09-28", [j for j in JOBS if j.name.endswith(".public_power")] + GOLD_JOBS)
    incremental = gold_state(spark, chunked_config)
    run_all("", "", GOLD_JOBS, full_refresh=True)
    assert_same_gold(gold_state(spark, chunked_config), incremental)
    revised = incremental["daily_production_trend"][("de", date(2025, 9, 28), "Solar")]
    assert revised != one_run["daily_production_trend"][("de", date(2025, 9, 28), "Solar")]
