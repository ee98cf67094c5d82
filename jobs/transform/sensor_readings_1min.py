"""Recompute gold/sensor_readings_1min for the UTC minutes whose cdc/iot_telemetry rows changed since
this job last ran (its Change Data Feed), merged by key with a predicate pruned to those minutes and
their date_utc partitions. --full-refresh rebuilds the table.

    spark-submit jobs/transform/sensor_readings_1min.py [--full-refresh] [--env local]
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import DataFrame

from common.cli import run_cli
from common.incremental import GoldJob, Source, UtcMinutes, refresh
from common.runs import job_run
from jobs.lib.sensor_readings_1min import sensor_readings_1min
from jobs.registry import job
from schemas import CDC_IOT_TELEMETRY, SENSOR_READINGS_1MIN

JOB = job("transform.sensor_readings_1min")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:

        def transform(cdc_df: DataFrame) -> DataFrame:
            return sensor_readings_1min(cdc_df, run.run_id, run.started_at)

        gold = GoldJob(
            target=SENSOR_READINGS_1MIN,
            scope={},
            sources=[Source(CDC_IOT_TELEMETRY, None, None, UtcMinutes("ts_utc", "ts_date"))],
            transform=transform,
            rows_unit=UtcMinutes("minute_utc", "date_utc"),
        )
        refresh(run, gold, args.full_refresh)


if __name__ == "__main__":
    run_cli(main)
