"""The shared steps of the Energy-Charts staging jobs, as plain functions a job's main() calls in its
own data flow (fetch → land → parse → gate → write): the landing rows of the responses, and the write
of landing and staging with the run's counts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

from pyspark.sql import DataFrame

from common import tables
from common.energy_charts import ApiResponse
from common.runs import JobRun
from schemas import LANDING_ENERGY_CHARTS
from schemas.spec import TableSpec


def landing_rows(responses: Iterable[ApiResponse], run_id: str) -> list[dict[str, Any]]:
    """One landing row per HTTP response, body kept as received."""
    return [
        {
            "endpoint": r.endpoint,
            "request_params": r.request_params_json,
            "http_status": r.http_status,
            "fetched_at": r.fetched_at,
            "payload": r.body,
            "payload_sha256": hashlib.sha256(r.body.encode("utf-8")).hexdigest(),
            "run_id": run_id,
            "fetched_date": r.fetched_at.date(),
        }
        for r in responses
    ]


def landing_df(run: JobRun, responses: Sequence[ApiResponse]) -> DataFrame:
    """The responses as rows of landing/energy_charts (not written yet)."""
    return tables.rows_to_df(run.spark, LANDING_ENERGY_CHARTS, landing_rows(responses, run.run_id))


def write_landed_and_staged(
    run: JobRun,
    responses: Sequence[ApiResponse],
    landed_df: DataFrame,
    staging: TableSpec,
    staged_df: DataFrame,
) -> None:
    """Append the checked responses to landing and their checked rows to staging (one commit each),
    and count them in the run record."""
    tables.append(run.spark, run.config, LANDING_ENERGY_CHARTS, landed_df)
    tables.append(run.spark, run.config, staging, staged_df)
    run.rows_in = len(responses)
    run.rows_inserted = staged_df.count()
    run.metrics["responses_404"] = sum(r.http_status == 404 for r in responses)
