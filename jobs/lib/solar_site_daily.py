"""gold/solar_site_daily: daily KPIs of the solar sites (IEC 61724-1 style) on each site's local
calendar day, from the 1-minute means of its sensors, the zone's day-ahead prices and the national
Solar fleet (README "Solar plant KPIs" defines every column)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from common.columns import local_date
from jobs.lib.daily_production_trend import daily_production_trend
from jobs.lib.underperformance_features import with_installed_mw
from schemas.iot_registry import SOLAR
from schemas.solar import SOLAR_SITE_DAILY

MINUTE_H = 1.0 / 60.0  # Δt of a 1-minute mean, in hours
STC_IRRADIANCE_KW_M2 = 1.0  # the reference irradiance G_ref of the reference yield
T_REF_C = 25.0  # module temperature of the rated power
KIND_COLUMNS = {
    "ac_power": "ac_power_kw",
    "irradiance_poa": "irradiance_w_m2",
    "module_temperature": "t_module_c",
}
SUMMED_KINDS = ("ac_power",)  # several sensors of one kind: power adds up, the others are averaged


@dataclass(frozen=True)
class SolarSettings:
    """config `solar`: the thresholds of the KPI definitions."""

    min_reference_yield_h: float = 0.1
    gamma_per_c: float = -0.0035
    daylight_w_m2: float = 50.0
    producing_share: float = 0.005

    @classmethod
    def from_config(cls, settings: Mapping[str, float]) -> SolarSettings:
        return cls(
            **{name: float(value) for name, value in settings.items() if name in cls.__dataclass_fields__}
        )


def site_minutes(readings_df: DataFrame, sensors_df: DataFrame) -> DataFrame:
    """(site_id, minute_utc) with ac_power_kw (sum over the site's ac_power sensors with a mean that
    minute), irradiance_w_m2 and t_module_c (mean over their sensors with a mean); null where no sensor of
    the kind has a mean. Every minute with a 1-minute row of any of the site's sensors is kept."""
    kinds_df = sensors_df.select("sensor_id", "kind")
    value, kind = F.col("mean_value"), F.col("kind")
    aggregates = [
        (F.sum if k in SUMMED_KINDS else F.avg)(F.when(kind == k, value)).alias(name)
        for k, name in KIND_COLUMNS.items()
    ]
    return readings_df.join(kinds_df, "sensor_id").groupBy("site_id", "minute_utc").agg(*aggregates)


def with_site_day(df: DataFrame, sites_df: DataFrame) -> DataFrame:
    """The solar sites' attributes, `date` (the site's local day of minute_utc) and minutes_in_day;
    minutes of other sites are dropped."""
    site_columns = ["site_id", "time_zone", "dc_capacity_kwp", "ac_capacity_kw", "bidding_zone", "country"]
    solar_df = sites_df.filter(F.col("kind") == SOLAR).select(*site_columns)
    tz = F.col("time_zone")
    day_start = F.to_utc_timestamp(F.col("date").cast("timestamp"), tz)
    next_start = F.to_utc_timestamp(F.date_add("date", 1).cast("timestamp"), tz)
    return (
        df.join(solar_df, "site_id")
        .withColumn("date", F.to_date(F.from_utc_timestamp("minute_utc", tz)))
        .withColumn("minutes_in_day", (F.unix_timestamp(next_start) - F.unix_timestamp(day_start)) / 60.0)
    )


