"""A small IoT and solar lakehouse for the app's sensor and solar-plant pages: a few inline rows per
gold table (gold/dim_site, dim_sensor, sensor_readings_1min, sensor_quality_hourly, solar_site_daily,
and the day-ahead prices the capture-price chart compares with), written with delta-rs in well under a
second, with each table's Arrow schema derived from its TableSpec. No Spark, no jobs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
from deltalake import write_deltalake

from common.tables import table_path
from schemas import (
    DAILY_PRICE_WIND,
    DIM_SENSOR,
    DIM_SITE,
    SENSOR_QUALITY_HOURLY,
    SENSOR_READINGS_1MIN,
    SOLAR_SITE_DAILY,
    TableSpec,
)

_ARROW_TYPES = {
    "string": pa.string(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us", tz="UTC"),
    "double": pa.float64(),
    "int": pa.int32(),
    "bigint": pa.int64(),
    "boolean": pa.bool_(),
}
DAYS = (date(2026, 10, 24), date(2026, 10, 25))  # the second is the 25-hour DST day in Berlin
SITES = ("solar-a", "solar-b")
SENSORS = {
    "solar-a-ac": ("solar-a", "kW"),
    "solar-a-poa": ("solar-a", "W/m2"),
    "solar-b-ac": ("solar-b", "kW"),
}


def arrow_schema(spec: TableSpec) -> pa.Schema:
    return pa.schema(
        [
            pa.field(f.name, _ARROW_TYPES[f.dataType.simpleString()], nullable=f.nullable)
            for f in spec.schema.fields
        ]
    )


def write_rows(root: Path, spec: TableSpec, rows: Sequence[Mapping[str, Any]]) -> None:
    """The rows (dicts by column; a missing column is null) as the table's Delta table under root."""
    columns = {name: [row.get(name) for row in rows] for name in spec.column_names}
    write_deltalake(
        table_path(str(root), spec.layer, spec.name),
        pa.table(columns, schema=arrow_schema(spec)),
        partition_by=list(spec.partition_by) or None,
    )


def utc(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def build_iot_lakehouse(root: Path) -> Path:
    run = {"run_id": "fixture", "computed_at": utc(DAYS[-1], 23)}
    seen = {
        "in_registry": True,
        "first_seen_at": utc(DAYS[0]),
        "updated_at": utc(DAYS[0]),
        "record_hash": "h",
        "extra_json": "{}",
    }
    write_rows(
        root,
        DIM_SITE,
        [
            {
                "site_id": s,
                "name": s.title(),
                "kind": "solar",
                "time_zone": "Europe/Berlin",
                "latitude": 48.0,
                "longitude": 11.0,
                "dc_capacity_kwp": 1000.0,
                "ac_capacity_kw": 800.0,
                "bidding_zone": "DE-LU",
                "country": "de",
                **seen,
            }
            for s in SITES
        ],
    )
    write_rows(
        root,
        DIM_SENSOR,
        [
            {
                "sensor_id": k,
                "site_id": s,
                "kind": u,
                "unit": u,
                "valid_min": 0.0,
                "valid_max": 1500.0,
                "expected_interval_s": 10.0,
                **seen,
            }
            for k, (s, u) in SENSORS.items()
        ],
    )
    readings, quality = [], []
    for day in DAYS:
        for offset, (sensor, (site, _)) in enumerate(SENSORS.items()):
            for minute in range(0, 60, 5):  # 12 minutes of 11:00 UTC, one with no value
                value = None if minute == 30 else 400.0 + 100 * offset + minute
                readings.append(
                    {
                        "sensor_id": sensor,
                        "minute_utc": utc(day, 11, minute),
                        "site_id": site,
                        "mean_value": value,
                        "min_value": value,
                        "max_value": value,
                        "sample_count": 6,
                        "date_utc": day,
                        **run,
                    }
                )
            for hour in range(24):
                quality.append(
                    {
                        "sensor_id": sensor,
                        "hour_utc": utc(day, hour),
                        "site_id": site,
                        "expected_samples": 360.0,
                        "received_samples": 360 - hour,
                        "completeness": (360 - hour) / 360,
                        "duplicate_count": 0,
                        "out_of_range_count": 0,
                        "late_count": 0,
                        "quality_score": 0.0 if hour == 3 else (360 - hour) / 360,
                        "date_utc": day,
                        **run,
                    }
                )
    write_rows(root, SENSOR_READINGS_1MIN, readings)
    write_rows(root, SENSOR_QUALITY_HOURLY, quality)
    write_rows(
        root,
        SOLAR_SITE_DAILY,
        [
            {
                "site_id": site,
                "date": day,
                "minutes_in_day": 1440.0 + 60 * i,
                "ac_power_minutes": 600.0,
                "ac_energy_kwh": 4000.0 - 500 * i - 300 * j,
                "specific_yield_kwh_kwp": 4.0 - 0.5 * i - 0.3 * j,
                "fleet_specific_yield_kwh_kwp": 3.8 - 0.5 * i,
                "performance_ratio": None if (i, j) == (1, 1) else 0.8 - 0.02 * i,
                "performance_ratio_temp_corrected": 0.82 - 0.02 * i,
                "availability": 1.0 - 0.1 * j,
                "capture_price_eur_mwh": 60.0 + 5 * i,
                **run,
            }
            for i, day in enumerate(DAYS)
            for j, site in enumerate(SITES)
        ],
    )
    write_rows(
        root,
        DAILY_PRICE_WIND,
        [
            {"bidding_zone": "DE-LU", "date": day, "price_avg_eur_mwh": 70.0 + i, **run}
            for i, day in enumerate(DAYS)
        ],
    )
    return root
