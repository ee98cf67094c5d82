"""Recompute gold/underperformance_features for the local days whose 15-minute values (cdc/public_power)
or prices (cdc/price) changed since this job last ran, plus the 28 following days whose lags and
expected capacity factors they reach. A change of installed capacity (cdc/installed_power) reaches
every later month, so it rebuilds the country, as does --full-refresh.

    spark-submit jobs/transform/underperformance_features.py --country de [--full-refresh]

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
from jobs.lib.gold import with_audit
from jobs.lib.underperformance_features import underperformance_features
from schemas import CDC_INSTALLED_POWER, CDC_PRICE, CDC_PUBLIC_POWER, UNDERPERFORMANCE_FEATURES

JOB = "transform.underperformance_features"

log = get_logger(JOB)


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",), full_refresh=True)
    with job_run(JOB, args) as run:
        country, time_zone = args.country, run.config.time_zone(args.country)
        zone = run.config.require(f"countries.{country}.bidding_zone")
        settings = run.config.require("underperformance_features")
        power, price = (
            Source(CDC_PUBLIC_POWER, "country", country, time_zone),
            Source(CDC_PRICE, "bidding_zone", zone, time_zone),
        )
        installed = Source(CDC_INSTALLED_POWER, "country", country, time_zone, rebuild_on_change=True)
        sources = [power, price, installed]
        plan = plan_refresh(run, sources, args.full_refresh)
        if plan.is_empty:
            log.info("no changes for %s", country)
            run.rows_in = 0
            return
        reach = int(settings["expected_days"])  # lags (1 and 7 days) lie within the expected_cf window
        power_df = run.read(CDC_PUBLIC_POWER).filter(F.col("country") == country)
        price_df = run.read(CDC_PRICE).filter(F.col("bidding_zone") == zone)
        installed_df = run.read(CDC_INSTALLED_POWER).filter(F.col("country") == country)
        write_days = None
        if not plan.full:
            write_days = expand_days(plan.days(power), after=reach) | plan.days(price)
            power_df = power_df.transform(filter_local_days, expand_days(write_days, before=reach), time_zone)
            price_df = price_df.transform(filter_local_days, write_days, time_zone)
        gold_df = underperformance_features(
            power_df,
            installed_df,
            price_df,
            time_zone=time_zone,
            aliases=run.config.get("public_power.series_aliases") or {},
            capacity_series=settings["capacity_series"],
            expected_days=reach,
            min_expected_values=int(settings["min_expected_values"]),
            ratio_threshold=float(settings["ratio_threshold"]),
            min_expected_cf=float(settings["min_expected_cf"]),
        )
        if write_days is not None:
            gold_df = gold_df.transform(
                filter_local_days, write_days, time_zone, ts_column="interval_start", month_column=None
            )
        gold_df = gold_df.transform(with_audit, run.run_id, run.started_at).transform(
            tables.conform, UNDERPERFORMANCE_FEATURES
        )
        gold_df = quality.gate(run, gold_df, UNDERPERFORMANCE_FEATURES)
        write_refresh(run, UNDERPERFORMANCE_FEATURES, gold_df, plan, power)
        save_offsets(run, sources, plan)


if __name__ == "__main__":
    main()
