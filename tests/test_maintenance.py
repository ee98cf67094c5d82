"""jobs/maintenance/optimize.py on a small lakehouse: every table keeps its contents (and its change
feed), small files are compacted, retention properties come from config, ops/ tables are maintained too,
and a retention shorter than the longest gold gap is refused."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from delta.tables import DeltaTable

from common import tables
from common.cdc import merge_cdc, prepare_batch
from common.columns import with_ts_month
from common.config import ConfigError, load_config
from common.maintenance import retention_properties
from jobs.maintenance import optimize as maintenance_job
from schemas import CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND, JOB_RUNS, STAGING_PUBLIC_POWER

FETCH = datetime(2026, 4, 2, 6, 0)
RUN_TS = datetime(2026, 4, 2, 7, 0, tzinfo=timezone.utc)
# Two UTC months, so the cdc table has two partitions.
INSTANTS = [datetime(2026, 3, 31, 23, 45), datetime(2026, 4, 1, 0, 0)]


def staged(spark, fetch_number: int):
    fetched_at = FETCH + timedelta(hours=fetch_number)
    rows = [
        ("de", series, ts, float(fetch_number * 10 + i), fetched_at, f"run-{fetch_number}")
        for i, (series, ts) in enumerate((s, t) for s in ("Solar", "Wind onshore") for t in INSTANTS)
    ]
    df = spark.createDataFrame(
        rows,
        "country string, production_type string, ts_utc timestamp, value_mw double, fetched_at timestamp, "
        "run_id string",
    )
    return tables.conform(df.transform(with_ts_month), STAGING_PUBLIC_POWER)


def contents(spark, config, spec) -> list[tuple]:
    return sorted(tuple(row) for row in tables.read_table(spark, config, spec).collect())


def change_feed(spark, config, to_version: int) -> list[tuple]:
    return sorted(map(tuple, tables.read_changes(spark, config, CDC_PUBLIC_POWER, 0, to_version).collect()))


def files(spark, config, spec) -> int:
    return DeltaTable.forPath(spark, tables.spec_path(config, spec)).detail().first()["numFiles"]


@pytest.fixture
def small_lakehouse(spark, lakehouse):
    """Three fetches staged (three appends) and merged (three merges, revisions), two run records."""
    for number in range(3):
        batch = staged(spark, number)
        tables.append(spark, lakehouse, STAGING_PUBLIC_POWER, batch)
        merge_cdc(spark, lakehouse, CDC_PUBLIC_POWER, prepare_batch(batch, CDC_PUBLIC_POWER, RUN_TS))
    for run_id in ("r1", "r2"):
        record = {"run_id": run_id, "job": "cdc.public_power", "started_at": RUN_TS, "status": "succeeded"}
        tables.append(spark, lakehouse, JOB_RUNS, tables.rows_to_df(spark, JOB_RUNS, [record]))
    return lakehouse


def test_maintenance_compacts_and_keeps_every_table_and_change_feed(spark, small_lakehouse):
    config = small_lakehouse
    specs = (STAGING_PUBLIC_POWER, CDC_PUBLIC_POWER)
    before = {spec.full_name: contents(spark, config, spec) for spec in specs}
    runs_before = contents(spark, config, JOB_RUNS)
    cdc_version = tables.current_version(spark, config, CDC_PUBLIC_POWER)
    feed_before = sorted(
        map(tuple, tables.read_changes(spark, config, CDC_PUBLIC_POWER, 0, cdc_version).collect())
    )
    files_before = {spec.full_name: files(spark, config, spec) for spec in (*specs, JOB_RUNS)}

    maintenance_job.main(["--env", "test"])

    assert {spec.full_name: contents(spark, config, spec) for spec in specs} == before
    runs = tables.read_table(spark, config, JOB_RUNS).collect()
    assert sorted(tuple(r) for r in runs if r.job != "maintenance.optimize") == runs_before
    # The change feed up to the old version reads the same: OPTIMIZE changes no data.
    feed_after = sorted(
        map(tuple, tables.read_changes(spark, config, CDC_PUBLIC_POWER, 0, cdc_version).collect())
    )
    assert feed_after == feed_before
    expected = retention_properties(load_config("test"))
    for spec in (*specs, JOB_RUNS):
        table = DeltaTable.forPath(spark, tables.spec_path(config, spec))
        assert {k: v for k, v in table.detail().first()["properties"].items() if k in expected} == expected
        operations = {row.operation for row in table.history().collect()}
        assert {"VACUUM START", "VACUUM END"} <= operations, (spec.full_name, operations)
        # Merges rewrite a partition's file: the cdc table has one per month already, nothing to compact.
        assert ("OPTIMIZE" in operations) == (spec is not CDC_PUBLIC_POWER), (spec.full_name, operations)
    # Three appends into two months (at least a file per month each) become one file per month.
    assert files_before[STAGING_PUBLIC_POWER.full_name] >= 6
    assert files(spark, config, STAGING_PUBLIC_POWER) == 2
    assert files(spark, config, CDC_PUBLIC_POWER) == 2 == files_before[CDC_PUBLIC_POWER.full_name]

    (record,) = [r for r in runs if r.job == "maintenance.optimize" and r.status == "succeeded"]
    assert record.rows_in == 3  # the tables that exist; the others are not created
    staging_files = files_before[STAGING_PUBLIC_POWER.full_name]
    assert f'"staging/public_power": {{"files_added": 2, "files_removed": {staging_files}' in record.metrics
    assert '"cdc/public_power": {"files_added": 0, "files_removed": 0' in record.metrics
    assert not DeltaTable.isDeltaTable(spark, tables.spec_path(config, DAILY_PRODUCTION_TREND))


def test_retention_must_outlast_the_longest_gold_gap():
    config = load_config("test")
    settings = {
        **config.settings,
        "maintenance": {**config.settings["maintenance"], "log_retention_days": 30},
    }

    with pytest.raises(ConfigError, match=r"maintenance.log_retention_days must be longer than .*\(30\)"):
        retention_properties(type(config)(env="test", settings=settings))
    assert retention_properties(config) == {
        "delta.logRetentionDuration": "interval 60 days",
        "delta.deletedFileRetentionDuration": "interval 35 days",
    }
