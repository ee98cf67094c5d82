"""Raw Energy-Charts responses as landing rows."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from common.energy_charts import ApiResponse


def landing_rows(responses: Iterable[ApiResponse], run_id: str) -> list[dict[str, Any]]:
    """One landing row per HTTP response, body kept byte for byte (as text)."""
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
