"""Helpers every gold transform shares."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F


def filter_dates(df: DataFrame, dates: Collection[date] | None) -> DataFrame:
    """Keep the rows dated in `dates`; None keeps everything."""
    return df if dates is None else df.filter(F.col("date").isin(sorted(dates)))


def with_audit(df: DataFrame, run_id: str, computed_at: datetime) -> DataFrame:
    return df.withColumn("run_id", F.lit(run_id)).withColumn(
        "computed_at", F.lit(computed_at).cast("timestamp")
    )
