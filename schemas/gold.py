"""Gold tables: analysis-ready, one row per key, columns defined in the issues as contracts."""

from pyspark.sql.types import (
    BooleanType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructType,
    TimestampType,
)

from schemas.spec import TableSpec, column

DAILY_PRODUCTION_TREND = TableSpec(
    layer="gold",
    name="daily_production_trend",
    comment="Daily net production per production type on the country's local calendar day.",
    schema=StructType(
        [
            column("country", StringType(), "Country code, lower case", nullable=False),
            column(
                "date", DateType(), "Local calendar day (country time zone) of the intervals", nullable=False
            ),
            column(
                "production_type",
                StringType(),
                "Series name mapped through the alias map in config",
                nullable=False,
            ),
            column(
                "interval_h",
                DoubleType(),
                "Spacing of the series in hours (0.25 for 15-minute data)",
                nullable=False,
            ),
            column("energy_mwh", DoubleType(), "Σ value_mw × interval_h over non-null values; null if none"),
            column("avg_mw", DoubleType(), "Mean of the non-null values in MW; null if none"),
            column("min_mw", DoubleType(), "Minimum non-null value in MW; null if none"),
            column("max_mw", DoubleType(), "Maximum non-null value in MW; null if none"),
            column("intervals_reported", IntegerType(), "Number of non-null values", nullable=False),
            column(
                "intervals_expected",
                IntegerType(),
                "Local day length / interval (92, 96 or 100 for 15 min)",
                nullable=False,
            ),
            column(
                "completeness",
                DoubleType(),
                "intervals_reported / intervals_expected (0 when none)",
                nullable=False,
            ),
            column(
                "energy_mwh_7d_avg",
                DoubleType(),
                "Mean of non-null energy_mwh of the same country and type over date-6 … date; null if none",
            ),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
        ]
    ),
    keys=("country", "date", "production_type"),
    partition_by=("country",),
)

DAILY_PRICE_WIND = TableSpec(
    layer="gold",
    name="daily_price_wind",
    comment="Daily day-ahead price statistics of a bidding zone beside its country's wind energy, with "
    "intraday and trailing 30-day price/wind correlations.",
    schema=StructType(
        [
            column("bidding_zone", StringType(), "Bidding zone, upper case", nullable=False),
            column("date", DateType(), "Local calendar day in the zone's time zone", nullable=False),
            column(
                "price_avg_eur_mwh",
                DoubleType(),
                "Σ(price × h) / Σh over non-null prices (h = interval hours)",
            ),
            column("price_min_eur_mwh", DoubleType(), "Lowest non-null price"),
            column("price_max_eur_mwh", DoubleType(), "Highest non-null price"),
            column(
                "negative_price_hours",
                DoubleType(),
                "Σh over prices < 0; 0 when prices exist, null when none",
            ),
            column("wind_onshore_mwh", DoubleType(), "energy_mwh of Wind onshore in daily_production_trend"),
            column(
                "wind_offshore_mwh", DoubleType(), "energy_mwh of Wind offshore in daily_production_trend"
            ),
            column(
                "wind_total_mwh", DoubleType(), "Sum of the non-null wind energies; null when both are null"
            ),
            column(
                "intraday_corr_price_wind",
                DoubleType(),
                "Pearson correlation of price and mean quarter-hour wind per price interval; null with < 4 "
                "pairs or zero variance",
            ),
            column(
                "corr_30d_price_wind_onshore",
                DoubleType(),
                "Pearson correlation of price_avg and wind_onshore_mwh over date-29 … date; null with < 10 "
                "rows or zero variance",
            ),
            column(
                "corr_30d_price_wind_offshore",
                DoubleType(),
                "Pearson correlation of price_avg and wind_offshore_mwh over date-29 … date; null with < 10 "
                "rows or zero variance",
            ),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
        ]
    ),
    keys=("bidding_zone", "date"),
    partition_by=("bidding_zone",),
)

