"""Every table of the lakehouse, declared once (see schemas/spec.py).

The table specs are Spark StructTypes and load on first use (PEP 562), so the pure-Python declarations
in this package (schemas.iot_registry, read by the MQTT collector and the site simulator) import
without pyspark."""

from __future__ import annotations

import importlib
from typing import Any

# Exported name -> the module that declares it.
_EXPORTS = {
    "CDC_INSTALLED_POWER": "schemas.energy_charts",
    "CDC_PRICE": "schemas.energy_charts",
    "CDC_PUBLIC_POWER": "schemas.energy_charts",
    "LANDING_ENERGY_CHARTS": "schemas.energy_charts",
    "STAGING_INSTALLED_POWER": "schemas.energy_charts",
    "STAGING_PRICE": "schemas.energy_charts",
    "STAGING_PUBLIC_POWER": "schemas.energy_charts",
    "DAILY_PRICE_WIND": "schemas.gold",
    "DAILY_PRODUCTION_TREND": "schemas.gold",
    "DATA_QUALITY_DAILY": "schemas.gold",
    "UNDERPERFORMANCE_FEATURES": "schemas.gold",
    "CDC_IOT_TELEMETRY": "schemas.iot",
    "SENSOR_QUALITY_HOURLY": "schemas.iot",
    "SENSOR_READINGS_1MIN": "schemas.iot",
    "STAGING_IOT_TELEMETRY": "schemas.iot",
    "DIM_SENSOR": "schemas.solar",
    "DIM_SITE": "schemas.solar",
    "SOLAR_SITE_DAILY": "schemas.solar",
    "CDF_OFFSETS": "schemas.ops",
    "JOB_RUNS": "schemas.ops",
    "QUALITY_BATCHES": "schemas.quality",
    "QUALITY_RESULTS": "schemas.quality",
    "QUARANTINE_STAGING_IOT_TELEMETRY": "schemas.quality",
    "QUARANTINE_STAGING_PUBLIC_POWER": "schemas.quality",
    "QUARANTINE_TABLES": "schemas.quality",
    "quarantine_spec": "schemas.quality",
    "TableSpec": "schemas.spec",
    "column": "schemas.spec",
}

# Every table, in catalogue order (README "Tables"); QUARANTINE_TABLES expands in place.
_ALL_TABLES = (
    "LANDING_ENERGY_CHARTS",
    "STAGING_PUBLIC_POWER",
    "STAGING_PRICE",
    "STAGING_INSTALLED_POWER",
    "CDC_PUBLIC_POWER",
    "CDC_PRICE",
    "CDC_INSTALLED_POWER",
    "DAILY_PRODUCTION_TREND",
    "DAILY_PRICE_WIND",
    "UNDERPERFORMANCE_FEATURES",
    "DATA_QUALITY_DAILY",
    "STAGING_IOT_TELEMETRY",
    "CDC_IOT_TELEMETRY",
    "SENSOR_READINGS_1MIN",
    "SENSOR_QUALITY_HOURLY",
    "DIM_SITE",
    "DIM_SENSOR",
    "SOLAR_SITE_DAILY",
    "JOB_RUNS",
    "CDF_OFFSETS",
    "QUALITY_RESULTS",
    "QUALITY_BATCHES",
    "QUARANTINE_TABLES",
)

__all__ = ["ALL_TABLES", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    if name == "ALL_TABLES":
        tables: list[Any] = []
        for entry in _ALL_TABLES:
            value = __getattr__(entry)
            tables.extend(value if entry == "QUARANTINE_TABLES" else (value,))
        value = tuple(tables)
    elif name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    else:
        raise AttributeError(f"module 'schemas' has no attribute {name!r}")
    globals()[name] = value
    return value
