"""Recompute gold/daily_price_wind for the local days whose prices (cdc/price) or wind values
(cdc/public_power of the zone's country) changed since this job last ran, plus the 29 following
days whose 30-day correlations they move. --full-refresh rebuilds the zone.

    spark-submit jobs/transform/daily_price_wind.py --bidding-zone DE-LU [--full-refresh]

--start/--end are accepted for a uniform command line; the change feeds decide which days change.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from common.cli import run_cli
from common.incremental import Dates, GoldJob, LocalDays, Source, refresh
from common.runs import job_run
from jobs.lib.daily_price_wind import daily_price_wind, trailing_reach
from jobs.registry import job
from schemas import CDC_PRICE, CDC_PUBLIC_POWER, DAILY_PRICE_WIND

JOB = job("transform.daily_price_wind")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        zone_name, zone = args.bidding_zone, run.config.bidding_zone(args.bidding_zone)
        country, settings = zone["country"], run.config.require("daily_price_wind")
        country_time_zone = run.config.time_zone(country)
        corr_days, min_corr_rows = int(settings["corr_days"]), int(settings["min_corr_rows"])
        min_intraday_pairs = int(settings["min_intraday_pairs"])
        reach = trailing_reach(corr_days, min_corr_rows, min_intraday_pairs)
        gold = GoldJob(
            target=DAILY_PRICE_WIND,
            scope={"bidding_zone": zone_name},
            sources=[
                Source(CDC_PRICE, "bidding_zone", zone_name, LocalDays(zone["time_zone"]), reach=reach),
                # Wind is summed per local day of the country, and a gold row joins that day's wind.
                Source(CDC_PUBLIC_POWER, "country", country, LocalDays(country_time_zone), reach=reach),
            ],
            transform=partial(
                daily_price_wind,
                time_zone=zone["time_zone"],
                country_time_zone=country_time_zone,
                aliases=run.config.get("public_power.series_aliases") or {},
                onshore=settings["wind_onshore"],
                offshore=settings["wind_offshore"],
                default_interval_h=float(run.config.require("public_power.default_interval_minutes")) / 60.0,
                min_intraday_pairs=min_intraday_pairs,
                corr_days=corr_days,
                min_corr_rows=min_corr_rows,
            ),
            rows_unit=Dates("date"),
        )
        refresh(run, gold, args.full_refresh)


if __name__ == "__main__":
    run_cli(main)
