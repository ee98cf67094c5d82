"""End to end: the three public-power jobs' main() against the Energy-Charts simulator on a temporary
lakehouse, checked against an independent reading of the raw responses. A re-run changing nothing and
chunked runs in any order equalling one run are proved for every job of the pipeline at once, in
test_idempotence_e2e.py and test_market_e2e.py."""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pyspark.sql import functions as F

from common import tables
from common.config import load_config
from common.energy_charts import MalformedResponseError
from jobs.cdc import public_power as cdc_job
from jobs.staging import public_power as staging_job
from jobs.transform import daily_production_trend as gold_job
from schemas import (
    CDC_PUBLIC_POWER,
    DAILY_PRODUCTION_TREND,
    JOB_RUNS,
    LANDING_ENERGY_CHARTS,
    STAGING_PUBLIC_POWER,
)
from simulator.energy_charts import EnergyChartsSimulator
from tests.sim_fixtures import SIM_NOW

pytestmark = pytest.mark.e2e

BERLIN = ZoneInfo("Europe/Berlin")
EXCLUDED = {"Load", "Residual load", "Cross border electricity trading"}
GOLD_VALUES = [c for c in DAILY_PRODUCTION_TREND.column_names if c not in ("run_id", "computed_at")]


BASELINE = ("2026-10-20", "2026-10-28")  # 9 local days around the autumn DST change


@pytest.fixture
def pipeline(lakehouse, energy_charts_sim, monkeypatch):
    monkeypatch.setenv("ENERGY_CHARTS_BASE_URL", energy_charts_sim.base_url)
    return lakehouse


@pytest.fixture(scope="module")
def baseline(spark, tmp_path_factory) -> Path:
    """The three jobs run once over BASELINE; tests copy the resulting lakehouse and go on from it."""
    root = tmp_path_factory.mktemp("baseline") / "lakehouse"
    with pytest.MonkeyPatch.context() as patch, EnergyChartsSimulator(now=SIM_NOW) as simulator:
        patch.setenv("LAKEHOUSE_ROOT", str(root))
        patch.setenv("ENERGY_CHARTS_BASE_URL", simulator.base_url)
        run_slice(*BASELINE)
    return root


@pytest.fixture
def from_baseline(baseline, pipeline):
    """A private copy of the baseline lakehouse (Delta tables hold relative paths, so a copy works)."""
    shutil.copytree(baseline, pipeline.lakehouse_root)
    return pipeline


def run_slice(start: str, end: str, country: str = "de", jobs=(staging_job, cdc_job, gold_job)) -> None:
    for job in jobs:
        job.main(["--start", start, "--end", end, "--country", country])


def gold_values(spark, config) -> dict[tuple, tuple]:
    rows = tables.read_table(spark, config, DAILY_PRODUCTION_TREND).select(GOLD_VALUES).collect()
    return {(r.country, r.date, r.production_type): tuple(r)[3:] for r in rows}


def cdc_state(spark, config) -> dict[tuple, tuple]:
    rows = tables.read_table(spark, config, CDC_PUBLIC_POWER).collect()
    return {
        (r.production_type, r.ts_utc): (r.value_mw, r.fetched_at, r.first_seen_at, r.updated_at) for r in rows
    }


def assert_gold_close(actual: dict[tuple, tuple], expected: dict[tuple, tuple]) -> None:
    """Same keys, and every value equal within 1e-9 relative (sums may add up in another order)."""
    assert actual.keys() == expected.keys()
    for key, values in expected.items():
        assert actual[key] == pytest.approx(values, rel=1e-9, nan_ok=False), key


def independent_daily_energy(spark, config) -> dict[tuple, float]:
    """Σ value × 0.25 h per (local day, production type), read straight from the landed JSON."""
    energy: dict[tuple, float] = defaultdict(float)
    landed = tables.read_table(spark, config, LANDING_ENERGY_CHARTS).filter("http_status = 200").collect()
    for response in landed:
        payload = json.loads(response.payload)
        for series in payload["production_types"]:
            name = series["name"]
            if name in EXCLUDED or name.startswith("Renewable share"):
                continue
            for ts, value in zip(payload["unix_seconds"], series["data"], strict=True):
                day = datetime.fromtimestamp(ts, BERLIN).date()
                energy[(day, name)] += 0.0 if value is None else value * 0.25
    return energy


