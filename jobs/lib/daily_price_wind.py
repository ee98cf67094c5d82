"""gold/daily_price_wind: a bidding zone's daily day-ahead price statistics beside its country's wind
energy, with the intraday price/wind correlation and trailing 30-day correlations."""

from __future__ import annotations

from collections.abc import Mapping

from pyspark.sql import Column, DataFrame, Window, WindowSpec
from pyspark.sql import functions as F

from common.columns import with_local_date
from jobs.lib.daily_production_trend import daily_production, with_production_type


def trailing_reach(corr_days: int, min_corr_rows: int, min_intraday_pairs: int) -> int:
    """Later days a changed day moves (and earlier days a recomputed day reads): corr_days - 1.
    Raises ValueError for settings no window can meet (a correlation needs two pairs or more)."""
    problems = []
    if min_intraday_pairs < 2:
        problems.append(f"min_intraday_pairs {min_intraday_pairs} is below 2")
    if min_corr_rows < 2:
        problems.append(f"min_corr_rows {min_corr_rows} is below 2")
    if min_corr_rows > corr_days:
        problems.append(f"min_corr_rows {min_corr_rows} exceeds corr_days {corr_days}: never enough rows")
    if problems:
        raise ValueError("daily_price_wind settings: " + "; ".join(problems))
    return corr_days - 1


def with_interval_hours(df: DataFrame) -> DataFrame:
    """interval_h: the price interval's length in hours (1 or 0.25)."""
    return df.withColumn("interval_h", F.col("interval_minutes") / 60.0)


def daily_price_stats(price_df: DataFrame, time_zone: str) -> DataFrame:
    """(bidding_zone, date) price average weighted by interval length, min, max and hours below 0."""
    price, h = F.col("price_eur_mwh"), F.col("interval_h")
    daily = (
        price_df.transform(with_interval_hours)
        .transform(with_local_date, time_zone)
        .groupBy("bidding_zone", "date")
        .agg(
            F.sum(F.when(price.isNotNull(), price * h)).alias("_price_h"),
            F.sum(F.when(price.isNotNull(), h)).alias("_h"),
            F.min(price).alias("price_min_eur_mwh"),
            F.max(price).alias("price_max_eur_mwh"),
            F.sum(F.when(price < 0, h)).alias("_negative_h"),
            F.count(price).alias("_prices"),
        )
    )
    return daily.select(
        "bidding_zone",
        "date",
        (F.col("_price_h") / F.col("_h")).alias("price_avg_eur_mwh"),
        "price_min_eur_mwh",
        "price_max_eur_mwh",
        F.when(F.col("_prices") > 0, F.coalesce(F.col("_negative_h"), F.lit(0.0))).alias(
            "negative_price_hours"
        ),
    )


def filter_wind(power_df: DataFrame, aliases: Mapping[str, str], onshore: str, offshore: str) -> DataFrame:
    """The country's wind series, names mapped through the alias map."""
    return power_df.transform(with_production_type, aliases).filter(
        F.col("production_type").isin(onshore, offshore)
    )


def daily_wind_energy(
    wind_df: DataFrame, time_zone: str, onshore: str, offshore: str, default_interval_h: float
) -> DataFrame:
    """(date, wind_onshore_mwh, wind_offshore_mwh, wind_total_mwh), energy_mwh computed exactly as
    in daily_production_trend (same functions)."""
    daily = wind_df.transform(with_local_date, time_zone).transform(
        daily_production, time_zone, default_interval_h
    )
    energy = daily.groupBy("date").agg(
        F.max(F.when(F.col("production_type") == onshore, F.col("energy_mwh"))).alias("wind_onshore_mwh"),
        F.max(F.when(F.col("production_type") == offshore, F.col("energy_mwh"))).alias("wind_offshore_mwh"),
    )
    on, off = F.col("wind_onshore_mwh"), F.col("wind_offshore_mwh")
    total = F.when(on.isNull() & off.isNull(), F.lit(None)).otherwise(
        F.coalesce(on, F.lit(0.0)) + F.coalesce(off, F.lit(0.0))
    )
    return energy.withColumn("wind_total_mwh", total.cast("double"))


