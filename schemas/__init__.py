"""Every table of the lakehouse, declared once (see schemas/spec.py)."""

from schemas.energy_charts import (
    CDC_PUBLIC_POWER,
    LANDING_ENERGY_CHARTS,
    STAGING_PUBLIC_POWER,
)
from schemas.gold import DAILY_PRODUCTION_TREND
from schemas.ops import CDF_OFFSETS, JOB_RUNS
from schemas.spec import TableSpec, column

ALL_TABLES: tuple[TableSpec, ...] = (
    LANDING_ENERGY_CHARTS,
    STAGING_PUBLIC_POWER,
    CDC_PUBLIC_POWER,
    DAILY_PRODUCTION_TREND,
    JOB_RUNS,
    CDF_OFFSETS,
)

__all__ = [
    "ALL_TABLES",
    "CDC_PUBLIC_POWER",
    "CDF_OFFSETS",
    "DAILY_PRODUCTION_TREND",
    "JOB_RUNS",
    "LANDING_ENERGY_CHARTS",
    "STAGING_PUBLIC_POWER",
    "TableSpec",
    "column",
]
