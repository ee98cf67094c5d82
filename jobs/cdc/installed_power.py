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
from common.cli import parse_job_args
from common.runs import job_run
from schemas import CDC_INSTALLED_POWER, STAGING_INSTALLED_POWER

JOB = "cdc.installed_power"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",))
    with job_run(JOB, args) as run:
        staged_df = run.read(STAGING_INSTALLED_POWER).filter(F.col("country") == args.country)
        batch_df = quality.gate(
            run, prepare_batch(staged_df, CDC_INSTALLED_POWER, run.started_at), CDC_INSTALLED_POWER
        )
        run.record_merge(merge_cdc(run.spark, run.config, CDC_INSTALLED_POWER, batch_df))


if __name__ == "__main__":
    main()
