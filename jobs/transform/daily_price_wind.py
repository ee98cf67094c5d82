"""Recompute gold/daily_price_wind for the local days whose prices (cdc/price) or wind values
(cdc/public_power of the zone's country) changed since this job last ran, plus the 29 following
days whose 30-day correlations they move. --full-refresh rebuilds the zone.

    spark-submit jobs/transform/daily_price_wind.py --bidding-zone DE-LU [--full-refresh]

--start/--end are accepted for a uniform command line; the change feeds decide which days change.
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
from jobs.lib.daily_price_wind import daily_price_wind
from jobs.lib.gold import filter_dates, with_audit
from schemas import CDC_PRICE, CDC_PUBLIC_POWER, DAILY_PRICE_WIND

JOB = "transform.daily_price_wind"

log = get_logger(JOB)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("bidding_zone",), full_refresh=True)
    with job_run(JOB, args) as run:
        zone_name, zone = args.bidding_zone, run.config.bidding_zone(args.bidding_zone)
        country, settings = zone["country"], run.config.require("daily_price_wind")
        country_time_zone = run.config.time_zone(country)
        sources = [
            Source(CDC_PRICE, "bidding_zone", zone_name, zone["time_zone"]),
            # Wind is summed per local day of the country, and a gold row joins that day's wind.
            Source(CDC_PUBLIC_POWER, "country", country, country_time_zone),
        ]
        plan = plan_refresh(run, sources, args.full_refresh)
        if plan.is_empty:
            log.info("no changes for %s", zone_name)
            run.rows_in = 0
            return
        trailing = int(settings["corr_days"]) - 1
        price_df = run.read(CDC_PRICE).filter(F.col("bidding_zone") == zone_name)
        power_df = run.read(CDC_PUBLIC_POWER).filter(F.col("country") == country)
        write_days = None
        if not plan.full:
            write_days = expand_days(plan.days(sources[0]) | plan.days(sources[1]), after=trailing)
            read_days = expand_days(write_days, before=trailing)
            price_df = price_df.transform(filter_local_days, read_days, zone["time_zone"])
            power_df = power_df.transform(filter_local_days, read_days, country_time_zone)
        gold_df = (
            daily_price_wind(
                price_df,
                power_df,
                time_zone=zone["time_zone"],
                country_time_zone=country_time_zone,
                aliases=run.config.get("public_power.series_aliases") or {},
                onshore=settings["wind_onshore"],
                offshore=settings["wind_offshore"],
                default_interval_h=float(run.config.require("public_power.default_interval_minutes")) / 60.0,
                min_intraday_pairs=int(settings["min_intraday_pairs"]),
                corr_days=int(settings["corr_days"]),
                min_corr_rows=int(settings["min_corr_rows"]),
            )
            .transform(filter_dates, write_days)
            .transform(with_audit, run.run_id, run.started_at)
            .transform(tables.conform, DAILY_PRICE_WIND)
        )
        gold_df = quality.gate(run, gold_df, DAILY_PRICE_WIND)
        write_refresh(run, DAILY_PRICE_WIND, gold_df, plan, sources[0])
        save_offsets(run, sources, plan)


if __name__ == "__main__":
    main()