UNDERPERFORMANCE_FEATURES = TableSpec(
    layer="gold",
    name="underperformance_features",
    comment="30-minute features per renewable series for predicting underperformance against the "
    "expected capacity factor.",
    schema=StructType(
        [
            column("country", StringType(), "Country code, lower case", nullable=False),
            column(
                "production_type",
                StringType(),
                "Solar, Wind onshore or Wind offshore (config)",
                nullable=False,
            ),
            column(
                "interval_start",
                TimestampType(),
                "UTC start of the 30-minute interval (:00/:30 UTC)",
                nullable=False,
            ),
            column(
                "avg_mw", DoubleType(), "Mean of the non-null 15-minute values in the interval; null if none"
            ),
            column("samples", IntegerType(), "Number of non-null 15-minute values", nullable=False),
            column(
                "installed_mw",
                DoubleType(),
                "Monthly installed capacity × 1000 for the local month (latest earlier non-null month)",
            ),
            column("capacity_factor", DoubleType(), "avg_mw / installed_mw"),
            column("slot_local", IntegerType(), "Local hour × 2 + local minute / 30 (0–47)", nullable=False),
            column(
                "day_of_week_local",
                IntegerType(),
                "Local day of week, 1 = Monday … 7 = Sunday",
                nullable=False,
            ),
            column("month_local", IntegerType(), "Local month 1–12", nullable=False),
            column("is_weekend", BooleanType(), "Local Saturday or Sunday", nullable=False),
            column("cf_lag_1d", DoubleType(), "capacity_factor of the same series exactly 86 400 s earlier"),
            column(
                "cf_lag_7d", DoubleType(), "capacity_factor of the same series exactly 7 × 86 400 s earlier"
            ),
            column(
                "expected_cf",
                DoubleType(),
                "Mean non-null capacity_factor of the same series and slot over the 28 previous local days; "
                "null with < 7 values",
            ),
            column(
                "performance_ratio",
                DoubleType(),
                "capacity_factor / expected_cf; null if either is null or 0",
            ),
            column(
                "is_underperforming",
                BooleanType(),
                "performance_ratio < 0.5 and expected_cf ≥ 0.05 (config); null where performance_ratio is",
            ),
            column(
                "price_eur_mwh",
                DoubleType(),
                "Time-weighted mean of the zone's non-null prices overlapping the interval; null if none",
            ),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
        ]
    ),
    keys=("country", "production_type", "interval_start"),
    partition_by=("country", "production_type"),
)

DATA_QUALITY_DAILY = TableSpec(
    layer="gold",
    name="data_quality_daily",
    comment="Daily quality indicators per checked table, from quality/results and quality/batches of "
    "the runs that evaluated its suite that UTC day. quality_score = 0.5 × (1 − quarantined_rows / rows) "
    "+ 0.3 × (1 − expectations_failed / expectations_evaluated) + 0.2 × completeness, each term 1 when "
    "its denominator is 0 or completeness is null.",
    schema=StructType(
        [
            column("table", StringType(), "Checked table, e.g. staging/public_power", nullable=False),
            column("date", DateType(), "UTC day on which the suite ran (evaluated_at)", nullable=False),
            column("runs", LongType(), "Runs that checked the table that day", nullable=False),
            column("rows", LongType(), "Rows checked, summed over the day's batches", nullable=False),
            column(
                "completeness",
                DoubleType(),
                "Mean of the batches' completeness weighted by their rows that flowed on (0–1); null when no "
                "batch has one",
            ),
            column(
                "expectations_evaluated",
                LongType(),
                "Expectation evaluations that day (one per expectation of the suite and run)",
                nullable=False,
            ),
            column(
                "expectations_failed",
                LongType(),
                "Evaluations that failed, errors and warnings alike",
                nullable=False,
            ),
            column("quarantined_rows", LongType(), "Rows held back in quarantine that day", nullable=False),
            column(
                "quality_score", DoubleType(), "See the table comment; 1 is perfect, 0 worst", nullable=False
            ),
            column("run_id", StringType(), "Run that computed the row (audit)", nullable=False),
            column("computed_at", TimestampType(), "When the row was computed (audit)", nullable=False),
        ]
    ),
    keys=("table", "date"),
)
