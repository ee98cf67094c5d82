"""Merge the staged public power of a country and local date range into cdc/public_power: newest
published value per (country, series, interval), revisions applied, nulls never overwriting.

    spark-submit jobs/cdc/public_power.py --start 2026-10-01 --end 2026-10-31 --country de
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import functions as F

from common import quality
from common.cdc import merge_cdc, prepare_batch
from common.cli import parse_job_args
from common.days import filter_utc_window, local_days_utc_range
from common.runs import job_run
from schemas import CDC_PUBLIC_POWER, STAGING_PUBLIC_POWER

JOB = "cdc.public_power"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",))
    with job_run(JOB, args) as run:
        start_utc, end_utc = local_days_utc_range(*run.window, run.config.time_zone(args.country))
        staged_df = (
            run.read(STAGING_PUBLIC_POWER)
            .filter(F.col("country") == args.country)
            .transform(filter_utc_window, start_utc, end_utc)
        )
        batch_df = quality.gate(
            run, prepare_batch(staged_df, CDC_PUBLIC_POWER, run.started_at), CDC_PUBLIC_POWER
        )
        run.record_merge(merge_cdc(run.spark, run.config, CDC_PUBLIC_POWER, batch_df))


if __name__ == "__main__":
    main()
