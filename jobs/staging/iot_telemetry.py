"""Stage the IoT landing files exactly once: every line of every new file under landing/iot becomes a
row of staging/iot_telemetry or of its quarantine (with every reason that applies). A streaming file
source with a checkpoint under the lakehouse root remembers which files are done; each micro-batch
writes with Delta transaction ids, so a run killed anywhere and re-run stages every line once.

    spark-submit jobs/staging/iot_telemetry.py [--env local]
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common import quality, tables
from common.cli import run_cli
from common.iot_registry import load_registry
from common.runs import JobRun, job_run
from common.streaming import Txn, checkpoint_path, ensure_folder, read_text_files, run_available_now
from jobs.lib.iot_telemetry import (
    quarantined_rows,
    registry_df,
    staged_rows,
    with_numbered_lines,
    with_parsed_lines,
)
from jobs.registry import job
from schemas import QUARANTINE_STAGING_IOT_TELEMETRY, STAGING_IOT_TELEMETRY

JOB = job("staging.iot_telemetry")


def stage_batch(run: JobRun, registry: DataFrame, files_df: DataFrame, batch_id: int, txn: Txn) -> None:
    """One micro-batch of landing files: parse every line, gate the staged rows with the suite, append
    staging and the quarantined lines (each write idempotent under `txn`)."""
    max_future_s = int(run.config.get("iot.max_future_s", 300))
    parsed_df = files_df.transform(with_numbered_lines).transform(with_parsed_lines, registry, max_future_s)
    parsed_df = parsed_df.cache()
    staged_df = quality.gate(run, staged_rows(parsed_df, run.run_id), STAGING_IOT_TELEMETRY, txn)
    tables.append(run.spark, run.config, STAGING_IOT_TELEMETRY, staged_df, txn)
    # Its own application id: the suite's quarantine (in `gate`) may append to the same table.
    lines_txn = (f"{txn[0]}/lines", txn[1])
    quarantine_df = quarantined_rows(parsed_df, run.run_id, run.started_at)
    tables.append(run.spark, run.config, QUARANTINE_STAGING_IOT_TELEMETRY, quarantine_df, lines_txn)
    counts = parsed_df.agg(
        F.count(F.lit(1)).alias("lines"), F.count(F.when(F.col("reason") == "", 1)).alias("staged")
    ).first()
    for name, value in (("lines", counts.lines), ("staged", counts.staged), ("batches", 1)):
        run.metrics[name] = run.metrics.get(name, 0) + value
    parsed_df.unpersist()


def main(argv: Sequence[str] | None = None) -> None:
    args = JOB.parse_args(argv, __doc__)
    with job_run(JOB.name, args) as run:
        registry = registry_df(run.spark, load_registry(run.config).sensors).cache()
        landing = tables.table_path(tables.storage_root(run.config.lakehouse_root), "landing", "iot")
        ensure_folder(run.spark, landing)
        checkpoint = checkpoint_path(run.config, "staging_iot_telemetry")
        files_df = read_text_files(
            run.spark,
            landing,
            source=str(run.config.get("iot.staging.source", "files")),
            glob="*.jsonl",
            max_files_per_trigger=int(run.config.get("iot.staging.max_files_per_trigger", 500)),
            schema_location=f"{checkpoint}/schema",
        )
        run_available_now(files_df, checkpoint, partial(stage_batch, run, registry))
        run.rows_in = run.metrics.get("lines", 0)
        run.rows_inserted = run.metrics.get("staged", 0)


if __name__ == "__main__":
    run_cli(main)
