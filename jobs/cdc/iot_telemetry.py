"""Merge newly staged IoT readings into cdc/iot_telemetry: per (sensor, instant) the latest received
non-null value (ties: higher seq, then later landing file and line), revisions applied, nulls never
overwriting, copies absorbed. Staging is read as a Delta stream with a checkpoint under the lakehouse
root, so each staged row is merged once and a run with nothing new writes nothing.

    spark-submit jobs/cdc/iot_telemetry.py [--env local]
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from pyspark.sql import DataFrame

from common import quality
from common.cdc import merge_cdc, prepare_batch
from common.cli import run_cli
from common.runs import JobRun, job_run
from common.streaming import Txn, checkpoint_path, read_table_stream, run_available_now
from jobs.registry import job
from schemas import CDC_IOT_TELEMETRY, STAGING_IOT_TELEMETRY

JOB = job("cdc.iot_telemetry")


def merge_batch(run: JobRun, staged_df: DataFrame, batch_id: int, txn: Txn) -> None:
    """One micro-batch of staged rows: deduplicate per key, gate, MERGE (idempotent by its rules:
    a replayed batch finds its values stored and changes nothing)."""
    batch_df = quality.gate(
        run, prepare_batch(staged_df, CDC_IOT_TELEMETRY, run.started_at), CDC_IOT_TELEMETRY, txn
    )
    merged = merge_cdc(run.spark, run.config, CDC_IOT_TELEMETRY, batch_df)
    metrics = {"batch_rows": batch_df.count(), **merged}
    for name, value in metrics.items():
        run.metrics[name] = run.metrics.get(name, 0) + value


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        staged_df = read_table_stream(run.spark, run.config, STAGING_IOT_TELEMETRY)
        run_available_now(
            staged_df, checkpoint_path(run.config, "cdc_iot_telemetry"), partial(merge_batch, run)
        )
        totals = {k: v for k, v in run.metrics.items() if isinstance(v, int)}
        run.record_merge(totals, rows_in=totals.get("batch_rows", 0))


if __name__ == "__main__":
    run_cli(main)
