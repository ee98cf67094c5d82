"""Rebuild gold/data_quality_daily from quality/results and quality/batches: per checked table and
UTC day, the rows checked and quarantined, completeness, expectations evaluated and failed, and the
quality_score (formula: jobs/lib/data_quality_daily.py and the README). The logs hold a few rows per
job run, so every run recomputes every day in one commit.

    spark-submit jobs/transform/data_quality_daily.py

--start/--end/--full-refresh are accepted for a uniform command line; every run is a full rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

from common import quality, tables
from common.cli import run_cli
from common.columns import with_audit
from common.runs import job_run
from jobs.lib.data_quality_daily import data_quality_daily
from jobs.registry import job
from schemas import DATA_QUALITY_DAILY, QUALITY_BATCHES, QUALITY_RESULTS

JOB = job("transform.data_quality_daily")


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        # The logs as they are now: this run's own check appends to them before the write.
        results_df, batches_df = (
            tables.read_table(
                run.spark, run.config, spec, tables.current_version(run.spark, run.config, spec)
            )
            for spec in (QUALITY_RESULTS, QUALITY_BATCHES)
        )
        gold_df = (
            data_quality_daily(results_df, batches_df)
            .transform(with_audit, run.run_id, run.started_at)
            .transform(tables.conform, DATA_QUALITY_DAILY)
        )
        gold_df = quality.gate(run, gold_df, DATA_QUALITY_DAILY)
        tables.replace_where(run.spark, run.config, DATA_QUALITY_DAILY, gold_df, "true")
        run.rows_in = run.rows_inserted = gold_df.count()


if __name__ == "__main__":
    run_cli(main)
