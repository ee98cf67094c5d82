"""Fetch Energy-Charts installed power of a country (the whole history, for every configured time
step); land every response in landing/energy_charts and its parsed rows in staging/installed_power.

    spark-submit jobs/staging/installed_power.py --country de

--start/--end are accepted for a uniform command line and ignored: the API has no date range here.
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import parse_job_args
from common.energy_charts import EnergyChartsClient
from common.runs import job_run
from common.staging import land_and_stage
from jobs.lib.installed_power import parse_installed_power
from schemas import STAGING_INSTALLED_POWER

JOB = "staging.installed_power"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",))
    with job_run(JOB, args) as run:
        time_steps = run.config.get("installed_power.time_steps", ["monthly"])
        with EnergyChartsClient.from_config(run.config) as client:
            responses = [client.installed_power(args.country, time_step=step) for step in time_steps]
        land_and_stage(
            run, responses, lambda df: parse_installed_power(df, args.country), STAGING_INSTALLED_POWER
        )


if __name__ == "__main__":
    main()
