"""Recompute gold/sensor_quality_hourly for the UTC hours whose inputs changed since this job last ran
(the Change Data Feeds of cdc/iot_telemetry, staging/iot_telemetry and its quarantine) and the hours
that have become complete since (a site's hour is complete once its next hour has a cdc row; a silent
hour gets its row then), merged by key with a predicate pruned to those hours and their date_utc
partitions. --full-refresh rebuilds the table (e.g. after a sensor's expected_interval_s changed).

    spark-submit jobs/transform/sensor_quality_hourly.py [--full-refresh] [--env local]
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame

from common.cli import run_cli
from common.incremental import CompletingGoldJob, Source, UtcHours, refresh
from common.iot_registry import load_registry
from common.runs import job_run
from jobs.lib.iot_telemetry import registry_df
from jobs.lib.sensor_quality_hourly import due_hours, sensor_quality_hourly
from jobs.registry import job
from schemas import (
    CDC_IOT_TELEMETRY,
    QUARANTINE_STAGING_IOT_TELEMETRY,
    SENSOR_QUALITY_HOURLY,
    STAGING_IOT_TELEMETRY,
)

JOB = job("transform.sensor_quality_hourly")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        registry = registry_df(run.spark, load_registry(run.config).sensors).cache()
        late_after_s = int(run.config.get("iot.late_after_s", 300))
        # Which hours are complete depends on every cdc row, not only those of the recomputed hours.
        bounds_df = run.read(CDC_IOT_TELEMETRY).select("sensor_id", "site_id", "ts_utc")

        def transform(cdc_df: DataFrame, staging_df: DataFrame, quarantine_df: DataFrame) -> DataFrame:
            return sensor_quality_hourly(
                cdc_df, staging_df, quarantine_df, registry, late_after_s, run.run_id, run.started_at,
                bounds_df=bounds_df,
            )  # fmt: skip

        def pending_hours() -> set:
            due = due_hours(bounds_df, registry, run.read(SENSOR_QUALITY_HOURLY))
            return {row.hour_utc for row in due.collect()}

        hours = UtcHours("ts_utc", "ts_date")
        gold = CompletingGoldJob(
            target=SENSOR_QUALITY_HOURLY,
            scope={},
            sources=[
                # late_count reads received_at, which a reading received again moves: every update counts.
                Source(CDC_IOT_TELEMETRY, None, None, hours, value_changes_only=False),
                Source(STAGING_IOT_TELEMETRY, None, None, hours),
                Source(QUARANTINE_STAGING_IOT_TELEMETRY, None, None, hours),
            ],
            transform=transform,
            rows_unit=UtcHours("hour_utc", "date_utc"),
            pending_units=pending_hours,
        )
        refresh(run, gold, args.full_refresh)


if __name__ == "__main__":
    run_cli(main)
