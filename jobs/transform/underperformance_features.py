"""Recompute gold/underperformance_features for the local days whose 15-minute values (cdc/public_power)
or prices (cdc/price) changed since this job last ran, plus the 28 following days whose lags and
expected capacity factors they reach. A change of installed capacity (cdc/installed_power) reaches
every later month: the days from the first month it moves onward are recomputed (the whole country
when a capacity series appears for the first time, or with --full-refresh).

    spark-submit jobs/transform/underperformance_features.py --country de [--full-refresh]

--start/--end are accepted for a uniform command line; the change feeds decide which days change.
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import run_cli
from common.incremental import GoldJob, LocalDays, Source, refresh
from common.runs import job_run
from jobs.lib.underperformance_features import capacity_change_start, underperformance_features, window_reach
from jobs.registry import job
from schemas import CDC_INSTALLED_POWER, CDC_PRICE, CDC_PUBLIC_POWER, UNDERPERFORMANCE_FEATURES

JOB = job("transform.underperformance_features")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        country, time_zone = args.country, run.config.time_zone(args.country)
        zone = run.config.require(f"countries.{country}.bidding_zone")
        settings = run.config.require("underperformance_features")
        expected_days = int(settings["expected_days"])
        min_expected_values = int(settings["min_expected_values"])
        reach, local_days = window_reach(expected_days, min_expected_values), LocalDays(time_zone)
        gold = GoldJob(
            target=UNDERPERFORMANCE_FEATURES,
            scope={"country": country},
            sources=[
                Source(CDC_PUBLIC_POWER, "country", country, local_days, reach=reach),
                # A price moves only the intervals it overlaps.
                Source(CDC_PRICE, "bidding_zone", zone, local_days, reach=0),
                Source(
                    CDC_INSTALLED_POWER,
                    "country",
                    country,
                    rebuild_on_change=True,
                    changed_from=lambda changed_df, installed_df: capacity_change_start(
                        changed_df, installed_df, settings["capacity_series"]
                    ),
                ),
            ],
            transform=lambda power_df, price_df, installed_df: underperformance_features(
                power_df,
                installed_df,
                price_df,
                time_zone=time_zone,
                aliases=run.config.get("public_power.series_aliases") or {},
                capacity_series=settings["capacity_series"],
                expected_days=expected_days,
                min_expected_values=min_expected_values,
                ratio_threshold=float(settings["ratio_threshold"]),
                min_expected_cf=float(settings["min_expected_cf"]),
            ),
            rows_unit=LocalDays(time_zone, ts_column="interval_start", month_column=None),
        )
        refresh(run, gold, args.full_refresh)


if __name__ == "__main__":
    run_cli(main)
