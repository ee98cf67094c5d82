"""Recompute gold/daily_production_trend for the local days whose cdc/public_power rows changed
since this job last ran (read from the Change Data Feed), plus the 6 following days whose 7-day
average they move. --full-refresh rebuilds the country from cdc.

    spark-submit jobs/transform/daily_production_trend.py --country de [--full-refresh]

--start/--end are accepted for a uniform command line; the change feed decides which days change.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyspark.sql import functions as F

from common import quality, tables
from common.cli import parse_job_args
from common.days import expand_days, filter_local_days
from common.incremental import Source, plan_refresh, save_offsets, write_refresh
from common.log import get_logger
from common.runs import job_run
from jobs.lib.daily_production_trend import daily_production_trend
from jobs.lib.gold import filter_dates, with_audit
from schemas import CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND

JOB = "transform.daily_production_trend"
TRAILING_DAYS = 6  # energy_mwh_7d_avg spans date-6 … date

log = get_logger(JOB)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",), full_refresh=True)
    with job_run(JOB, args) as run:
        country, time_zone = args.country, run.config.time_zone(args.country)
        sources = [Source(CDC_PUBLIC_POWER, "country", country, time_zone)]
        plan = plan_refresh(run, sources, args.full_refresh)
        if plan.is_empty:
            log.info("no changes in %s for %s", CDC_PUBLIC_POWER.full_name, country)
            run.rows_in = 0
            return
        cdc_df = run.read(CDC_PUBLIC_POWER).filter(F.col("country") == country)
        write_days = None if plan.full else expand_days(plan.days(sources[0]), after=TRAILING_DAYS)
        if write_days is not None:
            cdc_df = cdc_df.transform(
                filter_local_days, expand_days(write_days, before=TRAILING_DAYS), time_zone
            )
        settings = run.config.require("public_power")
        gold_df = (
            cdc_df.transform(
                daily_production_trend,
                time_zone=time_zone,
                aliases=settings.get("series_aliases") or {},
                excluded_names=settings["excluded_series"]["names"],
                excluded_patterns=settings["excluded_series"]["patterns"],
                default_interval_h=float(settings["default_interval_minutes"]) / 60.0,
            )
            .transform(filter_dates, write_days)
            .transform(with_audit, run.run_id, run.started_at)
            .transform(tables.conform, DAILY_PRODUCTION_TREND)
        )
        gold_df = quality.gate(run, gold_df, DAILY_PRODUCTION_TREND)
        write_refresh(run, DAILY_PRODUCTION_TREND, gold_df, plan, sources[0])
        save_offsets(run, sources, plan)


if __name__ == "__main__":
    main()
