"""Fetch Energy-Charts public power for a country and local date range; land every response in
landing/energy_charts and its parsed rows in staging/public_power.

    spark-submit jobs/staging/public_power.py --start 2026-10-01 --end 2026-10-31 --country de
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import parse_job_args
from common.energy_charts import EnergyChartsClient
from common.runs import job_run
from common.staging import land_and_stage
from jobs.lib.public_power import parse_public_power
from schemas import STAGING_PUBLIC_POWER

JOB = "staging.public_power"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",))
    with job_run(JOB, args) as run:
        start, end = run.window
        window_days = int(run.config.get("energy_charts.window_days.public_power", 7))
        with EnergyChartsClient.from_config(run.config) as client:
            responses = client.public_power(args.country, start, end, window_days=window_days)
        land_and_stage(run, responses, lambda df: parse_public_power(df, args.country), STAGING_PUBLIC_POWER)


if __name__ == "__main__":
    main()
