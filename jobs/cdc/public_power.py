"""Merge the staged public power of a country and local date range into cdc/public_power: newest
published value per (country, series, interval), revisions applied, nulls never overwriting.

    spark-submit jobs/cdc/public_power.py --start 2026-10-01 --end 2026-10-31 --country de
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import functions as F

from common import quality
from common.cdc import merge_cdc, prepare_batch
from common.cli import run_cli
from common.days import filter_utc_window, local_days_utc_range
from common.runs import job_run
from jobs.registry import job
from schemas import CDC_PUBLIC_POWER, STAGING_PUBLIC_POWER

JOB = job("cdc.public_power")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        start_utc, end_utc = local_days_utc_range(*run.window, run.config.time_zone(args.country))
        staged_df = (
            run.read(STAGING_PUBLIC_POWER)
            .filter(F.col("country") == args.country)
            .transform(filter_utc_window, start_utc, end_utc)
        )
        batch_df = quality.gate(
            run, prepare_batch(staged_df, CDC_PUBLIC_POWER, run.started_at), CDC_PUBLIC_POWER
        )
        metrics = merge_cdc(run.spark, run.config, CDC_PUBLIC_POWER, batch_df)
        run.record_merge(metrics, rows_in=batch_df.count())


if __name__ == "__main__":
    run_cli(main)
