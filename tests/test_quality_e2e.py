"""End to end with bad data: the public-power jobs and the quality indicator job against the simulator
with injected faults — an out-of-range value, a duplicated series (duplicate keys) and a response
whose arrays differ in length. Good rows reach gold, the bad row sits in quarantine with its reason,
the failing runs stop with a clear error and write nothing downstream, and every landed value ends
up exactly once in cdc or in quarantine."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from pyspark.sql import functions as F

from common import tables
from common.config import Config, load_config
from common.energy_charts import MalformedResponseError
from common.quality import QualityError
from jobs.cdc import public_power as cdc_job
from jobs.staging import public_power as staging_job
from jobs.transform import daily_production_trend as gold_job
from jobs.transform import data_quality_daily as quality_job
from schemas import (
    CDC_PUBLIC_POWER,
    DAILY_PRODUCTION_TREND,
    DATA_QUALITY_DAILY,
    JOB_RUNS,
    LANDING_ENERGY_CHARTS,
    QUALITY_BATCHES,
    QUALITY_RESULTS,
    QUARANTINE_STAGING_PUBLIC_POWER,
    STAGING_PUBLIC_POWER,
)
from simulator.energy_charts import OUT_OF_RANGE, EnergyChartsSimulator
from tests.sim_fixtures import SIM_NOW
from tests.test_jobs_e2e import BERLIN, EXCLUDED

pytestmark = pytest.mark.e2e

DAYS = ("2026-10-24", "2026-10-26")  # one request, the 25-hour DST day in the middle
LATER = ("2026-10-27", "2026-10-27")
# The middle (index 146) of 96 + 100 + 96 quarter-hours from 2026-10-23 22:00Z: 2026-10-25 10:30Z,
# a sunny quarter-hour of the DST day.
BAD_TS = datetime(2026, 10, 25, 10, 30)


@dataclass(frozen=True)
class Scenario:
    config: Config
    duplicate_error: str
    malformed_error: str


def staging(start: str, end: str) -> None:
    staging_job.main(["--start", start, "--end", end, "--country", "de"])


@pytest.fixture(scope="module")
def scenario(spark, tmp_path_factory) -> Scenario:
    root: Path = tmp_path_factory.mktemp("quality_e2e") / "lakehouse"
    with pytest.MonkeyPatch.context() as patch, EnergyChartsSimulator(now=SIM_NOW) as simulator:
        patch.setenv("LAKEHOUSE_ROOT", str(root))
        patch.setenv("ENERGY_CHARTS_BASE_URL", simulator.base_url)
        simulator.inject("/public_power", "out_of_range")
        staging(*DAYS)
        simulator.inject("/public_power", "duplicate_key")
        with pytest.raises(QualityError) as duplicate:
            staging(*LATER)
        simulator.inject("/public_power", "unequal_arrays")
        with pytest.raises(MalformedResponseError) as malformed:
            staging(*LATER)
        staging(*LATER)  # the API is well again
        for job in (cdc_job, gold_job):
            job.main(["--start", DAYS[0], "--end", LATER[1], "--country", "de"])
        quality_job.main([])
        return Scenario(load_config("test"), str(duplicate.value), str(malformed.value))


def read(spark, scenario: Scenario, spec):
    return tables.read_table(spark, scenario.config, spec)


def landed_values(spark, scenario: Scenario) -> dict[tuple[str, datetime], float | None]:
    """(series, ts_utc) -> value of every series value in the landed responses, read from the JSON."""
    values: dict[tuple[str, datetime], float | None] = {}
    for response in read(spark, scenario, LANDING_ENERGY_CHARTS).collect():
        payload = json.loads(response.payload)
        for series in payload["production_types"]:
            for ts, value in zip(payload["unix_seconds"], series["data"], strict=True):
                key = (series["name"], datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None))
                assert key not in values, f"{key} landed twice"
                values[key] = value
    return values


def test_the_failing_runs_stop_with_clear_errors_and_land_nothing(spark, scenario):
    assert scenario.duplicate_error.startswith(
        "staging/public_power: quality suite failed: expectation 'key_unique_within_fetch' "
        "(expect_compound_columns_to_be_unique) failed: 192 of 2112 row(s) unexpected, e.g. "
    )
    assert '"production_type": "Solar"' in scenario.duplicate_error
    assert "series 'Solar' has 95 values for 96 timestamps" in scenario.malformed_error

    runs = read(spark, scenario, JOB_RUNS).filter(F.col("job") == "staging.public_power")
    statuses = [
        (r.status, (r.error or "").split(":")[0]) for r in runs.orderBy("started_at", "run_id").collect()
    ]
    assert sorted(statuses) == sorted(
        [
            ("succeeded", ""),
            ("failed", "QualityError"),
            ("failed", "MalformedResponseError"),
            ("succeeded", ""),
        ]
    )
    succeeded = {r.run_id for r in runs.filter(F.col("status") == "succeeded").collect()}
    landing = read(spark, scenario, LANDING_ENERGY_CHARTS)
    assert {r.run_id for r in landing.collect()} == succeeded
    assert {
        r.run_id for r in read(spark, scenario, STAGING_PUBLIC_POWER).select("run_id").distinct().collect()
    } == (succeeded)


def test_the_bad_row_sits_in_quarantine_with_its_reason(spark, scenario):
    quarantine = read(spark, scenario, QUARANTINE_STAGING_PUBLIC_POWER).collect()

    assert [(r.country, r.production_type, r.ts_utc, r.value_mw, r.reason) for r in quarantine] == [
        ("de", "Solar", BAD_TS, OUT_OF_RANGE, "power_within_150_gw")
    ]
    first_run = read(spark, scenario, LANDING_ENERGY_CHARTS).filter(F.col("request_params").contains(DAYS[0]))
    assert quarantine[0].run_id == first_run.first().run_id


def test_every_landed_value_is_once_in_cdc_or_in_quarantine(spark, scenario):
    landed = landed_values(spark, scenario)
    cdc = {
        (r.production_type, r.ts_utc): r.value_mw for r in read(spark, scenario, CDC_PUBLIC_POWER).collect()
    }
    quarantined = {
        (r.production_type, r.ts_utc): r.value_mw
        for r in read(spark, scenario, QUARANTINE_STAGING_PUBLIC_POWER).collect()
    }

    assert read(spark, scenario, CDC_PUBLIC_POWER).count() == len(cdc)
    assert cdc.keys().isdisjoint(quarantined.keys())
    assert {**cdc, **quarantined} == landed
    assert len(landed) == 21 * (4 * 96 + 4)


def test_the_good_rows_reach_gold(spark, scenario):
    landed = landed_values(spark, scenario)
    energy: dict[tuple[date, str], float] = defaultdict(float)
    reported: dict[tuple[date, str], int] = defaultdict(int)
    for (name, ts_utc), value in landed.items():
        if name in EXCLUDED or name.startswith("Renewable share") or (name, ts_utc) == ("Solar", BAD_TS):
            continue
        day = ts_utc.replace(tzinfo=timezone.utc).astimezone(BERLIN).date()
        energy[(day, name)] += 0.0 if value is None else value * 0.25
        reported[(day, name)] += value is not None

    gold = {(r.date, r.production_type): r for r in read(spark, scenario, DAILY_PRODUCTION_TREND).collect()}

    assert gold.keys() == energy.keys()
    for key, row in gold.items():
        assert row.energy_mwh == pytest.approx(energy[key], rel=1e-9, abs=1e-9), key
        assert row.intervals_reported == reported[key], key
    dst_solar = gold[(date(2026, 10, 25), "Solar")]
    assert (dst_solar.intervals_reported, dst_solar.intervals_expected) == (99, 100)


def test_results_and_daily_indicators_record_what_happened(spark, scenario):
    results = read(spark, scenario, QUALITY_RESULTS).filter(F.col("table") == "staging/public_power")
    failed = {
        (r.expectation, r.unexpected_count, r.unexpected_sample)
        for r in results.filter(~F.col("success")).collect()
    }
    assert ("power_within_150_gw", 1, json.dumps([OUT_OF_RANGE])) in failed
    assert {name for name, _, _ in failed} == {"power_within_150_gw", "key_unique_within_fetch"}

    # The indicators, recomputed here from the logs with the documented formula.
    # The indicator job reads the logs as they were when it started: its own check is not among them.
    own = F.col("table") != DATA_QUALITY_DAILY.full_name
    batches = read(spark, scenario, QUALITY_BATCHES).filter(own).collect()
    all_results = read(spark, scenario, QUALITY_RESULTS).filter(own).collect()
    daily = read(spark, scenario, DATA_QUALITY_DAILY).collect()
    assert {(r.table, r.date) for r in daily} == {(b.table, b.evaluated_at.date()) for b in batches} | {
        (r.table, r.evaluated_at.date()) for r in all_results
    }
    assert {r.table for r in daily} == {
        "landing/energy_charts",
        "staging/public_power",
        "cdc/public_power",
        "gold/daily_production_trend",
    }
    for row in daily:
        day_batches = [b for b in batches if (b.table, b.evaluated_at.date()) == (row.table, row.date)]
        day_results = [r for r in all_results if (r.table, r.evaluated_at.date()) == (row.table, row.date)]
        rows, quarantined = sum(b.rows for b in day_batches), sum(b.quarantined_rows for b in day_batches)
        with_completeness = [b for b in day_batches if b.completeness is not None]
        flowed = {b.run_id: b.rows - b.quarantined_rows for b in with_completeness}
        completeness = (
            sum(flowed[b.run_id] * b.completeness for b in with_completeness) / sum(flowed.values())
            if sum(flowed.values())
            else None
        )
        failed_count = sum(not r.success for r in day_results)
        expected_score = (
            0.5 * (1 - quarantined / rows if rows else 1)
            + 0.3 * (1 - failed_count / len(day_results) if day_results else 1)
            + 0.2 * (1 if completeness is None else completeness)
        )
        assert (row.runs, row.rows, row.quarantined_rows) == (len(day_batches), rows, quarantined), row.table
        assert (row.expectations_evaluated, row.expectations_failed) == (len(day_results), failed_count)
        assert row.completeness == (None if completeness is None else pytest.approx(completeness, rel=1e-12))
        assert row.quality_score == pytest.approx(expected_score, rel=1e-12)
    staging_days = [r for r in daily if r.table == "staging/public_power"]
    assert sum(r.quarantined_rows for r in staging_days) == 1
    assert sum(r.runs for r in staging_days) == 3  # the client rejected the malformed response unchecked