def test_slice_runs_end_to_end_and_matches_the_raw_responses(spark, baseline, monkeypatch):
    monkeypatch.setenv("LAKEHOUSE_ROOT", str(baseline))
    pipeline = load_config("test")

    landing = tables.read_table(spark, pipeline, LANDING_ENERGY_CHARTS).collect()
    assert sorted(json.loads(r.request_params)["start"] for r in landing) == ["2026-10-20", "2026-10-27"]
    # 9 local days, one of them 25 h long: 9 × 96 + 4 quarter-hours, for each of the 21 series.
    assert tables.read_table(spark, pipeline, STAGING_PUBLIC_POWER).count() == 21 * (9 * 96 + 4)
    assert tables.read_table(spark, pipeline, CDC_PUBLIC_POWER).count() == 21 * (9 * 96 + 4)

    gold = gold_values(spark, pipeline)
    assert len(gold) == 16 * 9  # 21 series less Load, Residual load, trading and two shares
    energy = independent_daily_energy(spark, pipeline)
    for (_, day, production_type), values in gold.items():
        row = dict(zip(GOLD_VALUES[3:], values, strict=True))
        assert row["energy_mwh"] == pytest.approx(energy[(day, production_type)], rel=1e-9)
        assert row["intervals_expected"] == (100 if day == date(2026, 10, 25) else 96)
        assert row["completeness"] == 1.0
    runs = tables.read_table(spark, pipeline, JOB_RUNS).collect()
    assert sorted((r.job, r.status) for r in runs) == [
        ("cdc.public_power", "succeeded"),
        ("staging.public_power", "succeeded"),
        ("transform.daily_production_trend", "succeeded"),
    ]
    cdc_run = next(r for r in runs if r.job == "cdc.public_power")
    assert (cdc_run.rows_inserted, cdc_run.rows_updated) == (21 * (9 * 96 + 4), 0)
    assert json.loads(cdc_run.params)["start"] == "2026-10-20"


def test_revision_is_applied_and_incremental_gold_equals_a_full_rebuild(
    spark, from_baseline, energy_charts_sim
):
    pipeline = from_baseline
    before = gold_values(spark, pipeline)

    energy_charts_sim.revision = 1
    run_slice("2026-10-22", "2026-10-22")

    after = gold_values(spark, pipeline)
    lignite = "Fossil brown coal / lignite"
    assert after[("de", date(2026, 10, 22), lignite)][1] == pytest.approx(
        before[("de", date(2026, 10, 22), lignite)][1] + 950.0 * 96 * 0.25, rel=1e-9
    )
    changed = {k for k in after if after[k] != before[k]}
    # The revised day, and the 7-day means of the six days after it; nothing else moves.
    assert {k[1] for k in changed} == {date(2026, 10, 22) + timedelta(days=i) for i in range(7)}
    assert {k[2] for k in changed} == {lignite, "Solar"}

    gold_job.main(["--country", "de", "--full-refresh"])
    assert_gold_close(gold_values(spark, pipeline), after)


def test_publication_edge_nulls_are_filled_by_a_later_fetch(spark, pipeline, energy_charts_sim):
    energy_charts_sim.now = datetime(2026, 10, 26, 9, 0, tzinfo=timezone.utc)
    run_slice("2026-10-26", "2026-10-26")
    gold = gold_values(spark, pipeline)
    solar = dict(zip(GOLD_VALUES[3:], gold[("de", date(2026, 10, 26), "Solar")], strict=True))
    # 23:00Z … 09:00Z is 41 quarter-hours of a 96 quarter-hour day.
    assert (solar["intervals_reported"], solar["completeness"]) == (41, 41 / 96)

    energy_charts_sim.now = datetime(2026, 10, 28, 12, 0, tzinfo=timezone.utc)
    run_slice("2026-10-26", "2026-10-26")

    cdc = tables.read_table(spark, pipeline, CDC_PUBLIC_POWER).filter(F.col("production_type") == "Load")
    assert cdc.filter(F.col("value_mw").isNull()).count() == 0
    solar = dict(
        zip(GOLD_VALUES[3:], gold_values(spark, pipeline)[("de", date(2026, 10, 26), "Solar")], strict=True)
    )
    assert (solar["intervals_reported"], solar["completeness"]) == (96, 1.0)


def test_malformed_response_fails_the_run_and_writes_nothing(spark, pipeline, energy_charts_sim):
    energy_charts_sim.inject("/public_power", "unequal_arrays", times=5)

    with pytest.raises(
        MalformedResponseError, match=r"/public_power \(country=de, end=2026-10-26, start=2026-10-26\)"
    ):
        staging_job.main(["--start", "2026-10-26", "--end", "2026-10-26", "--country", "de"])

    assert tables.read_table(spark, pipeline, STAGING_PUBLIC_POWER).count() == 0
    run = tables.read_table(spark, pipeline, JOB_RUNS).collect()
    assert [(r.job, r.status) for r in run] == [("staging.public_power", "failed")]
    assert run[0].error.startswith("MalformedResponseError: Energy-Charts /public_power")
