"""Energy-Charts tables: raw responses (landing), parsed rows per fetch (staging), merged current
state (cdc). Partitioned by country and UTC month so window reads and merges prune."""

from pyspark.sql.types import (
    ArrayType,
    DateType,
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
    TimestampType,
)

from schemas.spec import TableSpec, column

# --- API payloads (the bodies landed in landing/energy_charts) ------------------------------------------
# Declared once: the parsers read bodies with them, and the client's check (common/energy_charts.py)
# requires the keys declared non-nullable before anything lands.

# `production_types` of /public_power and /installed_power: named series of values (null = none).
SERIES_FIELD = StructField(
    "production_types",
    ArrayType(StructType([StructField("name", StringType()), StructField("data", ArrayType(DoubleType()))])),
    nullable=False,
)
PAYLOAD_SCHEMAS: dict[str, StructType] = {
    "/public_power": StructType(
        [StructField("unix_seconds", ArrayType(LongType()), nullable=False), SERIES_FIELD]
    ),
    "/price": StructType(
        [
            StructField("unix_seconds", ArrayType(LongType()), nullable=False),
            StructField("price", ArrayType(DoubleType()), nullable=False),
            StructField("unit", StringType(), nullable=False),
        ]
    ),
    "/installed_power": StructType(
        [
            StructField("time", ArrayType(StringType()), nullable=False),
            SERIES_FIELD,
            StructField("last_update", LongType()),
        ]
    ),
}


def required_payload_keys(endpoint: str) -> tuple[str, ...]:
    """The keys a 200 body of `endpoint` must have."""
    return tuple(f.name for f in PAYLOAD_SCHEMAS[endpoint].fields if not f.nullable)


def cdc_audit_columns(
    seen_at: str = "fetched_at",
    seen_at_comment: str = "Fetch time of the stored value (newest fetch confirming it)",
) -> list[StructField]:
    """The bookkeeping columns every cdc table carries after its value columns; `seen_at` is the
    spec's first `order_by` column (when the stored value was fetched or received)."""
    not_null = {"nullable": False}
    return [
        column(seen_at, TimestampType(), seen_at_comment, **not_null),
        column("first_seen_at", TimestampType(), "Run time when the key first arrived", **not_null),
        column("updated_at", TimestampType(), "Run time of the last change of value (revision)", **not_null),
        column("record_hash", StringType(), "SHA-256 of the value columns, for change detection", **not_null),
    ]  # fmt: skip


LANDING_ENERGY_CHARTS = TableSpec(
    layer="landing",
    name="energy_charts",
    comment="Every Energy-Charts HTTP response as received, one row per request (404s included).",
    schema=StructType(
        [
            column("endpoint", StringType(), "API path, e.g. /public_power", nullable=False),
            column(
                "request_params", StringType(), "Query parameters as JSON with sorted keys", nullable=False
            ),
            column(
                "http_status", IntegerType(), "HTTP status of the final answer (200 or 404)", nullable=False
            ),
            column("fetched_at", TimestampType(), "UTC instant the response arrived", nullable=False),
            column("payload", StringType(), "Raw response body"),
            column("payload_sha256", StringType(), "SHA-256 of the raw body (hex)"),
            column("run_id", StringType(), "Run of staging job that fetched it", nullable=False),
            column("fetched_date", DateType(), "UTC date of fetched_at (partition)", nullable=False),
        ]
    ),
    keys=("run_id", "endpoint", "request_params"),
    partition_by=("endpoint", "fetched_date"),
)

STAGING_PUBLIC_POWER = TableSpec(
    layer="staging",
    name="public_power",
    comment="Net public power per production type and 15-minute interval, one row per fetch.",
    schema=StructType(
        [
            column("country", StringType(), "Country code as requested, lower case", nullable=False),
            column("production_type", StringType(), "Series name exactly as the API sent it", nullable=False),
            column("ts_utc", TimestampType(), "Interval start, UTC", nullable=False),
            column(
                "value_mw", DoubleType(), "Mean power over the interval in MW; null = not (yet) published"
            ),
            column(
                "fetched_at", TimestampType(), "When the response holding this value arrived", nullable=False
            ),
            column("run_id", StringType(), "Run of the staging job", nullable=False),
            column(
                "ts_month", DateType(), "First day of the UTC month of ts_utc (partition)", nullable=False
            ),
        ]
    ),
    keys=("country", "production_type", "ts_utc", "fetched_at"),
    partition_by=("country", "ts_month"),
)

