"""gold/underperformance_features: 30-minute power of the configured renewable series beside installed
capacity, local calendar features, lagged and expected capacity factors, and the day-ahead price."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date

from pyspark.sql import DataFrame, Window
from pyspark.sql import functions as F

from common.incremental import NO_DAY
from jobs.lib.daily_production_trend import with_production_type
from schemas.gold import UNDERPERFORMANCE_FEATURES

SERIES = ("country", "production_type")
INTERVAL_S = 1800
DAY_S = 86_400
LAG_DAYS = {"cf_lag_1d": 1, "cf_lag_7d": 7}
AUDIT_COLUMNS = ("run_id", "computed_at")
FEATURE_FIELDS = [f for f in UNDERPERFORMANCE_FEATURES.schema.fields if f.name not in AUDIT_COLUMNS]


def window_reach(expected_days: int, min_expected_values: int) -> int:
    """Later local days a changed day moves (and earlier days a recomputed day reads): expected_days,
    which must cover the longest lag. Raises ValueError for settings that break that assumption or
    that no window can meet."""
    problems = []
    if expected_days < max(LAG_DAYS.values()):
        problems.append(f"expected_days {expected_days} is shorter than the {max(LAG_DAYS.values())}-day lag")
    if not 1 <= min_expected_values <= expected_days:
        problems.append(
            f"min_expected_values {min_expected_values} is not within 1 … expected_days {expected_days}"
        )
    if problems:
        raise ValueError("underperformance_features settings: " + "; ".join(problems))
    return expected_days


def filter_configured_series(df: DataFrame, production_types: Collection[str]) -> DataFrame:
    """Keep the series whose (aliased) production_type is configured."""
    return df.filter(F.col("production_type").isin(sorted(production_types)))


def with_interval_start(df: DataFrame) -> DataFrame:
    """interval_start: ts_utc floored to its 30-minute UTC interval (:00/:30)."""
    epoch_s = F.unix_seconds("ts_utc")
    return df.withColumn("interval_start", F.timestamp_seconds(epoch_s - F.pmod(epoch_s, INTERVAL_S)))


def half_hourly_power(df: DataFrame) -> DataFrame:
    """(country, production_type, interval_start) rows of cdc rows that carry interval_start."""
    return df.groupBy(*SERIES, "interval_start").agg(
        F.avg("value_mw").alias("avg_mw"),
        F.count("value_mw").cast("int").alias("samples"),
    )


def with_local_calendar(df: DataFrame, time_zone: str) -> DataFrame:
    """slot_local, day_of_week_local, month_local, is_weekend and the helper `_local_date`.

    Derived from wall-clock seconds (from_utc_timestamp keeps its value independent of the session
    time zone), so the repeated autumn hour maps onto the same slots as its first pass.
    """
    wall_s = F.unix_seconds(F.from_utc_timestamp("interval_start", time_zone))
    local_date = F.date_from_unix_date(F.floor(wall_s / DAY_S).cast("int"))
    return (
        df.withColumn("_local_date", local_date)
        .withColumn("slot_local", F.floor(F.pmod(wall_s, DAY_S) / INTERVAL_S).cast("int"))
        .withColumn("day_of_week_local", (F.weekday("_local_date") + 1).cast("int"))
        .withColumn("month_local", F.month("_local_date").cast("int"))
        .withColumn("is_weekend", F.col("day_of_week_local") >= 6)
    )


def capacity_series_choice(
    installed_df: DataFrame, capacity_series: Mapping[str, Sequence[str]]
) -> DataFrame:
    """(country, production_type, series): the first configured installed-power series that has at least
    one monthly row for the country, null or not."""
    ranked_df = installed_df.sparkSession.createDataFrame(
        [(ptype, name, rank) for ptype, names in capacity_series.items() for rank, name in enumerate(names)],
        "production_type string, series string, rank int",
    )
    present_df = (
        installed_df.filter(F.col("time_step") == "monthly")
        .select("country", F.col("production_type").alias("series"))
        .distinct()
    )
    return (
        present_df.join(ranked_df, "series").groupBy(*SERIES).agg(F.min_by("series", "rank").alias("series"))
    )


def capacity_change_start(
    changed_df: DataFrame, installed_df: DataFrame, capacity_series: Mapping[str, Sequence[str]]
) -> date | None:
    """The first local day whose rows changed cdc/installed_power rows (`changed_df`, the change feed's
    inserts and post-images) can move, given the country's stored rows (`installed_df`): a day's
    installed_mw is its month's latest capacity at or before it (`with_installed_mw`), so a changed
    monthly row of a configured series moves its month and every later one: the earliest such
    period_start. NO_DAY when no changed row is a monthly row of a configured series (other rows are
    never read), or there is no changed row. None, to rebuild everything, when a series got its first
    monthly rows: that can change the series chosen (`capacity_series_choice`) for every day."""
    configured = sorted({name for names in capacity_series.values() for name in names})
    relevant = (F.col("time_step") == "monthly") & F.col("production_type").isin(configured)
    changed = (
        changed_df.filter(relevant)
        .groupBy(*SERIES)
        .agg(
            F.min("period_start").alias("first_changed"),
            F.count_distinct(F.when(F.col("_change_type") == "insert", F.col("period_start"))).alias("new"),
        )
    )
    stored = installed_df.filter(relevant).groupBy(*SERIES).agg(F.count("*").alias("stored"))
    rows = changed.join(stored, list(SERIES), "left").collect()
    if not rows:
        return NO_DAY
    if any(row["new"] >= (row["stored"] or 0) for row in rows):
        return None
    return min(row["first_changed"] for row in rows)


def with_installed_mw(
    df: DataFrame, installed_df: DataFrame, capacity_series: Mapping[str, Sequence[str]]
) -> DataFrame:
    """installed_mw of the row's local month (rows carry `_local_date`): the chosen series' latest
    non-null monthly capacity at or before that month, GW × 1000; null before the first one."""
    capacity_df = (
        installed_df.filter((F.col("time_step") == "monthly") & F.col("installed_gw").isNotNull())
        .select(
            "country",
            F.col("production_type").alias("series"),
            "period_start",
            (F.col("installed_gw") * 1000.0).alias("installed_mw"),
        )
        .join(capacity_series_choice(installed_df, capacity_series), ["country", "series"])
    )
    with_month_df = df.withColumn("_local_month", F.trunc("_local_date", "month"))
    month_df = (
        with_month_df.select(*SERIES, "_local_month")
        .distinct()
        .join(capacity_df, list(SERIES))
        .filter(F.col("period_start") <= F.col("_local_month"))
        .groupBy(*SERIES, "_local_month")
        .agg(F.max_by("installed_mw", "period_start").alias("installed_mw"))
    )
    return with_month_df.join(month_df, [*SERIES, "_local_month"], "left").drop("_local_month")


def with_capacity_factor(df: DataFrame) -> DataFrame:
    """avg_mw / installed_mw; null when either is null or installed_mw is 0."""
    installed = F.col("installed_mw")
    return df.withColumn("capacity_factor", F.when(installed != 0, F.col("avg_mw") / installed))


def with_cf_lag(df: DataFrame, lag_s: int, name: str) -> DataFrame:
    """capacity_factor of the same series exactly lag_s seconds earlier (UTC, not local clock time)."""
    earlier_df = df.select(
        *SERIES,
        F.timestamp_seconds(F.unix_seconds("interval_start") + lag_s).alias("interval_start"),
        F.col("capacity_factor").alias(name),
    )
    return df.join(earlier_df, [*SERIES, "interval_start"], "left")


def with_expected_cf(df: DataFrame, expected_days: int, min_expected_values: int) -> DataFrame:
    """Mean non-null capacity_factor of the same series and slot_local over the expected_days local
    days before the row's local day (rows carry `_local_date`); null with fewer than
    min_expected_values values."""
    previous_days = (
        Window.partitionBy(*SERIES, "slot_local")
        .orderBy(F.unix_date("_local_date"))
        .rangeBetween(-expected_days, -1)
    )
    enough = F.count("capacity_factor").over(previous_days) >= min_expected_values
    return df.withColumn("expected_cf", F.when(enough, F.avg("capacity_factor").over(previous_days)))


def with_performance_ratio(df: DataFrame) -> DataFrame:
    """capacity_factor / expected_cf; null when either is null or expected_cf is 0."""
    expected = F.col("expected_cf")
    return df.withColumn("performance_ratio", F.when(expected != 0, F.col("capacity_factor") / expected))


def with_is_underperforming(df: DataFrame, ratio_threshold: float, min_expected_cf: float) -> DataFrame:
    """performance_ratio below the threshold while expected_cf is at least min_expected_cf; null where
    performance_ratio is."""
    underperforming = (F.col("performance_ratio") < F.lit(float(ratio_threshold))) & (
        F.col("expected_cf") >= F.lit(float(min_expected_cf))
    )
    return df.withColumn(
        "is_underperforming", F.when(F.col("performance_ratio").isNotNull(), underperforming)
    )


def with_price_eur_mwh(df: DataFrame, price_df: DataFrame) -> DataFrame:
    """Overlap-weighted mean of the non-null prices whose [ts_utc, ts_utc + interval_minutes) overlaps
    [interval_start, interval_start + 30 min); null if none.

    Prices are aligned to their own length of at most 60 minutes, so every price overlapping a 30-minute
    interval starts in the same UTC hour: that hour is the equi-join key.
    """
    prices_df = price_df.filter(F.col("price_eur_mwh").isNotNull()).select(
        F.unix_seconds("ts_utc").alias("_price_start_s"),
        (F.unix_seconds("ts_utc") + F.col("interval_minutes") * 60).alias("_price_end_s"),
        "price_eur_mwh",
    )
    intervals_df = df.select(F.unix_seconds("interval_start").alias("_start_s")).distinct()
    overlap_s = F.least(F.col("_start_s") + INTERVAL_S, F.col("_price_end_s")) - F.greatest(
        F.col("_start_s"), F.col("_price_start_s")
    )
    weighted_df = (
        intervals_df.join(
            prices_df,
            F.floor(F.col("_start_s") / 3600) == F.floor(F.col("_price_start_s") / 3600),
        )
        .withColumn("_overlap_s", overlap_s)
        .filter(F.col("_overlap_s") > 0)
        .groupBy("_start_s")
        # Every joined row has _overlap_s > 0, so the divisor is never 0.
        .agg(
            (F.sum(F.col("price_eur_mwh") * F.col("_overlap_s")) / F.sum("_overlap_s")).alias("price_eur_mwh")
        )
    )
    return (
        df.withColumn("_start_s", F.unix_seconds("interval_start"))
        .join(weighted_df, "_start_s", "left")
        .drop("_start_s")
    )


def select_features(df: DataFrame) -> DataFrame:
    """The gold columns (all but the audit ones) in the spec's order and types."""
    return df.select([F.col(f.name).cast(f.dataType).alias(f.name) for f in FEATURE_FIELDS])


