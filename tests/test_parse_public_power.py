"""Parsing landed /public_power responses into staging rows, on every real Energy-Charts response."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

import pytest

from common import tables
from jobs.lib.public_power import parse_public_power
from schemas import LANDING_ENERGY_CHARTS
from tests.conftest import FIXTURES

REAL = FIXTURES / "energy_charts"
PUBLIC_POWER_FIXTURES = sorted(p.name for p in REAL.glob("public_power_*.json"))
FETCHED_AT = datetime(2026, 8, 27, 10, 0, tzinfo=timezone.utc)


def landing(
    spark, body: str, status: int = 200, params: str = '{"country":"de"}', endpoint: str = "/public_power"
):
    """A landing/energy_charts batch holding one response."""
    row = {
        "endpoint": endpoint,
        "request_params": params,
        "http_status": status,
        "fetched_at": FETCHED_AT,
        "payload": body,
        "payload_sha256": hashlib.sha256(body.encode()).hexdigest(),
        "run_id": "run-1",
        "fetched_date": FETCHED_AT.date(),
    }
    return tables.rows_to_df(spark, LANDING_ENERGY_CHARTS, [row])


def expected_rows(payload: dict) -> set[tuple]:
    """The independent reading: the i-th value belongs to the i-th timestamp."""
    return {
        (series["name"], datetime.fromtimestamp(ts, timezone.utc).replace(tzinfo=None), value)
        for series in payload["production_types"]
        for ts, value in zip(payload["unix_seconds"], series["data"], strict=True)
    }


@pytest.mark.parametrize("name", PUBLIC_POWER_FIXTURES)
def test_every_real_response_parses_to_one_row_per_series_and_timestamp(spark, name):
    body = (REAL / name).read_text()
    payload = json.loads(body)

    rows = parse_public_power(landing(spark, body), "de").collect()

    assert len(rows) == len(payload["production_types"]) * len(payload["unix_seconds"])
    assert {(r.production_type, r.ts_utc, r.value_mw) for r in rows} == expected_rows(payload)
    assert {(r.country, r.fetched_at, r.run_id) for r in rows} == {
        ("de", FETCHED_AT.replace(tzinfo=None), "run-1")
    }
    assert {r.ts_month for r in rows} == {datetime(2026, 8, 1).date()}


def test_truncated_response_keeps_trailing_nulls_and_revised_one_fills_them(spark):
    def last_point(name: str) -> dict[str, float | None]:
        rows = parse_public_power(landing(spark, (REAL / name).read_text()), "de")
        at = datetime(2026, 8, 19, 9, 0)
        return {r.production_type: r.value_mw for r in rows.filter(rows.ts_utc == at).collect()}

    truncated = last_point("public_power_de_2026-08-19_truncated.json")
    revised = last_point("public_power_de_2026-08-19_revised.json")

    assert {k for k, v in truncated.items() if v is None} == {
        "Load",
        "Residual load",
        "Renewable share of load",
        "Renewable share of generation",
    }
    assert all(revised[k] is not None for k in truncated)


def test_404_and_other_endpoints_give_no_rows(spark):
    real = (REAL / "public_power_de_2026-08-15_1h.json").read_text()

    assert parse_public_power(landing(spark, '{"detail":"Not Found"}', status=404), "de").count() == 0
    assert parse_public_power(landing(spark, real, endpoint="/price"), "de").count() == 0
    assert parse_public_power(landing(spark, real), "de").count() == 21 * 5