def with_minute_price(df: DataFrame, price_df: DataFrame) -> DataFrame:
    """price_eur_mwh: the non-null day-ahead price of the site's zone whose interval [ts_utc, ts_utc +
    interval_minutes) contains the minute (the shortest one if intervals overlap); null if none.

    Prices are at most 60 minutes long and aligned to their length, so the interval holding a minute
    starts in the minute's UTC hour: that hour is the equi-join key."""
    prices_df = price_df.filter(F.col("price_eur_mwh").isNotNull()).select(
        F.col("bidding_zone").alias("_zone"),
        F.date_trunc("hour", "ts_utc").alias("_hour"),
        F.unix_seconds("ts_utc").alias("_start_s"),
        (F.unix_seconds("ts_utc") + F.col("interval_minutes") * 60).alias("_end_s"),
        F.col("interval_minutes").alias("_minutes"),
        F.col("price_eur_mwh").alias("_price"),
    )
    minutes_df = df.select("bidding_zone", "minute_utc").filter(F.col("bidding_zone").isNotNull()).distinct()
    minute_s = F.unix_seconds("minute_utc")
    matched_df = (
        minutes_df.join(
            prices_df,
            (F.col("_zone") == F.col("bidding_zone"))
            & (F.col("_hour") == F.date_trunc("hour", "minute_utc")),
        )
        .filter((F.col("_start_s") <= minute_s) & (minute_s < F.col("_end_s")))
        .groupBy("bidding_zone", "minute_utc")
        .agg(F.min_by("_price", "_minutes").alias("price_eur_mwh"))
    )
    return df.join(matched_df, ["bidding_zone", "minute_utc"], "left")


def _sum_h(column: F.Column, condition: F.Column) -> F.Column:
    """Σ column · Δt over the minutes where `condition` holds (null if none)."""
    return F.sum(F.when(condition, column)) * F.lit(MINUTE_H)


def daily_kpis(df: DataFrame, settings: SolarSettings) -> DataFrame:
    """(site_id, date) KPIs of the site minutes (with site attributes and minute prices)."""
    ac, g, t_mod = F.col("ac_power_kw"), F.col("irradiance_w_m2"), F.col("t_module_c")
    has_ac, has_g = ac.isNotNull(), g.isNotNull()
    both, all_three = has_ac & has_g, has_ac & has_g & t_mod.isNotNull()
    daylight = has_ac & (g >= F.lit(settings.daylight_w_m2))
    temp_factor = F.lit(1.0) + F.lit(settings.gamma_per_c) * (t_mod - F.lit(T_REF_C))
    price = F.col("price_eur_mwh")
    daily = df.groupBy("site_id", "date").agg(
        F.first("minutes_in_day").alias("minutes_in_day"),
        F.first("dc_capacity_kwp").alias("dc_capacity_kwp"),
        F.first("bidding_zone").alias("bidding_zone"),
        F.first("country").alias("country"),
        F.count(ac).cast("double").alias("ac_power_minutes"),
        _sum_h(ac, has_ac).alias("ac_energy_kwh"),
        _sum_h(g / 1000.0, has_g).alias("poa_irradiation_kwh_m2"),
        _sum_h(ac, both).alias("_pr_ac_kwh"),
        _sum_h(g / 1000.0, both).alias("_pr_ref_h"),
        _sum_h(ac, all_three).alias("_prt_ac_kwh"),
        _sum_h(g / 1000.0, all_three).alias("_prt_ref_h"),
        _sum_h(g / 1000.0 * temp_factor, all_three).alias("_prt_ref_corrected_h"),
        F.count(F.when(daylight, True)).alias("_daylight_minutes"),
        F.count(
            F.when(daylight & (ac > F.lit(settings.producing_share) * F.col("ac_capacity_kw")), True)
        ).alias("_producing_minutes"),
        F.max(ac).alias("peak_ac_power_kw"),
        _sum_h(ac / 1000.0 * price, has_ac & price.isNotNull()).alias("_market_value_eur"),
        F.count(F.when((ac > 0) & price.isNull(), True)).alias("_unpriced_producing_minutes"),
    )
    min_ref = F.lit(settings.min_reference_yield_h)
    dc, energy = F.col("dc_capacity_kwp"), F.col("ac_energy_kwh")
    priced = F.col("bidding_zone").isNotNull() & (F.col("_unpriced_producing_minutes") == 0)
    market_value = F.when(priced, F.coalesce(F.col("_market_value_eur"), F.lit(0.0)))
    return (
        daily.withColumn("specific_yield_kwh_kwp", energy / dc)
        .withColumn("reference_yield_h", F.col("poa_irradiation_kwh_m2") / F.lit(STC_IRRADIANCE_KW_M2))
        .withColumn(
            "performance_ratio",
            F.when(F.col("_pr_ref_h") >= min_ref, F.col("_pr_ac_kwh") / (dc * F.col("_pr_ref_h"))),
        )
        .withColumn(
            "performance_ratio_temp_corrected",
            F.when(
                F.col("_prt_ref_h") >= min_ref, F.col("_prt_ac_kwh") / (dc * F.col("_prt_ref_corrected_h"))
            ),
        )
        .withColumn(
            "availability",
            F.when(F.col("_daylight_minutes") > 0, F.col("_producing_minutes") / F.col("_daylight_minutes")),
        )
        .withColumn("data_completeness", F.col("ac_power_minutes") / F.col("minutes_in_day"))
        .withColumn("market_value_eur", F.when(energy.isNotNull(), market_value))
        .withColumn(
            "capture_price_eur_mwh", F.when(energy != 0, F.col("market_value_eur") / (energy / 1000.0))
        )
    )


