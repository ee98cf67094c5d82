"""gold/sensor_readings_1min: cdc readings resampled to UTC minutes (mean, min, max and count of the
non-null values); a minute whose readings are all null still gets a row, with count 0."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.columns import with_audit


def with_minute_utc(df: DataFrame) -> DataFrame:
    """The UTC minute a reading falls in: [minute, minute + 60 s) holds ts_utc."""
    return df.withColumn("minute_utc", F.date_trunc("minute", "ts_utc"))


def sensor_readings_1min(cdc_df: DataFrame, run_id: str, computed_at: datetime) -> DataFrame:
    """One row per (sensor, minute) with at least one cdc row."""
    return (
        cdc_df.transform(with_minute_utc)
        .groupBy("sensor_id", "minute_utc")
        .agg(
            F.max("site_id").alias("site_id"),
            F.avg("value").alias("mean_value"),
            F.min("value").alias("min_value"),
            F.max("value").alias("max_value"),
            F.count("value").alias("sample_count"),
        )
        .withColumn("date_utc", F.to_date("minute_utc"))
        .transform(with_audit, run_id, computed_at)
    )
