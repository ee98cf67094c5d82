"""Public power: landing responses -> staging rows."""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, LongType, StructField, StructType

from jobs.lib.responses import SERIES_FIELD, parsed_responses, with_series_data_checked

ENDPOINT = "/public_power"

PAYLOAD_SCHEMA = StructType(
    [
        StructField("unix_seconds", ArrayType(LongType())),
        SERIES_FIELD,
    ]
)


def parse_public_power(landing_df: DataFrame, country: str) -> DataFrame:
    """One row per (series, timestamp) of every 200 /public_power response; values are matched to
    unix_seconds by array position, and a response whose arrays differ in length fails the job."""
    responses = parsed_responses(landing_df, ENDPOINT, PAYLOAD_SCHEMA, ("unix_seconds", "production_types"))
    series = responses.select(
        "fetched_at",
        "run_id",
        "request_params",
        F.col("p.unix_seconds").alias("unix_seconds"),
        F.explode("p.production_types").alias("series"),
    )
    checked = series.transform(with_series_data_checked, ENDPOINT, "unix_seconds", "timestamps")
    points = checked.select(
        "fetched_at",
        "run_id",
        F.col("series.name").alias("production_type"),
        F.explode(F.arrays_zip(F.col("unix_seconds").alias("unix_s"), F.col("data").alias("value"))).alias(
            "pt"
        ),
    )
    return points.select(
        F.lit(country).alias("country"),
        "production_type",
        F.timestamp_seconds("pt.unix_s").alias("ts_utc"),
        F.col("pt.value").alias("value_mw"),
        "fetched_at",
        "run_id",
    ).transform(with_ts_month)


def with_ts_month(df: DataFrame) -> DataFrame:
    """First day of the UTC month of ts_utc: the partition column (session time zone is UTC)."""
    return df.withColumn("ts_month", F.trunc(F.to_date("ts_utc"), "month"))
