"""Fetch Energy-Charts day-ahead prices for a bidding zone and local date range; land every
response in landing/energy_charts and its parsed rows in staging/price.

    spark-submit jobs/staging/price.py --start 2026-10-01 --end 2026-10-31 --bidding-zone DE-LU
"""

from __future__ import annotations

from collections.abc import Sequence

from common import quality
from common.cli import run_cli, utc_instant
from common.energy_charts import EnergyChartsClient
from common.progress import FetchProgress
from common.runs import job_run
from common.staging import landing_df, write_landed_and_staged
from jobs.lib.price import parse_price
from jobs.registry import job
from schemas import LANDING_ENERGY_CHARTS, STAGING_PRICE

JOB = job("staging.price")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        start, end = run.window
        switch_utc = utc_instant(run.config.bidding_zone(args.bidding_zone)["price_15min_from"])
        window_days = int(run.config.get("energy_charts.window_days.price", 31))
        with EnergyChartsClient.from_config(run.config) as client:
            responses = client.price(
                args.bidding_zone, start, end, window_days=window_days, progress=FetchProgress(JOB.name)
            )
        landed_df = quality.gate(run, landing_df(run, responses), LANDING_ENERGY_CHARTS)
        staged_df = quality.gate(run, parse_price(landed_df, args.bidding_zone, switch_utc), STAGING_PRICE)
        write_landed_and_staged(run, responses, landed_df, STAGING_PRICE, staged_df)


if __name__ == "__main__":
    run_cli(main)
