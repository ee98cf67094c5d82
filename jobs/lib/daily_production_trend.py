"""gold/daily_production_trend: daily energy, statistics and completeness per production type on the
country's local calendar day, with a trailing 7-day mean of energy."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from common.columns import any_of, with_local_date
from common.series import alias_map

GROUP = ("country", "date", "production_type")
AVG_DAYS = 7  # energy_mwh_7d_avg: the mean over date-6 … date


def trailing_reach(avg_days: int = AVG_DAYS) -> int:
    """Later days a changed day moves (and earlier days a recomputed day reads): avg_days - 1."""
    if avg_days < 1:
        raise ValueError(f"daily_production_trend: the energy mean needs 1 day or more, not {avg_days}")
    return avg_days - 1


def with_production_type(df: DataFrame, aliases: Mapping[str, str]) -> DataFrame:
    """Map series names case-insensitively through the alias map; unmapped names stay as sent (the
    rule of common.series, which the app applies without Spark)."""
    if not aliases:
        return df
    mapping = F.create_map(*[F.lit(x) for pair in alias_map(aliases).items() for x in pair])
    return df.withColumn(
        "production_type", F.coalesce(mapping[F.lower("production_type")], F.col("production_type"))
    )


def filter_production_series(
    df: DataFrame, excluded_names: Collection[str], excluded_patterns: Collection[str]
) -> DataFrame:
    """Drop series that are not production types (load, trading, shares), by name or pattern."""
    name = F.col("production_type")
    excluded = any_of(
        [
            F.lower(name).isin([n.lower() for n in excluded_names]),
            *[name.rlike(f"(?i){pattern}") for pattern in excluded_patterns],
        ]
    )
    return df.filter(~excluded)


def daily_production(df: DataFrame, time_zone: str, default_interval_h: float) -> DataFrame:
    """(country, date, production_type) aggregates of cdc rows that already carry `date`.

    interval_h is the smallest spacing between consecutive points of the series that day (the
    configured default when the day has a single point); the expected count is the local day's
    length over it, so DST days expect 92 or 100 quarter-hours.
    """
    spacing = Window.partitionBy(*GROUP).orderBy("ts_utc")
    gap_s = F.unix_timestamp("ts_utc") - F.unix_timestamp(F.lag("ts_utc").over(spacing))
    daily = (
        df.withColumn("_gap_s", gap_s)
        .groupBy(*GROUP)
        .agg(
            F.min(F.when(F.col("_gap_s") > 0, F.col("_gap_s"))).alias("_interval_s"),
            F.sum("value_mw").alias("_sum_mw"),
            F.avg("value_mw").alias("avg_mw"),
            F.min("value_mw").alias("min_mw"),
            F.max("value_mw").alias("max_mw"),
            F.count("value_mw").cast("int").alias("intervals_reported"),
        )
    )
    day_start = F.to_utc_timestamp(F.col("date").cast("timestamp"), time_zone)
    next_day_start = F.to_utc_timestamp(F.date_add("date", 1).cast("timestamp"), time_zone)
    day_hours = (F.unix_timestamp(next_day_start) - F.unix_timestamp(day_start)) / 3600.0
    return (
        daily.withColumn(
            "interval_h", F.coalesce(F.col("_interval_s") / 3600.0, F.lit(float(default_interval_h)))
        )
        .withColumn("energy_mwh", F.col("_sum_mw") * F.col("interval_h"))
        .withColumn("intervals_expected", F.round(day_hours / F.col("interval_h")).cast("int"))
        .withColumn(
            "completeness",
            F.when(F.col("intervals_reported") == 0, F.lit(0.0)).otherwise(
                F.col("intervals_reported") / F.col("intervals_expected")
            ),
        )
        .drop("_interval_s", "_sum_mw")
    )


def with_energy_7d_avg(df: DataFrame, avg_days: int = AVG_DAYS) -> DataFrame:
    """Mean of the non-null energy_mwh of the same country and type over rows dated
    date-(avg_days-1) … date (date-6 … date)."""
    trailing = (
        Window.partitionBy("country", "production_type")
        .orderBy(F.unix_date("date"))
        .rangeBetween(-trailing_reach(avg_days), 0)
    )
    return df.withColumn("energy_mwh_7d_avg", F.avg("energy_mwh").over(trailing))


def daily_production_trend(
    cdc_df: DataFrame,
    time_zone: str,
    aliases: Mapping[str, str],
    excluded_names: Collection[str],
    excluded_patterns: Collection[str],
    default_interval_h: float,
) -> DataFrame:
    """cdc/public_power rows of one country -> gold rows (without audit columns)."""
    return (
        cdc_df.transform(with_production_type, aliases)
        .transform(filter_production_series, excluded_names, excluded_patterns)
        .transform(with_local_date, time_zone)
        .transform(daily_production, time_zone, default_interval_h)
        .transform(with_energy_7d_avg)
    )