def underperformance_features(
    power_df: DataFrame,
    installed_df: DataFrame,
    price_df: DataFrame,
    *,
    time_zone: str,
    aliases: Mapping[str, str],
    capacity_series: Mapping[str, Sequence[str]],
    expected_days: int = 28,
    min_expected_values: int = 7,
    ratio_threshold: float = 0.5,
    min_expected_cf: float = 0.05,
) -> DataFrame:
    """cdc/public_power rows of one country, its cdc/installed_power rows and its bidding zone's cdc/price
    rows -> gold rows (without audit columns). Lags and expected_cf see only the rows given."""
    return (
        power_df.transform(with_production_type, aliases)
        .transform(filter_configured_series, list(capacity_series))
        .transform(with_interval_start)
        .transform(half_hourly_power)
        .transform(with_local_calendar, time_zone)
        .transform(with_installed_mw, installed_df, capacity_series)
        .transform(with_capacity_factor)
        .transform(with_cf_lag, LAG_DAYS["cf_lag_1d"] * DAY_S, "cf_lag_1d")
        .transform(with_cf_lag, LAG_DAYS["cf_lag_7d"] * DAY_S, "cf_lag_7d")
        .transform(with_expected_cf, expected_days, min_expected_values)
        .transform(with_performance_ratio)
        .transform(with_is_underperforming, ratio_threshold, min_expected_cf)
        .transform(with_price_eur_mwh, price_df)
        .transform(select_features)
    )
