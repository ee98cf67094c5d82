"""`job_run`: the frame around every job's data flow. It loads config, builds the session, gives the
run an id and a clock reading, and records the run in `ops/job_runs` (running → succeeded/failed)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from pyspark.sql import DataFrame, SparkSession

from common import tables
from common.cli import JobArgs, check_config, default_window
from common.config import Config, load_config
from common.log import get_logger
from common.spark import build_spark
from schemas import JOB_RUNS
from schemas.spec import TableSpec

log = get_logger("runs")


def new_run_id(now: datetime) -> str:
    return f"{now.strftime('%Y%m%dT%H%M%SZ')}-{uuid.uuid4().hex[:8]}"


@dataclass
class JobRun:
    job: str
    run_id: str
    started_at: datetime
    spark: SparkSession
    config: Config
    args: JobArgs
    rows_in: int | None = None
    rows_inserted: int | None = None
    rows_updated: int | None = None
    metrics: dict[str, Any] = field(default_factory=dict)

    @property
    def window(self) -> tuple[date, date]:
        """The local days the run covers (defaults: yesterday and the configured look-back)."""
        if self.args.bidding_zone:
            zone = self.config.bidding_zone(self.args.bidding_zone)["time_zone"]
        else:
            zone = self.config.time_zone(self.args.country) if self.args.country else "UTC"
        return default_window(
            self.args.start,
            self.args.end,
            self.started_at,
            zone,
            int(self.config.get("run.lookback_days", 7)),
        )

    def read(self, spec: TableSpec) -> DataFrame:
        return tables.read_table(self.spark, self.config, spec)

    def record_merge(self, metrics: dict[str, int], rows_in: int) -> None:
        """Take the row counts of a Delta MERGE (`tables.merge_metrics`) of `rows_in` source rows into
        the run record."""
        self.metrics.update(metrics)
        self.rows_in = rows_in
        self.rows_inserted = metrics.get("num_inserted_rows", 0)
        self.rows_updated = metrics.get("num_updated_rows", 0)


@contextmanager
def job_run(job: str, args: JobArgs, now: datetime | None = None) -> Iterator[JobRun]:
    config = load_config(args.env)
    check_config(config, args.country, args.bidding_zone)  # a user's mistake fails before Spark starts
    spark = build_spark(f"energy-lakehouse {job}", config)
    started_at = (now or datetime.now(timezone.utc)).replace(microsecond=0)
    run = JobRun(job, new_run_id(started_at), started_at, spark, config, args)
    log.info(
        "%s run %s started (env=%s, root=%s, args=%s)",
        job,
        run.run_id,
        config.env,
        config.lakehouse_root,
        args.as_params(),
    )
    _write_record(run, "running")
    try:
        yield run
    except BaseException as exc:
        log.error("%s run %s failed: %s", job, run.run_id, exc)
        _write_record(run, "failed", error=f"{type(exc).__name__}: {exc}")
        raise
    _write_record(run, "succeeded")
    log.info(
        "%s run %s succeeded: rows_in=%s inserted=%s updated=%s",
        job,
        run.run_id,
        run.rows_in,
        run.rows_inserted,
        run.rows_updated,
    )


def _write_record(run: JobRun, status: str, error: str | None = None) -> None:
    finished = None if status == "running" else datetime.now(timezone.utc).replace(microsecond=0)
    row = {
        "run_id": run.run_id,
        "job": run.job,
        "started_at": run.started_at,
        "finished_at": finished,
        "status": status,
        "params": json.dumps(run.args.as_params(), sort_keys=True),
        "rows_in": run.rows_in,
        "rows_inserted": run.rows_inserted,
        "rows_updated": run.rows_updated,
        "metrics": json.dumps(run.metrics, sort_keys=True, default=str),
        "error": error,
    }
    try:
        if status == "running":
            tables.append_rows(run.spark, run.config, JOB_RUNS, [row])
        else:
            tables.replace_rows(run.spark, run.config, JOB_RUNS, [row])  # the run's 'running' row
    except Exception:
        # The run's own outcome matters more than its log entry: never mask the job's error.
        if status != "failed":
            raise
        log.exception("could not record failed run %s", run.run_id)
