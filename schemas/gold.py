"""Gold tables: analysis-ready, one row per key, columns defined in the issues as contracts."""

from pyspark.sql.types import (
    DateType,
    DoubleType,
    IntegerType,
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
