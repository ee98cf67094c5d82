"""Landing and staging of Energy-Charts responses: every response lands raw in
landing/energy_charts, its parsed rows go to the source's staging table; both checked by their
quality suites first (common/quality.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from pyspark.sql import DataFrame

from common import quality, tables
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


def land_and_stage(
    run: JobRun,
    responses: Sequence[ApiResponse],
    parse: Callable[[DataFrame], DataFrame],
    staging: TableSpec,
) -> None:
    """Check the responses (a malformed one fails the run), parse them, check the parsed rows (bad rows
    go to quarantine), then append landing and the passed rows to staging (one commit each)."""
    landing_df = quality.gate(
        run,
        tables.rows_to_df(run.spark, LANDING_ENERGY_CHARTS, landing_rows(responses, run.run_id)),
        LANDING_ENERGY_CHARTS,
    )
    staged_df = quality.gate(run, tables.conform(parse(landing_df), staging), staging)
    tables.append(run.spark, run.config, LANDING_ENERGY_CHARTS, landing_df)
    tables.append(run.spark, run.config, staging, staged_df)
    run.rows_in = len(responses)
    run.rows_inserted = staged_df.count()
    run.metrics["responses_404"] = sum(r.http_status == 404 for r in responses)
