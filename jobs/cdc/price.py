"""Merge the staged day-ahead prices of a bidding zone and local date range into cdc/price: newest
published price per (zone, interval), revisions applied, nulls never overwriting.

    spark-submit jobs/cdc/price.py --start 2026-10-01 --end 2026-10-31 --bidding-zone DE-LU
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
from schemas import CDC_PRICE, STAGING_PRICE

JOB = job("cdc.price")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        zone = run.config.bidding_zone(args.bidding_zone)
        start_utc, end_utc = local_days_utc_range(*run.window, zone["time_zone"])
        staged_df = (
            run.read(STAGING_PRICE)
            .filter(F.col("bidding_zone") == args.bidding_zone)
            .transform(filter_utc_window, start_utc, end_utc)
        )
        batch_df = prepare_batch(staged_df, CDC_PRICE, run.started_at)
        batch_df = quality.gate(run, batch_df, CDC_PRICE)
        run.record_merge(merge_cdc(run.spark, run.config, CDC_PRICE, batch_df), rows_in=batch_df.count())


if __name__ == "__main__":
    run_cli(main)