def quarter_hour_wind(wind_df: DataFrame) -> DataFrame:
    """(ts_utc, wind_mw): the sum of the wind series at each instant, null if any of them is null."""
    return wind_df.groupBy("ts_utc").agg(
        F.when(F.count("value_mw") == F.count("*"), F.sum("value_mw")).alias("wind_mw")
    )


def pearson(x: Column, y: Column, min_pairs: int, window: WindowSpec | None = None) -> Column:
    """Pearson correlation over the rows where both are non-null; null with fewer than `min_pairs`
    pairs or zero variance on either side. An aggregate, or a window function over `window`."""
    both = x.isNotNull() & y.isNotNull()
    px, py = F.when(both, x), F.when(both, y)

    def agg(column: Column) -> Column:
        return column if window is None else column.over(window)

    var_x, var_y = agg(F.var_pop(px)), agg(F.var_pop(py))
    # covariance / (σx σy) with try_divide: Spark's corr() divides by zero under ANSI mode.
    correlation = F.try_divide(agg(F.covar_pop(px, py)), F.sqrt(var_x * var_y))
    return F.when((agg(F.count(px)) >= min_pairs) & (var_x > 0) & (var_y > 0), correlation)


def intraday_correlation(
    price_df: DataFrame, wind_qh_df: DataFrame, time_zone: str, min_pairs: int
) -> DataFrame:
    """(date, intraday_corr_price_wind): per price interval [start, start + h) the mean of the non-null
    quarter-hour wind totals inside it, correlated with the price over the zone's local day."""
    prices = price_df.transform(with_interval_hours).select(
        "ts_utc", "price_eur_mwh", "interval_h", F.date_trunc("hour", "ts_utc").alias("hour")
    )
    # Price intervals never exceed an hour and are aligned to their length, so every quarter-hour
    # inside one shares its UTC hour: an equi-join on the hour, then the exact range.
    wind = wind_qh_df.select(
        F.col("ts_utc").alias("qh_ts"), "wind_mw", F.date_trunc("hour", "ts_utc").alias("qh_hour")
    )
    inside = (
        (F.col("qh_hour") == F.col("hour"))
        & (F.col("qh_ts") >= F.col("ts_utc"))
        & (F.unix_timestamp("qh_ts") < F.unix_timestamp("ts_utc") + F.col("interval_h") * 3600)
    )
    per_interval = (
        prices.join(wind, on=inside, how="left")
        .groupBy("ts_utc", "price_eur_mwh")
        .agg(F.avg("wind_mw").alias("wind_mw"))
    )
    return (
        per_interval.transform(with_local_date, time_zone)
        .groupBy("date")
        .agg(pearson(F.col("price_eur_mwh"), F.col("wind_mw"), min_pairs).alias("intraday_corr_price_wind"))
    )


def with_trailing_correlations(df: DataFrame, days: int, min_rows: int) -> DataFrame:
    """corr_30d_*: price_avg against each wind energy over the zone's rows dated date-(days-1) … date."""
    window = Window.partitionBy("bidding_zone").orderBy(F.unix_date("date")).rangeBetween(-(days - 1), 0)
    price = F.col("price_avg_eur_mwh")
    return df.withColumn(
        "corr_30d_price_wind_onshore", pearson(price, F.col("wind_onshore_mwh"), min_rows, window)
    ).withColumn("corr_30d_price_wind_offshore", pearson(price, F.col("wind_offshore_mwh"), min_rows, window))


def daily_price_wind(
    price_df: DataFrame,
    power_df: DataFrame,
    *,
    time_zone: str,
    country_time_zone: str,
    aliases: Mapping[str, str],
    onshore: str,
    offshore: str,
    default_interval_h: float,
    min_intraday_pairs: int,
    corr_days: int,
    min_corr_rows: int,
) -> DataFrame:
    """cdc/price rows of one zone and cdc/public_power rows of its country -> gold rows (no audit)."""
    wind_df = power_df.transform(filter_wind, aliases, onshore, offshore)
    wind_energy = daily_wind_energy(wind_df, country_time_zone, onshore, offshore, default_interval_h)
    intraday = intraday_correlation(price_df, quarter_hour_wind(wind_df), time_zone, min_intraday_pairs)
    return (
        daily_price_stats(price_df, time_zone)
        .join(wind_energy, on="date", how="left")
        .join(intraday, on="date", how="left")
        .transform(with_trailing_correlations, corr_days, min_corr_rows)
    )
