"""Idempotence of every job of the registry, end to end against the simulator: what a re-run leaves
unchanged and which logs grow, exactly as the README states it ("Every job is atomic … and
idempotent")."""

from __future__ import annotations

from collections import Counter

import pytest

from common import tables
from jobs.registry import pipeline
from schemas import (
    CDC_INSTALLED_POWER,
    CDC_PRICE,
    CDC_PUBLIC_POWER,
    DAILY_PRICE_WIND,
    DAILY_PRODUCTION_TREND,
    DATA_QUALITY_DAILY,
    JOB_RUNS,
    LANDING_ENERGY_CHARTS,
    QUALITY_BATCHES,
    QUALITY_RESULTS,
    STAGING_INSTALLED_POWER,
    STAGING_PRICE,
    STAGING_PUBLIC_POWER,
    UNDERPERFORMANCE_FEATURES,
)

pytestmark = pytest.mark.e2e

JOBS = pipeline("energy_charts")
DAY = "2026-10-25"  # one local day, 25 hours long
CDC = (CDC_PUBLIC_POWER, CDC_PRICE, CDC_INSTALLED_POWER)
GOLD = (DAILY_PRODUCTION_TREND, DAILY_PRICE_WIND, UNDERPERFORMANCE_FEATURES)
AUDIT = ("run_id", "computed_at")


def run_jobs(jobs) -> None:
    for job in jobs:
        job.main(job.argv(country="de", bidding_zone="DE-LU", start=DAY, end=DAY))


def rows(spark, config, spec, leave_out=()) -> dict[tuple, dict]:
    """The table's rows by key, each as a dict by column name (without the columns left out)."""
    return {
        tuple(r[k] for k in spec.keys): {c: v for c, v in r.asDict().items() if c not in leave_out}
        for r in tables.read_table(spark, config, spec).collect()
    }


def count(spark, config, spec) -> int:
    return tables.read_table(spark, config, spec).count()


def logged_per_table(spark, config, spec) -> Counter:
    """Rows of a quality log per checked table."""
    return Counter(r.table for r in tables.read_table(spark, config, spec).select("table").collect())


@pytest.fixture
def market(lakehouse, energy_charts_sim, monkeypatch):
    monkeypatch.setenv("ENERGY_CHARTS_BASE_URL", energy_charts_sim.base_url)
    return lakehouse


def test_rerunning_every_job_changes_no_value_and_grows_only_the_logs(spark, market):
    run_jobs(JOBS)
    gold_versions = {s.name: tables.current_version(spark, market, s) for s in GOLD}
    cdc_once = {s.name: rows(spark, market, s) for s in CDC}
    gold_once = {s.name: rows(spark, market, s) for s in GOLD}
    logs_once = {s.name: logged_per_table(spark, market, s) for s in (QUALITY_RESULTS, QUALITY_BATCHES)}
    # One fetch: /public_power and /price for the day, /installed_power monthly and yearly; 21 series
    # and 100 prices of 100 quarter-hours; the installed history is 7 series × (299 months + 25 years).
    fetched = (LANDING_ENERGY_CHARTS, STAGING_PUBLIC_POWER, STAGING_PRICE, STAGING_INSTALLED_POWER)
    assert [count(spark, market, s) for s in fetched] == [4, 21 * 100, 100, 7 * (299 + 25)]

    run_jobs(JOBS)  # everything again, fetching again: the same values arrive later

    # A re-fetch confirming every value moves only fetched_at in cdc: the gold jobs see no change in
    # the feeds (record_hash stayed), so they neither recompute nor commit.
    assert {s.name: tables.current_version(spark, market, s) for s in GOLD} == gold_versions

    assert [count(spark, market, s) for s in fetched] == [8, 2 * 21 * 100, 2 * 100, 2 * 7 * (299 + 25)]
    for spec in CDC:
        again = rows(spark, market, spec)
        assert again.keys() == cdc_once[spec.name].keys(), spec.name
        for key, row in cdc_once[spec.name].items():
            moved = {c for c in row if row[c] != again[key][c]}
            assert moved == {"fetched_at"} and again[key]["fetched_at"] > row["fetched_at"], (spec.name, key)
    for spec in GOLD:
        without_audit = {
            k: {c: v for c, v in r.items() if c not in AUDIT} for k, r in gold_once[spec.name].items()
        }
        recomputed = rows(spark, market, spec, leave_out=AUDIT)
        assert recomputed.keys() == without_audit.keys(), spec.name
        for key, want in without_audit.items():
            # Recomputed sums may add up in another order: equal within 1e-9 relative.
            got = recomputed[key]
            assert got.keys() == want.keys(), (spec.name, key)
            for column, value in want.items():
                if isinstance(value, float):
                    assert got[column] == pytest.approx(value, rel=1e-9), (spec.name, key, column)
                else:
                    assert got[column] == value, (spec.name, key, column)
    gold_names = {spec.full_name for spec in GOLD}
    assert {s.name: logged_per_table(spark, market, s) for s in (QUALITY_RESULTS, QUALITY_BATCHES)} == {
        name: Counter({table: n if table in gold_names else 2 * n for table, n in per_table.items()})
        for name, per_table in logs_once.items()
    }
    runs_per_table = Counter()
    for row in tables.read_table(spark, market, DATA_QUALITY_DAILY).collect():
        runs_per_table[row.table] += row.runs
    # Batches checked in two pipeline runs: the three staging jobs each check their responses and the
    # cdc jobs their batches; the gold jobs found nothing to recompute the second time; the indicator
    # job reads the logs as they were when it started, so it counts only its first check.
    checked_twice = [
        s.full_name for s in (*CDC, STAGING_PUBLIC_POWER, STAGING_PRICE, STAGING_INSTALLED_POWER)
    ]
    assert runs_per_table == {
        LANDING_ENERGY_CHARTS.full_name: 2 * 3,
        **{name: 2 for name in checked_twice},
        **{spec.full_name: 1 for spec in GOLD},
        DATA_QUALITY_DAILY.full_name: 1,
    }
    statuses = Counter(r.status for r in tables.read_table(spark, market, JOB_RUNS).collect())
    assert statuses == {"succeeded": 2 * len(JOBS)}
