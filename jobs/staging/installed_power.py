"""Fetch Energy-Charts installed power of a country (the whole history, for every configured time
step); land every response in landing/energy_charts and its parsed rows in staging/installed_power.

    spark-submit jobs/staging/installed_power.py --country de

--start/--end are accepted for a uniform command line and ignored: the API has no date range here.
"""

from __future__ import annotations

from collections.abc import Sequence

from common import quality
from common.cli import run_cli
from common.energy_charts import EnergyChartsClient
from common.runs import job_run
from common.staging import landing_df, write_landed_and_staged
from jobs.lib.installed_power import parse_installed_power
from jobs.registry import job
from schemas import LANDING_ENERGY_CHARTS, STAGING_INSTALLED_POWER

JOB = job("staging.installed_power")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        time_steps = run.config.get("installed_power.time_steps", ["monthly"])
        with EnergyChartsClient.from_config(run.config) as client:
            responses = [client.installed_power(args.country, time_step=step) for step in time_steps]
        landed_df = quality.gate(run, landing_df(run, responses), LANDING_ENERGY_CHARTS)
        staged_df = quality.gate(run, parse_installed_power(landed_df, args.country), STAGING_INSTALLED_POWER)
        write_landed_and_staged(run, responses, landed_df, STAGING_INSTALLED_POWER, staged_df)


if __name__ == "__main__":
    run_cli(main)
