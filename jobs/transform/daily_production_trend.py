"""Recompute gold/daily_production_trend for the local days whose cdc/public_power rows changed
since this job last ran (read from the Change Data Feed), plus the 6 following days whose 7-day
average they move. --full-refresh rebuilds the country from cdc.

    spark-submit jobs/transform/daily_production_trend.py --country de [--full-refresh]

--start/--end are accepted for a uniform command line; the change feed decides which days change.
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import run_cli
from common.incremental import Dates, GoldJob, LocalDays, Source, refresh
from common.runs import job_run
from jobs.lib.daily_production_trend import daily_production_trend, trailing_reach
from jobs.registry import job
from schemas import CDC_PUBLIC_POWER, DAILY_PRODUCTION_TREND

JOB = job("transform.daily_production_trend")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        country, time_zone = args.country, run.config.time_zone(args.country)
        settings = run.config.require("public_power")
        power = Source(CDC_PUBLIC_POWER, "country", country, LocalDays(time_zone), reach=trailing_reach())
        gold = GoldJob(
            target=DAILY_PRODUCTION_TREND,
            scope={"country": country},
            sources=[power],
            transform=lambda power_df: power_df.transform(
                daily_production_trend,
                time_zone=time_zone,
                aliases=settings.get("series_aliases") or {},
                excluded_names=settings["excluded_series"]["names"],
                excluded_patterns=settings["excluded_series"]["patterns"],
                default_interval_h=float(settings["default_interval_minutes"]) / 60.0,
            ),
            rows_unit=Dates("date"),
        )
        refresh(run, gold, args.full_refresh)


if __name__ == "__main__":
    run_cli(main)