def fleet_specific_yield(
    power_df: DataFrame,
    installed_df: DataFrame,
    *,
    time_zone: str,
    production_type: str,
    aliases: Mapping[str, str],
    excluded_names: Collection[str],
    excluded_patterns: Collection[str],
    default_interval_h: float,
    capacity_series: Mapping[str, Sequence[str]],
) -> DataFrame:
    """(country, date, fleet_specific_yield_kwh_kwp): the country's `production_type` energy_mwh of the
    local day, exactly as gold/daily_production_trend computes it, over its installed capacity in MW by
    underperformance_features' capacity-series rules (MWh / MW = kWh/kWp); null without capacity."""
    energy_df = (
        power_df.transform(
            daily_production_trend,
            time_zone=time_zone,
            aliases=aliases,
            excluded_names=excluded_names,
            excluded_patterns=excluded_patterns,
            default_interval_h=default_interval_h,
        )
        .filter(F.col("production_type") == production_type)
        .withColumn("_local_date", F.col("date"))
    )
    capacity = {production_type: capacity_series[production_type]}
    installed = F.col("installed_mw")
    return energy_df.transform(with_installed_mw, installed_df, capacity).select(
        "country",
        "date",
        F.when(installed > 0, F.col("energy_mwh") / installed).alias("fleet_specific_yield_kwh_kwp"),
    )


def with_fleet(df: DataFrame, fleet_df: DataFrame) -> DataFrame:
    """fleet_specific_yield_kwh_kwp of the site's country that day and relative_to_fleet = site / fleet."""
    fleet = F.col("fleet_specific_yield_kwh_kwp")
    return df.join(fleet_df, ["country", "date"], "left").withColumn(
        "relative_to_fleet", F.when(fleet != 0, F.col("specific_yield_kwh_kwp") / fleet)
    )


def solar_site_daily(
    readings_df: DataFrame,
    sensors_df: DataFrame,
    sites_df: DataFrame,
    price_df: DataFrame,
    fleet_df: DataFrame,
    settings: SolarSettings,
) -> DataFrame:
    """gold/sensor_readings_1min rows, gold/dim_sensor, gold/dim_site, cdc/price rows of the sites' zones
    and the fleet yields (fleet_specific_yield) -> gold rows (without audit columns)."""
    return (
        site_minutes(readings_df, sensors_df)
        .transform(with_site_day, sites_df)
        .transform(with_minute_price, price_df)
        .transform(daily_kpis, settings)
        .transform(with_fleet, fleet_df)
        .transform(select_kpis)
    )


def select_kpis(df: DataFrame) -> DataFrame:
    """The gold columns (all but the audit ones) in the spec's order and types."""
    fields = [f for f in SOLAR_SITE_DAILY.schema.fields if f.name not in ("run_id", "computed_at")]
    return df.select([F.col(f.name).cast(f.dataType).alias(f.name) for f in fields])


def site_local_date(time_zone: str) -> F.Column:
    """The local day of minute_utc in one site's time zone (the job's unit of recompute)."""
    return local_date("minute_utc", time_zone)
