"""gold/sensor_quality_hourly: per registered sensor and complete UTC hour, how many readings arrived
against how many were expected, copies, out-of-range and late readings, and a quality score (formula:
schemas/iot.py QUALITY_SCORE_FORMULA, README "Sensor quality score")."""

from __future__ import annotations

from datetime import datetime

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from common.columns import with_audit
from schemas.iot import REASON_SEPARATOR


def _hour() -> Column:
    return F.expr("INTERVAL 1 HOUR")  # a Column needs the active session: built per call


def with_hour_utc(df: DataFrame) -> DataFrame:
    return df.withColumn("hour_utc", F.date_trunc("hour", "ts_utc"))


def _hour_ranges(bounds_df: DataFrame, registry: DataFrame) -> DataFrame:
    """(sensor_id, site_id, expected_interval_s, _first, _end): a registered sensor's complete hours
    are [_first, _end): from the hour of its first cdc row up to the hour of its site's latest."""
    hours = bounds_df.transform(with_hour_utc)
    first = hours.groupBy("sensor_id").agg(F.min("hour_utc").alias("_first"))
    site_end = hours.groupBy("site_id").agg(F.max("hour_utc").alias("_end"))
    return (
        registry.select("sensor_id", "site_id", "expected_interval_s")
        .join(first, "sensor_id")
        .join(site_end, "site_id")
        .filter(F.col("_first") < F.col("_end"))  # sequence() refuses an empty range
    )


def _explode_hours(df: DataFrame, first: Column, end: Column) -> DataFrame:
    """One row per hour in [first, end) (rows with an empty range dropped)."""
    return (
        df.filter(first < end)
        .withColumn("hour_utc", F.explode(F.sequence(first, end - _hour(), _hour())))
        .drop("_first", "_end")
    )


def sensor_hours(cdc_df: DataFrame, registry: DataFrame) -> DataFrame:
    """(sensor_id, site_id, hour_utc, expected_interval_s): every hour of a registered sensor from the
    hour of its first cdc row up to, not including, the hour of its site's latest cdc row."""
    return _explode_hours(_hour_ranges(cdc_df, registry), F.col("_first"), F.col("_end"))


def due_hours(bounds_df: DataFrame, registry: DataFrame, quality_df: DataFrame) -> DataFrame:
    """(hour_utc): the complete hours of some sensor (`sensor_hours` of all cdc rows, `bounds_df`)
    that gold (`quality_df`) does not hold yet: an hour becomes complete when its site's next hour
    begins, without a change of its own. A sensor's rows in gold are contiguous hours, so the due ones
    lie before the first or after the last held one."""
    held = quality_df.groupBy("sensor_id").agg(F.min("hour_utc").alias("_lo"), F.max("hour_utc").alias("_hi"))
    ranges = _hour_ranges(bounds_df, registry).join(held, "sensor_id", "left")
    before = _explode_hours(ranges, F.col("_first"), F.least(F.coalesce("_lo", "_end"), F.col("_end")))
    after = _explode_hours(
        ranges.filter(F.col("_hi").isNotNull()),
        F.greatest(F.col("_hi") + _hour(), F.col("_first")),
        F.col("_end"),
    )
    return before.select("hour_utc").union(after.select("hour_utc")).distinct()


def _counts(df: DataFrame, name: str, count: Column) -> DataFrame:
    return df.transform(with_hour_utc).groupBy("sensor_id", "hour_utc").agg(count.alias(name))


def with_quality_score(df: DataFrame) -> DataFrame:
    """completeness × (1 − 0.5 × out-of-range share) × (1 − 0.25 × late share): completeness weighs
    most (a silent hour scores 0), then readings out of range, then late ones."""
    out_of_range_share = F.when(
        F.col("received_samples") + F.col("out_of_range_count") > 0,
        F.col("out_of_range_count") / (F.col("received_samples") + F.col("out_of_range_count")),
    ).otherwise(F.lit(0.0))
    late_share = F.when(
        F.col("received_samples") > 0, F.col("late_count") / F.col("received_samples")
    ).otherwise(F.lit(0.0))
    return df.withColumn(
        "quality_score", F.col("completeness") * (1 - 0.5 * out_of_range_share) * (1 - 0.25 * late_share)
    )


def sensor_quality_hourly(
    cdc_df: DataFrame,
    staging_df: DataFrame,
    quarantine_df: DataFrame,
    registry: DataFrame,
    late_after_s: int,
    run_id: str,
    computed_at: datetime,
    bounds_df: DataFrame | None = None,
) -> DataFrame:
    """One row per sensor and complete hour (see `sensor_hours`), silent hours included. Which hours
    are complete comes from `bounds_df` (sensor_id, site_id, ts_utc of every cdc row; default
    `cdc_df`), so an incremental run can pass only the cdc rows of the hours it recomputes."""
    valued = cdc_df.filter(F.col("value").isNotNull())
    is_late = F.col("received_at") > F.col("ts_utc") + F.expr(f"INTERVAL {int(late_after_s)} SECONDS")
    out_of_range = quarantine_df.filter(
        F.col("sensor_id").isNotNull()
        & F.col("ts_utc").isNotNull()
        & F.array_contains(F.split("reason", REASON_SEPARATOR), "out_of_range")
    )
    counts = [
        _counts(valued, "received_samples", F.count_distinct("ts_utc")),
        _counts(valued, "late_count", F.count(F.when(is_late, 1))),
        _counts(staging_df, "duplicate_count", F.count(F.lit(1)) - F.count_distinct("ts_utc")),
        _counts(out_of_range, "out_of_range_count", F.count(F.lit(1))),
    ]
    quality = sensor_hours(cdc_df if bounds_df is None else bounds_df, registry)
    for count_df in counts:
        quality = quality.join(count_df, ["sensor_id", "hour_utc"], "left")
    names = ["received_samples", "late_count", "duplicate_count", "out_of_range_count"]
    return (
        quality.fillna(0, subset=names)
        .withColumn("expected_samples", F.lit(3600.0) / F.col("expected_interval_s"))
        .withColumn(
            "completeness", F.least(F.lit(1.0), F.col("received_samples") / F.col("expected_samples"))
        )
        .transform(with_quality_score)
        .withColumn("date_utc", F.to_date("hour_utc"))
        .transform(with_audit, run_id, computed_at)
    )