CDC_PUBLIC_POWER = TableSpec(
    layer="cdc",
    name="public_power",
    comment="Current value per (country, series, interval): newest published value wins, nulls never "
    "overwrite. Change Data Feed on.",
    schema=StructType(
        [
            column("country", StringType(), "Country code, lower case", nullable=False),
            column("production_type", StringType(), "Series name exactly as the API sent it", nullable=False),
            column("ts_utc", TimestampType(), "Interval start, UTC", nullable=False),
            column("value_mw", DoubleType(), "Mean power over the interval in MW; null = never published"),
            *cdc_audit_columns(),
            column(
                "ts_month", DateType(), "First day of the UTC month of ts_utc (partition)", nullable=False
            ),
        ]
    ),
    keys=("country", "production_type", "ts_utc"),
    partition_by=("country", "ts_month"),
    change_data_feed=True,
    value_column="value_mw",
)

STAGING_PRICE = TableSpec(
    layer="staging",
    name="price",
    comment="Day-ahead price per bidding zone and price interval, one row per fetch.",
    schema=StructType(
        [
            column(
                "bidding_zone",
                StringType(),
                "Bidding zone as requested, upper case (e.g. DE-LU)",
                nullable=False,
            ),
            column("ts_utc", TimestampType(), "Start of the price interval, UTC", nullable=False),
            column("price_eur_mwh", DoubleType(), "Day-ahead price in EUR/MWh; null = not (yet) published"),
            column("unit", StringType(), "Unit string exactly as the API sent it"),
            column(
                "interval_minutes",
                IntegerType(),
                "Length of the price interval: 60, or 15 from the zone's switch",
                nullable=False,
            ),
            column(
                "fetched_at", TimestampType(), "When the response holding this value arrived", nullable=False
            ),
            column("run_id", StringType(), "Run of the staging job", nullable=False),
            column(
                "ts_month", DateType(), "First day of the UTC month of ts_utc (partition)", nullable=False
            ),
        ]
    ),
    keys=("bidding_zone", "ts_utc", "fetched_at"),
    partition_by=("bidding_zone", "ts_month"),
)

STAGING_INSTALLED_POWER = TableSpec(
    layer="staging",
    name="installed_power",
    comment="Installed capacity per production type and period (whole history per fetch), one row per fetch",
    schema=StructType(
        [
            column("country", StringType(), "Country code as requested, lower case", nullable=False),
            column("production_type", StringType(), "Series name exactly as the API sent it", nullable=False),
            column("time_step", StringType(), "monthly or yearly", nullable=False),
            column(
                "period_start", DateType(), "First day of the month (MM.YYYY) or year (YYYY)", nullable=False
            ),
            column("installed_gw", DoubleType(), "Installed capacity in GW as sent (battery capacity: GWh)"),
            column("last_update", TimestampType(), "The API's last_update of the dataset, UTC"),
            column("fetched_at", TimestampType(), "When the response arrived", nullable=False),
            column("run_id", StringType(), "Run of the staging job", nullable=False),
        ]
    ),
    keys=("country", "production_type", "time_step", "period_start", "fetched_at"),
    partition_by=("country",),
)

CDC_PRICE = TableSpec(
    layer="cdc",
    name="price",
    comment="Current day-ahead price per (bidding zone, interval): newest published value wins, nulls never "
    "overwrite. Change Data Feed on.",
    schema=StructType(
        [
            column("bidding_zone", StringType(), "Bidding zone, upper case", nullable=False),
            column("ts_utc", TimestampType(), "Start of the price interval, UTC", nullable=False),
            column("price_eur_mwh", DoubleType(), "Day-ahead price in EUR/MWh; null = never published"),
            column("unit", StringType(), "Unit string exactly as the API sent it"),
            column(
                "interval_minutes", IntegerType(), "Length of the price interval (60 or 15)", nullable=False
            ),
            *cdc_audit_columns(),
            column(
                "ts_month", DateType(), "First day of the UTC month of ts_utc (partition)", nullable=False
            ),
        ]
    ),
    keys=("bidding_zone", "ts_utc"),
    partition_by=("bidding_zone", "ts_month"),
    change_data_feed=True,
    value_column="price_eur_mwh",
    payload_columns=("unit", "interval_minutes"),
)

CDC_INSTALLED_POWER = TableSpec(
    layer="cdc",
    name="installed_power",
    comment="Current installed capacity per (country, series, time step, period). Change Data Feed on.",
    schema=StructType(
        [
            column("country", StringType(), "Country code, lower case", nullable=False),
            column("production_type", StringType(), "Series name exactly as the API sent it", nullable=False),
            column("time_step", StringType(), "monthly or yearly", nullable=False),
            column("period_start", DateType(), "First day of the month or year", nullable=False),
            column(
                "installed_gw",
                DoubleType(),
                "Installed capacity in GW (battery capacity: GWh); null = not published",
            ),
            *cdc_audit_columns(),
        ]
    ),
    keys=("country", "production_type", "time_step", "period_start"),
    partition_by=("country",),
    change_data_feed=True,
    value_column="installed_gw",
)
