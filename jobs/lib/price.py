"""Day-ahead price: landing responses -> staging rows with their interval length."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from common.columns import conform, with_ts_month
from jobs.lib.responses import fail_response, parsed_responses
from schemas import STAGING_PRICE

ENDPOINT = "/price"


def with_interval_minutes(df: DataFrame, switch_utc: datetime) -> DataFrame:
    """60-minute prices before the zone's switch instant, 15-minute prices from it on."""
    return df.withColumn(
        "interval_minutes", F.when(F.col("ts_utc") >= F.lit(switch_utc), F.lit(15)).otherwise(F.lit(60))
    )


def parse_price(landing_df: DataFrame, bidding_zone: str, switch_utc: datetime) -> DataFrame:
    """Staging rows: one per price of every 200 /price response (the client checked the arrays' lengths).
    A response whose spacing contradicts the interval length the switch instant implies fails the job."""
    responses = parsed_responses(landing_df, ENDPOINT)
    points = responses.select(
        "request_params",
        "fetched_at",
        "run_id",
        F.col("p.unit").alias("unit"),
        F.explode(
            F.arrays_zip(F.col("p.unix_seconds").alias("unix_s"), F.col("p.price").alias("value"))
        ).alias("pt"),
    ).select(
        "request_params",
        "fetched_at",
        "run_id",
        "unit",
        F.timestamp_seconds("pt.unix_s").alias("ts_utc"),
        F.col("pt.value").alias("price_eur_mwh"),
    )
    return (
        points.transform(with_interval_minutes, switch_utc)
        .transform(with_interval_minutes_checked)
        .select(
            F.lit(bidding_zone).alias("bidding_zone"),
            "ts_utc",
            "price_eur_mwh",
            "unit",
            "interval_minutes",
            "fetched_at",
            "run_id",
        )
        .transform(with_ts_month)
        .transform(conform, STAGING_PRICE)
    )


def with_interval_minutes_checked(df: DataFrame) -> DataFrame:
    """interval_minutes, failing the job unless consecutive prices of one response are exactly one
    interval of the earlier price apart (the switch instant in config contradicts the data otherwise)."""
    in_response = Window.partitionBy("run_id", "request_params", "fetched_at").orderBy("ts_utc")
    previous_ts = F.lag("ts_utc").over(in_response)
    previous_minutes = F.lag("interval_minutes").over(in_response)
    gap_s = F.unix_timestamp("ts_utc") - F.unix_timestamp(previous_ts)
    wrong = previous_ts.isNotNull() & (gap_s != previous_minutes * 60)
    problem = F.format_string(
        "%s follows %s after %d s, but a %d-minute price was expected there (interval switch config)",
        F.date_format("ts_utc", "yyyy-MM-dd'T'HH:mm'Z'"),
        F.date_format(previous_ts, "yyyy-MM-dd'T'HH:mm'Z'"),
        gap_s,
        previous_minutes,
    )
    return df.withColumn(
        "interval_minutes",
        F.when(wrong, fail_response(ENDPOINT, problem)).otherwise(F.col("interval_minutes")),
    )
