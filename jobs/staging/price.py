"""Fetch Energy-Charts day-ahead prices for a bidding zone and local date range; land every
response in landing/energy_charts and its parsed rows in staging/price.

    spark-submit jobs/staging/price.py --start 2026-10-01 --end 2026-10-31 --bidding-zone DE-LU
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import parse_job_args, utc_instant
from common.energy_charts import EnergyChartsClient
from common.runs import job_run
from common.staging import land_and_stage
from jobs.lib.price import parse_price
from schemas import STAGING_PRICE

JOB = "staging.price"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("bidding_zone",))
    with job_run(JOB, args) as run:
        start, end = run.window
        switch_utc = utc_instant(run.config.bidding_zone(args.bidding_zone)["price_15min_from"])
        window_days = int(run.config.get("energy_charts.window_days.price", 31))
        with EnergyChartsClient.from_config(run.config) as client:
            responses = client.price(args.bidding_zone, start, end, window_days=window_days)
        land_and_stage(
            run, responses, lambda df: parse_price(df, args.bidding_zone, switch_utc), STAGING_PRICE
        )


if __name__ == "__main__":
    main()
