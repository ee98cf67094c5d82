"""Fetch Energy-Charts public power for a country and local date range; land every response in
landing/energy_charts and its parsed rows in staging/public_power.

    spark-submit jobs/staging/public_power.py --start 2026-10-01 --end 2026-10-31 --country de
"""

from __future__ import annotations

from collections.abc import Sequence

from common import quality
from common.cli import run_cli
from common.energy_charts import EnergyChartsClient
from common.progress import FetchProgress
from common.runs import job_run
from common.staging import landing_df, write_landed_and_staged
from jobs.lib.public_power import parse_public_power
from jobs.registry import job
from schemas import LANDING_ENERGY_CHARTS, STAGING_PUBLIC_POWER

JOB = job("staging.public_power")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        start, end = run.window
        window_days = int(run.config.get("energy_charts.window_days.public_power", 7))
        with EnergyChartsClient.from_config(run.config) as client:
            responses = client.public_power(
                args.country, start, end, window_days=window_days, progress=FetchProgress(JOB.name)
            )
        landed_df = quality.gate(run, landing_df(run, responses), LANDING_ENERGY_CHARTS)
        staged_df = quality.gate(run, parse_public_power(landed_df, args.country), STAGING_PUBLIC_POWER)
        write_landed_and_staged(run, responses, landed_df, STAGING_PUBLIC_POWER, staged_df)


if __name__ == "__main__":
    run_cli(main)
