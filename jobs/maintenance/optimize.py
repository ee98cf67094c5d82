"""Weekly maintenance of every Delta table of the lakehouse (data, `ops/` and `quality/` logs alike):
set the retention properties from config, compact small files (OPTIMIZE) and remove files no version
within the retention needs (VACUUM). Contents never change: OPTIMIZE commits carry no data change, so
change feeds and the gold jobs' offsets are unaffected.

    spark-submit jobs/maintenance/optimize.py [--env databricks]

--start/--end are accepted for a uniform command line; the job always covers every table.
"""

from __future__ import annotations

from collections.abc import Sequence

from common.cli import run_cli
from common.maintenance import maintain_table, retention_properties
from common.runs import job_run
from jobs.registry import job
from schemas import ALL_TABLES, JOB_RUNS

JOB = job("maintenance.optimize")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        properties = retention_properties(run.config)
        # ops/job_runs last: this run's own record is written to it while the job runs.
        specs = sorted(ALL_TABLES, key=lambda spec: spec is JOB_RUNS)
        results = [maintain_table(run.spark, run.config, spec, properties) for spec in specs]
        run.metrics.update({r.table: r.as_metrics() for r in results if r.existed})
        run.rows_in = sum(r.existed for r in results)


if __name__ == "__main__":
    run_cli(main)
