"""Merge the staged installed power of a country into cdc/installed_power: newest published capacity
per (country, series, time step, period), revisions applied, nulls never overwriting.

    spark-submit jobs/cdc/installed_power.py --country de

--start/--end are accepted for a uniform command line and ignored: every fetch is the whole history.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import functions as F

from common import quality
from common.cdc import merge_cdc, prepare_batch
from common.cli import run_cli
from common.runs import job_run
from jobs.registry import job
from schemas import CDC_INSTALLED_POWER, STAGING_INSTALLED_POWER

JOB = job("cdc.installed_power")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        staged_df = run.read(STAGING_INSTALLED_POWER).filter(F.col("country") == args.country)
        batch_df = quality.gate(
            run, prepare_batch(staged_df, CDC_INSTALLED_POWER, run.started_at), CDC_INSTALLED_POWER
        )
        metrics = merge_cdc(run.spark, run.config, CDC_INSTALLED_POWER, batch_df)
        run.record_merge(metrics, rows_in=batch_df.count())


if __name__ == "__main__":
    run_cli(main)
