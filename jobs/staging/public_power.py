"""Fetch Energy-Charts public power for a country and local date range; land every response in
landing/energy_charts and its parsed rows in staging/public_power.

    spark-submit jobs/staging/public_power.py --start 2026-10-01 --end 2026-10-31 --country de
"""

from __future__ import annotations

from collections.abc import Sequence

from common.energy_charts import EnergyChartsClient

from common import tables
from common.cli import parse_job_args
from common.runs import job_run
from common.validate import validate
from jobs.lib.landing import landing_rows
from jobs.lib.public_power import parse_public_power
from schemas import LANDING_ENERGY_CHARTS, STAGING_PUBLIC_POWER

JOB = "staging.public_power"


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_job_args(argv, __doc__, needs=("country",))
    with job_run(JOB, args) as run:
        start, end = run.window
        with EnergyChartsClient.from_config(run.config) as client:
            window_days = int(run.config.get("energy_charts.window_days.public_power", 7))
            responses = client.public_power(args.country, start, end, window_days=window_days)
        landing_df = tables.rows_to_df(run.spark, LANDING_ENERGY_CHARTS, landing_rows(responses, run.run_id))
        staged_df = tables.conform(parse_public_power(landing_df, args.country), STAGING_PUBLIC_POWER).cache()
        validate(landing_df, LANDING_ENERGY_CHARTS)
        validate(staged_df, STAGING_PUBLIC_POWER)
        tables.append(run.spark, run.config, LANDING_ENERGY_CHARTS, landing_df)
        tables.append(run.spark, run.config, STAGING_PUBLIC_POWER, staged_df)
        run.rows_in = len(responses)
        run.rows_inserted = staged_df.count()
        run.metrics["responses_404"] = sum(r.http_status == 404 for r in responses)


if __name__ == "__main__":
    main()
